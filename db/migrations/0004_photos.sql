-- 0004: evidence photos. The bytes live in the blob store under their
-- SHA-256 (identical bytes once on disk); a row per uploaded photo id.
CREATE TABLE photos (
	id TEXT PRIMARY KEY,
	owner_id TEXT NOT NULL REFERENCES users (id),
	inspection_id TEXT REFERENCES inspections (id),
	finding_id TEXT REFERENCES findings (id),
	sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
	size INTEGER NOT NULL CHECK (size > 0),
	mime TEXT NOT NULL CHECK (mime IN ('image/jpeg', 'image/png', 'image/webp', 'image/heic')),
	taken_at TEXT,
	lat REAL CHECK (lat BETWEEN -90 AND 90),
	lng REAL CHECK (lng BETWEEN -180 AND 180),
	caption TEXT,
	uploaded_at TEXT NOT NULL,
	version INTEGER NOT NULL DEFAULT 1,
	CHECK (inspection_id IS NULL OR finding_id IS NULL)
) STRICT;

CREATE INDEX photos_inspection ON photos (inspection_id);
CREATE INDEX photos_finding ON photos (finding_id);
CREATE INDEX photos_sha256 ON photos (sha256);
CREATE INDEX photos_owner ON photos (owner_id);
