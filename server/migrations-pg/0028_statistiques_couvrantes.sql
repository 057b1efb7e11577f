-- PostgreSQL twin of migrations/0028_statistiques_couvrantes.sql.
-- The two longest reads of a country's statistics answered from their indexes alone, without a
-- row lookup per line (at national volume on SQLite, France's last 12 months: 200,000 people and
-- 185,000 completed parcours). The people seen in a period: their last and first sessions, who
-- and where, in one index, which replaces the index on the last session alone.
CREATE INDEX IF NOT EXISTS statistiques_personnes_periode
    ON statistiques_personnes(derniere, premiere, beneficiaire_id, structure_id, type_lieu);
DROP INDEX IF EXISTS statistiques_personnes_derniere;
-- The competences' progressions of each completed parcours, summed per domain.
CREATE INDEX IF NOT EXISTS statistiques_progressions_sommes
    ON statistiques_progressions(parcours_id, domaine, evaluees, en_progression);
