-- A hub database at schema version 2 (made by the hub of session 2 with kiosk-hub's own code),
-- with one kiosk and one report in progress: the migration tests upgrade it.
BEGIN TRANSACTION;
CREATE TABLE alerts (
	id VARCHAR(64) NOT NULL, 
	severity VARCHAR(16) NOT NULL, 
	text TEXT NOT NULL, 
	kiosks TEXT NOT NULL, 
	groups TEXT NOT NULL, 
	valid_from VARCHAR(32), 
	valid_until VARCHAR(32) NOT NULL, 
	created VARCHAR(32) NOT NULL, 
	created_by VARCHAR(200), 
	withdrawn VARCHAR(32), 
	PRIMARY KEY (id)
);
CREATE TABLE deliveries (
	id INTEGER NOT NULL, 
	report_id INTEGER NOT NULL, 
	channel VARCHAR(16) NOT NULL, 
	target VARCHAR(500) NOT NULL, 
	state VARCHAR(16) NOT NULL, 
	attempts INTEGER NOT NULL, 
	next_attempt VARCHAR(32) NOT NULL, 
	last_error TEXT, 
	external_id VARCHAR(100), 
	external_token VARCHAR(100), 
	created VARCHAR(32) NOT NULL, 
	updated VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT deliveries_once UNIQUE (report_id, channel, target), 
	FOREIGN KEY(report_id) REFERENCES reports (id)
);
CREATE TABLE enrolments (
	hash VARCHAR(64) NOT NULL, 
	kiosk_id VARCHAR(64) NOT NULL, 
	created VARCHAR(32) NOT NULL, 
	expires VARCHAR(32) NOT NULL, 
	used VARCHAR(32), 
	PRIMARY KEY (hash), 
	FOREIGN KEY(kiosk_id) REFERENCES kiosks (id)
);
INSERT INTO "enrolments" VALUES('9802858c685e8f4f16a23fe525cca5cf3cab6e4e759d67e21f1f87aa7bed89fa','jod-rynek','2026-11-21T14:00:00+00:00','2026-11-28T14:00:00+00:00',NULL);
CREATE TABLE forward_targets (
	service_code VARCHAR(64) NOT NULL, 
	endpoint VARCHAR(500) NOT NULL, 
	api_key TEXT NOT NULL, 
	remote_service_code VARCHAR(64) NOT NULL, 
	jurisdiction_id VARCHAR(200), 
	enabled BOOLEAN NOT NULL, 
	created VARCHAR(32) NOT NULL, 
	PRIMARY KEY (service_code)
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
INSERT INTO "kiosks" VALUES('jod-rynek','Rynek',50.3,16.88,'["centrum"]','2026-11-21T14:00:00+00:00');
CREATE TABLE releases (
	version INTEGER NOT NULL, 
	created VARCHAR(32) NOT NULL, 
	files TEXT NOT NULL, 
	content_sha256 VARCHAR(64) NOT NULL, 
	published_by VARCHAR(200), 
	copy_of INTEGER, 
	PRIMARY KEY (version)
);
CREATE TABLE report_events (
	id INTEGER NOT NULL, 
	report_id INTEGER NOT NULL, 
	at VARCHAR(32) NOT NULL, 
	actor VARCHAR(200), 
	kind VARCHAR(16) NOT NULL, 
	status VARCHAR(16), 
	note TEXT, 
	PRIMARY KEY (id), 
	FOREIGN KEY(report_id) REFERENCES reports (id)
);
INSERT INTO "report_events" VALUES(1,1,'2026-11-21T14:00:00+00:00','anna','status','in_progress','open');
CREATE TABLE reports (
	id INTEGER NOT NULL, 
	kiosk_id VARCHAR(64), 
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
	source VARCHAR(16) DEFAULT 'kiosk' NOT NULL, 
	client VARCHAR(200), 
	device_id VARCHAR(100), 
	account_id VARCHAR(100), 
	open311_token VARCHAR(64), 
	media_url VARCHAR(500), 
	attributes TEXT, 
	updated VARCHAR(32), 
	status_notes TEXT, 
	assigned_to VARCHAR(64), 
	closed VARCHAR(32), 
	PRIMARY KEY (id), 
	CONSTRAINT reports_kiosk_uuid UNIQUE (kiosk_id, uuid), 
	FOREIGN KEY(kiosk_id) REFERENCES kiosks (id)
);
INSERT INTO "reports" VALUES(1,'jod-rynek','3b0c4f6e-9f1e-4d7a-8c55-2a1f0e9d8c7b','487646cee915bebc357539ad580f501fed3d4dc3a12665db6fbedc69e52f6016','2026-11-21T14:00:00+00:00','2026-11-21T13:58:00+00:00','7KQ-4XM','Zm9vYmFyYmF6cXV4cXV1eA','pl','lampa','Nie świeci latarnia przy ul. Młyńskiej 4',50.3012,16.8834,NULL,'jan@example.org',NULL,'Jan',NULL,'in_progress','kiosk',NULL,NULL,NULL,NULL,NULL,NULL,'2026-11-21T14:00:00+00:00',NULL,NULL,NULL);
CREATE TABLE schema_migrations (
	version INTEGER NOT NULL, 
	description TEXT NOT NULL, 
	applied VARCHAR(32) NOT NULL, 
	PRIMARY KEY (version)
);
INSERT INTO "schema_migrations" VALUES(1,'kiosks, tokens, enrolments, releases, reports, statistics, heartbeats','2026-12-07T14:24:59+00:00');
INSERT INTO "schema_migrations" VALUES(2,'Open311 reports, answers, deliveries, forwarding, users, sessions, alerts','2026-12-07T14:24:59+00:00');
CREATE TABLE sessions (
	hash VARCHAR(64) NOT NULL, 
	username VARCHAR(64) NOT NULL, 
	csrf VARCHAR(64) NOT NULL, 
	created VARCHAR(32) NOT NULL, 
	expires VARCHAR(32) NOT NULL, 
	PRIMARY KEY (hash), 
	FOREIGN KEY(username) REFERENCES users (username)
);
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
CREATE TABLE users (
	username VARCHAR(64) NOT NULL, 
	password_hash TEXT NOT NULL, 
	role VARCHAR(16) NOT NULL, 
	display_name VARCHAR(200) NOT NULL, 
	email VARCHAR(254), 
	departments TEXT NOT NULL, 
	lang VARCHAR(2) NOT NULL, 
	created VARCHAR(32) NOT NULL, 
	disabled VARCHAR(32), 
	PRIMARY KEY (username)
);
CREATE INDEX reports_status_token ON reports (status_token);
CREATE INDEX reports_received ON reports (received);
CREATE INDEX reports_open311_token ON reports (open311_token);
CREATE INDEX stats_local_hour ON stats (local_hour);
CREATE INDEX report_events_report ON report_events (report_id);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt);
COMMIT;
