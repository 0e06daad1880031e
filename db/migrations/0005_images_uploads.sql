-- 0005: what is read from a photo's own bytes (pixel size, and where its
-- time and place came from: the phone's fields or the image's EXIF), and
-- tus resumable uploads in progress (their bytes are in <data>/photos/uploads/<id>,
-- beside the blob store, so finishing one is a link on the same filesystem).
ALTER TABLE photos ADD COLUMN width INTEGER CHECK (width > 0);
ALTER TABLE photos ADD COLUMN height INTEGER CHECK (height > 0);
ALTER TABLE photos ADD COLUMN taken_at_source TEXT CHECK (taken_at_source IN ('client', 'exif'));
ALTER TABLE photos ADD COLUMN location_source TEXT CHECK (location_source IN ('client', 'exif'));
-- every photo so far had its time and place from the phone, if at all
UPDATE photos SET taken_at_source = 'client' WHERE taken_at IS NOT NULL;
UPDATE photos SET location_source = 'client' WHERE lat IS NOT NULL;

CREATE TABLE uploads (
	id TEXT PRIMARY KEY,
	owner_id TEXT NOT NULL REFERENCES users (id),
	length INTEGER NOT NULL CHECK (length > 0),
	offset INTEGER NOT NULL DEFAULT 0 CHECK (offset BETWEEN 0 AND length),
	metadata TEXT,          -- the Upload-Metadata header as sent, echoed by HEAD
	fields TEXT NOT NULL,   -- the decoded photo fields, a JSON object
	photo_id TEXT,          -- set when the upload has become a photo
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	expires_epoch INTEGER NOT NULL,
	locked_until INTEGER    -- a request writing or removing it holds it until then (epoch s)
) STRICT;

CREATE INDEX uploads_owner ON uploads (owner_id);
CREATE INDEX uploads_expiry ON uploads (expires_epoch);
