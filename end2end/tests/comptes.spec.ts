// Accounts and personal data: invitation → set password → login, password change, forgotten
// password, the rights page (export, erase), the access journal, the administration; axe-core
// on each new page.
import { test, expect } from './fixtures';
import type { Page, Browser } from '@playwright/test';
import { login, createParcours, expectAccessible, linkFromMail, COORD_EMAIL, ADMIN_EMAIL, DEMO_PASSWORD } from './helpers';

const GOOD = 'la mer monte à Brest ce soir';
const NEWER = 'un phare veille sur la rade';

/** The coordinatrice invites someone; returns their address. */
async function invite(page: Page, prenom: string): Promise<string> {
  const email = `${prenom.toLowerCase()}-${Date.now()}@exemple.fr`;
  await page.goto('/equipe');
  await expect(page.getByRole('heading', { level: 1, name: 'Équipe' })).toBeVisible();
  await page.getByLabel('Prénom', { exact: false }).first().fill(prenom);
  await page.getByLabel(/^Nom/).fill('Essai');
  await page.getByLabel('Adresse e-mail').fill(email);
  await page.getByLabel(/^Rôle/).selectOption('conseiller');
  await page.getByRole('button', { name: "Envoyer l'invitation", exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: `Invitation envoyée à ${email}` })).toBeVisible();
  await expect(page.getByRole('row', { name: new RegExp(email) })).toContainText('Invitation envoyée');
  return email;
}

/** Opens a one-time link in a fresh browser (no session) and chooses `password`. */
async function choosePassword(browser: Browser, link: string, password: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(link);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/Bienvenue sur Carnet|Nouveau mot de passe/);
  // The token leaves the address bar once read.
  await expect(page).toHaveURL(/\/mot-de-passe\/choisir$/);
  return { context, page };
}

test('a coordinatrice invites a conseiller, who chooses a password and logs in', async ({ page, browser }) => {
  await login(page, COORD_EMAIL, DEMO_PASSWORD);
  await page.getByRole('link', { name: 'Équipe' }).click();
  await expectAccessible(page, 'team page');
  const email = await invite(page, 'Lou');

  const { context, page: newcomer } = await choosePassword(browser, await linkFromMail(email), GOOD);
  await expect(newcomer.getByText(`Bonjour Lou, choisissez le mot de passe de votre compte (${email})`)).toBeVisible();
  await expectAccessible(newcomer, 'set-password page');
  // Too short, then a common one: each refused with the field named.
  await newcomer.getByLabel('Mot de passe', { exact: false }).first().fill('court');
  await newcomer.getByLabel('Confirmation du mot de passe').fill('court');
  await newcomer.getByRole('button', { name: 'Enregistrer le mot de passe' }).click();
  await expect(newcomer.locator('.error-summary')).toContainText('12 caractères au moins');
  await newcomer.getByLabel('Mot de passe', { exact: false }).first().fill('azertyuiop123');
  await newcomer.getByLabel('Confirmation du mot de passe').fill('azertyuiop123');
  await newcomer.getByRole('button', { name: 'Enregistrer le mot de passe' }).click();
  await expect(newcomer.locator('.error-summary')).toContainText('plus courants');
  await expectAccessible(newcomer, 'set-password page with errors');
  await newcomer.getByLabel('Mot de passe', { exact: false }).first().fill(GOOD);
  await newcomer.getByLabel('Confirmation du mot de passe').fill(GOOD);
  await newcomer.getByRole('button', { name: 'Enregistrer le mot de passe' }).click();

  await expect(newcomer).toHaveURL(/\/connexion/);
  await expect(newcomer.getByRole('status').filter({ hasText: 'Mot de passe enregistré' })).toBeVisible();
  await expect(newcomer.getByLabel('Adresse e-mail')).toHaveValue(email);
  await newcomer.getByLabel('Mot de passe').fill(GOOD);
  await newcomer.getByRole('button', { name: 'Se connecter' }).click();
  await expect(newcomer.getByRole('heading', { level: 1, name: 'Bonjour Lou' })).toBeVisible();
  await context.close();

  // The team page now shows the account as active; the coordinatrice deactivates it, with a confirmation.
  await page.reload();
  const row = page.getByRole('row', { name: new RegExp(email) });
  await expect(row).toContainText('Actif');
  await row.getByRole('button', { name: /Désactiver le compte/ }).click();
  const confirm = page.getByRole('region', { name: 'Désactiver ce compte ?' });
  await expect(confirm).toBeFocused();
  await expectAccessible(page, 'team page with a confirmation');
  await confirm.getByRole('button', { name: 'Oui, désactiver' }).click();
  await expect(row).toContainText('Désactivé');
});

test('changing the password signs out the other sessions', async ({ page, browser }) => {
  await login(page, COORD_EMAIL, DEMO_PASSWORD);
  const email = await invite(page, 'Maël');
  const { context, page: mael } = await choosePassword(browser, await linkFromMail(email), GOOD);
  await mael.getByLabel('Mot de passe', { exact: false }).first().fill(GOOD);
  await mael.getByLabel('Confirmation du mot de passe').fill(GOOD);
  await mael.getByRole('button', { name: 'Enregistrer le mot de passe' }).click();
  await expect(mael).toHaveURL(/\/connexion/);
  await login(mael, email, GOOD);
  // A second device.
  const other = await browser.newContext();
  const elsewhere = await other.newPage();
  await login(elsewhere, email, GOOD);

  await mael.getByRole('link', { name: 'Mon compte' }).click();
  await expect(mael.getByRole('heading', { level: 1, name: 'Mon compte' })).toBeVisible();
  await expectAccessible(mael, 'account page');
  await mael.getByLabel('Mot de passe actuel').fill('pas le bon mot de passe');
  await mael.getByLabel('Nouveau mot de passe', { exact: false }).first().fill(NEWER);
  await mael.getByLabel('Confirmation du nouveau mot de passe').fill(NEWER);
  await mael.getByRole('button', { name: 'Changer le mot de passe' }).click();
  await expect(mael.locator('.error-summary')).toContainText('Mot de passe actuel : il est incorrect.');
  await mael.getByLabel('Mot de passe actuel').fill(GOOD);
  await mael.getByRole('button', { name: 'Changer le mot de passe' }).click();
  await expect(mael.getByRole('status').filter({ hasText: 'Mot de passe changé' })).toBeVisible();

  // The other device is signed out; this one stays signed in.
  await elsewhere.goto('/compte');
  await expect(elsewhere).toHaveURL(/\/connexion/);
  await mael.reload();
  await expect(mael.getByRole('heading', { level: 1, name: 'Mon compte' })).toBeVisible();
  await mael.getByRole('button', { name: 'Se déconnecter' }).click();
  await login(mael, email, NEWER);
  await context.close();
  await other.close();
});

test('a forgotten password is reset by a one-time link, without revealing accounts', async ({ page, browser }) => {
  await login(page, COORD_EMAIL, DEMO_PASSWORD);
  const email = await invite(page, 'Nolwenn');
  const first = await choosePassword(browser, await linkFromMail(email), GOOD);
  await first.page.getByLabel('Mot de passe', { exact: false }).first().fill(GOOD);
  await first.page.getByLabel('Confirmation du mot de passe').fill(GOOD);
  await first.page.getByRole('button', { name: 'Enregistrer le mot de passe' }).click();
  await expect(first.page).toHaveURL(/\/connexion/);
  await first.context.close();

  const context = await browser.newContext();
  const visitor = await context.newPage();
  await visitor.goto('/connexion');
  await visitor.getByRole('link', { name: 'Mot de passe oublié ?' }).click();
  await expect(visitor.getByRole('heading', { level: 1, name: 'Mot de passe oublié' })).toBeVisible();
  await expectAccessible(visitor, 'forgotten-password page');
  // An unknown address gets the same answer as a real one.
  await visitor.getByLabel('Adresse e-mail').fill('personne-inconnue@exemple.fr');
  await visitor.getByRole('button', { name: 'Recevoir un lien' }).click();
  const answer = visitor.getByRole('status').filter({ hasText: 'Si un compte Carnet existe avec cette adresse' });
  await expect(answer).toBeVisible();
  const unknownText = await answer.textContent();
  await visitor.goto('/mot-de-passe/oublie');
  await visitor.getByLabel('Adresse e-mail').fill(email);
  await visitor.getByRole('button', { name: 'Recevoir un lien' }).click();
  await expect(answer).toBeVisible();
  expect(await answer.textContent()).toBe(unknownText);

  const link = await linkFromMail(email, 1);
  await visitor.goto(link);
  await expect(visitor.getByRole('heading', { level: 1, name: 'Nouveau mot de passe' })).toBeVisible();
  await visitor.getByLabel('Mot de passe', { exact: false }).first().fill(NEWER);
  await visitor.getByLabel('Confirmation du mot de passe').fill(NEWER);
  await visitor.getByRole('button', { name: 'Enregistrer le mot de passe' }).click();
  await expect(visitor).toHaveURL(/\/connexion/);
  await visitor.getByLabel('Mot de passe').fill(NEWER);
  await visitor.getByRole('button', { name: 'Se connecter' }).click();
  await expect(visitor.getByRole('heading', { level: 1, name: 'Bonjour Nolwenn' })).toBeVisible();
  // The link served once.
  await visitor.goto(link);
  await expect(visitor.getByRole('heading', { level: 1, name: 'Lien non valable' })).toBeVisible();
  await context.close();
});

test('rights: a conseillère exports a person’s data, then erases their identity', async ({ page }) => {
  await login(page);
  const prenom = `Rozenn ${Date.now() % 100000}`;
  await createParcours(page, prenom, 5);
  await page.getByRole('link', { name: 'Tableau de bord' }).click();
  await page.getByRole('region', { name: 'Bénéficiaires de la structure' }).getByRole('row', { name: new RegExp(prenom) }).getByRole('link', { name: prenom }).click();
  await page.getByRole('link', { name: /Données personnelles et droits/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Données et droits : ${prenom}` })).toBeVisible();
  await expect(page.getByText('Notice d\'information version 2 remise le')).toBeVisible();
  await expectAccessible(page, 'rights page');

  // Export, after a confirmation: a readable page (rendered by the server) and a JSON file.
  await page.getByRole('button', { name: 'Exporter ses données…' }).click();
  const confirmExport = page.getByRole('region', { name: 'Exporter toutes ses données ?' });
  await expect(confirmExport).toBeFocused();
  await confirmExport.getByRole('button', { name: "Oui, préparer l'export" }).click();
  const links = page.getByRole('group', { name: 'Export des données' });
  await expect(links).toBeFocused();
  await expect(links.getByRole('link', { name: 'Télécharger (fichier JSON)' })).toHaveAttribute('href', /\/export\?telechargement=1$/);
  const download = page.waitForEvent('download');
  await links.getByRole('link', { name: 'Télécharger (fichier JSON)' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^carnet-beneficiaire-\d+-\d{4}-\d{2}-\d{2}\.json$/);
  const popup = page.waitForEvent('popup');
  await links.getByRole('link', { name: /Ouvrir l'export/ }).click();
  const exported = await popup;
  await expect(exported.getByRole('heading', { level: 1, name: /Données gardées par Carnet sur la personne n°/ })).toBeVisible();
  await expect(exported.getByRole('heading', { name: 'La personne (1)' })).toBeVisible();
  await expect(exported.getByRole('heading', { name: 'Pass numériques (5)' })).toBeVisible();
  await expect(exported.getByRole('cell', { name: prenom, exact: true })).toBeVisible();
  await expectAccessible(exported, 'readable export');
  await exported.close();

  // Withdraw nothing, give the calendar consent (with a confirmation).
  await page.getByRole('button', { name: /Noter l'accord : Lui donner un lien d'agenda/ }).click();
  await page.getByRole('region', { name: 'Changer ce consentement ?' }).getByRole('button', { name: 'Confirmer' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Consentement enregistré.' })).toBeVisible();

  // Rectify, with intake's rules, after a confirmation.
  await page.getByRole('button', { name: "Corriger l'identité" }).click();
  await page.getByLabel('Année de naissance').fill('58');
  await page.getByRole('button', { name: 'Enregistrer la correction…' }).click();
  await expect(page.locator('.error-summary')).toContainText('Année de naissance : entre 1900 et');
  await page.getByLabel('Année de naissance').fill('1961');
  await page.getByRole('button', { name: 'Enregistrer la correction…' }).click();
  const confirmFix = page.getByRole('region', { name: 'Enregistrer cette correction ?' });
  await expect(confirmFix).toBeFocused();
  await confirmFix.getByRole('button', { name: 'Oui, corriger' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Identité corrigée.' })).toBeVisible();
  await expect(page.getByRole('definition').filter({ hasText: /^1961$/ })).toBeVisible();

  // Erase, after a confirmation.
  await page.getByRole('button', { name: "Effacer l'identité…" }).click();
  const confirmErase = page.getByRole('region', { name: "Effacer définitivement l'identité ?" });
  await expect(confirmErase).toBeFocused();
  await expectAccessible(page, 'rights page with the erase confirmation');
  await confirmErase.getByRole('button', { name: "Oui, effacer l'identité" }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Données et droits : Identité effacée' })).toBeVisible();
  await expect(page.getByText(/Identité effacée le/).first()).toBeVisible();
  await expect(page.getByRole('button', { name: "Effacer l'identité…" })).toHaveCount(0);

  // The dashboard no longer shows the name.
  await page.getByRole('link', { name: 'Tableau de bord' }).click();
  await page.getByLabel('Rechercher par prénom ou alias').fill(prenom.split(' ')[1]);
  await expect(page.getByText('Aucun bénéficiaire ne correspond à cette recherche.')).toBeVisible();
});

test('the coordinatrice reads the access journal; the notice prints; the administration page', async ({ page }) => {
  await login(page);
  await createParcours(page, `Journal ${Date.now() % 100000}`, 5);
  await page.getByRole('button', { name: 'Se déconnecter' }).click();

  await login(page, COORD_EMAIL, DEMO_PASSWORD);
  await page.getByRole('link', { name: 'Journal des accès' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Journal des accès' })).toBeVisible();
  const table = page.getByRole('table');
  await expect(table).toContainText('Page d\'un parcours');
  await expect(table).toContainText('Camille Le Goff');
  await expectAccessible(page, 'access journal');
  await page.getByLabel('Qui').selectOption({ label: 'Camille Le Goff' });
  await expect(page.getByRole('status').filter({ hasText: /consultation/ })).toBeVisible();

  await page.goto('/notice-information');
  await expect(page.getByRole('heading', { level: 1, name: 'Vos données personnelles dans Carnet' })).toBeVisible();
  await expect(page.getByText('Médiathèque des Capucins vous accompagne')).toBeVisible();
  await expectAccessible(page, 'printable notice');
  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('.site-header')).toBeHidden();
  await page.emulateMedia({ media: 'screen' });
  await page.getByRole('button', { name: 'Se déconnecter' }).click();

  // The administrator's home is not a dashboard: log in by hand.
  await page.goto('/connexion');
  await page.getByLabel('Adresse e-mail').fill(ADMIN_EMAIL);
  await page.getByLabel('Mot de passe').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByRole('link', { name: 'Administration' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Administration' })).toBeVisible();
  await expect(page.getByRole('row', { name: /camille@demo\.carnet\.fr/ })).toBeVisible();
  await expectAccessible(page, 'administration page');
});

test('the coordinatrice gives her structure a phone and an address, checked field by field', async ({ page }) => {
  await login(page, COORD_EMAIL, DEMO_PASSWORD);
  await page.goto('/equipe');
  const panel = page.getByRole('region', { name: 'Coordonnées de la structure' });
  const telephone = panel.getByLabel('Téléphone');
  await expect(telephone).toHaveValue('02 98 00 89 30');
  await telephone.fill('98 00');
  await panel.getByRole('button', { name: 'Enregistrer les coordonnées' }).click();
  await expect(panel.locator('.error-summary')).toBeFocused();
  await expect(panel.locator('#telephone-error')).toContainText('Téléphone : 10 chiffres');
  await telephone.fill('0298008930');
  await panel.getByRole('button', { name: 'Enregistrer les coordonnées' }).click();
  await expect(panel.getByRole('status').filter({ hasText: 'Coordonnées enregistrées.' })).toBeVisible();
  await expect(telephone).toHaveValue('02 98 00 89 30');
  await expect(panel.getByLabel('Adresse', { exact: true })).toHaveValue('25 rue de Pierre Loti, 29200 Brest');
  await expectAccessible(page, 'the structure contact details');
});
