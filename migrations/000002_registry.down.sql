DROP INDEX IF EXISTS audit_events_target_idx;
DROP TABLE IF EXISTS registry_state;
DROP TABLE IF EXISTS group_scopes;
DROP TABLE IF EXISTS scopes;
DROP TABLE IF EXISTS server_tools;
DROP TABLE IF EXISTS servers;
