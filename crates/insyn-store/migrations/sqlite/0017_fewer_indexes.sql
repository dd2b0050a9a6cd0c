-- record_events_kind (record_id, kind) serves every look-up by record id that
-- record_events_record (record_id) served: the second index only cost an insert per event.
DROP INDEX IF EXISTS record_events_record;
