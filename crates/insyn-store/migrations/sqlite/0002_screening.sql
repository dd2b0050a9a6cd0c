-- Screening findings (R4.2) and the queue of versions to screen. Keep in step with
-- migrations/postgres/0002_screening.sql.
CREATE TABLE findings (
    id INTEGER PRIMARY KEY,
    record_id INTEGER NOT NULL REFERENCES records(id),
    version BIGINT NOT NULL,
    category TEXT NOT NULL,
    span_start BIGINT NOT NULL,
    span_end BIGINT NOT NULL,
    rule TEXT NOT NULL,
    confidence DOUBLE PRECISION NOT NULL,
    explanation_sv TEXT NOT NULL,
    explanation_en TEXT NOT NULL,
    suggested_action TEXT,
    found_at TEXT NOT NULL
);
CREATE INDEX findings_record ON findings (record_id);

-- Received versions waiting to be screened; written in the capture transaction.
CREATE TABLE screening_outbox (
    id INTEGER PRIMARY KEY,
    record_id INTEGER NOT NULL,
    version BIGINT NOT NULL
);

CREATE TRIGGER findings_append_only_u BEFORE UPDATE ON findings
BEGIN SELECT RAISE(ABORT, 'findings are append-only'); END;
CREATE TRIGGER findings_append_only_d BEFORE DELETE ON findings
BEGIN SELECT RAISE(ABORT, 'findings are append-only'); END;
