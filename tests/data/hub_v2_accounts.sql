-- A hub database at schema version 2 (before editors, retired kiosks and the routing
-- record), as that code made it: kiosk rynek enrolled (bearer token 'kiosk-rynek'),
-- kiosk biblioteka with the unused enrolment token 'enrol-biblioteka', the tokens
-- 'staff-publish' (staff), 'admin-ewa' (admin) and 'open311-miasto' (open311), a staff
-- account anna (lampa) and an admin account ewa. The migration tests upgrade it.
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
INSERT INTO "enrolments" VALUES('18eba729c84a701f398c33fe761b655fa75a756567aafa7930dc5f946d7dc555','rynek','2026-11-20T10:00:00+00:00','2026-11-27T10:00:00+00:00','2026-11-20T10:00:00+00:00');
INSERT INTO "enrolments" VALUES('8485b3d852c61701eb420b2e9a86697d1ee36e073d07f7a4cca82bf79defceb2','biblioteka','2026-11-20T10:00:00+00:00','2026-11-27T10:00:00+00:00',NULL);
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
INSERT INTO "kiosks" VALUES('rynek','Rynek',50.3,16.88,'["centrum"]','2026-11-20T10:00:00+00:00');
INSERT INTO "kiosks" VALUES('biblioteka','Biblioteka',50.31,16.87,'[]','2026-11-20T10:00:00+00:00');
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
CREATE TABLE schema_migrations (
	version INTEGER NOT NULL, 
	description TEXT NOT NULL, 
	applied VARCHAR(32) NOT NULL, 
	PRIMARY KEY (version)
);
INSERT INTO "schema_migrations" VALUES(1,'kiosks, tokens, enrolments, releases, reports, statistics, heartbeats','2026-12-07T14:27:04+00:00');
INSERT INTO "schema_migrations" VALUES(2,'Open311 reports, answers, deliveries, forwarding, users, sessions, alerts','2026-12-07T14:27:04+00:00');
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
INSERT INTO "tokens" VALUES('616058d99e4ed6798421440d21fa927bd682053d0a1547dd08bfb3dc9957debb','kiosk','rynek','kiosk rynek','2026-11-20T10:00:00+00:00',NULL);
INSERT INTO "tokens" VALUES('9d351be83a19684853879ed92c73e396c223f453d082dea372f31b4fc9f72de8','staff',NULL,'Publikacja','2026-11-20T10:00:00+00:00',NULL);
INSERT INTO "tokens" VALUES('2194fa774f5f34f51d4447b6529ad19c6fbbd0184dbac2550fa2d535a8cd8f1b','admin',NULL,'Ewa','2026-11-20T10:00:00+00:00',NULL);
INSERT INTO "tokens" VALUES('19c4a7263e97f91914f8e8395e7453859bea681b2ad15c438bb646995a6093a7','open311',NULL,'miasto','2026-11-20T10:00:00+00:00',NULL);
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
INSERT INTO "users" VALUES('anna','$argon2id$v=19$m=65536,t=3,p=4$32rtUWp6++vkJk2OcOBqUA$ZEhcnBXRehVTGjjTSABvlqJ0+IUIgXkPeoTQyqxv4co','staff','Anna Nowak',NULL,'["lampa"]','pl','2026-11-20T10:00:00+00:00',NULL);
INSERT INTO "users" VALUES('ewa','$argon2id$v=19$m=65536,t=3,p=4$aaz+MwvCzi4AYwjWtu6MnA$tj6QPwgP9k33mVODS7GFHZVkbAQX87MJ/Bd6lQ8DgEc','admin','Ewa Kowalska',NULL,'[]','pl','2026-11-20T10:00:00+00:00',NULL);
CREATE INDEX reports_open311_token ON reports (open311_token);
CREATE INDEX reports_status_token ON reports (status_token);
CREATE INDEX reports_received ON reports (received);
CREATE INDEX stats_local_hour ON stats (local_hour);
CREATE INDEX report_events_report ON report_events (report_id);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt);
COMMIT;
