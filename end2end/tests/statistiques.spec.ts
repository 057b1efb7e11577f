// The statistics page of the demo coordinatrice: reached from the navigation, a quick period,
// the monthly chart with its table of the same numbers, and the activities spreadsheet.
import { test, expect } from './fixtures';
import { expectAccessible, login, COORD_EMAIL } from './helpers';

test('statistics: filters, a chart and its table, the spreadsheet', async ({ page }) => {
  await login(page, COORD_EMAIL);
  await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Statistiques' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Statistiques d’activité' })).toBeVisible();

  await page.getByRole('button', { name: '12 derniers mois' }).click();
  await expect(page).toHaveURL(/du=\d{4}-\d{2}-01&au=\d{4}-\d{2}-\d{2}/);
  const titre = 'Nombre d’accompagnements par mois (12 derniers mois)';
  const graphique = page.getByRole('img', { name: new RegExp(`^${titre.replace(/[()]/g, '\\$&')} : \\d+ au total`) });
  await expect(graphique).toBeVisible();
  const tableau = page.getByRole('region', { name: `Tableau : ${titre}` });
  await expect(tableau.getByRole('row')).toHaveCount(13);
  // The chart and the table say the same: the total in the chart's name is the table's sum.
  const nom = (await graphique.getAttribute('aria-label')) ?? '';
  const total = Number(/: (\d+) au total/.exec(nom)?.[1]);
  const cellules = await tableau.locator('tbody td').allTextContents();
  expect(cellules.map(Number).reduce((a, b) => a + b, 0)).toBe(total);
  await expect(page.getByRole('region', { name: 'Tableau : Canaux des activités' }).or(page.getByText('Aucun accompagnement sur cette période'))).toBeVisible();
  await expectAccessible(page, 'statistics page');

  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Télécharger les activités (.xlsx)' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^carnet_accompagnements_\d{4}-\d{2}-\d{2}\.xlsx$/);
  const chemin = await file.path();
  const fs = await import('node:fs');
  // An .xlsx is a zip file: it starts with « PK ».
  expect(fs.readFileSync(chemin!).subarray(0, 2).toString()).toBe('PK');
});
