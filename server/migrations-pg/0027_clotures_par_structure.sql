-- PostgreSQL twin of migrations/0027_clotures_par_structure.sql.
-- The closed parcours of a few structures (a département, a commune, one structure) read from
-- their own rows: with the index on the date alone, a département's year walked every closure of
-- the country in that year (at national volume on SQLite: 61 ms → under 1 ms for the statement).
-- It also holds the state, so the progressions of a scope of structures start from it.
CREATE INDEX IF NOT EXISTS statistiques_clotures_structure
    ON statistiques_clotures(structure_id, closed_at, etat, seances_tenues);
