-- Foundation: structures, accounts and sessions, the commune list, beneficiaries, carnets and
-- passes, parcours, and the append-only audit log.
-- Timestamps are RFC 3339 UTC text written by the server (never the database clock), dates are
-- ISO text, money is integer cents.

CREATE TABLE structures (
    id            INTEGER PRIMARY KEY,
    nom           TEXT NOT NULL,
    siret         TEXT,
    commune_insee TEXT,
    created_at    TEXT NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    prenom        TEXT NOT NULL,
    nom           TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('conseiller', 'coordinateur', 'commanditaire', 'operateur', 'hub', 'admin')),
    structure_id  INTEGER REFERENCES structures(id),
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL
);
CREATE INDEX users_structure ON users(structure_id);

-- Server-side sessions: the cookie holds a random token, the database only its SHA-256.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

-- Failed logins, counted per e-mail and per client address to throttle guessing.
CREATE TABLE login_failures (
    id           INTEGER PRIMARY KEY,
    throttle_key TEXT NOT NULL,
    at           TEXT NOT NULL
);
CREATE INDEX login_failures_key_at ON login_failures(throttle_key, at);

-- The official list of communes (INSEE COG), loaded from the embedded file on first start.
CREATE TABLE communes (
    code_insee    TEXT PRIMARY KEY,
    nom           TEXT NOT NULL,
    nom_normalise TEXT NOT NULL,
    departement   TEXT NOT NULL,
    codes_postaux TEXT NOT NULL,
    population    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX communes_nom ON communes(nom_normalise);

CREATE TABLE communes_codes_postaux (
    code_postal TEXT NOT NULL,
    code_insee  TEXT NOT NULL REFERENCES communes(code_insee),
    PRIMARY KEY (code_postal, code_insee)
);

-- A person accompanied. Pseudonymous by default: a first name or an alias, no contact details.
CREATE TABLE beneficiaires (
    id               INTEGER PRIMARY KEY,
    structure_id     INTEGER NOT NULL REFERENCES structures(id),
    prenom           TEXT NOT NULL,
    prenom_normalise TEXT NOT NULL,
    annee_naissance  INTEGER,
    commune_insee    TEXT REFERENCES communes(code_insee),
    genre            TEXT,
    tranche_age      TEXT,
    statut_social    TEXT,
    created_by       INTEGER NOT NULL REFERENCES users(id),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX beneficiaires_structure_nom ON beneficiaires(structure_id, prenom_normalise);
CREATE INDEX beneficiaires_structure_created ON beneficiaires(structure_id, created_at);

CREATE TABLE carnets (
    id                      INTEGER PRIMARY KEY,
    numero                  TEXT NOT NULL,
    nb_passes               INTEGER NOT NULL CHECK (nb_passes IN (5, 10)),
    valeur_faciale_centimes INTEGER NOT NULL CHECK (valeur_faciale_centimes > 0),
    fin_validite            TEXT NOT NULL,
    etat                    TEXT NOT NULL,
    beneficiaire_id         INTEGER REFERENCES beneficiaires(id),
    structure_id            INTEGER REFERENCES structures(id),
    commanditaire_nom       TEXT NOT NULL,
    canal_reception         TEXT NOT NULL,
    date_reception          TEXT NOT NULL,
    created_at              TEXT NOT NULL
);
CREATE INDEX carnets_beneficiaire ON carnets(beneficiaire_id);
CREATE INDEX carnets_structure ON carnets(structure_id);

CREATE TABLE passes (
    id                     INTEGER PRIMARY KEY,
    carnet_id              INTEGER NOT NULL REFERENCES carnets(id),
    rang                   INTEGER NOT NULL,
    code                   TEXT NOT NULL UNIQUE,
    etat                   TEXT NOT NULL,
    valeur_centimes        INTEGER NOT NULL CHECK (valeur_centimes > 0),
    validated_at           TEXT,
    validated_by           INTEGER REFERENCES users(id),
    credited_structure_id  INTEGER REFERENCES structures(id),
    UNIQUE (carnet_id, rang)
);

CREATE TABLE parcours (
    id              INTEGER PRIMARY KEY,
    beneficiaire_id INTEGER NOT NULL REFERENCES beneficiaires(id),
    carnet_id       INTEGER NOT NULL UNIQUE REFERENCES carnets(id),
    structure_id    INTEGER NOT NULL REFERENCES structures(id),
    conseiller_id   INTEGER NOT NULL REFERENCES users(id),
    etat            TEXT NOT NULL CHECK (etat IN ('en_cours', 'termine', 'abandonne')),
    etape           TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX parcours_structure_etat ON parcours(structure_id, etat);
CREATE INDEX parcours_beneficiaire ON parcours(beneficiaire_id);

-- Who changed what, when. Append-only: the database itself refuses edits and deletions.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    user_id     INTEGER REFERENCES users(id),
    entity      TEXT NOT NULL,
    entity_id   INTEGER NOT NULL,
    action      TEXT NOT NULL,
    before_json TEXT,
    after_json  TEXT
);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
