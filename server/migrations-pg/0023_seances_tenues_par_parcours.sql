-- PostgreSQL twin of migrations/0023_seances_tenues_par_parcours.sql.
-- The statistics count each parcours' held sessions (the median of a completed parcours): with
-- the state in the index, the count reads the index alone instead of every session's row (a
-- country's year: 1.0 → 0.5 s of CPU for that statement on SQLite).
CREATE INDEX seances_parcours_statut ON seances(parcours_id, statut);
