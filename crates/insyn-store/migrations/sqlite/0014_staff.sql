-- The rest of the staff side (issue 5): registers can be closed (a closed register takes no new
-- cases; its cases keep their numbers), and the organisation's registrar address, which the
-- secret-information action tells (no secret text, only the diary number and a link). Keep in
-- step with the other backend's 0014_staff.sql.
ALTER TABLE diary_registers ADD COLUMN closed_at TEXT;
ALTER TABLE diary_registers ADD COLUMN closed_by TEXT;
CREATE TABLE diary_registrar (
    org_id INTEGER PRIMARY KEY REFERENCES organisations(id),
    email TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
);
