-- PostgreSQL twin of migrations/0019_parcours_conseiller.sql.
-- A conseiller's statistics (and the API's conseiller scope) select the parcours of one
-- conseiller. Without an index SQLite walked every held session of the period (about 800,000 in a
-- year at national volume) and kept that conseiller's: 250 ms a page. With it, the conseiller's
-- hundred parcours, then their sessions by the existing (parcours_id, debut) index.
CREATE INDEX parcours_conseiller ON parcours(conseiller_id);
