-- 0008: evidence you can trust. Where organizations are (a point and a
-- radius), what each photo's own bytes said (EXIF time and place, kept apart
-- from the phone's fields) and its perceptual hash (64-bit dHash, looked up
-- through five bands so near copies are found among a million photos), and
-- the supervisor's acknowledgement of alert-level evidence. The audit
-- triggers of the four tables that gain columns are made again with them.

ALTER TABLE orgs ADD COLUMN lat REAL CHECK (lat BETWEEN -90 AND 90);
ALTER TABLE orgs ADD COLUMN lng REAL CHECK (lng BETWEEN -180 AND 180);
ALTER TABLE orgs ADD COLUMN radius_m INTEGER CHECK (radius_m BETWEEN 50 AND 50000);

ALTER TABLE photos ADD COLUMN exif_present INTEGER NOT NULL DEFAULT 0 CHECK (exif_present IN (0, 1));
ALTER TABLE photos ADD COLUMN exif_taken_at TEXT;
ALTER TABLE photos ADD COLUMN exif_lat REAL;
ALTER TABLE photos ADD COLUMN exif_lng REAL;
ALTER TABLE photos ADD COLUMN dhash INTEGER; -- NULL: not decodable
CREATE INDEX photos_dhash ON photos (dhash) WHERE dhash IS NOT NULL;

-- dHash bands: 13+13+13+13+12 bits. Two hashes within Hamming distance 4
-- share at least one band exactly, so candidates come from 5 index lookups.
CREATE TABLE photo_hash_bands (
	band INTEGER NOT NULL CHECK (band BETWEEN 0 AND 4),
	value INTEGER NOT NULL,
	photo_id TEXT NOT NULL REFERENCES photos (id),
	dhash INTEGER NOT NULL, -- the whole hash, so a lookup reads only this table's b-tree
	PRIMARY KEY (band, value, photo_id)
) STRICT, WITHOUT ROWID;

ALTER TABLE inspections ADD COLUMN evidence_ack_by TEXT REFERENCES users (id);
ALTER TABLE inspections ADD COLUMN evidence_ack_at TEXT;
ALTER TABLE inspections ADD COLUMN evidence_ack_note TEXT;
ALTER TABLE tasks ADD COLUMN evidence_ack_by TEXT REFERENCES users (id);
ALTER TABLE tasks ADD COLUMN evidence_ack_at TEXT;
ALTER TABLE tasks ADD COLUMN evidence_ack_note TEXT;

DROP TRIGGER audit_orgs_insert;
DROP TRIGGER audit_orgs_update;
DROP TRIGGER audit_orgs_delete;
DROP TRIGGER audit_photos_insert;
DROP TRIGGER audit_photos_update;
DROP TRIGGER audit_photos_delete;
DROP TRIGGER audit_inspections_insert;
DROP TRIGGER audit_inspections_update;
DROP TRIGGER audit_inspections_delete;
DROP TRIGGER audit_tasks_insert;
DROP TRIGGER audit_tasks_update;
DROP TRIGGER audit_tasks_delete;

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
		'updated_at', NULL, new.updated_at,
		'lat', NULL, new.lat,
		'lng', NULL, new.lng,
		'radius_m', NULL, new.radius_m));
END;

CREATE TRIGGER audit_orgs_update AFTER UPDATE ON orgs WHEN old.id IS NOT new.id OR old.code IS NOT new.code OR old.name IS NOT new.name OR old.level IS NOT new.level OR old.parent_id IS NOT new.parent_id OR old.path IS NOT new.path OR old.category IS NOT new.category OR old.status IS NOT new.status OR old.version IS NOT new.version OR old.created_at IS NOT new.created_at OR old.updated_at IS NOT new.updated_at OR old.lat IS NOT new.lat OR old.lng IS NOT new.lng OR old.radius_m IS NOT new.radius_m BEGIN
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
		'updated_at', old.updated_at, new.updated_at,
		'lat', old.lat, new.lat,
		'lng', old.lng, new.lng,
		'radius_m', old.radius_m, new.radius_m));
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
		'updated_at', old.updated_at, NULL,
		'lat', old.lat, NULL,
		'lng', old.lng, NULL,
		'radius_m', old.radius_m, NULL));
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
		'progress_id', NULL, new.progress_id,
		'exif_present', NULL, new.exif_present,
		'exif_taken_at', NULL, new.exif_taken_at,
		'exif_lat', NULL, new.exif_lat,
		'exif_lng', NULL, new.exif_lng,
		'dhash', NULL, new.dhash));
END;

CREATE TRIGGER audit_photos_update AFTER UPDATE ON photos WHEN old.id IS NOT new.id OR old.owner_id IS NOT new.owner_id OR old.inspection_id IS NOT new.inspection_id OR old.finding_id IS NOT new.finding_id OR old.sha256 IS NOT new.sha256 OR old.size IS NOT new.size OR old.mime IS NOT new.mime OR old.taken_at IS NOT new.taken_at OR old.lat IS NOT new.lat OR old.lng IS NOT new.lng OR old.caption IS NOT new.caption OR old.uploaded_at IS NOT new.uploaded_at OR old.version IS NOT new.version OR old.width IS NOT new.width OR old.height IS NOT new.height OR old.taken_at_source IS NOT new.taken_at_source OR old.location_source IS NOT new.location_source OR old.task_id IS NOT new.task_id OR old.progress_id IS NOT new.progress_id OR old.exif_present IS NOT new.exif_present OR old.exif_taken_at IS NOT new.exif_taken_at OR old.exif_lat IS NOT new.exif_lat OR old.exif_lng IS NOT new.exif_lng OR old.dhash IS NOT new.dhash BEGIN
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
		'progress_id', old.progress_id, new.progress_id,
		'exif_present', old.exif_present, new.exif_present,
		'exif_taken_at', old.exif_taken_at, new.exif_taken_at,
		'exif_lat', old.exif_lat, new.exif_lat,
		'exif_lng', old.exif_lng, new.exif_lng,
		'dhash', old.dhash, new.dhash));
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
		'progress_id', old.progress_id, NULL,
		'exif_present', old.exif_present, NULL,
		'exif_taken_at', old.exif_taken_at, NULL,
		'exif_lat', old.exif_lat, NULL,
		'exif_lng', old.exif_lng, NULL,
		'dhash', old.dhash, NULL));
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
		'updated_at', NULL, new.updated_at,
		'evidence_ack_by', NULL, new.evidence_ack_by,
		'evidence_ack_at', NULL, new.evidence_ack_at,
		'evidence_ack_note', NULL, new.evidence_ack_note));
END;

CREATE TRIGGER audit_inspections_update AFTER UPDATE ON inspections WHEN old.id IS NOT new.id OR old.org_id IS NOT new.org_id OR old.round_id IS NOT new.round_id OR old.template_id IS NOT new.template_id OR old.inspector_id IS NOT new.inspector_id OR old.status IS NOT new.status OR old.started_at IS NOT new.started_at OR old.finished_at IS NOT new.finished_at OR old.location IS NOT new.location OR old.answers IS NOT new.answers OR old.notes IS NOT new.notes OR old.return_reason IS NOT new.return_reason OR old.score IS NOT new.score OR old.submitted_at IS NOT new.submitted_at OR old.reviewed_at IS NOT new.reviewed_at OR old.reviewed_by IS NOT new.reviewed_by OR old.deleted IS NOT new.deleted OR old.version IS NOT new.version OR old.created_at IS NOT new.created_at OR old.updated_at IS NOT new.updated_at OR old.evidence_ack_by IS NOT new.evidence_ack_by OR old.evidence_ack_at IS NOT new.evidence_ack_at OR old.evidence_ack_note IS NOT new.evidence_ack_note BEGIN
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
		'updated_at', old.updated_at, new.updated_at,
		'evidence_ack_by', old.evidence_ack_by, new.evidence_ack_by,
		'evidence_ack_at', old.evidence_ack_at, new.evidence_ack_at,
		'evidence_ack_note', old.evidence_ack_note, new.evidence_ack_note));
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
		'updated_at', old.updated_at, NULL,
		'evidence_ack_by', old.evidence_ack_by, NULL,
		'evidence_ack_at', old.evidence_ack_at, NULL,
		'evidence_ack_note', old.evidence_ack_note, NULL));
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
		'updated_at', NULL, new.updated_at,
		'evidence_ack_by', NULL, new.evidence_ack_by,
		'evidence_ack_at', NULL, new.evidence_ack_at,
		'evidence_ack_note', NULL, new.evidence_ack_note));
END;

CREATE TRIGGER audit_tasks_update AFTER UPDATE ON tasks WHEN old.id IS NOT new.id OR old.rectification_id IS NOT new.rectification_id OR old.org_id IS NOT new.org_id OR old.title IS NOT new.title OR old.detail IS NOT new.detail OR old.assignee_id IS NOT new.assignee_id OR old.due_date IS NOT new.due_date OR old.requires_photo IS NOT new.requires_photo OR old.status IS NOT new.status OR old.finding_id IS NOT new.finding_id OR old.return_reason IS NOT new.return_reason OR old.submitted_at IS NOT new.submitted_at OR old.verified_at IS NOT new.verified_at OR old.verified_by IS NOT new.verified_by OR old.version IS NOT new.version OR old.created_at IS NOT new.created_at OR old.updated_at IS NOT new.updated_at OR old.evidence_ack_by IS NOT new.evidence_ack_by OR old.evidence_ack_at IS NOT new.evidence_ack_at OR old.evidence_ack_note IS NOT new.evidence_ack_note BEGIN
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
		'updated_at', old.updated_at, new.updated_at,
		'evidence_ack_by', old.evidence_ack_by, new.evidence_ack_by,
		'evidence_ack_at', old.evidence_ack_at, new.evidence_ack_at,
		'evidence_ack_note', old.evidence_ack_note, new.evidence_ack_note));
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
		'updated_at', old.updated_at, NULL,
		'evidence_ack_by', old.evidence_ack_by, NULL,
		'evidence_ack_at', old.evidence_ack_at, NULL,
		'evidence_ack_note', old.evidence_ack_note, NULL));
END;

-- Where a photo belongs: its organization, what it is attached to, and the
-- visit or task that attachment is part of (copies within one of those are
-- no news; across them they are). A deleted visit or finding attaches
-- nothing any more.
CREATE VIEW photo_links AS
SELECT ph.id AS id,
	coalesce(i.org_id, fi.org_id, t.org_id, pt.org_id) AS org_id,
	CASE WHEN i.id IS NOT NULL THEN 'inspection' WHEN fi.id IS NOT NULL THEN 'finding'
		WHEN t.id IS NOT NULL THEN 'task' WHEN pt.id IS NOT NULL THEN 'progress' END AS linked,
	coalesce(i.id, CASE WHEN fi.id IS NOT NULL THEN f.id END, t.id, CASE WHEN pt.id IS NOT NULL THEN pr.id END)
		AS linked_id,
	coalesce(i.id, fi.id, t.id, pt.id) AS parent
FROM photos ph
LEFT JOIN inspections i ON i.id = ph.inspection_id AND i.deleted = 0
LEFT JOIN findings f ON f.id = ph.finding_id AND f.deleted = 0
LEFT JOIN inspections fi ON fi.id = f.inspection_id AND fi.deleted = 0
LEFT JOIN tasks t ON t.id = ph.task_id
LEFT JOIN progress pr ON pr.id = ph.progress_id
LEFT JOIN tasks pt ON pt.id = pr.task_id;

CREATE INDEX photos_uploaded ON photos (uploaded_at, id);
