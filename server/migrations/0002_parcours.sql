-- The parcours wizard: packs (seeded data, editable later by an admin screen), diagnostics,
-- objectives and session themes, the planning and its sessions, the bilan; and the link from a
-- validated pass to the session that used it.
-- Timestamps are RFC 3339 UTC text written by the server; multi-valued lists of codes are
-- '|'-separated (as in the national venue standard); levels are the diagnostic scale's codes.

CREATE TABLE packs (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    nom         TEXT NOT NULL,
    description TEXT NOT NULL,
    ordre       INTEGER NOT NULL,
    actif       INTEGER NOT NULL DEFAULT 1,
    updated_at  TEXT NOT NULL
);

-- One theme per session, for a carnet of 5 and of 10 (session 1 = accueil, last = bilan).
CREATE TABLE pack_themes (
    pack_id     INTEGER NOT NULL REFERENCES packs(id),
    nb_passes   INTEGER NOT NULL CHECK (nb_passes IN (5, 10)),
    rang        INTEGER NOT NULL CHECK (rang >= 1),
    titre       TEXT NOT NULL,
    thematiques TEXT NOT NULL,
    competences TEXT NOT NULL,
    PRIMARY KEY (pack_id, nb_passes, rang)
);

-- The levels a pack aims at, per competence.
CREATE TABLE pack_cibles (
    pack_id    INTEGER NOT NULL REFERENCES packs(id),
    nb_passes  INTEGER NOT NULL CHECK (nb_passes IN (5, 10)),
    competence TEXT NOT NULL,
    niveau     TEXT NOT NULL CHECK (niveau IN ('entierement_accompagne', 'partiellement_autonome', 'autonome')),
    PRIMARY KEY (pack_id, nb_passes, competence)
);

-- The pack chosen (or considered, in the quick diagnostic) and the closing time.
ALTER TABLE parcours ADD COLUMN pack_id INTEGER REFERENCES packs(id);
ALTER TABLE parcours ADD COLUMN closed_at TEXT;

CREATE TABLE diagnostics (
    parcours_id  INTEGER NOT NULL REFERENCES parcours(id),
    moment       TEXT NOT NULL CHECK (moment IN ('initial', 'final')),
    observations TEXT NOT NULL,
    created_by   INTEGER NOT NULL REFERENCES users(id),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (parcours_id, moment)
);

-- One row per assessed competence, so statistics can count levels without parsing anything.
CREATE TABLE diagnostic_niveaux (
    parcours_id INTEGER NOT NULL,
    moment      TEXT NOT NULL,
    competence  TEXT NOT NULL,
    niveau      TEXT NOT NULL CHECK (niveau IN ('pas_encore_aborde', 'entierement_accompagne', 'partiellement_autonome', 'autonome')),
    PRIMARY KEY (parcours_id, moment, competence),
    FOREIGN KEY (parcours_id, moment) REFERENCES diagnostics(parcours_id, moment)
);

-- Results of other tools (ABC Diag, Pix…): a label and a score, as the person brings them.
CREATE TABLE diagnostic_resultats (
    parcours_id INTEGER NOT NULL,
    moment      TEXT NOT NULL,
    rang        INTEGER NOT NULL,
    outil       TEXT NOT NULL,
    score       TEXT NOT NULL,
    PRIMARY KEY (parcours_id, moment, rang),
    FOREIGN KEY (parcours_id, moment) REFERENCES diagnostics(parcours_id, moment)
);

CREATE TABLE objectifs (
    parcours_id  INTEGER NOT NULL REFERENCES parcours(id),
    rang         INTEGER NOT NULL,
    competence   TEXT NOT NULL,
    niveau_cible TEXT NOT NULL CHECK (niveau_cible IN ('entierement_accompagne', 'partiellement_autonome', 'autonome')),
    -- Set at the bilan: 1 reached, 0 not reached.
    atteint      INTEGER CHECK (atteint IN (0, 1)),
    PRIMARY KEY (parcours_id, competence)
);

CREATE TABLE parcours_themes (
    parcours_id INTEGER NOT NULL REFERENCES parcours(id),
    rang        INTEGER NOT NULL CHECK (rang >= 1),
    titre       TEXT NOT NULL,
    thematiques TEXT NOT NULL,
    competences TEXT NOT NULL,
    PRIMARY KEY (parcours_id, rang)
);

CREATE TABLE plannings (
    parcours_id   INTEGER PRIMARY KEY REFERENCES parcours(id),
    frequence     TEXT NOT NULL CHECK (frequence IN ('quotidien', 'hebdomadaire', 'quinzaine')),
    duree_minutes INTEGER NOT NULL CHECK (duree_minutes > 0),
    type_lieu     TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- Sessions. `conseiller_id` is the parcours' conseiller, kept here so the overlap check and the
-- agenda read one index. `uid` and `sequence` make the .ics stable: the UID never changes, the
-- sequence grows each time the session moves.
CREATE TABLE seances (
    id                  INTEGER PRIMARY KEY,
    parcours_id         INTEGER NOT NULL REFERENCES parcours(id),
    conseiller_id       INTEGER NOT NULL REFERENCES users(id),
    uid                 TEXT NOT NULL UNIQUE,
    sequence            INTEGER NOT NULL DEFAULT 0,
    debut               TEXT NOT NULL,
    fin                 TEXT NOT NULL,
    type_lieu           TEXT NOT NULL,
    statut              TEXT NOT NULL CHECK (statut IN ('prevue', 'tenue', 'absente_excusee', 'absente_non_excusee')),
    remplace_seance_id  INTEGER REFERENCES seances(id),
    cr_thematiques      TEXT,
    cr_duree_minutes    INTEGER,
    cr_materiel         TEXT,
    cr_autonomie        TEXT,
    cr_notes            TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX seances_conseiller_debut ON seances(conseiller_id, debut);
CREATE INDEX seances_parcours_debut ON seances(parcours_id, debut);

CREATE TABLE bilans (
    parcours_id     INTEGER PRIMARY KEY REFERENCES parcours(id),
    orientation     TEXT,
    recommandations TEXT NOT NULL,
    created_by      INTEGER NOT NULL REFERENCES users(id),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

-- The session that used a pass (set by the atomic validation, cleared when it is cancelled).
ALTER TABLE passes ADD COLUMN seance_id INTEGER REFERENCES seances(id);
CREATE UNIQUE INDEX passes_seance ON passes(seance_id) WHERE seance_id IS NOT NULL;

-- The ready-made packs.
INSERT INTO packs (id, code, nom, description, ordre, actif, updated_at) VALUES
    (1, 'competences_de_base', 'Compétences de base', 'Prendre en main son matériel, naviguer sur internet, utiliser l''e-mail et se protéger en ligne.', 1, 1, '2026-11-23T00:00:00+00:00'),
    (2, 'usage_professionnel', 'Utilisation professionnelle du numérique', 'Rédiger son CV, candidater par e-mail, utiliser son espace France Travail et les outils du travail à distance.', 2, 1, '2026-11-23T00:00:00+00:00'),
    (3, 'numerique_en_famille', 'Numérique en famille', 'Suivre la scolarité des enfants, garder le lien avec ses proches, encadrer les écrans à la maison.', 3, 1, '2026-11-23T00:00:00+00:00'),
    (4, 'acces_aux_droits', 'Accès aux droits', 'Créer ses identifiants, utiliser FranceConnect et faire ses démarches en ligne (CAF, Ameli, impôts) en sécurité.', 4, 1, '2026-11-23T00:00:00+00:00'),
    (5, 'personnalise', 'Personnalisé', 'Un parcours sur mesure : vous écrivez les thèmes des séances et fixez les objectifs.', 5, 1, '2026-11-23T00:00:00+00:00');

INSERT INTO pack_themes (pack_id, nb_passes, rang, titre, thematiques, competences) VALUES
    (1, 5, 1, 'Accueil et diagnostic', 'diagnostic_numerique', ''),
    (1, 5, 2, 'Prendre en main son ordinateur, sa tablette ou son téléphone', 'prendre_en_main_du_materiel', '5.2'),
    (1, 5, 3, 'Naviguer et chercher sur internet', 'navigation_sur_internet', '1.1'),
    (1, 5, 4, 'Utiliser sa messagerie et repérer les arnaques', 'email|securite_numerique', '2.1|4.1'),
    (1, 5, 5, 'Bilan du parcours', 'diagnostic_numerique', ''),
    (1, 10, 1, 'Accueil et diagnostic', 'diagnostic_numerique', ''),
    (1, 10, 2, 'Prendre en main son matériel', 'prendre_en_main_du_materiel', '5.2'),
    (1, 10, 3, 'Organiser ses fichiers et ses photos', 'gere_ses_contenus_numeriques', '1.2'),
    (1, 10, 4, 'Naviguer sur internet', 'navigation_sur_internet', '1.1'),
    (1, 10, 5, 'Chercher une information fiable', 'navigation_sur_internet|culture_numerique', '1.1'),
    (1, 10, 6, 'Créer et utiliser une adresse e-mail', 'email', '2.1'),
    (1, 10, 7, 'Envoyer des pièces jointes', 'email|gere_ses_contenus_numeriques', '2.1|1.2'),
    (1, 10, 8, 'Mots de passe et arnaques en ligne', 'securite_numerique', '4.1'),
    (1, 10, 9, 'Protéger ses données personnelles', 'securite_numerique', '4.2'),
    (1, 10, 10, 'Bilan du parcours', 'diagnostic_numerique', ''),
    (2, 5, 1, 'Accueil et diagnostic', 'diagnostic_numerique', ''),
    (2, 5, 2, 'Rédiger son CV avec un traitement de texte', 'bureautique|insertion_professionnelle', '3.1'),
    (2, 5, 3, 'Candidater par e-mail', 'email|insertion_professionnelle', '2.1'),
    (2, 5, 4, 'Chercher des offres et utiliser son espace France Travail', 'insertion_professionnelle|navigation_sur_internet', '1.1|2.4'),
    (2, 5, 5, 'Bilan du parcours', 'diagnostic_numerique', ''),
    (2, 10, 1, 'Accueil et diagnostic', 'diagnostic_numerique', ''),
    (2, 10, 2, 'Gérer ses fichiers et ses dossiers', 'gere_ses_contenus_numeriques', '1.2'),
    (2, 10, 3, 'Les bases du traitement de texte', 'bureautique', '3.1'),
    (2, 10, 4, 'Rédiger son CV', 'bureautique|insertion_professionnelle', '3.1|3.3'),
    (2, 10, 5, 'Candidater par e-mail avec des pièces jointes', 'email|insertion_professionnelle', '2.1'),
    (2, 10, 6, 'Chercher des offres d''emploi en ligne', 'insertion_professionnelle|navigation_sur_internet', '1.1'),
    (2, 10, 7, 'Utiliser son espace France Travail', 'insertion_professionnelle|aide_aux_demarches_administratives', '2.4'),
    (2, 10, 8, 'Entretien en visioconférence et outils collaboratifs', 'insertion_professionnelle|prendre_en_main_du_materiel', '2.3'),
    (2, 10, 9, 'Identité numérique et réseaux professionnels', 'reseaux_sociaux|securite_numerique', '2.4|4.2'),
    (2, 10, 10, 'Bilan du parcours', 'diagnostic_numerique', ''),
    (3, 5, 1, 'Accueil et diagnostic', 'diagnostic_numerique', ''),
    (3, 5, 2, 'Suivre la scolarité : l''espace numérique de travail (ENT)', 'scolarite_et_numerique', '1.1|2.1'),
    (3, 5, 3, 'Garder le lien : visio et partage de photos', 'reseaux_sociaux|gere_ses_contenus_numeriques', '2.1|2.2'),
    (3, 5, 4, 'Écrans et contrôle parental', 'parentalite|securite_numerique', '4.3|4.2'),
    (3, 5, 5, 'Bilan du parcours', 'diagnostic_numerique', ''),
    (3, 10, 1, 'Accueil et diagnostic', 'diagnostic_numerique', ''),
    (3, 10, 2, 'Prendre en main le matériel de la maison', 'prendre_en_main_du_materiel', '5.2'),
    (3, 10, 3, 'L''espace numérique de travail (ENT)', 'scolarite_et_numerique', '1.1'),
    (3, 10, 4, 'Échanger avec l''école', 'scolarite_et_numerique|email', '2.1'),
    (3, 10, 5, 'Les démarches de la CAF en ligne', 'aide_aux_demarches_administratives', '2.4'),
    (3, 10, 6, 'Visio avec les proches', 'reseaux_sociaux', '2.1'),
    (3, 10, 7, 'Partager ses photos en famille', 'gere_ses_contenus_numeriques', '2.2|1.2'),
    (3, 10, 8, 'Écrans et contrôle parental', 'parentalite', '4.3'),
    (3, 10, 9, 'Réseaux sociaux et sécurité des enfants', 'parentalite|securite_numerique|reseaux_sociaux', '4.2|4.1'),
    (3, 10, 10, 'Bilan du parcours', 'diagnostic_numerique', ''),
    (4, 5, 1, 'Accueil et diagnostic', 'diagnostic_numerique', ''),
    (4, 5, 2, 'Créer son adresse e-mail et ses mots de passe', 'email|securite_numerique', '2.1|4.1'),
    (4, 5, 3, 'FranceConnect et les espaces personnels', 'aide_aux_demarches_administratives', '2.4'),
    (4, 5, 4, 'Numériser et envoyer ses justificatifs', 'aide_aux_demarches_administratives|gere_ses_contenus_numeriques', '1.2'),
    (4, 5, 5, 'Bilan du parcours', 'diagnostic_numerique', ''),
    (4, 10, 1, 'Accueil et diagnostic', 'diagnostic_numerique', ''),
    (4, 10, 2, 'Prendre en main son téléphone ou son ordinateur', 'prendre_en_main_du_materiel', '5.2'),
    (4, 10, 3, 'Créer et consulter son adresse e-mail', 'email', '2.1'),
    (4, 10, 4, 'Mots de passe et arnaques', 'securite_numerique', '4.1'),
    (4, 10, 5, 'FranceConnect et l''identité numérique', 'aide_aux_demarches_administratives', '2.4'),
    (4, 10, 6, 'Son compte Ameli', 'sante|aide_aux_demarches_administratives', '2.4'),
    (4, 10, 7, 'Son espace CAF', 'aide_aux_demarches_administratives', '2.4'),
    (4, 10, 8, 'Déclarer ses revenus sur impots.gouv.fr', 'aide_aux_demarches_administratives', '2.4|1.3'),
    (4, 10, 9, 'Numériser, ranger et envoyer ses justificatifs', 'gere_ses_contenus_numeriques', '1.2'),
    (4, 10, 10, 'Bilan du parcours', 'diagnostic_numerique', ''),
    (5, 5, 1, 'Accueil et diagnostic', 'diagnostic_numerique', ''),
    (5, 5, 2, 'Séance 2 : thème à définir', '', ''),
    (5, 5, 3, 'Séance 3 : thème à définir', '', ''),
    (5, 5, 4, 'Séance 4 : thème à définir', '', ''),
    (5, 5, 5, 'Bilan du parcours', 'diagnostic_numerique', ''),
    (5, 10, 1, 'Accueil et diagnostic', 'diagnostic_numerique', ''),
    (5, 10, 2, 'Séance 2 : thème à définir', '', ''),
    (5, 10, 3, 'Séance 3 : thème à définir', '', ''),
    (5, 10, 4, 'Séance 4 : thème à définir', '', ''),
    (5, 10, 5, 'Séance 5 : thème à définir', '', ''),
    (5, 10, 6, 'Séance 6 : thème à définir', '', ''),
    (5, 10, 7, 'Séance 7 : thème à définir', '', ''),
    (5, 10, 8, 'Séance 8 : thème à définir', '', ''),
    (5, 10, 9, 'Séance 9 : thème à définir', '', ''),
    (5, 10, 10, 'Bilan du parcours', 'diagnostic_numerique', '');

INSERT INTO pack_cibles (pack_id, nb_passes, competence, niveau) VALUES
    (1, 5, '5.2', 'partiellement_autonome'),
    (1, 5, '1.1', 'partiellement_autonome'),
    (1, 5, '2.1', 'partiellement_autonome'),
    (1, 5, '4.1', 'entierement_accompagne'),
    (1, 10, '5.2', 'autonome'),
    (1, 10, '1.2', 'partiellement_autonome'),
    (1, 10, '1.1', 'autonome'),
    (1, 10, '2.1', 'autonome'),
    (1, 10, '4.1', 'partiellement_autonome'),
    (1, 10, '4.2', 'partiellement_autonome'),
    (2, 5, '3.1', 'partiellement_autonome'),
    (2, 5, '2.1', 'partiellement_autonome'),
    (2, 5, '1.1', 'partiellement_autonome'),
    (2, 5, '2.4', 'entierement_accompagne'),
    (2, 10, '1.2', 'partiellement_autonome'),
    (2, 10, '3.1', 'autonome'),
    (2, 10, '3.3', 'partiellement_autonome'),
    (2, 10, '2.1', 'autonome'),
    (2, 10, '1.1', 'autonome'),
    (2, 10, '2.4', 'partiellement_autonome'),
    (2, 10, '2.3', 'partiellement_autonome'),
    (2, 10, '4.2', 'partiellement_autonome'),
    (3, 5, '1.1', 'partiellement_autonome'),
    (3, 5, '2.1', 'partiellement_autonome'),
    (3, 5, '2.2', 'entierement_accompagne'),
    (3, 5, '4.3', 'partiellement_autonome'),
    (3, 5, '4.2', 'entierement_accompagne'),
    (3, 10, '5.2', 'partiellement_autonome'),
    (3, 10, '1.1', 'autonome'),
    (3, 10, '2.1', 'autonome'),
    (3, 10, '2.4', 'partiellement_autonome'),
    (3, 10, '2.2', 'partiellement_autonome'),
    (3, 10, '1.2', 'partiellement_autonome'),
    (3, 10, '4.3', 'partiellement_autonome'),
    (3, 10, '4.2', 'partiellement_autonome'),
    (3, 10, '4.1', 'entierement_accompagne'),
    (4, 5, '2.1', 'partiellement_autonome'),
    (4, 5, '4.1', 'entierement_accompagne'),
    (4, 5, '2.4', 'partiellement_autonome'),
    (4, 5, '1.2', 'entierement_accompagne'),
    (4, 10, '5.2', 'partiellement_autonome'),
    (4, 10, '2.1', 'autonome'),
    (4, 10, '4.1', 'partiellement_autonome'),
    (4, 10, '2.4', 'autonome'),
    (4, 10, '1.2', 'partiellement_autonome'),
    (4, 10, '1.3', 'entierement_accompagne');
