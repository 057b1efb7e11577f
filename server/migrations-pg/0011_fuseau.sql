-- PostgreSQL twin of migrations/0011_fuseau.sql (types and append-only triggers: see 0001_foundation.sql).
-- A structure's time zone (IANA name), when an administrator chose one. NULL: the zone of its
-- commune (Europe/Paris in metropolitan France, the overseas zones by INSEE code), so a structure
-- follows its commune until someone decides otherwise. Holidays always follow the commune.
ALTER TABLE structures ADD COLUMN fuseau TEXT;
