// Foundation journeys: login, intake of a beneficiary with a carnet of 5, the dashboard.
import { test, expect } from './fixtures';
import { login, createParcours, expectAccessible, passCode, DEMO_EMAIL } from './helpers';
import { serverDate } from '../horloge';

test('a wrong password shows an error', async ({ page }) => {
  await page.goto('/connexion');
  await page.getByLabel('Adresse e-mail').fill(DEMO_EMAIL);
  await page.getByLabel('Mot de passe').fill('pas-le-bon');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page.getByRole('alert')).toContainText('Adresse e-mail ou mot de passe incorrect.');
  await expect(page).toHaveURL(/\/connexion/);
});

test('the login page is accessible', async ({ page }) => {
  await page.goto('/connexion');
  await expect(page.getByRole('heading', { name: 'Connexion' })).toBeVisible();
  await expectAccessible(page, 'login page');
});

test("a computer set to the wrong date still shows the server's today", async ({ page }) => {
  // The browser believes it is 4 July 2031; the server's clock says otherwise (horloge.ts).
  await page.clock.setFixedTime(new Date('2031-07-04T09:00:00+02:00'));
  await login(page);
  await page.goto('/parcours/nouveau');
  await expect(page.getByLabel(/Date de remise/)).toHaveValue(serverDate(0));
});

test('a visitor without a session is sent to the login page', async ({ page }) => {
  await page.goto('/parcours/nouveau');
  await expect(page).toHaveURL(/\/connexion\?retour=/);
  await login(page);
});

test('the conseillère records a beneficiary with a carnet of 5 and finds her on the dashboard', async ({ page }) => {
  await login(page);
  await expectAccessible(page, 'dashboard');
  await page.getByRole('link', { name: 'Nouveau parcours' }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: /Nouveau parcours/ })).toBeVisible();
  await expectAccessible(page, 'intake form');

  const prenom = `Zoé ${Date.now() % 100000}`;
  const codes = await createParcours(page, prenom, 5);
  // The parcours page shows what was recorded.
  await expect(page.getByText('Brest métropole')).toBeVisible();
  for (const code of codes) await expect(page.getByRole('cell', { name: code })).toBeVisible();
  await expect(page.locator('[aria-current="step"]')).toContainText('Accueil');

  await page.getByRole('link', { name: 'Tableau de bord' }).click();
  await page.getByLabel('Rechercher par prénom ou alias').fill(prenom.toLowerCase().replace('é', 'e'));
  const row = page.getByRole('region', { name: 'Bénéficiaires de la structure' }).getByRole('row', { name: new RegExp(prenom) });
  await expect(row).toBeVisible();
  await expect(row).toContainText('0/5 pass');
});

test('an invalid pass code shows the message next to its field', async ({ page }) => {
  await login(page);
  await page.goto('/parcours/nouveau');
  // The demo conseillère holds carnets of an order: the codes are those of a carnet typed in.
  await page.waitForLoadState('networkidle');
  const ailleurs = page.getByRole('radio', { name: /Un carnet reçu d'ailleurs/ });
  if (await ailleurs.count()) await ailleurs.check();
  const good = passCode();
  // Change one character: the check character no longer matches.
  const typo = good.slice(0, 5) + (good[5] === 'B' ? 'C' : 'B') + good.slice(6);
  const field = page.getByLabel('Pass n°2', { exact: true });
  await field.fill(typo);
  await field.blur();
  const error = page.locator('#code_2-error');
  await expect(error).toContainText('Pass n°2 : Ce code de pass n\'est pas valide');
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  await field.fill('ABCD-EFGH-JK0M');
  await field.blur();
  await expect(error).toContainText('« 0 »');

  // Submitting lists every problem at the top, with links to the fields.
  await page.getByRole('button', { name: "Enregistrer l'accueil" }).click();
  const summary = page.locator('.error-summary');
  await expect(summary).toBeFocused();
  await expect(summary.getByRole('link', { name: /Prénom ou alias/ })).toBeVisible();
  await expect(summary.getByRole('link', { name: /Pass n°2/ })).toBeVisible();
  await expectAccessible(page, 'intake form with errors');
});
