-- Health history: every stored health check of a server, so the dashboard
-- can show how a server fared over time. The poller keeps the newest 200
-- rows per server, pruning in the statement batch that appends a row.

CREATE TABLE server_health_checks (
    id         bigserial   PRIMARY KEY,
    server_id  uuid        NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    checked_at timestamptz NOT NULL,
    status     text        NOT NULL,
    error      text        NOT NULL DEFAULT '',
    -- NULL when the check did not time the server.
    latency_ms integer,
    -- The server's tool count once the result was stored: what the check
    -- found when healthy, otherwise the count it kept.
    tool_count integer     NOT NULL DEFAULT 0
);
-- Serves both the history read (newest first) and the pruning.
CREATE INDEX server_health_checks_server_checked_at_idx ON server_health_checks (server_id, checked_at DESC);
