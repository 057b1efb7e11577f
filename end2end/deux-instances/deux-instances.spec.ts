// Two instances on one PostgreSQL database: a conseillère logs in on A, prepares a parcours there,
// holds its first session on B, and sees the pass consumed on A's dashboard; a hub makes a venue
// accept the Pass on A, and B's map shows it within seconds (each instance keeps its own map index
// and rebuilds it when the database's venue version moves).
import { test, expect } from '../tests/fixtures';
import { login, createParcours, diagnosticRapideJusquAuPlanning, nextWorkingDay, parisToday, DEMO_PASSWORD } from '../tests/helpers';
import { PORT_A, PORT_B } from '../playwright.deux-instances.config';

const A = `http://127.0.0.1:${PORT_A}`;
const B = `http://127.0.0.1:${PORT_B}`;

test('a session held on instance B shows on instance A, a venue changed on A shows on B', async ({ page }) => {
  test.setTimeout(180_000);
  await login(page);
  const prenom = `Yvette ${Date.now() % 100000}`;
  const codes = await createParcours(page, prenom, 5);
  const id = page.url().match(/\/parcours\/(\d+)/)![1];

  // Diagnostic and objectives on A, quickly.
  await diagnosticRapideJusquAuPlanning(page, prenom);

  // The planning and the first session on B: same login (the session lives in the database).
  await page.goto(`${B}/parcours/${id}/planning`);
  await expect(page.getByRole('heading', { level: 1, name: `Planning — ${prenom}` })).toBeVisible();
  await page.getByLabel('Hebdomadaire').check();
  await page.getByLabel('Date de la séance 2 (obligatoire)').fill(nextWorkingDay());
  await page.getByLabel('Heure (obligatoire)').fill('10:00');
  await page.getByRole('button', { name: 'Proposer les dates' }).click();
  await expect(page.getByLabel('Date de la séance 1', { exact: true })).toHaveValue(parisToday());
  await page.getByRole('button', { name: 'Enregistrer le planning' }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Séances — ${prenom}` })).toBeVisible();
  expect(new URL(page.url()).port).toBe(String(PORT_B));
  const planned = page.locator('li.seance').filter({ has: page.locator('.badge', { hasText: /^Prévue$/ }) });
  await planned.first().getByRole('link').click();
  const form = page.locator('form', { has: page.getByRole('heading', { name: 'La séance a eu lieu : valider le pass' }) });
  await form.getByLabel('Code du pass (obligatoire)').fill(codes[0]);
  await form.getByRole('button', { name: 'Valider le pass' }).click();
  await expect(page.getByText('Pass n°1 validé')).toBeVisible();

  // Back on A: its dashboard reads the pass consumed on B.
  await page.goto(`${A}/`);
  await expect(page.getByRole('heading', { level: 1, name: /Bonjour/ })).toBeVisible();
  // (Its agenda lists the person too: the row of the beneficiaries' table is the one with the progress.)
  await expect(page.getByRole('row').filter({ hasText: prenom }).filter({ hasText: 'En cours : 1/5 pass utilisés' })).toBeVisible();
  await page.getByRole('button', { name: 'Se déconnecter' }).click();

  // A hub makes a venue of its territory accept the Pass on A; B's map has it.
  await login(page, 'hub@demo.carnet.fr', DEMO_PASSWORD);
  const reponse = await page.request.get(`${A}/api/v1/lieux?departement=29`);
  expect(reponse.status()).toBe(200);
  const lieu = ((await reponse.json()).items as { id: number; nom: string; accepte_pass: boolean }[]).find((l) => !l.accepte_pass)!;
  expect(lieu, 'a venue of the Finistère that does not accept the Pass yet').toBeTruthy();
  // B has built its map index before the change: the change must reach an index already there.
  await page.goto(`${B}/lieux`);
  await page.getByLabel('Accepte le Pass numérique').check();
  await page.getByLabel('Nom, commune ou adresse').fill(lieu.nom);
  await expect(page.getByRole('status').filter({ hasText: /^0 lieu correspond aux filtres/ })).toBeVisible();

  await page.goto(`${A}/lieux/${lieu.id}`);
  await expect(page.getByRole('heading', { level: 1, name: lieu.nom })).toBeVisible();
  await page.getByLabel('Ce lieu accepte le Pass numérique').check();
  await page.getByLabel("Opérateur qui l'a agréé").fill('Hub Bretagne');
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await expect(page.getByText(/Ce lieu accepte le Pass numérique/).first()).toBeVisible();

  await page.goto(`${B}/lieux`);
  await page.getByLabel('Accepte le Pass numérique').check();
  await page.getByLabel('Nom, commune ou adresse').fill(lieu.nom);
  await expect(page.locator('.liste-lieux .lieu-item__nom').filter({ hasText: lieu.nom }).first()).toBeVisible();
});
