// Venues: a hub imports a file and finds the venues on the map and in the list, filters on the
// Pass and opens a venue; a conseillère reports a candidate, the hub accredits it and it shows
// on the map as accepting the Pass; a beneficiary is oriented to the nearest venues.
import { test, expect } from './fixtures';
import type { Page } from '@playwright/test';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { login, createParcours, expectAccessible, DEMO_EMAIL, DEMO_PASSWORD } from './helpers';

const HUB = 'hub@demo.carnet.fr';

async function logout(page: Page) {
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await expect(page).toHaveURL(/\/connexion/);
}

/** The list beside the map, as names. */
function listeLieux(page: Page) {
  return page.locator('.liste-lieux .lieu-item__nom');
}

test('a hub imports a file, sees it on the map and in the list, filters on the Pass, opens a venue', async ({ page }) => {
  await login(page, HUB, DEMO_PASSWORD);
  await expect(page.getByText('Votre territoire : Côtes-d\'Armor (22), Finistère (29)')).toBeVisible();
  await expectAccessible(page, 'hub home');

  await page.goto('/lieux/import');
  await page.getByLabel('Fichier de lieux').setInputFiles(path.join(__dirname, '..', 'fixtures', 'lieux-bretagne.csv'));
  await page.getByRole('button', { name: 'Importer' }).click();
  await expect(page.getByText(/Import terminé : 4 lignes/)).toBeVisible();
  await expect(page.getByText('2 lieux créés')).toBeVisible();
  await expect(page.getByText('2 lignes rejetées')).toBeVisible();
  const rejets = page.getByRole('table', { name: /Lignes rejetées/ });
  await expect(rejets.getByRole('row', { name: /e2e-3.*pivot.*clé de contrôle/ })).toBeVisible();
  await expect(rejets.getByRole('row', { name: /e2e-4.*Hors de votre territoire/ })).toBeVisible();
  await expectAccessible(page, 'import report');

  await page.goto('/lieux');
  // The map draws counts (never one element per venue) and the list gives the venues.
  await expect(page.locator('.carte .carte-compte').first()).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: /14 lieux correspondent aux filtres/ })).toBeVisible();
  await expect(listeLieux(page).filter({ hasText: 'Tiers-lieu e2e de Douarnenez' })).toBeVisible();
  await expect(listeLieux(page).filter({ hasText: 'Atelier e2e de Fougères' })).toBeVisible();
  await expectAccessible(page, 'map and list');
  // A count bubble is a button of the keyboard, named for a screen reader; Enter zooms in on it.
  const bulle = page.locator('.carte .carte-compte').first();
  await bulle.focus();
  await expect(bulle).toBeFocused();
  await expect(bulle).toHaveAccessibleName(/\d+ lieux?(,| autour de ).*acceptant le Pass/);
  const zoomAvant = await page.evaluate(() => {
    const urls = performance.getEntriesByType('resource').map((e) => e.name).filter((u) => u.includes('/lieux/carte'));
    return Number(new URL(urls[urls.length - 1]).searchParams.get('zoom'));
  });
  const plusPres = page.waitForResponse(
    (r) => r.url().includes('/lieux/carte') && Number(new URL(r.url()).searchParams.get('zoom')) > zoomAvant,
  );
  await page.keyboard.press('Enter');
  await plusPres;
  // Back to the hub's first view (the map keeps its view for the tab).
  await page.evaluate(() => sessionStorage.clear());
  await page.goto('/lieux');
  await expect(page.getByRole('status').filter({ hasText: /14 lieux correspondent aux filtres/ })).toBeVisible();

  await page.getByLabel('Accepte le Pass numérique').check();
  await expect(page.getByRole('status').filter({ hasText: /7 lieux correspondent aux filtres/ })).toBeVisible();
  await expect(listeLieux(page).filter({ hasText: 'Tiers-lieu e2e de Douarnenez' })).toBeVisible();
  await expect(listeLieux(page).filter({ hasText: 'Atelier e2e de Fougères' })).toHaveCount(0);
  for (const badge of await page.locator('.liste-lieux .lieu-item').all()) {
    await expect(badge).toContainText('Accepte le Pass numérique');
  }
  await page.getByLabel('Nom, commune ou adresse').fill('douarnenez');
  await expect(page.getByRole('status').filter({ hasText: /1 lieu correspond aux filtres/ })).toBeVisible();
  // A reload keeps the filters and the view.
  await page.reload();
  await expect(page.getByLabel('Accepte le Pass numérique')).toBeChecked();
  await expect(page.getByLabel('Nom, commune ou adresse')).toHaveValue('douarnenez');
  await expect(page.getByRole('status').filter({ hasText: /1 lieu correspond aux filtres/ })).toBeVisible();

  // One link jumps over the map to the list.
  await page.getByRole('link', { name: 'Passer la carte : aller à la liste des lieux' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('#liste-titre')).toBeFocused();
  // The list is reachable by keyboard: the venue opens from it.
  await listeLieux(page).filter({ hasText: 'Tiers-lieu e2e de Douarnenez' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Tiers-lieu e2e de Douarnenez' })).toBeVisible();
  await expect(page.getByText('3 rue Jean Jaurès, 29100 Douarnenez')).toBeVisible();
  await expect(page.getByRole('row', { name: /lundi 09:00–12:00, 14:00–18:00/i })).toBeVisible();
  await expect(page.getByText(/Ouvert maintenant|Fermé maintenant/).first()).toBeVisible();
  await expect(page.getByText('Ce lieu accepte le Pass numérique.')).toBeVisible();
  await expect(page.getByText('+33298112233')).toBeVisible();
  await expectAccessible(page, 'venue page');
});

test('a conseillère reports a candidate, the hub accredits it, it shows on the map with the Pass', async ({ page }) => {
  const nom = `Bibliothèque e2e ${Date.now() % 100000}`;
  await login(page, DEMO_EMAIL, DEMO_PASSWORD);
  await page.getByRole('link', { name: 'Lieux', exact: true }).click();
  await page.getByRole('link', { name: "Lieux candidats à l'agrément" }).click();
  await page.getByRole('link', { name: 'Signaler un lieu' }).click();
  await expect(page.getByRole('heading', { level: 1, name: /Signaler un lieu candidat/ })).toBeVisible();
  // Nothing filled: the errors are listed and nothing is sent.
  await page.getByRole('button', { name: 'Signaler ce lieu' }).click();
  await expect(page.locator('.error-summary')).toBeFocused();
  await expect(page.locator('.error-summary').getByRole('link', { name: /Nom du lieu : ce champ est obligatoire/ })).toBeVisible();
  await expectAccessible(page, 'candidate form with errors');

  await page.getByLabel('Nom du lieu').fill(nom);
  await page.getByLabel('Adresse (obligatoire)').fill('5 rue de Siam');
  const commune = page.getByRole('combobox', { name: /Commune/ });
  await commune.fill('brest');
  await page.getByRole('option', { name: 'Brest (29200)' }).click();
  await expect(page.getByLabel('Code postal')).toHaveValue('29200');
  await page.getByLabel(/Pourquoi ce lieu/).fill('Anime déjà des ateliers numériques le mercredi.');
  await page.getByLabel('Personne à contacter').fill('Anne Le Gall');
  await page.getByRole('button', { name: 'Signaler ce lieu' }).click();
  await expect(page.getByRole('heading', { level: 1, name: nom })).toBeVisible();
  await expect(page.locator('.badge--signale')).toBeVisible();
  await logout(page);

  await login(page, HUB, DEMO_PASSWORD);
  await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Lieux candidats' }).click();
  await page.getByRole('link', { name: nom }).click();
  await expectAccessible(page, 'candidate file');
  // No step chosen in advance: one click does not move the file.
  await page.getByRole('button', { name: "Enregistrer l'étape" }).click();
  await expect(page.locator('#statut-error')).toContainText('Nouvelle étape : choisissez où en est le dossier.');
  for (const etape of ['Contacté', 'Dossier en cours']) {
    await page.getByLabel(etape).check();
    await page.getByLabel('Note').fill(`Étape ${etape}`);
    await page.getByRole('button', { name: "Enregistrer l'étape" }).click();
    await expect(page.locator(`.badge`).filter({ hasText: etape })).toBeVisible();
  }
  await page.getByLabel('Agréé').check();
  await page.getByLabel('SIRET ou RNA du lieu').fill('434 933 123 00029');
  await page.getByRole('button', { name: "Enregistrer l'étape" }).click();
  // Closing the file asks for a confirmation.
  await page.getByRole('button', { name: 'Confirmer : Agréé' }).click();
  await expect(page.locator('.badge--agree')).toBeVisible();
  await expect(page.getByRole('listitem').filter({ hasText: /Agréé \(Morgane Kerhervé/ })).toBeVisible();

  await page.getByRole('link', { name: 'Voir le lieu sur la carte' }).click();
  await expect(page.getByRole('heading', { level: 1, name: nom })).toBeVisible();
  await expect(page.getByText(/Ce lieu accepte le Pass numérique, agréé le/)).toBeVisible();
  await expect(page.getByText('Agréé : le lieu accepte le Pass numérique')).toBeVisible();

  await page.getByRole('link', { name: 'Carte des lieux' }).first().click();
  await page.getByLabel('Accepte le Pass numérique').check();
  await page.getByLabel('Nom, commune ou adresse').fill(nom);
  await expect(page.getByRole('status').filter({ hasText: /1 lieu correspond aux filtres/ })).toBeVisible();
  await expect(page.locator('.carte .carte-compte [aria-hidden="true"]').filter({ hasText: /^1$/ })).toBeVisible();
  await expect(listeLieux(page).filter({ hasText: nom })).toBeVisible();
});

test('the coverage view shows a choropleth and its table', async ({ page }) => {
  await login(page, HUB, DEMO_PASSWORD);
  await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Couverture' }).click();
  const table = page.getByRole('table', { name: 'Couverture par département' });
  await expect(table.getByRole('row', { name: /Finistère \(29\)/ })).toBeVisible();
  await expect(page.locator('.carte--couverture path').first()).toBeAttached();
  await expectAccessible(page, 'coverage');
});

test('a conseillère prints the venues accepting the Pass nearest to a beneficiary', async ({ page }) => {
  await login(page);
  await createParcours(page, `Orientée ${Date.now() % 100000}`);
  await page.getByRole('link', { name: /Lieux proches qui acceptent le Pass/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: /Où utiliser vos Pass numériques/ })).toBeVisible();
  await expect(page.getByText(/Les lieux les plus proches de Brest/)).toBeVisible();
  const capucins = page.locator('.orientation__lieu').filter({ hasText: 'Espace numérique des Capucins' });
  await expect(capucins).toContainText('25 rue de Pierre Loti, 29200 Brest');
  await expect(capucins.getByRole('table', { name: 'Horaires de la semaine' })).toBeAttached();
  // Nearest first: the Brest venues come before Quimper's.
  const noms = await page.locator('.orientation__lieu h2 a').allTextContents();
  expect(noms.indexOf('Espace numérique des Capucins')).toBeLessThan(noms.indexOf('Médiathèque de Quimper'));
  await expect(page.getByRole('button', { name: 'Imprimer' })).toBeVisible();
  await expectAccessible(page, 'orientation');
});

test('a venue whose name holds markup shows it as text in the map tooltip', async ({ page }) => {
  // Names come from imported files and from conseillers' reports: Leaflet given a string
  // tooltip would build that markup.
  const nom = '<b>Gras e2e</b><img src="x" class="injecte">';
  const fichier = readFileSync(path.join(__dirname, '..', 'fixtures', 'lieux-bretagne.csv'), 'utf8').split('\n');
  const ligne = fichier[1]
    .replace('"e2e-1"', '"e2e-balises"')
    .replace('"Tiers-lieu e2e de Douarnenez"', `"${nom.replace(/"/g, '""')}"`)
    .replace('"48.0925","-4.3290"', '"48.0931","-4.3301"');
  await login(page, HUB, DEMO_PASSWORD);
  await page.goto('/lieux/import');
  await page.getByLabel('Fichier de lieux').setInputFiles({
    name: 'balises.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(`${fichier[0]}\n${ligne}\n`),
  });
  await page.getByRole('button', { name: 'Importer' }).click();
  await expect(page.getByText('1 lieu créé')).toBeVisible();

  // The map opens on a small box around the venue, close enough to draw venues one by one.
  await page.evaluate(() =>
    sessionStorage.setItem('carnet.carte.vue', JSON.stringify({ zoom: 18, ouest: -4.3306, sud: 48.0929, est: -4.3296, nord: 48.0933 })),
  );
  await page.goto('/lieux');
  await expect(page.getByRole('status').filter({ hasText: /dans la vue, un par un/ })).toBeVisible();
  // The points are drawn on a canvas: the venue is at the centre of the view.
  const carte = (await page.locator('.leaflet-container').boundingBox())!;
  await page.mouse.move(carte.x + carte.width / 2, carte.y + carte.height / 2);
  const bulle = page.locator('.leaflet-tooltip');
  await expect(bulle).toHaveText(`${nom} — accepte le Pass`);
  await expect(bulle.locator('b, img')).toHaveCount(0);
  await expect(page.locator('img.injecte')).toHaveCount(0);
});
