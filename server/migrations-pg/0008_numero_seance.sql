-- PostgreSQL twin of migrations/0008_numero_seance.sql (types and append-only triggers: see 0001_foundation.sql).
-- A held session keeps the number (and so the theme) it was held with: reordering the schedule
-- renumbers planned sessions only. Sessions held before this column get the number they showed.
ALTER TABLE seances ADD COLUMN numero BIGINT;

UPDATE seances SET numero = (
    SELECT COUNT(*) FROM seances s2
    WHERE s2.parcours_id = seances.parcours_id AND s2.statut IN ('prevue', 'tenue')
      AND (s2.debut < seances.debut OR (s2.debut = seances.debut AND s2.id <= seances.id))
) WHERE statut = 'tenue';
