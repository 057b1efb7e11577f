-- Accounts hardening (invitations, one-time links, last login), and personal data of
-- beneficiaries: the information notice and what each person was shown, consents and their
-- history, contact details kept only with consent, anonymisation, and the access journal.

-- --- accounts

-- An invited user has no password yet: password_hash is '' until they choose one.
ALTER TABLE users ADD COLUMN last_login_at TEXT;

-- One-time links (invitation, password reset): only the SHA-256 of the token is kept; a link
-- works once (used_at) and until expires_at.
CREATE TABLE jetons_usage_unique (
    token_hash  TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    objet       TEXT NOT NULL CHECK (objet IN ('invitation', 'reinitialisation')),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    created_by  INTEGER REFERENCES users(id)
);
CREATE INDEX jetons_usage_unique_user ON jetons_usage_unique(user_id);

-- --- the information notice, versioned as data

-- `texte` is a template: {structure} and {duree} are filled in when shown. A version never
-- changes once published (people's records point to it): publish a new one instead.
CREATE TABLE notices_information (
    id          INTEGER PRIMARY KEY,
    version     TEXT NOT NULL UNIQUE,
    titre       TEXT NOT NULL,
    texte       TEXT NOT NULL,
    publiee_at  TEXT NOT NULL,
    publiee_par INTEGER REFERENCES users(id)
);

CREATE TRIGGER notices_information_no_update BEFORE UPDATE ON notices_information
BEGIN
    SELECT RAISE(ABORT, 'a published notice never changes: publish a new version');
END;

CREATE TRIGGER notices_information_no_delete BEFORE DELETE ON notices_information
BEGIN
    SELECT RAISE(ABORT, 'a published notice never changes: publish a new version');
END;

INSERT INTO notices_information (version, titre, texte, publiee_at) VALUES (
'1',
'Vos données personnelles dans Carnet',
'## Qui s''occupe de vos données ?

{structure} vous accompagne avec le Pass numérique. Elle est responsable des données notées dans Carnet, l''outil de suivi des conseillers numériques.

## Ce que nous gardons

- votre prénom ou un pseudonyme ;
- si vous le voulez : votre année de naissance, votre commune, votre genre et votre situation (retraite, emploi…) ;
- le numéro de votre carnet de Pass numérique et les codes de vos pass ;
- votre parcours : ce que vous savez déjà faire, vos objectifs, vos rendez-vous et le bilan ;
- votre téléphone ou votre e-mail, seulement si vous acceptez de recevoir des rappels.

## Pourquoi

Pour organiser et suivre votre accompagnement au numérique, et pour rendre compte de l''utilisation des pass à ceux qui les financent. Ils reçoivent seulement des chiffres, jamais votre nom. Base légale : une mission d''intérêt public, l''inclusion numérique ; vos coordonnées, seulement avec votre accord.

## Combien de temps

{duree} après votre dernier rendez-vous ou votre dernière démarche. Ensuite, votre nom et vos informations personnelles sont effacés automatiquement : il ne reste que des chiffres anonymes.

## Qui les voit

Seulement les conseillers numériques de {structure}. Chaque consultation est notée dans un journal.

## Vos droits

Vous pouvez à tout moment demander à voir toutes vos données, les faire corriger ou les faire effacer, et retirer votre accord pour les rappels ou l''agenda. Il suffit de le demander à votre conseiller numérique. Si vous n''êtes pas satisfait de la réponse, vous pouvez vous adresser à la CNIL (cnil.fr).

## Qui contacter

Votre conseiller numérique, ou {structure}.',
'2026-11-23T00:00:00+00:00'
);

-- Which notice version each person was shown, when, by whom.
CREATE TABLE informations_beneficiaires (
    id              INTEGER PRIMARY KEY,
    beneficiaire_id INTEGER NOT NULL REFERENCES beneficiaires(id),
    notice_id       INTEGER NOT NULL REFERENCES notices_information(id),
    shown_at        TEXT NOT NULL,
    shown_by        INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX informations_beneficiaires_beneficiaire ON informations_beneficiaires(beneficiaire_id);

-- --- consents: one line per answer, never edited; the current state is the latest line.

CREATE TABLE consentements (
    id              INTEGER PRIMARY KEY,
    beneficiaire_id INTEGER NOT NULL REFERENCES beneficiaires(id),
    objet           TEXT NOT NULL CHECK (objet IN ('rappels', 'agenda')),
    accorde         INTEGER NOT NULL CHECK (accorde IN (0, 1)),
    at              TEXT NOT NULL,
    -- NULL: withdrawn automatically at anonymisation.
    recorded_by     INTEGER REFERENCES users(id)
);
CREATE INDEX consentements_beneficiaire ON consentements(beneficiaire_id, objet, id);

CREATE TRIGGER consentements_no_update BEFORE UPDATE ON consentements
BEGIN
    SELECT RAISE(ABORT, 'consentements is append-only');
END;

CREATE TRIGGER consentements_no_delete BEFORE DELETE ON consentements
BEGIN
    SELECT RAISE(ABORT, 'consentements is append-only');
END;

-- Contact details, kept only while the reminders consent stands.
CREATE TABLE beneficiaires_contacts (
    beneficiaire_id INTEGER PRIMARY KEY REFERENCES beneficiaires(id),
    telephone       TEXT,
    email           TEXT,
    updated_at      TEXT NOT NULL
);

-- --- anonymisation: identity fields are blanked, the row stays for parcours and the ledger.

ALTER TABLE beneficiaires ADD COLUMN anonymise_at TEXT;
-- 'conservation' (the retention job) or 'demande' (on the person's request).
ALTER TABLE beneficiaires ADD COLUMN anonymise_motif TEXT;

-- --- the access journal: every read of a beneficiary's identity by a staff user.
-- Append-only like audit_log: the database refuses edits and deletions.

CREATE TABLE journal_acces (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    structure_id INTEGER NOT NULL REFERENCES structures(id),
    action       TEXT NOT NULL
);
CREATE INDEX journal_acces_structure_at ON journal_acces(structure_id, at);

-- The people whose identity one read showed (one line for a detail page, up to a page of a list).
CREATE TABLE journal_acces_beneficiaires (
    journal_id      INTEGER NOT NULL REFERENCES journal_acces(id),
    beneficiaire_id INTEGER NOT NULL REFERENCES beneficiaires(id),
    PRIMARY KEY (journal_id, beneficiaire_id)
);
CREATE INDEX journal_acces_beneficiaires_beneficiaire ON journal_acces_beneficiaires(beneficiaire_id);

CREATE TRIGGER journal_acces_no_update BEFORE UPDATE ON journal_acces
BEGIN
    SELECT RAISE(ABORT, 'journal_acces is append-only');
END;

CREATE TRIGGER journal_acces_no_delete BEFORE DELETE ON journal_acces
BEGIN
    SELECT RAISE(ABORT, 'journal_acces is append-only');
END;

CREATE TRIGGER journal_acces_beneficiaires_no_update BEFORE UPDATE ON journal_acces_beneficiaires
BEGIN
    SELECT RAISE(ABORT, 'journal_acces is append-only');
END;

CREATE TRIGGER journal_acces_beneficiaires_no_delete BEFORE DELETE ON journal_acces_beneficiaires
BEGIN
    SELECT RAISE(ABORT, 'journal_acces is append-only');
END;
