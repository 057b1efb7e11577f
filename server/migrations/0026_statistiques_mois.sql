-- The daily counts (statistiques_jours) added up per local month of the structure: a country's
-- year is then about twelve rows per structure and kind of session instead of one per day. The
-- same columns; `mois` is the month's first day, `debut_mois`/`fin_mois` its UTC bounds in the
-- structure's zone. A period reads the months it wholly contains here, the other days it wholly
-- contains from the daily counts and the rest from the sessions. The server recounts a month
-- from its days whenever it recounts one of them, in the same transaction (store::agregat).
CREATE TABLE statistiques_mois (
    id              INTEGER PRIMARY KEY,
    structure_id    INTEGER NOT NULL REFERENCES structures(id),
    mois            TEXT NOT NULL,
    debut_mois      TEXT NOT NULL,
    fin_mois        TEXT NOT NULL,
    conseiller_id   INTEGER NOT NULL,
    type_lieu       TEXT NOT NULL,
    duree_minutes   INTEGER NOT NULL,
    domicile_insee  TEXT,
    cr_thematiques  TEXT,
    cr_materiel     TEXT,
    nombre          INTEGER NOT NULL,
    passes          INTEGER NOT NULL,
    valeur_centimes INTEGER NOT NULL
);
CREATE INDEX statistiques_mois_structure ON statistiques_mois(structure_id, mois);
CREATE INDEX statistiques_mois_debut ON statistiques_mois(debut_mois);
-- Each person's first and last held session per structure and type of place: the people seen in
-- a period are those with a row whose first or last session falls in it, and, for the few whose
-- sessions start before it and go on after it, one look at their sessions. A country's people
-- of a year are then read from one row each instead of every parcours looking for a session.
-- Recounted with statistiques_premieres (a session held, withdrawn or moved).
CREATE TABLE statistiques_personnes (
    beneficiaire_id INTEGER NOT NULL REFERENCES beneficiaires(id),
    structure_id    INTEGER NOT NULL REFERENCES structures(id),
    type_lieu       TEXT NOT NULL,
    premiere        TEXT NOT NULL,
    derniere        TEXT NOT NULL,
    PRIMARY KEY (beneficiaire_id, structure_id, type_lieu)
);
CREATE INDEX statistiques_personnes_derniere ON statistiques_personnes(derniere);
CREATE INDEX statistiques_personnes_structure ON statistiques_personnes(structure_id, derniere);
-- Each closed parcours (completed or abandoned) with its held sessions, for the parcours block:
-- a period's closures are read from this index alone instead of counting each parcours' sessions.
-- Written when a parcours is closed, recounted when one of its sessions is held, withdrawn or
-- moved (store::agregat).
CREATE TABLE statistiques_clotures (
    parcours_id    INTEGER PRIMARY KEY REFERENCES parcours(id),
    structure_id   INTEGER NOT NULL REFERENCES structures(id),
    etat           TEXT NOT NULL,
    closed_at      TEXT NOT NULL,
    seances_tenues INTEGER NOT NULL
);
CREATE INDEX statistiques_clotures_date ON statistiques_clotures(closed_at, etat, seances_tenues, structure_id);
-- The people whose first session of a scope is in a period: the first sessions of that period,
-- then whether those people had one before it.
CREATE INDEX statistiques_premieres_date ON statistiques_premieres(premiere);
-- The parcours opened in a period, counted from an index.
CREATE INDEX parcours_creation ON parcours(created_at);
-- Filled in the background after the start, like the counts of 0024 (store::agregat::remplir).
INSERT INTO statistiques_remplissages (agregat, rempli)
SELECT 'mois', NOT EXISTS (SELECT 1 FROM seances WHERE statut = 'tenue');
INSERT INTO statistiques_remplissages (agregat, rempli)
SELECT 'personnes', NOT EXISTS (SELECT 1 FROM seances WHERE statut = 'tenue');
INSERT INTO statistiques_remplissages (agregat, rempli)
SELECT 'clotures', NOT EXISTS (SELECT 1 FROM parcours WHERE closed_at IS NOT NULL);
