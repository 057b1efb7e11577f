// Session reminders in the app: the coordinatrice chooses when they go and reads the failures;
// Monique, who agreed to reminders (her landline flagged: no SMS), stops them from her space on her phone in one click.
import { test, expect, devices, Page } from '@playwright/test';
import { login, expectAccessible, COORD_EMAIL } from './helpers';

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
