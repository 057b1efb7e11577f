-- PostgreSQL twin of migrations/0010_cloture_coordonnees.sql (types and append-only triggers: see 0001_foundation.sql).
-- A parcours closed before its end keeps why (a short list, and a precision); like a completed one, it keeps
-- its date in `closed_at` too. The structure's phone and address are what the person's sheet and space
-- give as « whom to call ».
ALTER TABLE parcours ADD COLUMN cloture_motif TEXT
    CHECK (cloture_motif IN ('arret', 'demenagement', 'sante', 'sans_nouvelles', 'autre'));
ALTER TABLE parcours ADD COLUMN cloture_precision TEXT;

ALTER TABLE structures ADD COLUMN telephone TEXT;
ALTER TABLE structures ADD COLUMN adresse TEXT;
