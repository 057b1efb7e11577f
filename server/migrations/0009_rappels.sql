-- (Numbered 0009: 0008 is the held session's number, written at the same time.)
-- Reminders of sessions by e-mail and SMS (only with the « rappels » consent and the contact
-- details kept with it), and their delivery log.

-- How long before a session its reminder goes, per structure.
ALTER TABLE structures ADD COLUMN rappel_delai TEXT NOT NULL DEFAULT '48h'
    CHECK (rappel_delai IN ('24h', '48h', 'aucun'));

-- One reminder per session and channel, ever: the unique key is what makes it « once » across
-- restarts and several servers. A server claims a row (etat 'en_cours' with a lease) by one
-- guarded UPDATE before sending; the result is written right after. No body is kept: only the
-- template and its version.
CREATE TABLE envois (
    id              INTEGER PRIMARY KEY,
    seance_id       INTEGER NOT NULL REFERENCES seances(id),
    canal           TEXT NOT NULL CHECK (canal IN ('email', 'sms')),
    etat            TEXT NOT NULL CHECK (etat IN ('en_attente', 'en_cours', 'envoye', 'echec', 'retire')),
    tentatives      INTEGER NOT NULL DEFAULT 0,
    -- The next try may not go before this instant (backoff after a failure).
    prochain_essai  TEXT NOT NULL,
    -- While 'en_cours': the claim lapses at this instant (a server that died mid-send).
    bail            TEXT,
    modele          TEXT NOT NULL,
    version_modele  INTEGER NOT NULL,
    -- The provider's or SMTP server's last answer (never the message).
    reponse         TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    envoye_at       TEXT,
    UNIQUE (seance_id, canal)
);
CREATE INDEX envois_etat ON envois(etat, prochain_essai);
-- The job reads the planned sessions of the next two days every minute.
CREATE INDEX seances_statut_debut ON seances(statut, debut);

-- Each try: when, its result and the answer.
CREATE TABLE envois_tentatives (
    id        INTEGER PRIMARY KEY,
    envoi_id  INTEGER NOT NULL REFERENCES envois(id),
    at        TEXT NOT NULL,
    resultat  TEXT NOT NULL CHECK (resultat IN ('envoye', 'echec')),
    reponse   TEXT NOT NULL
);
CREATE INDEX envois_tentatives_envoi ON envois_tentatives(envoi_id);

-- Reminders carry a link to the person's space: a token of its own (origine 'rappel').
CREATE TABLE liens_jetons_v2 (
    token_hash   TEXT PRIMARY KEY,
    lien_id      INTEGER NOT NULL REFERENCES liens_personnels(id),
    origine      TEXT NOT NULL CHECK (origine IN ('lien', 'code', 'rappel')),
    created_at   TEXT NOT NULL
);
INSERT INTO liens_jetons_v2 (token_hash, lien_id, origine, created_at)
    SELECT token_hash, lien_id, origine, created_at FROM liens_jetons;
DROP TABLE liens_jetons;
ALTER TABLE liens_jetons_v2 RENAME TO liens_jetons;
CREATE INDEX liens_jetons_lien ON liens_jetons(lien_id);
