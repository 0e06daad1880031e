-- 0007: the audit trail, and webhook subscriptions with their outbox.
--
-- Every write of a resource table appends an audit row from these triggers,
-- so it is in the write's own transaction: a rolled-back write leaves no
-- row, and no code path (HTTP, CLI) can change a resource unaudited. Who
-- wrote comes from audit_ctx(), a function every connection registers
-- (db.c) and the dispatcher fills per request. The triggers are regular —
-- one AFTER INSERT / UPDATE / DELETE per table, listing its columns —
-- password hashes and webhook secrets show only as "***", create hashes and
-- sync sequences not at all. The audit table refuses UPDATE and DELETE.

CREATE TABLE audit (
	id INTEGER PRIMARY KEY,
	at TEXT NOT NULL,
	actor_id TEXT,
	actor_role TEXT,
	actor_addr TEXT,
	request_id TEXT,
	entity TEXT NOT NULL,
	entity_id TEXT NOT NULL,
	action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),
	changes TEXT NOT NULL
) STRICT;

CREATE INDEX audit_entity ON audit (entity, entity_id, id);
CREATE INDEX audit_actor ON audit (actor_id, id);
CREATE INDEX audit_at ON audit (at, id);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;

-- Webhook subscriptions; events (the outbox: recorded only when some active
-- webhook wants them) and one delivery per subscribed webhook.
CREATE TABLE webhooks (
	id TEXT PRIMARY KEY,
	url TEXT NOT NULL,
	events TEXT NOT NULL, -- JSON array of event types
	secret TEXT NOT NULL,
	active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	description TEXT,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE webhook_events (
	id INTEGER PRIMARY KEY,
	uid TEXT NOT NULL UNIQUE, -- the event id receivers see (dedupe key)
	type TEXT NOT NULL,
	data TEXT NOT NULL,
	occurred_at TEXT NOT NULL
) STRICT;

CREATE TABLE webhook_deliveries (
	id INTEGER PRIMARY KEY,
	uid TEXT NOT NULL UNIQUE,
	webhook_id TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
	event_id INTEGER NOT NULL REFERENCES webhook_events (id),
	status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
	attempts INTEGER NOT NULL DEFAULT 0,
	created_at TEXT NOT NULL,
	created_epoch INTEGER NOT NULL,
	next_attempt_ms INTEGER, -- when the next attempt is due (epoch milliseconds)
	next_attempt_at TEXT,
	last_attempt_at TEXT,
	last_status_code INTEGER,
	last_error TEXT,
	delivered_at TEXT
) STRICT;

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_ms) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, id);

-- A task's overdue event fires once.
ALTER TABLE tasks ADD COLUMN overdue_notified INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER audit_orgs_insert AFTER INSERT ON orgs BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'org', new.id, 'create', audit_changes('create',
		'id', NULL, new.id,
		'code', NULL, new.code,
		'name', NULL, new.name,
		'level', NULL, new.level,
		'parent_id', NULL, new.parent_id,
		'path', NULL, new.path,
		'category', NULL, new.category,
		'status', NULL, new.status,
		'version', NULL, new.version,
		'created_at', NULL, new.created_at,
		'updated_at', NULL, new.updated_at));
END;

CREATE TRIGGER audit_orgs_update AFTER UPDATE ON orgs WHEN old.id IS NOT new.id OR old.code IS NOT new.code OR old.name IS NOT new.name OR old.level IS NOT new.level OR old.parent_id IS NOT new.parent_id OR old.path IS NOT new.path OR old.category IS NOT new.category OR old.status IS NOT new.status OR old.version IS NOT new.version OR old.created_at IS NOT new.created_at OR old.updated_at IS NOT new.updated_at BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'org', new.id, 'update', audit_changes('update',
		'id', old.id, new.id,
		'code', old.code, new.code,
		'name', old.name, new.name,
		'level', old.level, new.level,
		'parent_id', old.parent_id, new.parent_id,
		'path', old.path, new.path,
		'category', old.category, new.category,
		'status', old.status, new.status,
		'version', old.version, new.version,
		'created_at', old.created_at, new.created_at,
		'updated_at', old.updated_at, new.updated_at));
END;

CREATE TRIGGER audit_orgs_delete AFTER DELETE ON orgs BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'org', old.id, 'delete', audit_changes('delete',
		'id', old.id, NULL,
		'code', old.code, NULL,
		'name', old.name, NULL,
		'level', old.level, NULL,
		'parent_id', old.parent_id, NULL,
		'path', old.path, NULL,
		'category', old.category, NULL,
		'status', old.status, NULL,
		'version', old.version, NULL,
		'created_at', old.created_at, NULL,
		'updated_at', old.updated_at, NULL));
END;

CREATE TRIGGER audit_users_insert AFTER INSERT ON users BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'user', new.id, 'create', audit_changes('create',
		'id', NULL, new.id,
		'username', NULL, new.username,
		'display_name', NULL, new.display_name,
		'phone', NULL, new.phone,
		'role', NULL, new.role,
		'org_id', NULL, new.org_id,
		'disabled', NULL, new.disabled,
		'!password', NULL, new.password_hash,
		'token_version', NULL, new.token_version,
		'version', NULL, new.version,
		'created_at', NULL, new.created_at,
		'updated_at', NULL, new.updated_at));
END;

CREATE TRIGGER audit_users_update AFTER UPDATE ON users WHEN old.id IS NOT new.id OR old.username IS NOT new.username OR old.display_name IS NOT new.display_name OR old.phone IS NOT new.phone OR old.role IS NOT new.role OR old.org_id IS NOT new.org_id OR old.disabled IS NOT new.disabled OR old.password_hash IS NOT new.password_hash OR old.token_version IS NOT new.token_version OR old.version IS NOT new.version OR old.created_at IS NOT new.created_at OR old.updated_at IS NOT new.updated_at BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'user', new.id, 'update', audit_changes('update',
		'id', old.id, new.id,
		'username', old.username, new.username,
		'display_name', old.display_name, new.display_name,
		'phone', old.phone, new.phone,
		'role', old.role, new.role,
		'org_id', old.org_id, new.org_id,
		'disabled', old.disabled, new.disabled,
		'!password', old.password_hash, new.password_hash,
		'token_version', old.token_version, new.token_version,
		'version', old.version, new.version,
		'created_at', old.created_at, new.created_at,
		'updated_at', old.updated_at, new.updated_at));
END;

CREATE TRIGGER audit_users_delete AFTER DELETE ON users BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'user', old.id, 'delete', audit_changes('delete',
		'id', old.id, NULL,
		'username', old.username, NULL,
		'display_name', old.display_name, NULL,
		'phone', old.phone, NULL,
		'role', old.role, NULL,
		'org_id', old.org_id, NULL,
		'disabled', old.disabled, NULL,
		'!password', old.password_hash, NULL,
		'token_version', old.token_version, NULL,
		'version', old.version, NULL,
		'created_at', old.created_at, NULL,
		'updated_at', old.updated_at, NULL));
END;

CREATE TRIGGER audit_templates_insert AFTER INSERT ON templates BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'template', new.id, 'create', audit_changes('create',
		'id', NULL, new.id,
		'key', NULL, new.key,
		'name', NULL, new.name,
		'description', NULL, new.description,
		'version', NULL, new.version,
		'definition', NULL, new.definition,
		'created_at', NULL, new.created_at,
		'updated_at', NULL, new.updated_at));
END;

CREATE TRIGGER audit_templates_update AFTER UPDATE ON templates WHEN old.id IS NOT new.id OR old.key IS NOT new.key OR old.name IS NOT new.name OR old.description IS NOT new.description OR old.version IS NOT new.version OR old.definition IS NOT new.definition OR old.created_at IS NOT new.created_at OR old.updated_at IS NOT new.updated_at BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'template', new.id, 'update', audit_changes('update',
		'id', old.id, new.id,
		'key', old.key, new.key,
		'name', old.name, new.name,
		'description', old.description, new.description,
		'version', old.version, new.version,
		'definition', old.definition, new.definition,
		'created_at', old.created_at, new.created_at,
		'updated_at', old.updated_at, new.updated_at));
END;

CREATE TRIGGER audit_templates_delete AFTER DELETE ON templates BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'template', old.id, 'delete', audit_changes('delete',
		'id', old.id, NULL,
		'key', old.key, NULL,
		'name', old.name, NULL,
		'description', old.description, NULL,
		'version', old.version, NULL,
		'definition', old.definition, NULL,
		'created_at', old.created_at, NULL,
		'updated_at', old.updated_at, NULL));
END;

CREATE TRIGGER audit_rounds_insert AFTER INSERT ON rounds BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'round', new.id, 'create', audit_changes('create',
		'id', NULL, new.id,
		'month', NULL, new.month,
		'title', NULL, new.title,
		'template_id', NULL, new.template_id,
		'org_id', NULL, new.org_id,
		'status', NULL, new.status,
		'version', NULL, new.version,
		'created_at', NULL, new.created_at,
		'updated_at', NULL, new.updated_at));
END;

CREATE TRIGGER audit_rounds_update AFTER UPDATE ON rounds WHEN old.id IS NOT new.id OR old.month IS NOT new.month OR old.title IS NOT new.title OR old.template_id IS NOT new.template_id OR old.org_id IS NOT new.org_id OR old.status IS NOT new.status OR old.version IS NOT new.version OR old.created_at IS NOT new.created_at OR old.updated_at IS NOT new.updated_at BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'round', new.id, 'update', audit_changes('update',
		'id', old.id, new.id,
		'month', old.month, new.month,
		'title', old.title, new.title,
		'template_id', old.template_id, new.template_id,
		'org_id', old.org_id, new.org_id,
		'status', old.status, new.status,
		'version', old.version, new.version,
		'created_at', old.created_at, new.created_at,
		'updated_at', old.updated_at, new.updated_at));
END;

CREATE TRIGGER audit_rounds_delete AFTER DELETE ON rounds BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'round', old.id, 'delete', audit_changes('delete',
		'id', old.id, NULL,
		'month', old.month, NULL,
		'title', old.title, NULL,
		'template_id', old.template_id, NULL,
		'org_id', old.org_id, NULL,
		'status', old.status, NULL,
		'version', old.version, NULL,
		'created_at', old.created_at, NULL,
		'updated_at', old.updated_at, NULL));
END;

CREATE TRIGGER audit_inspections_insert AFTER INSERT ON inspections BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'inspection', new.id, 'create', audit_changes('create',
		'id', NULL, new.id,
		'org_id', NULL, new.org_id,
		'round_id', NULL, new.round_id,
		'template_id', NULL, new.template_id,
		'inspector_id', NULL, new.inspector_id,
		'status', NULL, new.status,
		'started_at', NULL, new.started_at,
		'finished_at', NULL, new.finished_at,
		'location', NULL, new.location,
		'answers', NULL, new.answers,
		'notes', NULL, new.notes,
		'return_reason', NULL, new.return_reason,
		'score', NULL, new.score,
		'submitted_at', NULL, new.submitted_at,
		'reviewed_at', NULL, new.reviewed_at,
		'reviewed_by', NULL, new.reviewed_by,
		'deleted', NULL, new.deleted,
		'version', NULL, new.version,
		'created_at', NULL, new.created_at,
		'updated_at', NULL, new.updated_at));
END;

CREATE TRIGGER audit_inspections_update AFTER UPDATE ON inspections WHEN old.id IS NOT new.id OR old.org_id IS NOT new.org_id OR old.round_id IS NOT new.round_id OR old.template_id IS NOT new.template_id OR old.inspector_id IS NOT new.inspector_id OR old.status IS NOT new.status OR old.started_at IS NOT new.started_at OR old.finished_at IS NOT new.finished_at OR old.location IS NOT new.location OR old.answers IS NOT new.answers OR old.notes IS NOT new.notes OR old.return_reason IS NOT new.return_reason OR old.score IS NOT new.score OR old.submitted_at IS NOT new.submitted_at OR old.reviewed_at IS NOT new.reviewed_at OR old.reviewed_by IS NOT new.reviewed_by OR old.deleted IS NOT new.deleted OR old.version IS NOT new.version OR old.created_at IS NOT new.created_at OR old.updated_at IS NOT new.updated_at BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'inspection', new.id, 'update', audit_changes('update',
		'id', old.id, new.id,
		'org_id', old.org_id, new.org_id,
		'round_id', old.round_id, new.round_id,
		'template_id', old.template_id, new.template_id,
		'inspector_id', old.inspector_id, new.inspector_id,
		'status', old.status, new.status,
		'started_at', old.started_at, new.started_at,
		'finished_at', old.finished_at, new.finished_at,
		'location', old.location, new.location,
		'answers', old.answers, new.answers,
		'notes', old.notes, new.notes,
		'return_reason', old.return_reason, new.return_reason,
		'score', old.score, new.score,
		'submitted_at', old.submitted_at, new.submitted_at,
		'reviewed_at', old.reviewed_at, new.reviewed_at,
		'reviewed_by', old.reviewed_by, new.reviewed_by,
		'deleted', old.deleted, new.deleted,
		'version', old.version, new.version,
		'created_at', old.created_at, new.created_at,
		'updated_at', old.updated_at, new.updated_at));
END;

CREATE TRIGGER audit_inspections_delete AFTER DELETE ON inspections BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'inspection', old.id, 'delete', audit_changes('delete',
		'id', old.id, NULL,
		'org_id', old.org_id, NULL,
		'round_id', old.round_id, NULL,
		'template_id', old.template_id, NULL,
		'inspector_id', old.inspector_id, NULL,
		'status', old.status, NULL,
		'started_at', old.started_at, NULL,
		'finished_at', old.finished_at, NULL,
		'location', old.location, NULL,
		'answers', old.answers, NULL,
		'notes', old.notes, NULL,
		'return_reason', old.return_reason, NULL,
		'score', old.score, NULL,
		'submitted_at', old.submitted_at, NULL,
		'reviewed_at', old.reviewed_at, NULL,
		'reviewed_by', old.reviewed_by, NULL,
		'deleted', old.deleted, NULL,
		'version', old.version, NULL,
		'created_at', old.created_at, NULL,
		'updated_at', old.updated_at, NULL));
END;

CREATE TRIGGER audit_findings_insert AFTER INSERT ON findings BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'finding', new.id, 'create', audit_changes('create',
		'id', NULL, new.id,
		'inspection_id', NULL, new.inspection_id,
		'org_id', NULL, new.org_id,
		'item_code', NULL, new.item_code,
		'severity', NULL, new.severity,
		'description', NULL, new.description,
		'photo_ids', NULL, new.photo_ids,
		'auto', NULL, new.auto,
		'created_by', NULL, new.created_by,
		'status', NULL, new.status,
		'deleted', NULL, new.deleted,
		'version', NULL, new.version,
		'created_at', NULL, new.created_at,
		'updated_at', NULL, new.updated_at,
		'task_id', NULL, new.task_id));
END;

CREATE TRIGGER audit_findings_update AFTER UPDATE ON findings WHEN old.id IS NOT new.id OR old.inspection_id IS NOT new.inspection_id OR old.org_id IS NOT new.org_id OR old.item_code IS NOT new.item_code OR old.severity IS NOT new.severity OR old.description IS NOT new.description OR old.photo_ids IS NOT new.photo_ids OR old.auto IS NOT new.auto OR old.created_by IS NOT new.created_by OR old.status IS NOT new.status OR old.deleted IS NOT new.deleted OR old.version IS NOT new.version OR old.created_at IS NOT new.created_at OR old.updated_at IS NOT new.updated_at OR old.task_id IS NOT new.task_id BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'finding', new.id, 'update', audit_changes('update',
		'id', old.id, new.id,
		'inspection_id', old.inspection_id, new.inspection_id,
		'org_id', old.org_id, new.org_id,
		'item_code', old.item_code, new.item_code,
		'severity', old.severity, new.severity,
		'description', old.description, new.description,
		'photo_ids', old.photo_ids, new.photo_ids,
		'auto', old.auto, new.auto,
		'created_by', old.created_by, new.created_by,
		'status', old.status, new.status,
		'deleted', old.deleted, new.deleted,
		'version', old.version, new.version,
		'created_at', old.created_at, new.created_at,
		'updated_at', old.updated_at, new.updated_at,
		'task_id', old.task_id, new.task_id));
END;

CREATE TRIGGER audit_findings_delete AFTER DELETE ON findings BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'finding', old.id, 'delete', audit_changes('delete',
		'id', old.id, NULL,
		'inspection_id', old.inspection_id, NULL,
		'org_id', old.org_id, NULL,
		'item_code', old.item_code, NULL,
		'severity', old.severity, NULL,
		'description', old.description, NULL,
		'photo_ids', old.photo_ids, NULL,
		'auto', old.auto, NULL,
		'created_by', old.created_by, NULL,
		'status', old.status, NULL,
		'deleted', old.deleted, NULL,
		'version', old.version, NULL,
		'created_at', old.created_at, NULL,
		'updated_at', old.updated_at, NULL,
		'task_id', old.task_id, NULL));
END;

CREATE TRIGGER audit_photos_insert AFTER INSERT ON photos BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'photo', new.id, 'create', audit_changes('create',
		'id', NULL, new.id,
		'owner_id', NULL, new.owner_id,
		'inspection_id', NULL, new.inspection_id,
		'finding_id', NULL, new.finding_id,
		'sha256', NULL, new.sha256,
		'size', NULL, new.size,
		'mime', NULL, new.mime,
		'taken_at', NULL, new.taken_at,
		'lat', NULL, new.lat,
		'lng', NULL, new.lng,
		'caption', NULL, new.caption,
		'uploaded_at', NULL, new.uploaded_at,
		'version', NULL, new.version,
		'width', NULL, new.width,
		'height', NULL, new.height,
		'taken_at_source', NULL, new.taken_at_source,
		'location_source', NULL, new.location_source,
		'task_id', NULL, new.task_id,
		'progress_id', NULL, new.progress_id));
END;

CREATE TRIGGER audit_photos_update AFTER UPDATE ON photos WHEN old.id IS NOT new.id OR old.owner_id IS NOT new.owner_id OR old.inspection_id IS NOT new.inspection_id OR old.finding_id IS NOT new.finding_id OR old.sha256 IS NOT new.sha256 OR old.size IS NOT new.size OR old.mime IS NOT new.mime OR old.taken_at IS NOT new.taken_at OR old.lat IS NOT new.lat OR old.lng IS NOT new.lng OR old.caption IS NOT new.caption OR old.uploaded_at IS NOT new.uploaded_at OR old.version IS NOT new.version OR old.width IS NOT new.width OR old.height IS NOT new.height OR old.taken_at_source IS NOT new.taken_at_source OR old.location_source IS NOT new.location_source OR old.task_id IS NOT new.task_id OR old.progress_id IS NOT new.progress_id BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'photo', new.id, 'update', audit_changes('update',
		'id', old.id, new.id,
		'owner_id', old.owner_id, new.owner_id,
		'inspection_id', old.inspection_id, new.inspection_id,
		'finding_id', old.finding_id, new.finding_id,
		'sha256', old.sha256, new.sha256,
		'size', old.size, new.size,
		'mime', old.mime, new.mime,
		'taken_at', old.taken_at, new.taken_at,
		'lat', old.lat, new.lat,
		'lng', old.lng, new.lng,
		'caption', old.caption, new.caption,
		'uploaded_at', old.uploaded_at, new.uploaded_at,
		'version', old.version, new.version,
		'width', old.width, new.width,
		'height', old.height, new.height,
		'taken_at_source', old.taken_at_source, new.taken_at_source,
		'location_source', old.location_source, new.location_source,
		'task_id', old.task_id, new.task_id,
		'progress_id', old.progress_id, new.progress_id));
END;

CREATE TRIGGER audit_photos_delete AFTER DELETE ON photos BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'photo', old.id, 'delete', audit_changes('delete',
		'id', old.id, NULL,
		'owner_id', old.owner_id, NULL,
		'inspection_id', old.inspection_id, NULL,
		'finding_id', old.finding_id, NULL,
		'sha256', old.sha256, NULL,
		'size', old.size, NULL,
		'mime', old.mime, NULL,
		'taken_at', old.taken_at, NULL,
		'lat', old.lat, NULL,
		'lng', old.lng, NULL,
		'caption', old.caption, NULL,
		'uploaded_at', old.uploaded_at, NULL,
		'version', old.version, NULL,
		'width', old.width, NULL,
		'height', old.height, NULL,
		'taken_at_source', old.taken_at_source, NULL,
		'location_source', old.location_source, NULL,
		'task_id', old.task_id, NULL,
		'progress_id', old.progress_id, NULL));
END;

CREATE TRIGGER audit_rectifications_insert AFTER INSERT ON rectifications BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'rectification', new.id, 'create', audit_changes('create',
		'id', NULL, new.id,
		'org_id', NULL, new.org_id,
		'year', NULL, new.year,
		'reason', NULL, new.reason,
		'source', NULL, new.source,
		'finding_id', NULL, new.finding_id,
		'contact_leader', NULL, new.contact_leader,
		'town_leader', NULL, new.town_leader,
		'town_leader_id', NULL, new.town_leader_id,
		'first_secretary', NULL, new.first_secretary,
		'paired_unit', NULL, new.paired_unit,
		'plan', NULL, new.plan,
		'status', NULL, new.status,
		'result', NULL, new.result,
		'evaluation', NULL, new.evaluation,
		'created_by', NULL, new.created_by,
		'version', NULL, new.version,
		'created_at', NULL, new.created_at,
		'updated_at', NULL, new.updated_at,
		'closed_at', NULL, new.closed_at));
END;

CREATE TRIGGER audit_rectifications_update AFTER UPDATE ON rectifications WHEN old.id IS NOT new.id OR old.org_id IS NOT new.org_id OR old.year IS NOT new.year OR old.reason IS NOT new.reason OR old.source IS NOT new.source OR old.finding_id IS NOT new.finding_id OR old.contact_leader IS NOT new.contact_leader OR old.town_leader IS NOT new.town_leader OR old.town_leader_id IS NOT new.town_leader_id OR old.first_secretary IS NOT new.first_secretary OR old.paired_unit IS NOT new.paired_unit OR old.plan IS NOT new.plan OR old.status IS NOT new.status OR old.result IS NOT new.result OR old.evaluation IS NOT new.evaluation OR old.created_by IS NOT new.created_by OR old.version IS NOT new.version OR old.created_at IS NOT new.created_at OR old.updated_at IS NOT new.updated_at OR old.closed_at IS NOT new.closed_at BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'rectification', new.id, 'update', audit_changes('update',
		'id', old.id, new.id,
		'org_id', old.org_id, new.org_id,
		'year', old.year, new.year,
		'reason', old.reason, new.reason,
		'source', old.source, new.source,
		'finding_id', old.finding_id, new.finding_id,
		'contact_leader', old.contact_leader, new.contact_leader,
		'town_leader', old.town_leader, new.town_leader,
		'town_leader_id', old.town_leader_id, new.town_leader_id,
		'first_secretary', old.first_secretary, new.first_secretary,
		'paired_unit', old.paired_unit, new.paired_unit,
		'plan', old.plan, new.plan,
		'status', old.status, new.status,
		'result', old.result, new.result,
		'evaluation', old.evaluation, new.evaluation,
		'created_by', old.created_by, new.created_by,
		'version', old.version, new.version,
		'created_at', old.created_at, new.created_at,
		'updated_at', old.updated_at, new.updated_at,
		'closed_at', old.closed_at, new.closed_at));
END;

CREATE TRIGGER audit_rectifications_delete AFTER DELETE ON rectifications BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'rectification', old.id, 'delete', audit_changes('delete',
		'id', old.id, NULL,
		'org_id', old.org_id, NULL,
		'year', old.year, NULL,
		'reason', old.reason, NULL,
		'source', old.source, NULL,
		'finding_id', old.finding_id, NULL,
		'contact_leader', old.contact_leader, NULL,
		'town_leader', old.town_leader, NULL,
		'town_leader_id', old.town_leader_id, NULL,
		'first_secretary', old.first_secretary, NULL,
		'paired_unit', old.paired_unit, NULL,
		'plan', old.plan, NULL,
		'status', old.status, NULL,
		'result', old.result, NULL,
		'evaluation', old.evaluation, NULL,
		'created_by', old.created_by, NULL,
		'version', old.version, NULL,
		'created_at', old.created_at, NULL,
		'updated_at', old.updated_at, NULL,
		'closed_at', old.closed_at, NULL));
END;

CREATE TRIGGER audit_tasks_insert AFTER INSERT ON tasks BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'task', new.id, 'create', audit_changes('create',
		'id', NULL, new.id,
		'rectification_id', NULL, new.rectification_id,
		'org_id', NULL, new.org_id,
		'title', NULL, new.title,
		'detail', NULL, new.detail,
		'assignee_id', NULL, new.assignee_id,
		'due_date', NULL, new.due_date,
		'requires_photo', NULL, new.requires_photo,
		'status', NULL, new.status,
		'finding_id', NULL, new.finding_id,
		'return_reason', NULL, new.return_reason,
		'submitted_at', NULL, new.submitted_at,
		'verified_at', NULL, new.verified_at,
		'verified_by', NULL, new.verified_by,
		'version', NULL, new.version,
		'created_at', NULL, new.created_at,
		'updated_at', NULL, new.updated_at));
END;

CREATE TRIGGER audit_tasks_update AFTER UPDATE ON tasks WHEN old.id IS NOT new.id OR old.rectification_id IS NOT new.rectification_id OR old.org_id IS NOT new.org_id OR old.title IS NOT new.title OR old.detail IS NOT new.detail OR old.assignee_id IS NOT new.assignee_id OR old.due_date IS NOT new.due_date OR old.requires_photo IS NOT new.requires_photo OR old.status IS NOT new.status OR old.finding_id IS NOT new.finding_id OR old.return_reason IS NOT new.return_reason OR old.submitted_at IS NOT new.submitted_at OR old.verified_at IS NOT new.verified_at OR old.verified_by IS NOT new.verified_by OR old.version IS NOT new.version OR old.created_at IS NOT new.created_at OR old.updated_at IS NOT new.updated_at BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'task', new.id, 'update', audit_changes('update',
		'id', old.id, new.id,
		'rectification_id', old.rectification_id, new.rectification_id,
		'org_id', old.org_id, new.org_id,
		'title', old.title, new.title,
		'detail', old.detail, new.detail,
		'assignee_id', old.assignee_id, new.assignee_id,
		'due_date', old.due_date, new.due_date,
		'requires_photo', old.requires_photo, new.requires_photo,
		'status', old.status, new.status,
		'finding_id', old.finding_id, new.finding_id,
		'return_reason', old.return_reason, new.return_reason,
		'submitted_at', old.submitted_at, new.submitted_at,
		'verified_at', old.verified_at, new.verified_at,
		'verified_by', old.verified_by, new.verified_by,
		'version', old.version, new.version,
		'created_at', old.created_at, new.created_at,
		'updated_at', old.updated_at, new.updated_at));
END;

CREATE TRIGGER audit_tasks_delete AFTER DELETE ON tasks BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'task', old.id, 'delete', audit_changes('delete',
		'id', old.id, NULL,
		'rectification_id', old.rectification_id, NULL,
		'org_id', old.org_id, NULL,
		'title', old.title, NULL,
		'detail', old.detail, NULL,
		'assignee_id', old.assignee_id, NULL,
		'due_date', old.due_date, NULL,
		'requires_photo', old.requires_photo, NULL,
		'status', old.status, NULL,
		'finding_id', old.finding_id, NULL,
		'return_reason', old.return_reason, NULL,
		'submitted_at', old.submitted_at, NULL,
		'verified_at', old.verified_at, NULL,
		'verified_by', old.verified_by, NULL,
		'version', old.version, NULL,
		'created_at', old.created_at, NULL,
		'updated_at', old.updated_at, NULL));
END;

CREATE TRIGGER audit_progress_insert AFTER INSERT ON progress BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'progress', new.id, 'create', audit_changes('create',
		'id', NULL, new.id,
		'task_id', NULL, new.task_id,
		'author_id', NULL, new.author_id,
		'text', NULL, new.text,
		'percent', NULL, new.percent,
		'photo_ids', NULL, new.photo_ids,
		'created_at', NULL, new.created_at));
END;

CREATE TRIGGER audit_progress_update AFTER UPDATE ON progress WHEN old.id IS NOT new.id OR old.task_id IS NOT new.task_id OR old.author_id IS NOT new.author_id OR old.text IS NOT new.text OR old.percent IS NOT new.percent OR old.photo_ids IS NOT new.photo_ids OR old.created_at IS NOT new.created_at BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'progress', new.id, 'update', audit_changes('update',
		'id', old.id, new.id,
		'task_id', old.task_id, new.task_id,
		'author_id', old.author_id, new.author_id,
		'text', old.text, new.text,
		'percent', old.percent, new.percent,
		'photo_ids', old.photo_ids, new.photo_ids,
		'created_at', old.created_at, new.created_at));
END;

CREATE TRIGGER audit_progress_delete AFTER DELETE ON progress BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'progress', old.id, 'delete', audit_changes('delete',
		'id', old.id, NULL,
		'task_id', old.task_id, NULL,
		'author_id', old.author_id, NULL,
		'text', old.text, NULL,
		'percent', old.percent, NULL,
		'photo_ids', old.photo_ids, NULL,
		'created_at', old.created_at, NULL));
END;

CREATE TRIGGER audit_interviews_insert AFTER INSERT ON interviews BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'interview', new.id, 'create', audit_changes('create',
		'id', NULL, new.id,
		'rectification_id', NULL, new.rectification_id,
		'task_id', NULL, new.task_id,
		'person', NULL, new.person,
		'person_role', NULL, new.person_role,
		'held_at', NULL, new.held_at,
		'reason', NULL, new.reason,
		'outcome', NULL, new.outcome,
		'recorded_by', NULL, new.recorded_by,
		'created_at', NULL, new.created_at));
END;

CREATE TRIGGER audit_interviews_update AFTER UPDATE ON interviews WHEN old.id IS NOT new.id OR old.rectification_id IS NOT new.rectification_id OR old.task_id IS NOT new.task_id OR old.person IS NOT new.person OR old.person_role IS NOT new.person_role OR old.held_at IS NOT new.held_at OR old.reason IS NOT new.reason OR old.outcome IS NOT new.outcome OR old.recorded_by IS NOT new.recorded_by OR old.created_at IS NOT new.created_at BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'interview', new.id, 'update', audit_changes('update',
		'id', old.id, new.id,
		'rectification_id', old.rectification_id, new.rectification_id,
		'task_id', old.task_id, new.task_id,
		'person', old.person, new.person,
		'person_role', old.person_role, new.person_role,
		'held_at', old.held_at, new.held_at,
		'reason', old.reason, new.reason,
		'outcome', old.outcome, new.outcome,
		'recorded_by', old.recorded_by, new.recorded_by,
		'created_at', old.created_at, new.created_at));
END;

CREATE TRIGGER audit_interviews_delete AFTER DELETE ON interviews BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'interview', old.id, 'delete', audit_changes('delete',
		'id', old.id, NULL,
		'rectification_id', old.rectification_id, NULL,
		'task_id', old.task_id, NULL,
		'person', old.person, NULL,
		'person_role', old.person_role, NULL,
		'held_at', old.held_at, NULL,
		'reason', old.reason, NULL,
		'outcome', old.outcome, NULL,
		'recorded_by', old.recorded_by, NULL,
		'created_at', old.created_at, NULL));
END;

CREATE TRIGGER audit_webhooks_insert AFTER INSERT ON webhooks BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'webhook', new.id, 'create', audit_changes('create',
		'id', NULL, new.id,
		'url', NULL, new.url,
		'events', NULL, new.events,
		'!secret', NULL, new.secret,
		'active', NULL, new.active,
		'description', NULL, new.description,
		'version', NULL, new.version,
		'created_at', NULL, new.created_at,
		'updated_at', NULL, new.updated_at));
END;

CREATE TRIGGER audit_webhooks_update AFTER UPDATE ON webhooks WHEN old.id IS NOT new.id OR old.url IS NOT new.url OR old.events IS NOT new.events OR old.secret IS NOT new.secret OR old.active IS NOT new.active OR old.description IS NOT new.description OR old.version IS NOT new.version OR old.created_at IS NOT new.created_at OR old.updated_at IS NOT new.updated_at BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'webhook', new.id, 'update', audit_changes('update',
		'id', old.id, new.id,
		'url', old.url, new.url,
		'events', old.events, new.events,
		'!secret', old.secret, new.secret,
		'active', old.active, new.active,
		'description', old.description, new.description,
		'version', old.version, new.version,
		'created_at', old.created_at, new.created_at,
		'updated_at', old.updated_at, new.updated_at));
END;

CREATE TRIGGER audit_webhooks_delete AFTER DELETE ON webhooks BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'webhook', old.id, 'delete', audit_changes('delete',
		'id', old.id, NULL,
		'url', old.url, NULL,
		'events', old.events, NULL,
		'!secret', old.secret, NULL,
		'active', old.active, NULL,
		'description', old.description, NULL,
		'version', old.version, NULL,
		'created_at', old.created_at, NULL,
		'updated_at', old.updated_at, NULL));
END;

CREATE TRIGGER audit_round_targets_insert AFTER INSERT ON round_targets BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'round', new.round_id, 'update', audit_changes('update', 'target_added', NULL, new.org_id));
END;

CREATE TRIGGER audit_round_targets_delete AFTER DELETE ON round_targets BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'round', old.round_id, 'update', audit_changes('update', 'target_removed', old.org_id, NULL));
END;

CREATE TRIGGER audit_round_inspectors_insert AFTER INSERT ON round_inspectors BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'round', new.round_id, 'update', audit_changes('update', 'inspector_added', NULL, new.user_id));
END;

CREATE TRIGGER audit_round_inspectors_delete AFTER DELETE ON round_inspectors BEGIN
	INSERT INTO audit (at, actor_id, actor_role, actor_addr, request_id, entity, entity_id, action, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), audit_ctx('actor_id'), audit_ctx('actor_role'), audit_ctx('actor_addr'), audit_ctx('request_id'), 'round', old.round_id, 'update', audit_changes('update', 'inspector_removed', old.user_id, NULL));
END;

-- Webhook events, recorded with the change that makes them.

CREATE TRIGGER webhook_task_created AFTER INSERT ON tasks WHEN 1 BEGIN
	INSERT INTO webhook_events (uid, type, data, occurred_at) SELECT lower(printf('%s-%s-4%s-%s%s-%s', hex(randomblob(4)), hex(randomblob(2)), substr(hex(randomblob(2)), 2), substr('89ab', 1 + (abs(random()) % 4), 1), substr(hex(randomblob(2)), 2), hex(randomblob(6)))), 'task.assigned', json_kv('task_id', new.id, 'rectification_id', new.rectification_id, 'org_id', new.org_id, 'assignee_id', new.assignee_id, 'title', new.title, 'due_date', new.due_date, 'status', new.status), strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE EXISTS (SELECT 1 FROM webhooks w WHERE w.active = 1 AND instr(w.events, '"' || 'task.assigned' || '"') > 0);
	INSERT INTO webhook_deliveries (uid, webhook_id, event_id, created_at, created_epoch, next_attempt_ms, next_attempt_at) SELECT lower(printf('%s-%s-4%s-%s%s-%s', hex(randomblob(4)), hex(randomblob(2)), substr(hex(randomblob(2)), 2), substr('89ab', 1 + (abs(random()) % 4), 1), substr(hex(randomblob(2)), 2), hex(randomblob(6)))), w.id, (SELECT max(id) FROM webhook_events), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), unixepoch('now'), unixepoch('now') * 1000, strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM webhooks w WHERE w.active = 1 AND instr(w.events, '"' || 'task.assigned' || '"') > 0;
END;

CREATE TRIGGER webhook_task_reassigned AFTER UPDATE OF assignee_id ON tasks WHEN old.assignee_id IS NOT new.assignee_id BEGIN
	INSERT INTO webhook_events (uid, type, data, occurred_at) SELECT lower(printf('%s-%s-4%s-%s%s-%s', hex(randomblob(4)), hex(randomblob(2)), substr(hex(randomblob(2)), 2), substr('89ab', 1 + (abs(random()) % 4), 1), substr(hex(randomblob(2)), 2), hex(randomblob(6)))), 'task.assigned', json_kv('task_id', new.id, 'rectification_id', new.rectification_id, 'org_id', new.org_id, 'assignee_id', new.assignee_id, 'title', new.title, 'due_date', new.due_date, 'status', new.status), strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE EXISTS (SELECT 1 FROM webhooks w WHERE w.active = 1 AND instr(w.events, '"' || 'task.assigned' || '"') > 0);
	INSERT INTO webhook_deliveries (uid, webhook_id, event_id, created_at, created_epoch, next_attempt_ms, next_attempt_at) SELECT lower(printf('%s-%s-4%s-%s%s-%s', hex(randomblob(4)), hex(randomblob(2)), substr(hex(randomblob(2)), 2), substr('89ab', 1 + (abs(random()) % 4), 1), substr(hex(randomblob(2)), 2), hex(randomblob(6)))), w.id, (SELECT max(id) FROM webhook_events), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), unixepoch('now'), unixepoch('now') * 1000, strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM webhooks w WHERE w.active = 1 AND instr(w.events, '"' || 'task.assigned' || '"') > 0;
END;

CREATE TRIGGER webhook_task_status AFTER UPDATE OF status ON tasks WHEN old.status IS NOT new.status AND new.status IN ('submitted', 'returned', 'verified') BEGIN
	INSERT INTO webhook_events (uid, type, data, occurred_at) SELECT lower(printf('%s-%s-4%s-%s%s-%s', hex(randomblob(4)), hex(randomblob(2)), substr(hex(randomblob(2)), 2), substr('89ab', 1 + (abs(random()) % 4), 1), substr(hex(randomblob(2)), 2), hex(randomblob(6)))), 'task.' || new.status, json_kv('task_id', new.id, 'rectification_id', new.rectification_id, 'org_id', new.org_id, 'assignee_id', new.assignee_id, 'title', new.title, 'due_date', new.due_date, 'status', new.status), strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE EXISTS (SELECT 1 FROM webhooks w WHERE w.active = 1 AND instr(w.events, '"' || 'task.' || new.status || '"') > 0);
	INSERT INTO webhook_deliveries (uid, webhook_id, event_id, created_at, created_epoch, next_attempt_ms, next_attempt_at) SELECT lower(printf('%s-%s-4%s-%s%s-%s', hex(randomblob(4)), hex(randomblob(2)), substr(hex(randomblob(2)), 2), substr('89ab', 1 + (abs(random()) % 4), 1), substr(hex(randomblob(2)), 2), hex(randomblob(6)))), w.id, (SELECT max(id) FROM webhook_events), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), unixepoch('now'), unixepoch('now') * 1000, strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM webhooks w WHERE w.active = 1 AND instr(w.events, '"' || 'task.' || new.status || '"') > 0;
END;

CREATE TRIGGER webhook_task_overdue AFTER UPDATE OF overdue_notified ON tasks WHEN old.overdue_notified = 0 AND new.overdue_notified = 1 BEGIN
	INSERT INTO webhook_events (uid, type, data, occurred_at) SELECT lower(printf('%s-%s-4%s-%s%s-%s', hex(randomblob(4)), hex(randomblob(2)), substr(hex(randomblob(2)), 2), substr('89ab', 1 + (abs(random()) % 4), 1), substr(hex(randomblob(2)), 2), hex(randomblob(6)))), 'task.overdue', json_kv('task_id', new.id, 'rectification_id', new.rectification_id, 'org_id', new.org_id, 'assignee_id', new.assignee_id, 'title', new.title, 'due_date', new.due_date, 'status', new.status), strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE EXISTS (SELECT 1 FROM webhooks w WHERE w.active = 1 AND instr(w.events, '"' || 'task.overdue' || '"') > 0);
	INSERT INTO webhook_deliveries (uid, webhook_id, event_id, created_at, created_epoch, next_attempt_ms, next_attempt_at) SELECT lower(printf('%s-%s-4%s-%s%s-%s', hex(randomblob(4)), hex(randomblob(2)), substr(hex(randomblob(2)), 2), substr('89ab', 1 + (abs(random()) % 4), 1), substr(hex(randomblob(2)), 2), hex(randomblob(6)))), w.id, (SELECT max(id) FROM webhook_events), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), unixepoch('now'), unixepoch('now') * 1000, strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM webhooks w WHERE w.active = 1 AND instr(w.events, '"' || 'task.overdue' || '"') > 0;
END;

CREATE TRIGGER webhook_inspection_status AFTER UPDATE OF status ON inspections WHEN old.status IS NOT new.status AND new.status IN ('submitted', 'approved', 'returned') BEGIN
	INSERT INTO webhook_events (uid, type, data, occurred_at) SELECT lower(printf('%s-%s-4%s-%s%s-%s', hex(randomblob(4)), hex(randomblob(2)), substr(hex(randomblob(2)), 2), substr('89ab', 1 + (abs(random()) % 4), 1), substr(hex(randomblob(2)), 2), hex(randomblob(6)))), 'inspection.' || new.status, json_kv('inspection_id', new.id, 'org_id', new.org_id, 'round_id', new.round_id, 'inspector_id', new.inspector_id, 'status', new.status), strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE EXISTS (SELECT 1 FROM webhooks w WHERE w.active = 1 AND instr(w.events, '"' || 'inspection.' || new.status || '"') > 0);
	INSERT INTO webhook_deliveries (uid, webhook_id, event_id, created_at, created_epoch, next_attempt_ms, next_attempt_at) SELECT lower(printf('%s-%s-4%s-%s%s-%s', hex(randomblob(4)), hex(randomblob(2)), substr(hex(randomblob(2)), 2), substr('89ab', 1 + (abs(random()) % 4), 1), substr(hex(randomblob(2)), 2), hex(randomblob(6)))), w.id, (SELECT max(id) FROM webhook_events), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), unixepoch('now'), unixepoch('now') * 1000, strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM webhooks w WHERE w.active = 1 AND instr(w.events, '"' || 'inspection.' || new.status || '"') > 0;
END;

CREATE TRIGGER webhook_rectification_opened AFTER INSERT ON rectifications WHEN 1 BEGIN
	INSERT INTO webhook_events (uid, type, data, occurred_at) SELECT lower(printf('%s-%s-4%s-%s%s-%s', hex(randomblob(4)), hex(randomblob(2)), substr(hex(randomblob(2)), 2), substr('89ab', 1 + (abs(random()) % 4), 1), substr(hex(randomblob(2)), 2), hex(randomblob(6)))), 'rectification.opened', json_kv('rectification_id', new.id, 'org_id', new.org_id, 'year', new.year, 'status', new.status, 'result', new.result), strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE EXISTS (SELECT 1 FROM webhooks w WHERE w.active = 1 AND instr(w.events, '"' || 'rectification.opened' || '"') > 0);
	INSERT INTO webhook_deliveries (uid, webhook_id, event_id, created_at, created_epoch, next_attempt_ms, next_attempt_at) SELECT lower(printf('%s-%s-4%s-%s%s-%s', hex(randomblob(4)), hex(randomblob(2)), substr(hex(randomblob(2)), 2), substr('89ab', 1 + (abs(random()) % 4), 1), substr(hex(randomblob(2)), 2), hex(randomblob(6)))), w.id, (SELECT max(id) FROM webhook_events), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), unixepoch('now'), unixepoch('now') * 1000, strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM webhooks w WHERE w.active = 1 AND instr(w.events, '"' || 'rectification.opened' || '"') > 0;
END;

CREATE TRIGGER webhook_rectification_closed AFTER UPDATE OF status ON rectifications WHEN old.status IS NOT new.status AND new.status = 'closed' BEGIN
	INSERT INTO webhook_events (uid, type, data, occurred_at) SELECT lower(printf('%s-%s-4%s-%s%s-%s', hex(randomblob(4)), hex(randomblob(2)), substr(hex(randomblob(2)), 2), substr('89ab', 1 + (abs(random()) % 4), 1), substr(hex(randomblob(2)), 2), hex(randomblob(6)))), 'rectification.closed', json_kv('rectification_id', new.id, 'org_id', new.org_id, 'year', new.year, 'status', new.status, 'result', new.result), strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE EXISTS (SELECT 1 FROM webhooks w WHERE w.active = 1 AND instr(w.events, '"' || 'rectification.closed' || '"') > 0);
	INSERT INTO webhook_deliveries (uid, webhook_id, event_id, created_at, created_epoch, next_attempt_ms, next_attempt_at) SELECT lower(printf('%s-%s-4%s-%s%s-%s', hex(randomblob(4)), hex(randomblob(2)), substr(hex(randomblob(2)), 2), substr('89ab', 1 + (abs(random()) % 4), 1), substr(hex(randomblob(2)), 2), hex(randomblob(6)))), w.id, (SELECT max(id) FROM webhook_events), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), unixepoch('now'), unixepoch('now') * 1000, strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM webhooks w WHERE w.active = 1 AND instr(w.events, '"' || 'rectification.closed' || '"') > 0;
END;
