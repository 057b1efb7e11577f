-- PostgreSQL twin of migrations/0007_generation.sql (types and append-only triggers: see 0001_foundation.sql).
-- An order's carnets and passes are generated in bounded transactions (a few hundred carnets
-- each), so that a 50,000-carnet order never holds the write lock for long. Until the last one
-- commits the order is « en cours de génération »: unusable (no payment, no activation, no lot),
-- and a server that stopped mid-way resumes it at its next start.
ALTER TABLE commandes ADD COLUMN en_generation BOOLEAN NOT NULL DEFAULT FALSE;
