-- PostgreSQL twin of migrations/0012_rappel_deplace.sql (types and append-only triggers: see 0001_foundation.sql).
-- The start of the session a reminder announced (copied from the session when it is claimed).
-- A session moved after its reminder went (or failed for good) gets a fresh reminder for its
-- new start: the row of (seance, canal) is set waiting again, once, when the session's start
-- differs from this one. NULL: never claimed yet.
ALTER TABLE envois ADD COLUMN debut_seance TIMESTAMPTZ;
-- Reminders already sent or failed announced the session's present start.
UPDATE envois SET debut_seance = (SELECT s.debut FROM seances s WHERE s.id = envois.seance_id)
    WHERE etat IN ('envoye', 'echec');
