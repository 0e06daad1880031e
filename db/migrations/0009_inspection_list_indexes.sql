-- An inspector's list page (their own visits and those of the rounds they are
-- assigned to) reads two index ranges in (created_at, id) order and stops at
-- the page size, instead of walking every visit in the city
-- (db/obs_store.c, inspection_list).
DROP INDEX inspections_inspector;
CREATE INDEX inspections_inspector ON inspections (inspector_id, created_at, id);
CREATE INDEX inspections_round_created ON inspections (round_id, created_at, id);
