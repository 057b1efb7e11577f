-- Venues (lieux de médiation numérique) in the national data standard v1.0.2, what Carnet adds
-- (Pass acceptance, accreditation), imports, candidate venues, hubs' territories, and one point
-- per commune (for distances). Multi-valued fields are stored as the standard writes them:
-- values joined by `|`.

CREATE TABLE communes_coords (
    code_insee TEXT PRIMARY KEY,
    latitude   REAL NOT NULL,
    longitude  REAL NOT NULL
);

CREATE TABLE lieux (
    id                              INTEGER PRIMARY KEY,
    -- Re-importing updates by (source, id of the standard): `source_cle` is the normalised
    -- source ('' when the file gives none).
    source_cle                      TEXT NOT NULL,
    ext_id                          TEXT NOT NULL,
    pivot                           TEXT NOT NULL,
    nom                             TEXT NOT NULL,
    commune                         TEXT NOT NULL,
    code_postal                     TEXT NOT NULL,
    code_insee                      TEXT,
    adresse                         TEXT NOT NULL,
    complement_adresse              TEXT,
    latitude                        REAL,
    longitude                       REAL,
    typologie                       TEXT NOT NULL DEFAULT '',
    telephone                       TEXT,
    courriels                       TEXT NOT NULL DEFAULT '',
    site_web                        TEXT NOT NULL DEFAULT '',
    horaires                        TEXT,
    presentation_resume             TEXT,
    presentation_detail             TEXT,
    source                          TEXT,
    itinerance                      TEXT NOT NULL DEFAULT '',
    structure_parente               TEXT,
    date_maj                        TEXT NOT NULL,
    services                        TEXT NOT NULL DEFAULT '',
    publics_specifiquement_adresses TEXT NOT NULL DEFAULT '',
    prise_en_charge_specifique      TEXT NOT NULL DEFAULT '',
    frais_a_charge                  TEXT NOT NULL DEFAULT '',
    dispositif_programmes_nationaux TEXT NOT NULL DEFAULT '',
    formations_labels               TEXT NOT NULL DEFAULT '',
    autres_formations_labels        TEXT,
    modalites_acces                 TEXT NOT NULL DEFAULT '',
    modalites_accompagnement        TEXT NOT NULL DEFAULT '',
    fiche_acces_libre               TEXT,
    prise_rdv                       TEXT,
    -- Ours.
    cle_ban                         TEXT,
    departement                     TEXT NOT NULL,
    -- 'fichier' (coordinates from the file), 'adresse' (geocoded), 'commune' (commune's point), 'aucune'.
    geocodage                       TEXT NOT NULL,
    accepte_pass                    INTEGER NOT NULL DEFAULT 0,
    pass_operateur                  TEXT,
    -- 'agree' once accredited through Carnet's candidate pipeline.
    statut_agrement                 TEXT,
    agree_le                        TEXT,
    -- A hash of the standard fields: a re-import of the same data changes nothing.
    empreinte                       TEXT NOT NULL,
    created_at                      TEXT NOT NULL,
    updated_at                      TEXT NOT NULL,
    UNIQUE (source_cle, ext_id)
);
CREATE INDEX lieux_departement ON lieux(departement);
CREATE INDEX lieux_pass ON lieux(accepte_pass, departement);

-- Bumped by every change of venues: each server instance rebuilds its in-memory map index when
-- the number moves (several instances can share one database).
CREATE TABLE lieux_version (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    version   INTEGER NOT NULL
);
INSERT INTO lieux_version (singleton, version) VALUES (1, 0);

-- One import of a venue file (web or command line), its progress and its report.
CREATE TABLE lieux_imports (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER REFERENCES users(id),
    fichier         TEXT NOT NULL,
    format          TEXT NOT NULL DEFAULT '',
    version         TEXT NOT NULL DEFAULT '',
    etat            TEXT NOT NULL CHECK (etat IN ('en_cours', 'termine', 'echoue')),
    total           INTEGER NOT NULL DEFAULT 0,
    traites         INTEGER NOT NULL DEFAULT 0,
    crees           INTEGER NOT NULL DEFAULT 0,
    mis_a_jour      INTEGER NOT NULL DEFAULT 0,
    inchanges       INTEGER NOT NULL DEFAULT 0,
    lignes_rejetees INTEGER NOT NULL DEFAULT 0,
    rapport_json    TEXT,
    erreur          TEXT,
    duree_ms        INTEGER,
    created_at      TEXT NOT NULL,
    finished_at     TEXT
);

-- Candidate venues reported by conseillers, followed by the hub of their département.
CREATE TABLE candidats (
    id                INTEGER PRIMARY KEY,
    nom               TEXT NOT NULL,
    adresse           TEXT NOT NULL,
    code_postal       TEXT NOT NULL,
    commune_insee     TEXT NOT NULL REFERENCES communes(code_insee),
    departement       TEXT NOT NULL,
    motif             TEXT NOT NULL,
    contact_nom       TEXT,
    contact_telephone TEXT,
    contact_courriel  TEXT,
    pivot             TEXT,
    statut            TEXT NOT NULL CHECK (statut IN ('signale', 'contacte', 'dossier_en_cours', 'agree', 'refuse', 'abandonne')),
    signale_le        TEXT NOT NULL,
    signale_par       INTEGER NOT NULL REFERENCES users(id),
    structure_id      INTEGER REFERENCES structures(id),
    lieu_id           INTEGER REFERENCES lieux(id),
    latitude          REAL,
    longitude         REAL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX candidats_departement ON candidats(departement, statut);
CREATE INDEX candidats_lieu ON candidats(lieu_id);

-- Each step of a candidate: who moved it, when (recorded and effective), with what note.
CREATE TABLE candidats_etapes (
    id          INTEGER PRIMARY KEY,
    candidat_id INTEGER NOT NULL REFERENCES candidats(id),
    de          TEXT,
    vers        TEXT NOT NULL,
    date_effet  TEXT NOT NULL,
    note        TEXT,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    at          TEXT NOT NULL
);
CREATE INDEX candidats_etapes_candidat ON candidats_etapes(candidat_id);

-- The départements of each hub user.
CREATE TABLE hub_territoires (
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    departement TEXT NOT NULL,
    PRIMARY KEY (user_id, departement)
);
