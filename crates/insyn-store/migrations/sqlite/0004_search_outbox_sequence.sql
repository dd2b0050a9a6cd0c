-- The search index keeps, per document, the outbox id that wrote it and ignores an older one.
-- Without AUTOINCREMENT SQLite hands out max(id) + 1, so after the outbox was emptied a later
-- change could get a smaller id than the one already applied and be ignored. AUTOINCREMENT
-- never reuses an id. (PostgreSQL's BIGSERIAL never did.)
CREATE TABLE search_outbox_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id INTEGER NOT NULL
);
INSERT INTO search_outbox_new (id, record_id) SELECT id, record_id FROM search_outbox;
DROP TABLE search_outbox;
ALTER TABLE search_outbox_new RENAME TO search_outbox;
