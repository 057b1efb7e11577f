// Session reminders in the app: the coordinatrice chooses when they go and reads the failures;
// Monique, who agreed to reminders (her landline flagged: no SMS), stops them from her space on her phone in one click;
// the conseillère opens the printable list of her day.
import { test, expect } from './fixtures';
import { devices, Page } from '@playwright/test';
import { login, expectAccessible, COORD_EMAIL } from './helpers';
import { HORLOGE, serverDate } from '../horloge';

const phone = {
  viewport: devices['Pixel 5'].viewport,
  deviceScaleFactor: devices['Pixel 5'].deviceScaleFactor,
  isMobile: true,
  hasTouch: true,
  locale: 'fr-FR',
  timezoneId: 'Europe/Paris',
};

async function moniqueParcours(page: Page): Promise<string> {
  const link = page.locator('a[href^="/parcours/"]', { hasText: /^Monique$/ }).first();
  await expect(link).toBeVisible();
  return (await link.getAttribute('href'))!.match(/\/parcours\/(\d+)/)![1];
}

test('the coordinatrice chooses 24 hours and sees no failure', async ({ page }) => {
  await login(page, COORD_EMAIL);
  await page.getByRole('link', { name: 'Rappels', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Rappels de séances' })).toBeVisible();
  await expect(page.getByLabel('48 heures avant la séance')).toBeChecked();
  await expect(page.getByText('Aucun échec : tous les rappels sont partis.')).toBeVisible();
  await expectAccessible(page, 'the reminders page');
  await page.getByLabel('24 heures avant la séance').check();
  await expect(page.getByRole('status').filter({ hasText: 'Enregistré : 24 heures avant la séance.' })).toBeVisible();
  await page.reload();
  await expect(page.getByLabel('24 heures avant la séance')).toBeChecked();
  // Back to the default for the other journeys.
  await page.getByLabel('48 heures avant la séance').check();
  await expect(page.getByRole('status').filter({ hasText: 'Enregistré : 48 heures' })).toBeVisible();
});

test('Monique stops her reminders from her space in one click', async ({ page, browser }) => {
  await login(page);
  const id = await moniqueParcours(page);
  // She agrees to reminders by e-mail (recorded by the conseillère, as at intake).
  const dossier = await (await page.request.get(`/api/v1/parcours/${id}`)).json();
  const consent = await page.request.post(`/api/v1/beneficiaires/${dossier.beneficiaire.id}/consentements`, {
    data: { consentement: 'rappels', accorde: true, email: 'monique@exemple.fr', telephone: '02 98 00 11 22' },
  });
  expect(consent.status()).toBe(200);
  // A landline: flagged on her data page, no SMS will go.
  await page.goto(`/beneficiaires/${dossier.beneficiaire.id}/donnees`);
  await expect(page.getByText(/Pas de rappel par SMS : .*pas un mobile/)).toBeVisible();
  await page.goto(`/parcours/${id}`);
  const panel = page.getByRole('region', { name: 'Lien personnel' });
  await expect(panel.getByRole('button', { name: /Créer le lien personnel|Créer un nouveau lien/ })).toBeVisible();
  const nouveau = panel.getByRole('button', { name: 'Créer un nouveau lien' });
  if (await nouveau.isVisible()) {
    await nouveau.click();
    await page.getByRole('button', { name: 'Créer le nouveau lien' }).click();
  } else {
    await panel.getByRole('button', { name: 'Créer le lien personnel' }).click();
  }
  const url = await panel.getByLabel('Lien à ouvrir sur son téléphone').inputValue();

  const ctx = await browser.newContext(phone);
  const mobile = await ctx.newPage();
  await mobile.goto(url);
  await expect(mobile.getByRole('heading', { level: 1, name: 'Bonjour Monique' })).toBeVisible();
  const rappels = mobile.getByRole('region', { name: 'Mes rappels' });
  await expect(rappels).toContainText('Vous recevez un message');
  await expectAccessible(mobile, 'the beneficiary space with its reminders');
  await rappels.getByRole('button', { name: 'Ne plus recevoir de rappels' }).click();
  await expect(mobile.getByRole('status').filter({ hasText: 'vous ne recevrez plus de rappels' })).toBeVisible();
  await expect(mobile.getByRole('region', { name: 'Mes rappels' })).toHaveCount(0);
  await ctx.close();

  // The conseillère's page of the person's data shows who withdrew it.
  await page.goto(`/beneficiaires/${dossier.beneficiaire.id}/donnees`);
  await expect(page.getByText('la personne, depuis son espace').first()).toBeVisible();
  // The sessions page loads with the reminders' states (none sent here).
  await page.goto(`/parcours/${id}/seances`);
  await expect(page.locator('.seance').first()).toBeVisible();
  await expectAccessible(page, 'the sessions page with reminders');
});

/** « lundi 15 mars 2027 »: the server's day (horloge.ts) as the app writes it. */
function dateLongue(offsetDays = 0): string {
  const d = new Date(Date.parse(HORLOGE) + offsetDays * 86_400_000);
  const texte = new Intl.DateTimeFormat('fr-FR', {
    weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/Paris',
  }).format(d);
  return texte.replace(/ 1 /, ' 1er ');
}

test('the conseillère opens the printable list of her day and asks for it each morning', async ({ page }) => {
  await login(page);
  await page.getByRole('link', { name: 'Liste du jour à imprimer' }).click();
  await expect(page).toHaveURL(/\/journee$/);
  await expect(page.getByRole('heading', { level: 1, name: `Séances du ${dateLongue(0)}` })).toBeVisible();
  // Monique's third session is today (unless an earlier journey moved it): her row, or the empty state.
  const monique = page.getByRole('row', { name: /Monique/ });
  await expect(monique.or(page.getByText('Aucune séance aujourd\'hui'))).toBeVisible();
  if (await monique.isVisible()) {
    await expect(monique).toContainText(/\d+h\d\d – \d+h\d\d/);
    await expect(monique).toContainText('carnet de Pass numérique');
  }
  await expect(page.getByRole('button', { name: 'Imprimer' })).toBeVisible();
  await expectAccessible(page, 'the day list');
  if (process.env.E2E_CAPTURE) {
    await page.emulateMedia({ media: 'print' });
    await page.screenshot({ path: `${process.env.E2E_CAPTURE}/journee-print.png`, fullPage: true });
    await page.emulateMedia({ media: 'screen' });
  }
  // The next day, by its link; a day of last year, before any parcours: the empty state.
  await page.getByRole('link', { name: 'Jour suivant' }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Séances du ${dateLongue(1)}` })).toBeVisible();
  await page.goto(`/journee?jour=${serverDate(-365)}`);
  await expect(page.getByRole('heading', { level: 1, name: `Séances du ${dateLongue(-365)}` })).toBeVisible();
  await expect(page.getByText('Aucune séance ce jour-là')).toBeVisible();
  // The morning e-mail: off by default, asked for in one click from « Mon compte », then stopped.
  await page.goto('/compte');
  const matin = page.getByLabel('Recevoir chaque matin la liste de mes séances du jour');
  await expect(matin).not.toBeChecked();
  await matin.check();
  await expect(page.getByRole('status').filter({ hasText: 'vous recevrez la liste de vos séances chaque matin' })).toBeVisible();
  await page.reload();
  await expect(matin).toBeChecked();
  await expectAccessible(page, 'the account page with the morning e-mail');
  await matin.uncheck();
  await expect(page.getByRole('status').filter({ hasText: 'vous ne recevrez plus' })).toBeVisible();
});
