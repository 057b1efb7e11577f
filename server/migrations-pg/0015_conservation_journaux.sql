-- PostgreSQL twin of migrations/0015_conservation_journaux.sql (types and append-only triggers: see 0001_foundation.sql).
-- How long the two journals are kept. The access journal (`journal_acces`, who saw whose
-- identity) and the audit log (`audit_log`, who changed what) stay append-only: the database
-- refuses any UPDATE and TRUNCATE, and any DELETE except the retention job's. That job, in one
-- transaction, writes in `purge_journaux` the instant before which lines may go, deletes those
-- lines, and writes NULL back before it commits: no other transaction ever sees a bound
-- (PostgreSQL shows no one else an uncommitted row), so a DELETE from anywhere else is refused
-- as before.
CREATE TABLE purge_journaux (
    id          BIGINT PRIMARY KEY CHECK (id = 1),
    -- Lines of the access journal older than this may be deleted; NULL: none.
    acces_avant TIMESTAMPTZ,
    -- The same for the audit log.
    audit_avant TIMESTAMPTZ
);
INSERT INTO purge_journaux (id) VALUES (1);

-- The job deletes by age.
CREATE INDEX journal_acces_at ON journal_acces(at);
CREATE INDEX audit_log_at ON audit_log(at);

-- What the DELETE triggers of the journals call: lets through a line older than the bound the
-- retention job set in its own transaction, refuses any other with the trigger's message. (A
-- trigger's WHEN cannot read another table, hence the check here.)
CREATE FUNCTION refuser_suppression_hors_purge() RETURNS trigger LANGUAGE plpgsql AS $$
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
    ELSE
        SELECT acces_avant INTO avant FROM purge_journaux;
        SELECT j.at INTO ligne FROM journal_acces j WHERE j.id = OLD.journal_id;
    END IF;
    IF ligne < avant THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '%', TG_ARGV[0];
END
$$;

DROP TRIGGER audit_log_no_delete ON audit_log;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuser_suppression_hors_purge('audit_log is append-only');

DROP TRIGGER journal_acces_no_delete ON journal_acces;
CREATE TRIGGER journal_acces_no_delete BEFORE DELETE ON journal_acces
    FOR EACH ROW EXECUTE FUNCTION refuser_suppression_hors_purge('journal_acces is append-only');

-- A line's people go with it (deleted first: they refer to it).
DROP TRIGGER journal_acces_beneficiaires_no_delete ON journal_acces_beneficiaires;
CREATE TRIGGER journal_acces_beneficiaires_no_delete BEFORE DELETE ON journal_acces_beneficiaires
    FOR EACH ROW EXECUTE FUNCTION refuser_suppression_hors_purge('journal_acces is append-only');

-- The information notice said that after the retention period « only anonymous figures »
-- remain. What remains (carnet number, pass codes, sessions, levels, age band, gender, status)
-- no longer bears a name but is pseudonymised, not anonymous: version 2 says so. Published only
-- where nobody has published a notice of their own (theirs stays in force).
INSERT INTO notices_information (version, titre, texte, publiee_at)
SELECT '2',
'Vos données personnelles dans Carnet',
'## Qui s''occupe de vos données ?

{structure} vous accompagne avec le Pass numérique. Elle est responsable des données notées dans Carnet, l''outil de suivi des conseillers numériques.

## Ce que nous gardons

- votre prénom ou un pseudonyme ;
- si vous le voulez : votre année de naissance, votre commune, votre genre et votre situation (retraite, emploi…) ;
- le numéro de votre carnet de Pass numérique et les codes de vos pass ;
- votre parcours : ce que vous savez déjà faire, vos objectifs, vos rendez-vous et le bilan ;
- votre téléphone ou votre e-mail, seulement si vous acceptez de recevoir des rappels.

## Pourquoi

Pour organiser et suivre votre accompagnement au numérique, et pour rendre compte de l''utilisation des pass à ceux qui les financent. Ils reçoivent seulement des chiffres, jamais votre nom. Base légale : une mission d''intérêt public, l''inclusion numérique ; vos coordonnées, seulement avec votre accord.

## Combien de temps

{duree} après votre dernier rendez-vous ou votre dernière démarche. Ensuite, votre prénom, votre année de naissance, votre commune, vos coordonnées et les notes de votre conseiller sont effacés automatiquement. Le reste (le numéro de votre carnet, les codes de vos pass, vos rendez-vous, vos niveaux, votre tranche d''âge, votre genre et votre situation) est gardé sans votre nom, pour rendre compte des pass et pour les statistiques : c''est une pseudonymisation, pas une anonymisation.

## Qui les voit

Seulement les conseillers numériques de {structure}. Chaque consultation est notée dans un journal.

## Vos droits

Vous pouvez à tout moment demander à voir toutes vos données, les faire corriger ou les faire effacer, et retirer votre accord pour les rappels ou l''agenda. Il suffit de le demander à votre conseiller numérique. Si vous n''êtes pas satisfait de la réponse, vous pouvez vous adresser à la CNIL (cnil.fr).

## Qui contacter

Votre conseiller numérique, ou {structure}.',
'2026-12-03T00:00:00+00:00'::timestamptz
WHERE NOT EXISTS (SELECT 1 FROM notices_information WHERE version <> '1');
