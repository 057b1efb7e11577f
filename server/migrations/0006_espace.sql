-- The beneficiary's own space (issue 6, first part): a personal link per parcours, with no
-- account. Only SHA-256 hashes of tokens and of short codes are kept: whoever reads the
-- database cannot open anyone's space. Re-issuing revokes the previous link; so does
-- anonymisation.

-- One personal link of a parcours: its short code, and whether it still works.
CREATE TABLE liens_personnels (
    id           INTEGER PRIMARY KEY,
    parcours_id  INTEGER NOT NULL REFERENCES parcours(id),
    code_hash    TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    created_by   INTEGER REFERENCES users(id),
    revoked_at   TEXT
);
CREATE INDEX liens_personnels_parcours ON liens_personnels(parcours_id);
-- At most one working link per parcours.
CREATE UNIQUE INDEX liens_personnels_actif ON liens_personnels(parcours_id) WHERE revoked_at IS NULL;

-- The tokens that open a link: the one printed in the QR code, and one more each time the
-- short code is typed (the token cannot be given back: only its hash is kept). Revoking the
-- link closes them all.
CREATE TABLE liens_jetons (
    token_hash   TEXT PRIMARY KEY,
    lien_id      INTEGER NOT NULL REFERENCES liens_personnels(id),
    origine      TEXT NOT NULL CHECK (origine IN ('lien', 'code')),
    created_at   TEXT NOT NULL
);
CREATE INDEX liens_jetons_lien ON liens_jetons(lien_id);

-- A session excused by the person themselves (« Je ne pourrai pas venir »), so the
-- conseiller's dashboard can say who told.
ALTER TABLE seances ADD COLUMN prevenu_par_personne_at TEXT;
