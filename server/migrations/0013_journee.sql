-- The conseiller's day: on request (« Mon compte »), each morning an e-mail listing the day's
-- sessions. Off by default.
ALTER TABLE users ADD COLUMN journee_par_email INTEGER NOT NULL DEFAULT 0;

-- One morning e-mail per conseiller and day, ever: the unique key is what makes it « once »
-- across restarts and several servers. Claimed as the reminders' envois (state 'en_cours' and a
-- lease), the result written right after. 'sans_seance': a day without sessions, nothing sent.
-- No body is kept: only the template and its version.
CREATE TABLE envois_journee (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users(id),
    -- The day listed, in the structure's zone (YYYY-MM-DD).
    jour            TEXT NOT NULL,
    etat            TEXT NOT NULL CHECK (etat IN ('en_attente', 'en_cours', 'envoye', 'echec', 'sans_seance')),
    tentatives      INTEGER NOT NULL DEFAULT 0,
    prochain_essai  TEXT NOT NULL,
    bail            TEXT,
    modele          TEXT NOT NULL,
    version_modele  INTEGER NOT NULL,
    reponse         TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    envoye_at       TEXT,
    UNIQUE (user_id, jour)
);
