// The beneficiary space « Mon parcours »: a conseillère gives Monique (demo parcours in
// progress) her personal link and prints its sheet; on a phone-sized Chromium, Monique opens it,
// sees her next session and her progress, says she cannot come, and the dashboard shows it.
import { test, expect } from './fixtures';
import { devices, Page } from '@playwright/test';
import { login, expectAccessible } from './helpers';
import { intakes } from './seed';

const phone = {
  viewport: devices['Pixel 5'].viewport,
  deviceScaleFactor: devices['Pixel 5'].deviceScaleFactor,
  isMobile: true,
  hasTouch: true,
  locale: 'fr-FR',
  timezoneId: 'Europe/Paris',
};

async function moniqueParcours(page: Page): Promise<string> {
  // The home page lists both parcours and people: take the parcours' link.
  const link = page.locator('a[href^="/parcours/"]', { hasText: /^Monique$/ }).first();
  await expect(link).toBeVisible();
  const href = (await link.getAttribute('href'))!;
  return href.match(/\/parcours\/(\d+)/)![1];
}

test('Monique opens her space on her phone and says she cannot come; the dashboard shows it', async ({ page, browser }) => {
  await login(page);
  const id = await moniqueParcours(page);
  await page.goto(`/parcours/${id}`);
  const panel = page.getByRole('region', { name: 'Lien personnel' });
  await expect(panel.getByText('Pas de lien actif.')).toBeVisible();
  await panel.getByRole('button', { name: 'Créer le lien personnel' }).click();
  const url = await panel.getByLabel('Lien à ouvrir sur son téléphone').inputValue();
  expect(url).toMatch(/\/espace\/#[A-Za-z0-9_-]{43}$/);
  const code = (await panel.locator('.lien-code').textContent())!.trim();
  expect(code).toMatch(/^[A-Z2-7]{4}-[A-Z2-7]{4}$/);
  await expect(panel.getByRole('img', { name: 'QR code du lien personnel' }).locator('svg')).toBeVisible();
  await expectAccessible(page, 'the parcours page with its personal link');

  // The printable sheet: QR code, code, schedule.
  await panel.getByRole('link', { name: 'Imprimer la fiche du lien' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Vos rendez-vous, Monique' })).toBeVisible();
  await expect(page.getByRole('img', { name: 'QR code du lien personnel' })).toBeVisible();
  await expect(page.getByText(code)).toBeVisible();
  await expect(page.locator('.fiche-seances li').first()).toBeVisible();
  // Whom to call: the structure's address and phone.
  await expect(page.getByText('Adresse : 25 rue de Pierre Loti, 29200 Brest')).toBeVisible();
  await expect(page.getByRole('link', { name: '02 98 00 89 30' })).toHaveAttribute('href', 'tel:0298008930');
  await expectAccessible(page, 'the personal link sheet');

  // On her phone.
  const ctx = await browser.newContext(phone);
  const mobile = await ctx.newPage();
  await mobile.goto(url);
  await expect(mobile.getByRole('heading', { level: 1, name: 'Bonjour Monique' })).toBeVisible();
  const prochain = mobile.getByRole('region', { name: 'Mon prochain rendez-vous' });
  await expect(prochain).toBeVisible();
  const jour = (await prochain.locator('.grand').first().textContent())!.trim();
  expect(jour).toMatch(/^(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) /);
  await expect(prochain.getByText('Votre carnet de Pass numérique')).toBeVisible();
  const joindre = mobile.getByRole('region', { name: 'Une question ? Appelez votre conseiller' });
  await expect(joindre).toContainText('Médiathèque des Capucins');
  await expect(joindre.getByRole('link', { name: '02 98 00 89 30' })).toHaveAttribute('href', 'tel:0298008930');
  const progres = mobile.getByRole('region', { name: 'Mes progrès' });
  await expect(progres.getByText('2 séances faites sur 5')).toBeVisible();
  await expect(progres.getByRole('heading', { name: 'Mes objectifs' })).toBeVisible();
  // Large text for people far from screens.
  const size = await mobile.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
  expect(size).toBeGreaterThanOrEqual(18);
  await expectAccessible(mobile, 'the beneficiary space');

  // « Je ne pourrai pas venir », confirmed.
  await prochain.getByRole('button', { name: 'Je ne pourrai pas venir' }).click();
  await expect(prochain.getByText(/Vous ne pourrez pas venir le/)).toBeVisible();
  await expectAccessible(mobile, 'the confirmation of « Je ne pourrai pas venir »');
  await prochain.getByRole('button', { name: 'Oui, je préviens' }).click();
  const confirmation = mobile.getByRole('status').filter({ hasText: "C'est noté" });
  await expect(confirmation).toBeVisible();
  // On the phone the confirmation takes the view and the focus, away from the next button.
  await expect(confirmation).toBeFocused();
  await expect(confirmation).toBeInViewport();
  await expect(mobile.getByText('Vous avez prévenu : vous ne viendrez pas')).toBeVisible();
  await expect(mobile.getByRole('region', { name: 'Mon prochain rendez-vous' }).locator('.grand').first()).not.toHaveText(jour);

  // The home page: the short code typed (loosely) opens the same space.
  const home = await ctx.newPage();
  await home.goto('/espace/');
  await expect(home.getByRole('heading', { level: 1, name: 'Mon parcours Pass numérique' })).toBeVisible();
  await expectAccessible(home, 'the home page of the beneficiary space');
  await home.getByLabel('Tapez votre code').fill('ZZZZ-ZZZZ');
  await home.getByRole('button', { name: 'Voir mon parcours' }).click();
  await expect(home.getByRole('alert')).toContainText('ce code ne marche pas');
  await expectAccessible(home, 'the home page with a wrong code');
  await home.getByLabel('Tapez votre code').fill(code.toLowerCase().replace('-', ' '));
  await home.getByRole('button', { name: 'Voir mon parcours' }).click();
  await expect(home.getByRole('heading', { level: 1, name: 'Bonjour Monique' })).toBeVisible();
  await ctx.close();

  // The conseillère's dashboard says Monique told.
  await page.goto('/');
  await expect(page.getByText('prévenu(e) par la personne').first()).toBeVisible();
  const ligne = page.locator('.agenda__item', { hasText: 'prévenu(e) par la personne' }).first();
  await expect(ligne).toContainText('Monique');
  await page.goto(`/parcours/${id}/seances`);
  await expect(page.locator('.seance', { hasText: 'prévenu(e) par la personne' })).toHaveCount(1);

  // Deactivated: the link opens nothing any more.
  await page.goto(`/parcours/${id}`);
  const panel2 = page.getByRole('region', { name: 'Lien personnel' });
  await panel2.getByRole('button', { name: 'Désactiver le lien' }).click();
  await page.getByRole('button', { name: 'Désactiver', exact: true }).click();
  await expect(panel2.getByText('Pas de lien actif.')).toBeVisible();
  const ctx2 = await browser.newContext(phone);
  const again = await ctx2.newPage();
  await again.goto(url);
  await expect(again.getByRole('alert')).toContainText('Ce lien ne marche plus');
  await expectAccessible(again, 'the beneficiary space with a revoked link');
  await ctx2.close();
});

test('the conseillère replaces and deactivates the calendar address alone; the link keeps working', async ({ page, browser }) => {
  await login(page);
  const [{ parcours_id: id }] = await intakes(page.request, 1, `Agenda ${Date.now() % 100000}`, true);
  await page.goto(`/parcours/${id}`);
  const panel = page.getByRole('region', { name: 'Lien personnel' });
  await panel.getByRole('button', { name: 'Créer le lien personnel' }).click();
  const url = await panel.getByLabel('Lien à ouvrir sur son téléphone').inputValue();
  await expect(panel.getByText("Adresse d'agenda : active.")).toBeVisible();
  // No expiry date while the parcours is open.
  await expect(panel.locator('.lien-expiration')).toHaveCount(0);

  const ctx = await browser.newContext(phone);
  const mobile = await ctx.newPage();
  await mobile.goto(url);
  await mobile.getByText('Mon agenda se met à jour tout seul').click();
  const ancienne = await mobile.getByLabel('Adresse de mon agenda').inputValue();
  expect(ancienne).toMatch(/\/api\/v1\/agenda\/[A-Za-z0-9_-]{43}\.ics$/);
  expect((await mobile.request.get(ancienne)).status()).toBe(200);

  // A new address: the old one stops, the link still opens the space.
  await panel.getByRole('button', { name: "Nouvelle adresse d'agenda" }).click();
  const confirmer = page.getByRole('region', { name: "Nouvelle adresse d'agenda ?" });
  await expect(confirmer).toBeFocused();
  await expectAccessible(page, 'the confirmation of a new calendar address');
  await confirmer.getByRole('button', { name: 'Créer la nouvelle adresse' }).click();
  await expect(page.getByRole('status').filter({ hasText: "Nouvelle adresse d'agenda créée" })).toBeVisible();
  expect((await mobile.request.get(ancienne)).status()).toBe(404);
  await mobile.reload();
  await mobile.getByText('Mon agenda se met à jour tout seul').click();
  const nouvelle = await mobile.getByLabel('Adresse de mon agenda').inputValue();
  expect(nouvelle).not.toBe(ancienne);
  expect((await mobile.request.get(nouvelle)).status()).toBe(200);

  // Deactivated alone: the feed stops, the space still opens, and offers no subscription.
  await panel.getByRole('button', { name: "Désactiver l'adresse d'agenda" }).click();
  await page.getByRole('region', { name: "Désactiver l'adresse d'agenda ?" }).getByRole('button', { name: "Désactiver l'adresse" }).click();
  await expect(panel.getByText("Adresse d'agenda : désactivée.")).toBeVisible();
  await expectAccessible(page, 'the personal link with its calendar address deactivated');
  expect((await mobile.request.get(nouvelle)).status()).toBe(404);
  await mobile.reload();
  await expect(mobile.getByRole('heading', { level: 1, name: /^Bonjour Agenda/ })).toBeVisible();
  await expect(mobile.getByText('Mon agenda se met à jour tout seul')).toHaveCount(0);

  // And given again.
  await panel.getByRole('button', { name: "Créer une adresse d'agenda" }).click();
  await expect(panel.getByText("Adresse d'agenda : active.")).toBeVisible();
  await ctx.close();
});
