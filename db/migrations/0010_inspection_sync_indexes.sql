-- An inspector's sync (their own visits and their rounds', by change
-- sequence) reads two index ranges in seq order and stops at the page size,
-- as their list does (0009), instead of walking every visit's change in the
-- city (db/obs_store.c, inspection_list).
CREATE INDEX inspections_inspector_seq ON inspections (inspector_id, seq);
CREATE INDEX inspections_round_seq ON inspections (round_id, seq);
