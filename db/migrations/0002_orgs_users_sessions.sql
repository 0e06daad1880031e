-- 0002: the organization tree, accounts, and login sessions.

-- The tree city → town → village → group. `path` is the materialized path of
-- ids ("/<root id>/<town id>/"), so "is X inside Y's subtree" is one range
-- check on an indexed column: x.path >= y.path AND x.path < y.path_end, where
-- path_end is y.path with its final '/' replaced by '0' (the next byte).
-- A node's parent and level never change, so paths never change.
CREATE TABLE orgs (
	id TEXT PRIMARY KEY,
	code TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	level TEXT NOT NULL CHECK (level IN ('city', 'town', 'village', 'group')),
	parent_id TEXT REFERENCES orgs (id),
	path TEXT NOT NULL UNIQUE,
	category TEXT CHECK (category IN ('pilot', 'consolidate', 'breakthrough')),
	status TEXT NOT NULL DEFAULT 'normal' CHECK (status IN ('normal', 'weak', 'rectifying')),
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	CHECK ((level = 'city') = (parent_id IS NULL))
) STRICT;

CREATE INDEX orgs_parent ON orgs (parent_id, code);

CREATE TABLE users (
	id TEXT PRIMARY KEY,
	username TEXT NOT NULL,
	display_name TEXT NOT NULL,
	phone TEXT,
	role TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'inspector', 'cadre', 'viewer')),
	org_id TEXT NOT NULL REFERENCES orgs (id),
	disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
	password_hash TEXT NOT NULL,
	-- Bumped by a password, role, org or disabled change: every access token
	-- carrying an older value is refused at once.
	token_version INTEGER NOT NULL DEFAULT 1,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
) STRICT;

-- Usernames are ASCII ([A-Za-z0-9._-]), so NOCASE is full case folding.
CREATE UNIQUE INDEX users_username ON users (username COLLATE NOCASE);
CREATE INDEX users_org ON users (org_id);

-- A login session: one refresh-token family. Access tokens carry its id (sid)
-- so logout and reuse detection end them too.
CREATE TABLE sessions (
	id TEXT PRIMARY KEY,
	user_id TEXT NOT NULL REFERENCES users (id),
	created_at INTEGER NOT NULL, -- unix seconds
	revoked_at INTEGER,
	revoke_reason TEXT
) STRICT;

CREATE INDEX sessions_user ON sessions (user_id);

-- Refresh tokens are opaque random values; only their SHA-256 is stored.
CREATE TABLE refresh_tokens (
	token_hash BLOB PRIMARY KEY,
	session_id TEXT NOT NULL REFERENCES sessions (id),
	issued_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	spent_at INTEGER,	  -- when it was rotated
	successor_hash BLOB	  -- the token it was rotated into
) STRICT, WITHOUT ROWID;

CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

-- Failed logins, for throttling: key is "u:<lower-case username>" or "a:<address>".
CREATE TABLE login_failures (
	key TEXT NOT NULL,
	at INTEGER NOT NULL
) STRICT;

CREATE INDEX login_failures_key ON login_failures (key, at);
