DROP TABLE IF EXISTS access_tokens;
DROP TABLE IF EXISTS service_accounts;
DROP TABLE IF EXISTS signing_keys;
