-- PostgreSQL twin of migrations/0018_donnees_personnelles.sql (the journals' DELETE trigger
-- function: see 0015_conservation_journaux.sql).
-- The journal of the API clients' calls (`journal_clients_api`, migration 0016) is kept as long
-- as the staff's access journal, and purged the same way (migration 0015): it stays append-only,
-- the database refuses any UPDATE and TRUNCATE, and any DELETE but the retention job's, which
-- writes its own bound in `purge_journaux` for the length of its transaction.
ALTER TABLE purge_journaux ADD COLUMN clients_api_avant TIMESTAMPTZ;

-- The job deletes by age (the index of 0016 leads with the client).
CREATE INDEX journal_clients_api_at ON journal_clients_api(at);

-- The function of 0015, with the API clients' journal; a table it does not know is refused.
CREATE OR REPLACE FUNCTION refuser_suppression_hors_purge() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    avant TIMESTAMPTZ;
    ligne TIMESTAMPTZ;
BEGIN
    IF TG_TABLE_NAME = 'audit_log' THEN
        SELECT audit_avant INTO avant FROM purge_journaux;
        ligne := OLD.at;
    ELSIF TG_TABLE_NAME = 'journal_acces' THEN
        SELECT acces_avant INTO avant FROM purge_journaux;
        ligne := OLD.at;
    ELSIF TG_TABLE_NAME = 'journal_acces_beneficiaires' THEN
        SELECT acces_avant INTO avant FROM purge_journaux;
        SELECT j.at INTO ligne FROM journal_acces j WHERE j.id = OLD.journal_id;
    ELSIF TG_TABLE_NAME = 'journal_clients_api' THEN
        SELECT clients_api_avant INTO avant FROM purge_journaux;
        ligne := OLD.at;
    END IF;
    IF ligne < avant THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '%', TG_ARGV[0];
END
$$;

DROP TRIGGER journal_clients_api_no_delete ON journal_clients_api;
CREATE TRIGGER journal_clients_api_no_delete BEFORE DELETE ON journal_clients_api
    FOR EACH ROW EXECUTE FUNCTION refuser_suppression_hors_purge('journal_clients_api is append-only');

-- The hub's note on a change of a venue's Pass acceptance (« convention signée », a name, a
-- phone call): free text that may name the venue's people, so it is kept here, beside the
-- audit line it comments, and the append-only audit log only says whether there was one. The
-- venue's history shows it; it goes with its audit line.
CREATE TABLE lieux_notes_pass (
    audit_id BIGINT PRIMARY KEY REFERENCES audit_log(id) ON DELETE CASCADE,
    note     TEXT NOT NULL
);

-- What Carnet does at the end of the retention period or on request is a pseudonymisation (the
-- identity blanked, the ids kept), not an anonymisation: the first name it leaves says so.
UPDATE beneficiaires SET prenom = 'Identité effacée', prenom_normalise = 'identite effacee'
WHERE anonymise_at IS NOT NULL AND prenom = 'Personne anonymisée';
