-- A hub database at schema version 6 (the last of the hand-written migrations, before
-- Alembic), made by that code (`migrate` on an empty file), with rows in every table:
-- kiosks (one retired), tokens, enrolments, releases, reports (from a kiosk, answered and
-- public; from an Open311 client, forwarded; unsorted), their events and deliveries,
-- forwarding, accounts and a session, an alert, statistics, a heartbeat with reports needing
-- attention, the routing record and sign-in failures. The migration tests upgrade it.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE schema_migrations (
	version INTEGER NOT NULL, 
	description TEXT NOT NULL, 
	applied VARCHAR(32) NOT NULL, 
	PRIMARY KEY (version)
);
INSERT INTO schema_migrations VALUES(1,'kiosks, tokens, enrolments, releases, reports, statistics, heartbeats','2026-12-07T16:29:14+00:00');
INSERT INTO schema_migrations VALUES(2,'Open311 reports, answers, deliveries, forwarding, users, sessions, alerts','2026-12-07T16:29:14+00:00');
INSERT INTO schema_migrations VALUES(3,'unsorted reports, intake flags, reports by kiosk and time','2026-12-07T16:29:14+00:00');
INSERT INTO schema_migrations VALUES(4,'retired kiosks, voided enrolments, routing changes, sign-in failures, editors','2026-12-07T16:29:14+00:00');
INSERT INTO schema_migrations VALUES(5,'descriptions marked public by staff, the api_key that filed a request','2026-12-07T16:29:14+00:00');
INSERT INTO schema_migrations VALUES(6,'reports kiosks keep because the hub refused them, in heartbeats','2026-12-07T16:29:14+00:00');
CREATE TABLE kiosks (
	id VARCHAR(64) NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	lat FLOAT NOT NULL, 
	long FLOAT NOT NULL, 
	groups TEXT NOT NULL, 
	created VARCHAR(32) NOT NULL, 
	retired VARCHAR(32), 
	PRIMARY KEY (id)
);
INSERT INTO kiosks VALUES('jod-rynek','Rynek',50.301229999999996778,16.879999999999999004,'["centrum"]','2026-11-22T09:00:00+00:00',NULL);
INSERT INTO kiosks VALUES('jod-dworzec','Dworzec',50.289999999999999147,16.870000000000000995,'[]','2026-11-22T09:00:00+00:00','2026-11-22T10:00:00+00:00');
CREATE TABLE releases (
	version INTEGER NOT NULL, 
	created VARCHAR(32) NOT NULL, 
	files TEXT NOT NULL, 
	content_sha256 VARCHAR(64) NOT NULL, 
	published_by VARCHAR(200), 
	copy_of INTEGER, 
	PRIMARY KEY (version)
);
INSERT INTO releases VALUES(1,'2026-11-22T09:00:00+00:00','{"content.json": "ab"}','f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0','Anna',NULL);
INSERT INTO releases VALUES(2,'2026-11-22T09:00:00+00:00','{"content.json": "cd"}','f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1','Anna',1);
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
INSERT INTO forward_targets VALUES('dziura','https://city.example/open311/v2/','key-1','pothole','city.example',1,'2026-11-22T09:00:00+00:00');
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
INSERT INTO users VALUES('anna','$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo','staff','Anna Nowak','anna@jodlow.pl','["lampa"]','pl','2026-11-22T09:00:00+00:00',NULL);
INSERT INTO users VALUES('ewa','$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNp','admin','Ewa',NULL,'[]','uk','2026-11-22T09:00:00+00:00',NULL);
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
INSERT INTO alerts VALUES('mroz','warning','{"pl": "Mróz", "en": "Frost"}','[]','["centrum"]','2026-11-22T09:00:00+00:00','2026-11-23T09:00:00+00:00','2026-11-22T09:00:00+00:00','ewa',NULL);
CREATE TABLE routing_changes (
	id INTEGER NOT NULL, 
	at VARCHAR(32) NOT NULL, 
	actor VARCHAR(200), 
	service_code VARCHAR(64) NOT NULL, 
	field VARCHAR(32) NOT NULL, 
	old TEXT, 
	new TEXT, 
	release INTEGER, 
	PRIMARY KEY (id)
);
INSERT INTO routing_changes VALUES(1,'2026-11-22T09:00:00+00:00','ewa','lampa','department_email',NULL,'drogi@jodlow.pl',2);
CREATE TABLE sign_in_failures (
	"key" VARCHAR(200) NOT NULL, 
	failures INTEGER NOT NULL, 
	last VARCHAR(32) NOT NULL, 
	PRIMARY KEY ("key")
);
INSERT INTO sign_in_failures VALUES('addr:192.0.2.7',3,'2026-11-22T09:00:00+00:00');
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
INSERT INTO tokens VALUES('a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1','kiosk','jod-rynek','kiosk jod-rynek','2026-11-22T09:00:00+00:00',NULL);
INSERT INTO tokens VALUES('b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2','editor',NULL,'Publikacja','2026-11-22T09:00:00+00:00',NULL);
INSERT INTO tokens VALUES('c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3','open311',NULL,'Naprawmy To','2026-11-22T09:00:00+00:00','2026-11-22T11:00:00+00:00');
CREATE TABLE enrolments (
	hash VARCHAR(64) NOT NULL, 
	kiosk_id VARCHAR(64) NOT NULL, 
	created VARCHAR(32) NOT NULL, 
	expires VARCHAR(32) NOT NULL, 
	used VARCHAR(32), 
	voided VARCHAR(32), 
	PRIMARY KEY (hash), 
	FOREIGN KEY(kiosk_id) REFERENCES kiosks (id)
);
INSERT INTO enrolments VALUES('d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4','jod-rynek','2026-11-22T09:00:00+00:00','2026-11-29T09:00:00+00:00','2026-11-22T09:00:00+00:00',NULL);
INSERT INTO enrolments VALUES('e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5','jod-dworzec','2026-11-22T09:00:00+00:00','2026-11-29T09:00:00+00:00',NULL,'2026-11-22T10:00:00+00:00');
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
	description_public BOOLEAN DEFAULT 0 NOT NULL, 
	client_key VARCHAR(64), 
	unsorted BOOLEAN DEFAULT 0 NOT NULL, 
	flags TEXT, 
	PRIMARY KEY (id), 
	CONSTRAINT reports_kiosk_uuid UNIQUE (kiosk_id, uuid), 
	FOREIGN KEY(kiosk_id) REFERENCES kiosks (id)
);
INSERT INTO reports VALUES(1,'jod-rynek','0b0e3c9e-8f0a-4e0c-9d7e-1a2b3c4d5e6f','abababababababababababababababababababababababababababababababab','2026-11-22T09:00:00+00:00','2026-11-22T08:59:00+00:00','7KQ-4XM','Vt3kQ9xZ2pLm8RwE4yHn6A','pl','lampa','Nie świeci latarnia przy ul. Młyńskiej 4',50.301229999999996778,16.879999999999999004,'ul. Młyńska 4','jan@example.org','+48 600 100 200','Jan','Kowalski','in_progress','kiosk',NULL,'jod-rynek',NULL,NULL,NULL,NULL,'2026-11-22T09:00:00+00:00','Zlecono naprawę.','anna',NULL,1,NULL,0,NULL);
INSERT INTO reports VALUES(2,NULL,'7d1f0f1e-1c1a-4a51-9a51-0e6c4b1c2d3e','abababababababababababababababababababababababababababababababab','2026-11-22T09:00:00+00:00','2026-11-22T08:59:00+00:00','9MW-2TR','Vt3kQ9xZ2pLm8RwE4yHn6A','pl','dziura','Dziura w jezdni',NULL,NULL,'ul. Polna 3',NULL,NULL,NULL,NULL,'closed','open311','Naprawmy To','phone-1','acc-9','tok-1','https://example.org/p.jpg','{"size": "big"}',NULL,NULL,NULL,'2026-11-22T09:00:00+00:00',0,'c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3',0,NULL);
INSERT INTO reports VALUES(3,'jod-rynek','3b0c4f6e-9f1e-4d7a-8c55-2a1f0e9d8c7b','abababababababababababababababababababababababababababababababab','2026-11-22T09:00:00+00:00','2026-11-22T08:59:00+00:00','4HT-8PL','Vt3kQ9xZ2pLm8RwE4yHn6A','pl','nieznana','Ławka połamana',NULL,NULL,NULL,NULL,NULL,NULL,NULL,'open','kiosk',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,0,NULL,1,'{"service_code": "nieznana"}');
CREATE TABLE sessions (
	hash VARCHAR(64) NOT NULL, 
	username VARCHAR(64) NOT NULL, 
	csrf VARCHAR(64) NOT NULL, 
	created VARCHAR(32) NOT NULL, 
	expires VARCHAR(32) NOT NULL, 
	PRIMARY KEY (hash), 
	FOREIGN KEY(username) REFERENCES users (username)
);
INSERT INTO sessions VALUES('9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a','anna','8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b','2026-11-22T09:00:00+00:00','2026-11-22T21:00:00+00:00');
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
INSERT INTO stats VALUES('jod-rynek','2026-11-22T08','screen','events',12,1,'2026-11-22T09','2026-11-22T09:00:00+00:00');
INSERT INTO stats VALUES('jod-rynek','2026-11-22T08','screen','walk',3,0,'2026-11-22T09','2026-11-22T09:00:00+00:00');
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
INSERT INTO stats_daily VALUES('jod-rynek','2026-11-22','screen','events',12,1);
INSERT INTO stats_daily VALUES('jod-rynek','2026-11-22','screen','walk',3,0);
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
	attention INTEGER, 
	attention_reports TEXT, 
	PRIMARY KEY (kiosk_id), 
	FOREIGN KEY(kiosk_id) REFERENCES kiosks (id)
);
INSERT INTO heartbeats VALUES('jod-rynek','2026-11-22T09:00:00+00:00','2026-11-22T08:59:58+00:00',2.0,2,1,'2026-11-22T09:00:00+00:00',3600.4999999999999999,'0.1.0','["printer: out of paper"]',1,'[{"ref_code": "5ZZ-1AA", "reason": "too big"}]');
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
INSERT INTO report_events VALUES(1,1,'2026-11-22T09:00:00+00:00','anna','status','in_progress','Zlecono naprawę.');
INSERT INTO report_events VALUES(2,1,'2026-11-22T09:00:00+00:00','anna','disclose',NULL,'public');
INSERT INTO report_events VALUES(3,2,'2026-11-22T09:00:00+00:00',NULL,'forwarded',NULL,'city-42');
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
INSERT INTO deliveries VALUES(1,1,'email','drogi@jodlow.pl','done',1,'2026-11-22T09:00:00+00:00',NULL,NULL,NULL,'2026-11-22T09:00:00+00:00','2026-11-22T09:00:00+00:00');
INSERT INTO deliveries VALUES(2,2,'open311','https://city.example/open311/v2/','waiting',2,'2026-11-22T09:00:00+00:00','503',NULL,'ext-tok','2026-11-22T09:00:00+00:00','2026-11-22T09:00:00+00:00');
CREATE INDEX routing_changes_at ON routing_changes (at);
CREATE INDEX sign_in_failures_last ON sign_in_failures (last);
CREATE INDEX reports_kiosk_received ON reports (kiosk_id, received);
CREATE INDEX reports_status_token ON reports (status_token);
CREATE INDEX reports_received ON reports (received);
CREATE INDEX reports_open311_token ON reports (open311_token);
CREATE INDEX stats_local_hour ON stats (local_hour);
CREATE INDEX report_events_report ON report_events (report_id);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt);
COMMIT;
