-- How long the two journals are kept. The access journal (`journal_acces`, who saw whose
-- identity) and the audit log (`audit_log`, who changed what) stay append-only: the database
-- refuses any UPDATE, and any DELETE except the retention job's. That job, in one transaction,
-- writes in `purge_journaux` the instant before which lines may go, deletes those lines, and
-- writes NULL back before it commits: no other transaction ever sees a bound (SQLite has one
-- writer at a time; PostgreSQL shows no one else an uncommitted row), so a DELETE from anywhere
-- else is refused as before.
CREATE TABLE purge_journaux (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    -- Lines of the access journal older than this may be deleted; NULL: none.
    acces_avant TEXT,
    -- The same for the audit log.
    audit_avant TEXT
);
INSERT INTO purge_journaux (id) VALUES (1);

-- The job deletes by age.
CREATE INDEX journal_acces_at ON journal_acces(at);
CREATE INDEX audit_log_at ON audit_log(at);

-- The condition sits in the body, not in a WHEN clause: PostgreSQL's twin checks it in its
-- trigger function (a WHEN there cannot read another table).
DROP TRIGGER audit_log_no_delete;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only')
    WHERE NOT COALESCE(OLD.at < (SELECT audit_avant FROM purge_journaux), 0);
END;

DROP TRIGGER journal_acces_no_delete;
CREATE TRIGGER journal_acces_no_delete BEFORE DELETE ON journal_acces
BEGIN
    SELECT RAISE(ABORT, 'journal_acces is append-only')
    WHERE NOT COALESCE(OLD.at < (SELECT acces_avant FROM purge_journaux), 0);
END;

-- A line's people go with it (deleted first: they refer to it).
DROP TRIGGER journal_acces_beneficiaires_no_delete;
CREATE TRIGGER journal_acces_beneficiaires_no_delete BEFORE DELETE ON journal_acces_beneficiaires
BEGIN
    SELECT RAISE(ABORT, 'journal_acces is append-only')
    WHERE NOT COALESCE((SELECT at FROM journal_acces WHERE id = OLD.journal_id)
                       < (SELECT acces_avant FROM purge_journaux), 0);
END;

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
'2026-12-03T00:00:00+00:00'
WHERE NOT EXISTS (SELECT 1 FROM notices_information WHERE version <> '1');
