-- PostgreSQL twin of migrations/0020_structures_par_lieu.sql.
-- The statistics of a département, a hub's territory or a commune start from its structures:
-- the communes of a département, then the structures of those communes, then their parcours
-- (parcours(structure_id, etat)) and sessions (seances(parcours_id, debut)) by index.
CREATE INDEX communes_departement ON communes(departement);
CREATE INDEX structures_commune ON structures(commune_insee);
