-- PostgreSQL twin of migrations/0024_statistiques_progressions.sql.
-- Each parcours' progression per Pix domain (`domaine`, the competence's first digit): how many
-- competences both its diagnostics assessed (`evaluees`) and how many of those rose
-- (`en_progression`). The statistics of a whole country add a few rows per completed parcours
-- instead of joining every competence of both diagnostics. The server recounts a parcours' rows
-- in the transaction that saves one of its diagnostics (store::agregat).
CREATE TABLE statistiques_progressions (
    parcours_id    BIGINT NOT NULL REFERENCES parcours(id),
    domaine        TEXT NOT NULL,
    evaluees       BIGINT NOT NULL,
    en_progression BIGINT NOT NULL,
    PRIMARY KEY (parcours_id, domaine)
);
-- Each person's first held session at each structure (`premiere`, its start): the people whose
-- first session of a scope falls in a period (« nouveaux bénéficiaires ») are then counted from
-- a row per person instead of every session they ever had. Recounted from the sessions in the
-- transaction that holds, withdraws or moves one of them (store::agregat).
CREATE TABLE statistiques_premieres (
    beneficiaire_id BIGINT NOT NULL REFERENCES beneficiaires(id),
    structure_id    BIGINT NOT NULL REFERENCES structures(id),
    premiere        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (beneficiaire_id, structure_id)
);
CREATE INDEX statistiques_premieres_structure ON statistiques_premieres(structure_id);
-- The completed parcours of a period, found by index (the progressions and the parcours' block).
CREATE INDEX parcours_etat_cloture ON parcours(etat, closed_at);
-- Whether each count above has been filled from what existed before it (`jours`:
-- statistiques_jours, `premieres`: statistiques_premieres, `progressions`:
-- statistiques_progressions). The server fills them in the background after it starts, and the
-- statistics read from the sessions and diagnostics alone until all are: a new or empty database has nothing to fill.
CREATE TABLE statistiques_remplissages (
    agregat TEXT PRIMARY KEY,
    rempli  BOOLEAN NOT NULL
);
INSERT INTO statistiques_remplissages (agregat, rempli)
SELECT 'jours', NOT (EXISTS (SELECT 1 FROM seances WHERE statut = 'tenue')
                     AND NOT EXISTS (SELECT 1 FROM statistiques_jours));
INSERT INTO statistiques_remplissages (agregat, rempli)
SELECT 'premieres', NOT EXISTS (SELECT 1 FROM seances WHERE statut = 'tenue');
INSERT INTO statistiques_remplissages (agregat, rempli)
SELECT 'progressions', NOT EXISTS (SELECT 1 FROM diagnostic_niveaux WHERE moment = 'final');
