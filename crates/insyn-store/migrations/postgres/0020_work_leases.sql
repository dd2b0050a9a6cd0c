-- Background work that one process at a time should do (screening the queue): the process
-- holding a lease until until_at does it; others skip it, or wait, until the lease is released
-- or runs out (a crashed holder's lease simply expires). Keep in step with
-- migrations/sqlite/0020_work_leases.sql.
CREATE TABLE work_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until_at TIMESTAMPTZ NOT NULL
);
