-- Servers registered from a seed file (SEED_SERVERS_FILE): one row per
-- seed entry ever applied, by the path the entry names. A seed is applied
-- once per database: an administrator who then edits, renames or deletes
-- the server keeps that change across restarts, because the row stays.
-- server_id is the server the seed created; NULL when the path (or the
-- display name) was already taken and the entry was skipped. No foreign
-- key: the row must outlive the server.

CREATE TABLE seeded_servers (
    path       text        PRIMARY KEY,
    server_id  uuid,
    seeded_at  timestamptz NOT NULL DEFAULT now()
);
