-- PostgreSQL twin of migrations/0029_statistiques_du_pays.sql.
-- The competences' progressions of the parcours completed in each UTC month, per structure and
-- domain: the sums of `statistiques_progressions` over the closures (`statistiques_clotures`,
-- state `termine`) of that structure and month. A country's year then adds about sixty thousand
-- rows instead of looking up the five rows of each of its 185,000 completed parcours (0.3 s at
-- national volume on SQLite); the parts of a period outside its whole UTC months are read from
-- the closures. `mois` is the month's first day. The server recounts a month whenever a
-- parcours' closure or progressions change, in the same transaction (store::agregat).
CREATE TABLE statistiques_progressions_mois (
    structure_id   BIGINT NOT NULL REFERENCES structures(id),
    mois           DATE NOT NULL,
    domaine        TEXT NOT NULL,
    evaluees       BIGINT NOT NULL,
    en_progression BIGINT NOT NULL,
    PRIMARY KEY (structure_id, mois, domaine)
);
CREATE INDEX statistiques_progressions_mois_date
    ON statistiques_progressions_mois(mois, domaine, evaluees, en_progression, structure_id);
-- Filled in the background after the start, like the counts of 0024 (store::agregat::remplir).
INSERT INTO statistiques_remplissages (agregat, rempli)
SELECT 'progressions_mois', NOT EXISTS (SELECT 1 FROM parcours WHERE etat = 'termine');
-- A whole country's people seen in a period counted in the order of what the beneficiary blocks
-- tell apart (store::statistiques::personnes), without sorting 200,000 of them into groups.
CREATE INDEX beneficiaires_profil
    ON beneficiaires(genre, annee_naissance, tranche_age, statut_social, commune_insee, anonymise_at);
-- The people whose first session of a scope is in a period (« nouveaux bénéficiaires »), read
-- from two indexes alone: the first sessions of the period, then whether each of those people
-- had one before it (a country's year at national volume on SQLite: 0.23 → 0.13 s).
CREATE INDEX statistiques_premieres_periode
    ON statistiques_premieres(premiere, beneficiaire_id, structure_id);
DROP INDEX statistiques_premieres_date;
CREATE INDEX statistiques_premieres_personne
    ON statistiques_premieres(beneficiaire_id, premiere, structure_id);
