-- The held sessions counted per day, so that the statistics of a whole country read a few
-- hundred thousand counts instead of joining a million sessions to their parcours. One row per
-- (structure, local day in the structure's zone, conseiller, type of place, duration, commune of
-- the person for a session at home, lists of the report): how many sessions, how many passes
-- they consumed and their value. `debut_jour`/`fin_jour` are the UTC bounds of that local day,
-- so that a period in any zone takes the days it wholly contains and counts the others from the
-- sessions. The server recounts a structure's day in the transaction that changes what it counts
-- (store::agregat), and fills the table at start when sessions are held but nothing is counted.
CREATE TABLE statistiques_jours (
    id              INTEGER PRIMARY KEY,
    structure_id    INTEGER NOT NULL REFERENCES structures(id),
    jour            TEXT NOT NULL,
    debut_jour      TEXT NOT NULL,
    fin_jour        TEXT NOT NULL,
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
CREATE INDEX statistiques_jours_structure ON statistiques_jours(structure_id, jour);
CREATE INDEX statistiques_jours_debut ON statistiques_jours(debut_jour);
