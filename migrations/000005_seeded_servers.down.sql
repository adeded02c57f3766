DROP TABLE IF EXISTS seeded_servers;
