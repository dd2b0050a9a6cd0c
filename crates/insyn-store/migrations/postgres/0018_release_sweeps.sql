-- What the release policy's last sweep of an organisation saw: the highest record event id when
-- it started and the policy it applied. While neither has moved (every capture, edit, screening,
-- classification and deletion of a record writes an event), a sweep would find nothing new and
-- the server skips it.
CREATE TABLE release_sweeps (
    org_id BIGINT PRIMARY KEY REFERENCES organisations (id),
    events_high_water BIGINT NOT NULL,
    policy TEXT NOT NULL
);
