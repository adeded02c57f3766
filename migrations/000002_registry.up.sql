-- The registry: MCP servers and their tools, scopes and group → scope
-- mappings, and a change counter every replica watches.

CREATE TABLE servers (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    -- The proxy path /{path}/...: one lowercase segment.
    path            text        NOT NULL UNIQUE CHECK (path ~ '^[a-z0-9_-]{1,64}$'),
    display_name    text        NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    description     text        NOT NULL DEFAULT '',
    upstream_url    text        NOT NULL,
    transport       text        NOT NULL CHECK (transport IN ('streamable-http', 'sse')),
    tags            text[]      NOT NULL DEFAULT '{}',
    enabled         boolean     NOT NULL DEFAULT true,
    license         text        NOT NULL DEFAULT '',
    -- How the gateway authenticates to the upstream. Secret values are
    -- AES-GCM sealed by the application; the database never sees them.
    egress_auth     text        NOT NULL DEFAULT 'none'
                                CHECK (egress_auth IN ('none', 'bearer', 'headers', 'passthrough')),
    egress_token    bytea,
    -- [{"name": "X-Api-Key", "value": "<base64 sealed>"}]
    egress_headers  jsonb       NOT NULL DEFAULT '[]'::jsonb,
    -- Filled by the health poller.
    health_status   text        NOT NULL DEFAULT 'unknown'
                                CHECK (health_status IN ('unknown', 'healthy', 'unhealthy', 'auth-required', 'disabled')),
    health_error    text        NOT NULL DEFAULT '',
    latency_ms      integer,
    last_checked_at timestamptz,
    last_healthy_at timestamptz,
    -- Optimistic concurrency: every write increments it; clients send it
    -- back in If-Match.
    version         bigint      NOT NULL DEFAULT 1,
    created_by      text        NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_by      text        NOT NULL DEFAULT '',
    updated_at      timestamptz NOT NULL DEFAULT now()
);
-- Display names are unique regardless of case: scope rules may name a
-- server by its display name (seed 001), so two must never share one.
CREATE UNIQUE INDEX servers_display_name_key ON servers (lower(display_name));
CREATE INDEX servers_tags_idx ON servers USING gin (tags);

CREATE TABLE server_tools (
    server_id             uuid        NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    name                  text        NOT NULL,
    description           text        NOT NULL DEFAULT '',
    input_schema          jsonb       NOT NULL DEFAULT '{}'::jsonb,
    annotations           jsonb,
    -- SHA-256 over the description and input schema: a change after the
    -- tool was first seen is flagged (definition_changed_at).
    definition_hash       text        NOT NULL,
    first_seen_at         timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    definition_changed_at timestamptz,
    PRIMARY KEY (server_id, name)
);
CREATE INDEX server_tools_name_idx ON server_tools (lower(name));

CREATE TABLE scopes (
    name        text        PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 1024),
    description text        NOT NULL DEFAULT '',
    -- [{"server", "permissions"?, "methods"?, "tools"?, "ui"?}]; a missing
    -- key is not an empty list (see domain.Rule), which is why this is JSON.
    rules       jsonb       NOT NULL DEFAULT '[]'::jsonb,
    -- Export keeps the order scopes were defined in.
    position    bigint      GENERATED ALWAYS AS IDENTITY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Group names come from identity providers too (Entra ID object ids), so
-- mappings do not reference the groups table.
CREATE TABLE group_scopes (
    group_name text        PRIMARY KEY CHECK (length(group_name) BETWEEN 1 AND 1024),
    scopes     text[]      NOT NULL,
    position   bigint      GENERATED ALWAYS AS IDENTITY,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row: bumped by every registry write, so a replica can tell whether
-- its in-memory snapshot is current.
CREATE TABLE registry_state (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version   bigint  NOT NULL
);
INSERT INTO registry_state (version) VALUES (1);

CREATE INDEX audit_events_target_idx ON audit_events (target_type, target, id DESC);
