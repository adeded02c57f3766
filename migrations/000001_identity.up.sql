-- Users, groups, membership and the audit trail: the foundation every later
-- migration builds on.

CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      text        NOT NULL CHECK (length(username) BETWEEN 1 AND 128),
    display_name  text        NOT NULL DEFAULT '',
    email         text        NOT NULL DEFAULT '',
    -- 'local' for users who sign in with a password, otherwise the name of
    -- the identity provider the user came from.
    auth_source   text        NOT NULL DEFAULT 'local',
    -- The identity provider's subject; NULL for local users.
    subject       text,
    -- argon2id in PHC string form; NULL when the user has no local password.
    password_hash text,
    disabled      boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    last_login_at timestamptz
);

-- Usernames are unique regardless of case: "Admin" and "admin" are one user.
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE UNIQUE INDEX users_subject_key ON users (auth_source, subject) WHERE subject IS NOT NULL;

CREATE TABLE groups (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Group names come verbatim from identity providers, so they are
    -- case-sensitive.
    name        text        NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 256),
    description text        NOT NULL DEFAULT '',
    -- 'local' for groups managed here, otherwise the identity provider that
    -- first reported the group.
    source      text        NOT NULL DEFAULT 'local',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE user_groups (
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    group_id   bigint      NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, group_id)
);
CREATE INDEX user_groups_group_id_idx ON user_groups (group_id);

-- The registry-level groups of seed 001.
INSERT INTO groups (name, description) VALUES
    ('mcp-admin', 'Registry administrators: every permission on every server'),
    ('mcp-user', 'Registry users: read-only access to the servers they are granted');

CREATE TABLE audit_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    action      text        NOT NULL,
    outcome     text        NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
    -- The actor is kept by name as well as id: the trail outlives users, so
    -- there is deliberately no foreign key.
    actor       text        NOT NULL DEFAULT '',
    actor_id    bigint,
    auth_method text        NOT NULL DEFAULT '',
    target_type text        NOT NULL DEFAULT '',
    target      text        NOT NULL DEFAULT '',
    client_ip   inet,
    user_agent  text        NOT NULL DEFAULT '',
    request_id  text        NOT NULL DEFAULT '',
    details     jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_events_occurred_at_idx ON audit_events (occurred_at DESC, id DESC);
CREATE INDEX audit_events_actor_idx ON audit_events (actor, occurred_at DESC);
CREATE INDEX audit_events_action_idx ON audit_events (action, occurred_at DESC);
