-- A hub database at schema version 1 (session 1), with one kiosk and one report:
-- the migration tests upgrade it.
BEGIN TRANSACTION;
CREATE TABLE enrolments (
	hash VARCHAR(64) NOT NULL, 
	kiosk_id VARCHAR(64) NOT NULL, 
	created VARCHAR(32) NOT NULL, 
	expires VARCHAR(32) NOT NULL, 
	used VARCHAR(32), 
	PRIMARY KEY (hash), 
	FOREIGN KEY(kiosk_id) REFERENCES kiosks (id)
);
CREATE TABLE heartbeats (
	kiosk_id VARCHAR(64) NOT NULL, 
	received VARCHAR(32) NOT NULL, 
	sent_at VARCHAR(32) NOT NULL, 
	skew FLOAT NOT NULL, 
	content_version INTEGER, 
	outbox_depth INTEGER, 
	last_touch VARCHAR(32), 
	uptime FLOAT, 
	app_version VARCHAR(50), 
	errors TEXT NOT NULL, 
	PRIMARY KEY (kiosk_id), 
	FOREIGN KEY(kiosk_id) REFERENCES kiosks (id)
);
CREATE TABLE kiosks (
	id VARCHAR(64) NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	lat FLOAT NOT NULL, 
	long FLOAT NOT NULL, 
	groups TEXT NOT NULL, 
	created VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "kiosks" VALUES('jod-rynek','Rynek',50.1,18.9,'["centrum"]','2026-11-22T02:19:25+00:00');
CREATE TABLE releases (
	version INTEGER NOT NULL, 
	created VARCHAR(32) NOT NULL, 
	files TEXT NOT NULL, 
	content_sha256 VARCHAR(64) NOT NULL, 
	published_by VARCHAR(200), 
	copy_of INTEGER, 
	PRIMARY KEY (version)
);
CREATE TABLE reports (
	id INTEGER NOT NULL, 
	kiosk_id VARCHAR(64) NOT NULL, 
	uuid VARCHAR(36) NOT NULL, 
	body_sha256 VARCHAR(64) NOT NULL, 
	received VARCHAR(32) NOT NULL, 
	created VARCHAR(32) NOT NULL, 
	ref_code VARCHAR(20) NOT NULL, 
	status_token VARCHAR(100) NOT NULL, 
	lang VARCHAR(2) NOT NULL, 
	service_code VARCHAR(64) NOT NULL, 
	description TEXT NOT NULL, 
	lat FLOAT, 
	long FLOAT, 
	address_string VARCHAR(250), 
	email VARCHAR(254), 
	phone VARCHAR(32), 
	first_name VARCHAR(100), 
	last_name VARCHAR(100), 
	status VARCHAR(16) NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT reports_kiosk_uuid UNIQUE (kiosk_id, uuid), 
	FOREIGN KEY(kiosk_id) REFERENCES kiosks (id)
);
INSERT INTO "reports" VALUES(1,'jod-rynek','0b0e3c9e-8f0a-4e0c-9d7e-1a2b3c4d5e6f','abababababababababababababababababababababababababababababababab','2026-11-20T10:00:00+00:00','2026-11-20T09:59:00+00:00','7KQ-4XM','Vt3kQ9xZ2pLm8RwE4yHn6A','pl','streetlight','Nie świeci latarnia przy ul. Młyńskiej 4',50.1,18.9,'ul. Młyńska 4','jan@example.pl',NULL,NULL,NULL,'open');
CREATE TABLE schema_migrations (
	version INTEGER NOT NULL, 
	description TEXT NOT NULL, 
	applied VARCHAR(32) NOT NULL, 
	PRIMARY KEY (version)
);
INSERT INTO "schema_migrations" VALUES(1,'kiosks, tokens, enrolments, releases, reports, statistics, heartbeats','2026-11-22T02:19:25+00:00');
CREATE TABLE stats (
	kiosk_id VARCHAR(64) NOT NULL, 
	hour VARCHAR(13) NOT NULL, 
	metric VARCHAR(32) NOT NULL, 
	"key" VARCHAR(200) NOT NULL, 
	count BIGINT NOT NULL, 
	clock_synced BOOLEAN NOT NULL, 
	local_hour VARCHAR(13) NOT NULL, 
	received VARCHAR(32) NOT NULL, 
	PRIMARY KEY (kiosk_id, hour, metric, "key"), 
	FOREIGN KEY(kiosk_id) REFERENCES kiosks (id)
);
CREATE TABLE stats_daily (
	kiosk_id VARCHAR(64) NOT NULL, 
	day VARCHAR(10) NOT NULL, 
	metric VARCHAR(32) NOT NULL, 
	"key" VARCHAR(200) NOT NULL, 
	count BIGINT NOT NULL, 
	clock_synced BOOLEAN NOT NULL, 
	PRIMARY KEY (kiosk_id, day, metric, "key"), 
	FOREIGN KEY(kiosk_id) REFERENCES kiosks (id)
);
CREATE TABLE tokens (
	hash VARCHAR(64) NOT NULL, 
	role VARCHAR(16) NOT NULL, 
	kiosk_id VARCHAR(64), 
	name VARCHAR(200), 
	created VARCHAR(32) NOT NULL, 
	revoked VARCHAR(32), 
	PRIMARY KEY (hash), 
	FOREIGN KEY(kiosk_id) REFERENCES kiosks (id)
);
CREATE INDEX reports_status_token ON reports (status_token);
CREATE INDEX stats_local_hour ON stats (local_hour);
COMMIT;
