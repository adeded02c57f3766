DROP TABLE IF EXISTS server_health_checks;
