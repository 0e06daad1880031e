-- 0006: rectifying weak village party organizations (整顿软弱涣散): cases with
-- the "four ones", tasks on cadres' phones, progress reports, interviews
-- (约谈) and the history of every state change.

CREATE TABLE rectifications (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES orgs (id),
	year INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
	reason TEXT NOT NULL,
	source TEXT NOT NULL CHECK (source IN ('annual', 'finding')),
	finding_id TEXT REFERENCES findings (id),
	contact_leader TEXT,  -- the four ones (四个一): 联系领导
	town_leader TEXT,     -- 包村镇领导 (a name; town_leader_id when they are a user)
	town_leader_id TEXT REFERENCES users (id),
	first_secretary TEXT, -- 驻村第一书记
	paired_unit TEXT,     -- 结对帮扶单位
	plan TEXT,
	status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'evaluating', 'closed')),
	result TEXT CHECK (result IN ('passed')),
	evaluation TEXT,
	created_by TEXT NOT NULL REFERENCES users (id),
	create_hash BLOB NOT NULL,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	closed_at TEXT,
	CHECK ((source = 'finding') = (finding_id IS NOT NULL))
) STRICT;

-- One case per organization and year that is not closed.
CREATE UNIQUE INDEX rectifications_live ON rectifications (org_id, year) WHERE status != 'closed';
CREATE INDEX rectifications_created ON rectifications (created_at DESC, id);

CREATE TABLE tasks (
	id TEXT PRIMARY KEY,
	rectification_id TEXT NOT NULL REFERENCES rectifications (id),
	org_id TEXT NOT NULL REFERENCES orgs (id), -- the case's, for scoped queries
	title TEXT NOT NULL,
	detail TEXT,
	assignee_id TEXT NOT NULL REFERENCES users (id),
	due_date TEXT NOT NULL CHECK (due_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
	requires_photo INTEGER NOT NULL DEFAULT 1 CHECK (requires_photo IN (0, 1)),
	status TEXT NOT NULL DEFAULT 'assigned'
		CHECK (status IN ('assigned', 'in_progress', 'submitted', 'returned', 'verified')),
	finding_id TEXT REFERENCES findings (id),
	return_reason TEXT,
	submitted_at TEXT,
	verified_at TEXT,
	verified_by TEXT REFERENCES users (id),
	create_hash BLOB NOT NULL,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
) STRICT;

CREATE INDEX tasks_case ON tasks (rectification_id, due_date, id);
CREATE INDEX tasks_assignee ON tasks (assignee_id, due_date, id);
CREATE INDEX tasks_due ON tasks (due_date) WHERE status != 'verified';
CREATE UNIQUE INDEX tasks_finding ON tasks (finding_id) WHERE finding_id IS NOT NULL;

CREATE TABLE progress (
	id TEXT PRIMARY KEY,
	task_id TEXT NOT NULL REFERENCES tasks (id),
	author_id TEXT NOT NULL REFERENCES users (id),
	text TEXT NOT NULL,
	percent INTEGER NOT NULL CHECK (percent BETWEEN 0 AND 100),
	photo_ids TEXT NOT NULL DEFAULT '[]',
	create_hash BLOB NOT NULL,
	created_at TEXT NOT NULL
) STRICT;

CREATE INDEX progress_task ON progress (task_id); -- rows in rowid order within a task

CREATE TABLE interviews (
	id TEXT PRIMARY KEY,
	rectification_id TEXT NOT NULL REFERENCES rectifications (id),
	task_id TEXT REFERENCES tasks (id),
	person TEXT NOT NULL,
	person_role TEXT NOT NULL,
	held_at TEXT NOT NULL,
	reason TEXT NOT NULL,
	outcome TEXT NOT NULL,
	recorded_by TEXT NOT NULL REFERENCES users (id),
	create_hash BLOB NOT NULL,
	created_at TEXT NOT NULL
) STRICT;

CREATE INDEX interviews_case ON interviews (rectification_id, held_at, id);
CREATE INDEX interviews_task ON interviews (task_id) WHERE task_id IS NOT NULL;

-- Every state change of a case or task: who, when, from, to, why.
CREATE TABLE state_history (
	seq INTEGER PRIMARY KEY,
	entity TEXT NOT NULL CHECK (entity IN ('rectification', 'task')),
	entity_id TEXT NOT NULL,
	actor_id TEXT NOT NULL REFERENCES users (id),
	at TEXT NOT NULL,
	from_status TEXT,
	to_status TEXT NOT NULL,
	reason TEXT
) STRICT;

CREATE INDEX state_history_entity ON state_history (entity, entity_id, seq);

-- A finding turned into a task, and photos as evidence of tasks and progress.
ALTER TABLE findings ADD COLUMN task_id TEXT REFERENCES tasks (id);
ALTER TABLE photos ADD COLUMN task_id TEXT REFERENCES tasks (id);
ALTER TABLE photos ADD COLUMN progress_id TEXT REFERENCES progress (id);
CREATE INDEX photos_task ON photos (task_id) WHERE task_id IS NOT NULL;
CREATE INDEX photos_progress ON photos (progress_id) WHERE progress_id IS NOT NULL;
