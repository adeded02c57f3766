-- Gateway-issued credentials: the keys the gateway signs its access tokens
-- with, service accounts (client-credentials grant) and personal access
-- tokens.

CREATE TABLE signing_keys (
    -- RFC 7638 thumbprint of the public key.
    kid          text        PRIMARY KEY,
    alg          text        NOT NULL CHECK (alg IN ('ES256')),
    -- PKIX (SubjectPublicKeyInfo) DER.
    public_key   bytea       NOT NULL,
    -- PKCS #8 DER, AES-GCM sealed by the application with associated data
    -- "signing-key:" || kid; the database never sees it in the clear.
    private_key  bytea       NOT NULL,
    -- The key new tokens are signed with; exactly one at a time.
    active       boolean     NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    activated_at timestamptz,
    -- Set when a newer key became active: the key is still published and
    -- accepted until then (tokens it signed must outlive the rotation),
    -- and neither afterwards.
    retired_at   timestamptz,
    CHECK (NOT (active AND retired_at IS NOT NULL))
);
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys ((true)) WHERE active;

CREATE TABLE service_accounts (
    id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name              text        NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
    description       text        NOT NULL DEFAULT '',
    client_id         text        NOT NULL UNIQUE,
    -- HMAC-SHA256 of the secret under a key derived from SECRET_KEY: the
    -- secret is 256 random bits, so no slow hash is needed.
    secret_hash       bytea       NOT NULL,
    -- Group names, as for users; they decide what the account may do.
    groups            text[]      NOT NULL DEFAULT '{}',
    disabled          boolean     NOT NULL DEFAULT false,
    expires_at        timestamptz,
    -- Tokens issued (iat) before this instant are refused: "revoke all".
    tokens_not_before timestamptz,
    created_by        text        NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    last_used_at      timestamptz
);
-- Names are unique regardless of case, like usernames.
CREATE UNIQUE INDEX service_accounts_name_key ON service_accounts (lower(name));

CREATE TABLE access_tokens (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
    -- HMAC-SHA256 of the token under a key derived from SECRET_KEY.
    token_hash   bytea       NOT NULL UNIQUE,
    -- The token's first characters, so owners can tell tokens apart.
    token_prefix text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX access_tokens_user_id_idx ON access_tokens (user_id, id);
