-- Clients of the read API for data consumers (a hub, a département's observatory, the State's
-- data warehouse): created by an administrator on the command line, each with its scopes
-- (`statistiques`, `activites`, comma-separated), an optional territory (département codes,
-- comma-separated; none is all of France) and an optional last day of validity. The secret (256
-- random bits) is shown once and kept as its SHA-256: with that much entropy, no copy of the
-- database lets anyone find it back by trying, and it does not depend on the server's secret.
CREATE TABLE clients_api (
    id             INTEGER PRIMARY KEY,
    client_id      TEXT NOT NULL UNIQUE,
    nom            TEXT NOT NULL,
    secret_hash    TEXT NOT NULL,
    scopes         TEXT NOT NULL,
    departements   TEXT,
    valide_jusqu_au TEXT,
    created_at     TEXT NOT NULL,
    revoked_at     TEXT
);

-- Every call of an authenticated client: when, which route with which parameters, what was
-- answered (status, rows). The API sends no identity; this is the trace of who took what.
-- Append-only, as the staff's access journal.
CREATE TABLE journal_clients_api (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    client_id  INTEGER NOT NULL REFERENCES clients_api(id),
    route      TEXT NOT NULL,
    parametres TEXT NOT NULL,
    statut     INTEGER NOT NULL,
    lignes     INTEGER NOT NULL
);
CREATE INDEX journal_clients_api_client_at ON journal_clients_api(client_id, at);

CREATE TRIGGER journal_clients_api_no_update BEFORE UPDATE ON journal_clients_api
BEGIN
    SELECT RAISE(ABORT, 'journal_clients_api is append-only');
END;

CREATE TRIGGER journal_clients_api_no_delete BEFORE DELETE ON journal_clients_api
BEGIN
    SELECT RAISE(ABORT, 'journal_clients_api is append-only');
END;

-- The API walks held sessions in the order of their last change.
CREATE INDEX seances_modification ON seances(updated_at, id);
