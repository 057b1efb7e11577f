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

-- The hub's note on a change of a venue's Pass acceptance (« convention signée », a name, a
-- phone call): free text that may name the venue's people, so it is kept here, beside the
-- audit line it comments, and the append-only audit log only says whether there was one. The
-- venue's history shows it; it goes with its audit line.
CREATE TABLE lieux_notes_pass (
    audit_id INTEGER PRIMARY KEY REFERENCES audit_log(id) ON DELETE CASCADE,
    note     TEXT NOT NULL
);

-- What Carnet does at the end of the retention period or on request is a pseudonymisation (the
-- identity blanked, the ids kept), not an anonymisation: the first name it leaves says so.
UPDATE beneficiaires SET prenom = 'Identité effacée', prenom_normalise = 'identite effacee'
WHERE anonymise_at IS NOT NULL AND prenom = 'Personne anonymisée';
