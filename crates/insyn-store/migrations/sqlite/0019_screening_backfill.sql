-- Received records captured in bulk wait for screening as one row per bulk batch instead of one
-- screening_outbox row each (Store::capture_bulk): the first version of every received record
-- with an id from first_record_id to last_record_id is still to be screened. Screening takes
-- them in id order and moves first_record_id past those it saved; an emptied row is deleted.
-- Keep in step with migrations/postgres/0019_screening_backfill.sql.
CREATE TABLE screening_backfill (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    first_record_id INTEGER NOT NULL,
    last_record_id INTEGER NOT NULL
);
