-- Each parcours carries a version that changes with anything its page shows (GET
-- /api/v1/parcours/{id}): the server keeps the page's answer per parcours and answers it again
-- while the version is the same. The versions are bumped here, by triggers on every table the
-- page reads, so that no writer (a handler, the CLI, a job, raw SQL, another instance) can change
-- the page without changing the version. Versions come from one counter that only grows: a
-- parcours deleted and another created with the same id never shows a version seen before.

-- SQLite has no sequences: the counter is this one row (writers are serialised anyway).
CREATE TABLE versions_parcours (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    dernier INTEGER NOT NULL
);
INSERT INTO versions_parcours (id, dernier) VALUES (1, 0);
ALTER TABLE parcours ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

-- The parcours' own row: a new one takes the next version, a change (other than of its version) too.

CREATE TRIGGER parcours_version_insert AFTER INSERT ON parcours
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE id = NEW.id;
END;

CREATE TRIGGER parcours_version_update AFTER UPDATE ON parcours
WHEN NEW.version = OLD.version
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE id = NEW.id;
END;

-- The page's parts, one row per parcours or many.

CREATE TRIGGER diagnostics_version_insert AFTER INSERT ON diagnostics
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE id = NEW.parcours_id;
END;

CREATE TRIGGER diagnostics_version_update AFTER UPDATE ON diagnostics
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE id IN (OLD.parcours_id, NEW.parcours_id);
END;

CREATE TRIGGER diagnostics_version_delete AFTER DELETE ON diagnostics
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE id = OLD.parcours_id;
END;

CREATE TRIGGER diagnostic_niveaux_version_insert AFTER INSERT ON diagnostic_niveaux
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE id = NEW.parcours_id;
END;

CREATE TRIGGER diagnostic_niveaux_version_update AFTER UPDATE ON diagnostic_niveaux
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE id IN (OLD.parcours_id, NEW.parcours_id);
END;

CREATE TRIGGER diagnostic_niveaux_version_delete AFTER DELETE ON diagnostic_niveaux
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE id = OLD.parcours_id;
END;

CREATE TRIGGER diagnostic_resultats_version_insert AFTER INSERT ON diagnostic_resultats
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE id = NEW.parcours_id;
END;

CREATE TRIGGER diagnostic_resultats_version_update AFTER UPDATE ON diagnostic_resultats
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE id IN (OLD.parcours_id, NEW.parcours_id);
END;

CREATE TRIGGER diagnostic_resultats_version_delete AFTER DELETE ON diagnostic_resultats
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE id = OLD.parcours_id;
END;

CREATE TRIGGER objectifs_version_insert AFTER INSERT ON objectifs
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE id = NEW.parcours_id;
END;

CREATE TRIGGER objectifs_version_update AFTER UPDATE ON objectifs
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE id IN (OLD.parcours_id, NEW.parcours_id);
END;

CREATE TRIGGER objectifs_version_delete AFTER DELETE ON objectifs
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE id = OLD.parcours_id;
END;

CREATE TRIGGER parcours_themes_version_insert AFTER INSERT ON parcours_themes
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE id = NEW.parcours_id;
END;

CREATE TRIGGER parcours_themes_version_update AFTER UPDATE ON parcours_themes
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE id IN (OLD.parcours_id, NEW.parcours_id);
END;

CREATE TRIGGER parcours_themes_version_delete AFTER DELETE ON parcours_themes
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE id = OLD.parcours_id;
END;

CREATE TRIGGER plannings_version_insert AFTER INSERT ON plannings
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE id = NEW.parcours_id;
END;

CREATE TRIGGER plannings_version_update AFTER UPDATE ON plannings
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE id IN (OLD.parcours_id, NEW.parcours_id);
END;

CREATE TRIGGER plannings_version_delete AFTER DELETE ON plannings
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE id = OLD.parcours_id;
END;

CREATE TRIGGER seances_version_insert AFTER INSERT ON seances
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE id = NEW.parcours_id;
END;

CREATE TRIGGER seances_version_update AFTER UPDATE ON seances
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE id IN (OLD.parcours_id, NEW.parcours_id);
END;

CREATE TRIGGER seances_version_delete AFTER DELETE ON seances
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE id = OLD.parcours_id;
END;

CREATE TRIGGER bilans_version_insert AFTER INSERT ON bilans
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE id = NEW.parcours_id;
END;

CREATE TRIGGER bilans_version_update AFTER UPDATE ON bilans
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE id IN (OLD.parcours_id, NEW.parcours_id);
END;

CREATE TRIGGER bilans_version_delete AFTER DELETE ON bilans
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE id = OLD.parcours_id;
END;

-- The carnet's passes, and a pass used in one of the parcours' sessions (its carnet may be another).

CREATE TRIGGER passes_version_insert AFTER INSERT ON passes
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE carnet_id = NEW.carnet_id;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE id = (SELECT parcours_id FROM seances WHERE id = NEW.seance_id);
END;

CREATE TRIGGER passes_version_update AFTER UPDATE ON passes
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE carnet_id = OLD.carnet_id;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE id = (SELECT parcours_id FROM seances WHERE id = OLD.seance_id);
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE carnet_id = NEW.carnet_id;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE id = (SELECT parcours_id FROM seances WHERE id = NEW.seance_id);
END;

CREATE TRIGGER passes_version_delete AFTER DELETE ON passes
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE carnet_id = OLD.carnet_id;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE id = (SELECT parcours_id FROM seances WHERE id = OLD.seance_id);
END;

-- Rows many parcours show: the carnet (its own parcours, and those whose sessions hold one of
-- its passes), the person, the conseiller's name, the structure, the pack, the commune's name.

CREATE TRIGGER carnets_version_update AFTER UPDATE ON carnets
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE carnet_id IN (OLD.id, NEW.id);
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE id IN (SELECT s.parcours_id FROM passes pa JOIN seances s ON s.id = pa.seance_id WHERE pa.carnet_id IN (OLD.id, NEW.id));
END;

CREATE TRIGGER beneficiaires_version_update AFTER UPDATE ON beneficiaires
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE beneficiaire_id IN (OLD.id, NEW.id);
END;

CREATE TRIGGER users_version_update AFTER UPDATE ON users
WHEN NEW.prenom IS NOT OLD.prenom OR NEW.nom IS NOT OLD.nom
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE conseiller_id = NEW.id;
END;

CREATE TRIGGER structures_version_update AFTER UPDATE ON structures
WHEN NEW.nom IS NOT OLD.nom OR NEW.telephone IS NOT OLD.telephone OR NEW.adresse IS NOT OLD.adresse OR NEW.commune_insee IS NOT OLD.commune_insee OR NEW.fuseau IS NOT OLD.fuseau
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE structure_id = NEW.id;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE NEW.nom IS NOT OLD.nom AND id IN (SELECT s.parcours_id FROM passes pa JOIN seances s ON s.id = pa.seance_id WHERE pa.credited_structure_id = NEW.id);
END;

CREATE TRIGGER packs_version_update AFTER UPDATE ON packs
WHEN NEW.code IS NOT OLD.code OR NEW.nom IS NOT OLD.nom
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE pack_id = NEW.id;
END;

-- A commune is only added before anyone lives there (beneficiaires.commune_insee refers to it).

CREATE TRIGGER communes_version_update AFTER UPDATE ON communes
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    UPDATE parcours SET version = (SELECT dernier FROM versions_parcours) WHERE beneficiaire_id IN (SELECT id FROM beneficiaires WHERE commune_insee IN (OLD.code_insee, NEW.code_insee));
END;


-- A structure's version changes with any of its parcours' (the dashboard shows them), and with
-- any session of one of its conseillers, whatever the parcours (their agenda shows it).
CREATE TABLE versions_structures (
    structure_id INTEGER PRIMARY KEY REFERENCES structures(id) ON DELETE CASCADE,
    version      INTEGER NOT NULL
);

CREATE TRIGGER parcours_version_structure_insert AFTER INSERT ON parcours
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    INSERT INTO versions_structures (structure_id, version)
        SELECT s.id, (SELECT dernier FROM versions_parcours) FROM structures s WHERE s.id IN (NEW.structure_id)
        ON CONFLICT (structure_id) DO UPDATE SET version = excluded.version;
END;

CREATE TRIGGER parcours_version_structure_update AFTER UPDATE ON parcours
WHEN NEW.version IS NOT OLD.version
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    INSERT INTO versions_structures (structure_id, version)
        SELECT s.id, (SELECT dernier FROM versions_parcours) FROM structures s WHERE s.id IN (OLD.structure_id, NEW.structure_id)
        ON CONFLICT (structure_id) DO UPDATE SET version = excluded.version;
END;

CREATE TRIGGER parcours_version_structure_delete AFTER DELETE ON parcours
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    INSERT INTO versions_structures (structure_id, version)
        SELECT s.id, (SELECT dernier FROM versions_parcours) FROM structures s WHERE s.id IN (OLD.structure_id)
        ON CONFLICT (structure_id) DO UPDATE SET version = excluded.version;
END;

CREATE TRIGGER seances_version_conseiller_insert AFTER INSERT ON seances
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    INSERT INTO versions_structures (structure_id, version)
        SELECT s.id, (SELECT dernier FROM versions_parcours) FROM structures s WHERE s.id IN (SELECT structure_id FROM users WHERE id = NEW.conseiller_id)
        ON CONFLICT (structure_id) DO UPDATE SET version = excluded.version;
END;

CREATE TRIGGER seances_version_conseiller_update AFTER UPDATE ON seances
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    INSERT INTO versions_structures (structure_id, version)
        SELECT s.id, (SELECT dernier FROM versions_parcours) FROM structures s WHERE s.id IN (SELECT structure_id FROM users WHERE id = OLD.conseiller_id UNION SELECT structure_id FROM users WHERE id = NEW.conseiller_id)
        ON CONFLICT (structure_id) DO UPDATE SET version = excluded.version;
END;

CREATE TRIGGER seances_version_conseiller_delete AFTER DELETE ON seances
BEGIN
    UPDATE versions_parcours SET dernier = dernier + 1;
    INSERT INTO versions_structures (structure_id, version)
        SELECT s.id, (SELECT dernier FROM versions_parcours) FROM structures s WHERE s.id IN (SELECT structure_id FROM users WHERE id = OLD.conseiller_id)
        ON CONFLICT (structure_id) DO UPDATE SET version = excluded.version;
END;
