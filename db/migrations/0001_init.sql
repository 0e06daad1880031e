-- 0001: the schema's first stone. Facts about this database itself.
-- Later migrations add the organization tree, accounts and the workflows.
CREATE TABLE meta (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;

INSERT INTO meta (key, value) VALUES
	('created_at', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
