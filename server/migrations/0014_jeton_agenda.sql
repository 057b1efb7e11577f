-- The calendar's own token. Calendar programs fetch the feed by its address and send no header,
-- so this token sits in paths that servers and proxies log, and it is handed to whichever
-- calendar service the person uses: it only reads the person's sessions (the feed and the .ics
-- file), never opens the space, never says « Je ne pourrai pas venir ». At most one works per
-- link; the conseiller can revoke or replace it alone, and it dies with its link.
-- The token is the HMAC of `graine` (32 random bytes) under the server's secret, which is not in
-- the database: the space can show its address again, a copy of the database alone cannot. It
-- is looked up by its SHA-256, as the link's tokens.
CREATE TABLE liens_agenda (
    id           INTEGER PRIMARY KEY,
    lien_id      INTEGER NOT NULL REFERENCES liens_personnels(id),
    token_hash   TEXT NOT NULL UNIQUE,
    graine       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    revoked_at   TEXT
);
CREATE INDEX liens_agenda_lien ON liens_agenda(lien_id);
-- At most one working calendar token per link.
CREATE UNIQUE INDEX liens_agenda_actif ON liens_agenda(lien_id) WHERE revoked_at IS NULL;
