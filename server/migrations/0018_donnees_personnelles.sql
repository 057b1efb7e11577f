-- The journal of the API clients' calls (`journal_clients_api`, migration 0016) is kept as long
-- as the staff's access journal, and purged the same way (migration 0015): it stays append-only,
-- the database refuses any UPDATE, and any DELETE but the retention job's, which writes its own
-- bound in `purge_journaux` for the length of its transaction.
ALTER TABLE purge_journaux ADD COLUMN clients_api_avant TEXT;

-- The job deletes by age (the index of 0016 leads with the client).
CREATE INDEX journal_clients_api_at ON journal_clients_api(at);

DROP TRIGGER journal_clients_api_no_delete;
CREATE TRIGGER journal_clients_api_no_delete BEFORE DELETE ON journal_clients_api
BEGIN
    SELECT RAISE(ABORT, 'journal_clients_api is append-only')
    WHERE NOT COALESCE(OLD.at < (SELECT clients_api_avant FROM purge_journaux), 0);
END;

