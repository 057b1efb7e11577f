// Hours are the structure's, never the computer's: the demo conseillère (Médiathèque des Capucins,
// Brest) sees her session of today at the same hour whether her browser is set to Paris or to
// La Réunion; when the administrator puts the structure in La Réunion's zone, the same instant
// reads four hours later (UTC+4 instead of UTC+1), whatever the browser says.
import { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { DEMO_PASSWORD, login } from './helpers';

const ADMIN_EMAIL = 'admin@demo.carnet.fr';

async function seanceDuJour(page: Page, heures: string) {
  await login(page);
  const aujourdhui = page.getByRole('region', { name: /^Aujourd'hui, lundi 15 mars 2027/ });
  await expect(aujourdhui.getByText(heures).first()).toBeVisible();
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
}

async function choisirFuseau(page: Page, valeur: string) {
  await page.goto('/connexion');
  await page.getByLabel('Adresse e-mail').fill(ADMIN_EMAIL);
  await page.getByLabel('Mot de passe').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByRole('link', { name: 'Administration' }).click();
  const select = page.getByLabel('Médiathèque des Capucins', { exact: true });
  await select.selectOption(valeur);
  await expect(page.getByRole('status').filter({ hasText: 'Médiathèque des Capucins : fuseau horaire' })).toBeVisible();
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
}

for (const timezoneId of ['Europe/Paris', 'Indian/Reunion']) {
  test.describe(`browser in ${timezoneId}`, () => {
    test.use({ timezoneId });

    test('the conseillère reads her session at the structure\'s hour', async ({ page }) => {
      // Monique's third session is today at 14:00 in Brest.
      await seanceDuJour(page, '14h00 – 15h00');
    });
  });
}

test('the administrator moves the structure to La Réunion: the same session reads 17:00', async ({ page }) => {
  await choisirFuseau(page, 'Indian/Reunion');
  try {
    await seanceDuJour(page, '17h00 – 18h00');
  } finally {
    await choisirFuseau(page, '');
  }
  await seanceDuJour(page, '14h00 – 15h00');
});
