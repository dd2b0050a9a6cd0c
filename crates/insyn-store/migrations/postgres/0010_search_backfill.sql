-- New records captured in bulk whose search docs the loader applies itself (Store::capture_bulk):
-- one row per bulk batch instead of one search_outbox row per record. A row left behind (a crash,
-- or an index held by another process) is applied from the store by the next indexer run.
CREATE TABLE search_backfill (
    id BIGSERIAL PRIMARY KEY,
    first_record_id BIGINT NOT NULL,
    last_record_id BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
