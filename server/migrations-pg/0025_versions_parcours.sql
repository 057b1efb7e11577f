-- Each parcours carries a version that changes with anything its page shows (GET
-- /api/v1/parcours/{id}): the server keeps the page's answer per parcours and answers it again
-- while the version is the same. The versions are bumped here, by triggers on every table the
-- page reads, so that no writer (a handler, the CLI, a job, raw SQL, another instance) can change
-- the page without changing the version. Versions come from one counter that only grows: a
-- parcours deleted and another created with the same id never shows a version seen before.

CREATE SEQUENCE parcours_version;

-- Whether a row was last written by this transaction (`xmin` is the writer's transaction id, the
-- low 32 bits of txid_current()). A version taken in this transaction is one no reader has seen
-- yet, and readers see the row again only once the transaction has committed, with everything it
-- changed: one change of version per transaction is enough. Changing it again for each row of a
-- bulk write (admin copier, the national generator, a purge) would add a version of the same row
-- each time, and PostgreSQL walks a row's versions of the transaction on each next update: the
-- insertion of a country's diagnostic levels took minutes instead of seconds.
CREATE FUNCTION ecrit_ici(x xid) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT x::text::bigint = txid_current() % 4294967296
$$;
ALTER TABLE parcours ADD COLUMN version BIGINT NOT NULL DEFAULT 0;

-- The parcours' own row: a new one takes the next version, a change (other than of its version) too.
CREATE FUNCTION parcours_version_propre() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := nextval('parcours_version');
    RETURN NEW;
END $$;
CREATE TRIGGER parcours_version_insert BEFORE INSERT ON parcours
    FOR EACH ROW EXECUTE FUNCTION parcours_version_propre();
CREATE TRIGGER parcours_version_update BEFORE UPDATE ON parcours
    FOR EACH ROW WHEN (NEW.version = OLD.version) EXECUTE FUNCTION parcours_version_propre();

-- The page's parts, one row per parcours or many.
CREATE FUNCTION parcours_version_enfant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN UPDATE parcours SET version = nextval('parcours_version') WHERE id = OLD.parcours_id AND NOT ecrit_ici(parcours.xmin); END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.parcours_id IS DISTINCT FROM OLD.parcours_id) THEN
        UPDATE parcours SET version = nextval('parcours_version') WHERE id = NEW.parcours_id AND NOT ecrit_ici(parcours.xmin);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER diagnostics_version_insert AFTER INSERT ON diagnostics
    FOR EACH ROW EXECUTE FUNCTION parcours_version_enfant();
CREATE TRIGGER diagnostics_version_update AFTER UPDATE ON diagnostics
    FOR EACH ROW EXECUTE FUNCTION parcours_version_enfant();
CREATE TRIGGER diagnostics_version_delete AFTER DELETE ON diagnostics
    FOR EACH ROW EXECUTE FUNCTION parcours_version_enfant();
CREATE TRIGGER diagnostic_niveaux_version_insert AFTER INSERT ON diagnostic_niveaux
    FOR EACH ROW EXECUTE FUNCTION parcours_version_enfant();
CREATE TRIGGER diagnostic_niveaux_version_update AFTER UPDATE ON diagnostic_niveaux
    FOR EACH ROW EXECUTE FUNCTION parcours_version_enfant();
CREATE TRIGGER diagnostic_niveaux_version_delete AFTER DELETE ON diagnostic_niveaux
    FOR EACH ROW EXECUTE FUNCTION parcours_version_enfant();
CREATE TRIGGER diagnostic_resultats_version_insert AFTER INSERT ON diagnostic_resultats
    FOR EACH ROW EXECUTE FUNCTION parcours_version_enfant();
CREATE TRIGGER diagnostic_resultats_version_update AFTER UPDATE ON diagnostic_resultats
    FOR EACH ROW EXECUTE FUNCTION parcours_version_enfant();
CREATE TRIGGER diagnostic_resultats_version_delete AFTER DELETE ON diagnostic_resultats
    FOR EACH ROW EXECUTE FUNCTION parcours_version_enfant();
CREATE TRIGGER objectifs_version_insert AFTER INSERT ON objectifs
    FOR EACH ROW EXECUTE FUNCTION parcours_version_enfant();
CREATE TRIGGER objectifs_version_update AFTER UPDATE ON objectifs
    FOR EACH ROW EXECUTE FUNCTION parcours_version_enfant();
CREATE TRIGGER objectifs_version_delete AFTER DELETE ON objectifs
    FOR EACH ROW EXECUTE FUNCTION parcours_version_enfant();
CREATE TRIGGER parcours_themes_version_insert AFTER INSERT ON parcours_themes
    FOR EACH ROW EXECUTE FUNCTION parcours_version_enfant();
CREATE TRIGGER parcours_themes_version_update AFTER UPDATE ON parcours_themes
    FOR EACH ROW EXECUTE FUNCTION parcours_version_enfant();
CREATE TRIGGER parcours_themes_version_delete AFTER DELETE ON parcours_themes
    FOR EACH ROW EXECUTE FUNCTION parcours_version_enfant();
CREATE TRIGGER plannings_version_insert AFTER INSERT ON plannings
    FOR EACH ROW EXECUTE FUNCTION parcours_version_enfant();
CREATE TRIGGER plannings_version_update AFTER UPDATE ON plannings
    FOR EACH ROW EXECUTE FUNCTION parcours_version_enfant();
CREATE TRIGGER plannings_version_delete AFTER DELETE ON plannings
    FOR EACH ROW EXECUTE FUNCTION parcours_version_enfant();
CREATE TRIGGER seances_version_insert AFTER INSERT ON seances
    FOR EACH ROW EXECUTE FUNCTION parcours_version_enfant();
CREATE TRIGGER seances_version_update AFTER UPDATE ON seances
    FOR EACH ROW EXECUTE FUNCTION parcours_version_enfant();
CREATE TRIGGER seances_version_delete AFTER DELETE ON seances
    FOR EACH ROW EXECUTE FUNCTION parcours_version_enfant();
CREATE TRIGGER bilans_version_insert AFTER INSERT ON bilans
    FOR EACH ROW EXECUTE FUNCTION parcours_version_enfant();
CREATE TRIGGER bilans_version_update AFTER UPDATE ON bilans
    FOR EACH ROW EXECUTE FUNCTION parcours_version_enfant();
CREATE TRIGGER bilans_version_delete AFTER DELETE ON bilans
    FOR EACH ROW EXECUTE FUNCTION parcours_version_enfant();
-- The carnet's passes, and a pass used in one of the parcours' sessions (its carnet may be another).
CREATE FUNCTION parcours_version_passe() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE parcours SET version = nextval('parcours_version') WHERE carnet_id = OLD.carnet_id AND NOT ecrit_ici(parcours.xmin);
        UPDATE parcours SET version = nextval('parcours_version') WHERE id = (SELECT parcours_id FROM seances WHERE id = OLD.seance_id) AND NOT ecrit_ici(parcours.xmin);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        UPDATE parcours SET version = nextval('parcours_version') WHERE carnet_id = NEW.carnet_id AND NOT ecrit_ici(parcours.xmin);
        UPDATE parcours SET version = nextval('parcours_version') WHERE id = (SELECT parcours_id FROM seances WHERE id = NEW.seance_id) AND NOT ecrit_ici(parcours.xmin);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER passes_version_insert AFTER INSERT ON passes
    FOR EACH ROW EXECUTE FUNCTION parcours_version_passe();
CREATE TRIGGER passes_version_update AFTER UPDATE ON passes
    FOR EACH ROW EXECUTE FUNCTION parcours_version_passe();
CREATE TRIGGER passes_version_delete AFTER DELETE ON passes
    FOR EACH ROW EXECUTE FUNCTION parcours_version_passe();
-- Rows many parcours show: the carnet (its own parcours, and those whose sessions hold one of
-- its passes), the person, the conseiller's name, the structure, the pack, the commune's name.
CREATE FUNCTION parcours_version_carnet() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE parcours SET version = nextval('parcours_version') WHERE carnet_id IN (OLD.id, NEW.id) AND NOT ecrit_ici(parcours.xmin);
    UPDATE parcours SET version = nextval('parcours_version') WHERE id IN (SELECT s.parcours_id FROM passes pa JOIN seances s ON s.id = pa.seance_id WHERE pa.carnet_id IN (OLD.id, NEW.id)) AND NOT ecrit_ici(parcours.xmin);
    RETURN NULL;
END $$;
CREATE TRIGGER carnets_version_update AFTER UPDATE ON carnets
    FOR EACH ROW EXECUTE FUNCTION parcours_version_carnet();
CREATE FUNCTION parcours_version_beneficiaire() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE parcours SET version = nextval('parcours_version') WHERE beneficiaire_id IN (OLD.id, NEW.id) AND NOT ecrit_ici(parcours.xmin);
    RETURN NULL;
END $$;
CREATE TRIGGER beneficiaires_version_update AFTER UPDATE ON beneficiaires
    FOR EACH ROW EXECUTE FUNCTION parcours_version_beneficiaire();
CREATE FUNCTION parcours_version_conseiller() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE parcours SET version = nextval('parcours_version') WHERE conseiller_id = NEW.id AND NOT ecrit_ici(parcours.xmin);
    RETURN NULL;
END $$;
CREATE TRIGGER users_version_update AFTER UPDATE ON users
    FOR EACH ROW WHEN (NEW.prenom IS DISTINCT FROM OLD.prenom OR NEW.nom IS DISTINCT FROM OLD.nom) EXECUTE FUNCTION parcours_version_conseiller();
CREATE FUNCTION parcours_version_structure() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE parcours SET version = nextval('parcours_version') WHERE structure_id = NEW.id AND NOT ecrit_ici(parcours.xmin);
    IF NEW.nom IS DISTINCT FROM OLD.nom THEN
        UPDATE parcours SET version = nextval('parcours_version') WHERE id IN (SELECT s.parcours_id FROM passes pa JOIN seances s ON s.id = pa.seance_id WHERE pa.credited_structure_id = NEW.id) AND NOT ecrit_ici(parcours.xmin);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER structures_version_update AFTER UPDATE ON structures
    FOR EACH ROW WHEN (NEW.nom IS DISTINCT FROM OLD.nom OR NEW.telephone IS DISTINCT FROM OLD.telephone OR NEW.adresse IS DISTINCT FROM OLD.adresse OR NEW.commune_insee IS DISTINCT FROM OLD.commune_insee OR NEW.fuseau IS DISTINCT FROM OLD.fuseau) EXECUTE FUNCTION parcours_version_structure();
CREATE FUNCTION parcours_version_pack() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE parcours SET version = nextval('parcours_version') WHERE pack_id = NEW.id AND NOT ecrit_ici(parcours.xmin);
    RETURN NULL;
END $$;
CREATE TRIGGER packs_version_update AFTER UPDATE ON packs
    FOR EACH ROW WHEN (NEW.code IS DISTINCT FROM OLD.code OR NEW.nom IS DISTINCT FROM OLD.nom) EXECUTE FUNCTION parcours_version_pack();
-- A commune is only added before anyone lives there (beneficiaires.commune_insee refers to it).
CREATE FUNCTION parcours_version_commune() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE parcours SET version = nextval('parcours_version') WHERE beneficiaire_id IN (SELECT id FROM beneficiaires WHERE commune_insee IN (OLD.code_insee, NEW.code_insee)) AND NOT ecrit_ici(parcours.xmin);
    RETURN NULL;
END $$;
CREATE TRIGGER communes_version_update AFTER UPDATE ON communes
    FOR EACH ROW EXECUTE FUNCTION parcours_version_commune();

-- A structure's version changes with any of its parcours' (the dashboard shows them), and with
-- any session of one of its conseillers, whatever the parcours (their agenda shows it).
CREATE TABLE versions_structures (
    structure_id BIGINT PRIMARY KEY REFERENCES structures(id) ON DELETE CASCADE,
    version      BIGINT NOT NULL
);
CREATE FUNCTION versions_structure_parcours() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
    INSERT INTO versions_structures (structure_id, version)
        SELECT s.id, nextval('parcours_version') FROM structures s WHERE s.id IN (OLD.structure_id)
        ON CONFLICT (structure_id) DO UPDATE SET version = excluded.version WHERE NOT ecrit_ici(versions_structures.xmin);
    END IF;
    IF TG_OP <> 'DELETE' THEN
    INSERT INTO versions_structures (structure_id, version)
        SELECT s.id, nextval('parcours_version') FROM structures s WHERE s.id IN (NEW.structure_id)
        ON CONFLICT (structure_id) DO UPDATE SET version = excluded.version WHERE NOT ecrit_ici(versions_structures.xmin);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER parcours_version_structure_insert AFTER INSERT ON parcours
    FOR EACH ROW EXECUTE FUNCTION versions_structure_parcours();
CREATE TRIGGER parcours_version_structure_update AFTER UPDATE ON parcours
    FOR EACH ROW WHEN (NEW.version IS DISTINCT FROM OLD.version) EXECUTE FUNCTION versions_structure_parcours();
CREATE TRIGGER parcours_version_structure_delete AFTER DELETE ON parcours
    FOR EACH ROW EXECUTE FUNCTION versions_structure_parcours();
CREATE FUNCTION versions_structure_seance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
    INSERT INTO versions_structures (structure_id, version)
        SELECT s.id, nextval('parcours_version') FROM structures s WHERE s.id IN (SELECT structure_id FROM users WHERE id = OLD.conseiller_id)
        ON CONFLICT (structure_id) DO UPDATE SET version = excluded.version WHERE NOT ecrit_ici(versions_structures.xmin);
    END IF;
    IF TG_OP <> 'DELETE' THEN
    INSERT INTO versions_structures (structure_id, version)
        SELECT s.id, nextval('parcours_version') FROM structures s WHERE s.id IN (SELECT structure_id FROM users WHERE id = NEW.conseiller_id)
        ON CONFLICT (structure_id) DO UPDATE SET version = excluded.version WHERE NOT ecrit_ici(versions_structures.xmin);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER seances_version_conseiller_insert AFTER INSERT ON seances
    FOR EACH ROW EXECUTE FUNCTION versions_structure_seance();
CREATE TRIGGER seances_version_conseiller_update AFTER UPDATE ON seances
    FOR EACH ROW EXECUTE FUNCTION versions_structure_seance();
CREATE TRIGGER seances_version_conseiller_delete AFTER DELETE ON seances
    FOR EACH ROW EXECUTE FUNCTION versions_structure_seance();
