// Lists of more than one page: 45 beneficiaries (and the access and ledger journal lines their
// intakes and reads write) in a structure of their own, 45 venues in Strasbourg — all written in
// this file's setup, not in the demo. Each list pages forward and back by its links, the page is
// in the address (reload and Back keep it), the count of pages is shown. Then every page of every
// role, these lists included, is read for program text left on screen by a view-macro mistake.
import { test, expect } from './fixtures';
import type { Page } from '@playwright/test';
import { expectAccessible, login } from './helpers';
import { ACCOUNTS, PUBLIC_ROUTES, Role, loginAs, routesOf, settled } from './routes';
import { SEED_PASSWORD, apiLogin, intakes, newStructure, venuesInStrasbourg } from './seed';

const BASE = `http://127.0.0.1:${Number(process.env.E2E_PORT || 8090)}`;
let coord = '';
let venues = '';

test.beforeAll(async ({ playwright }) => {
  test.setTimeout(180_000);
  venues = venuesInStrasbourg(45);
  coord = newStructure('Structure paginée').email;
  const api = await playwright.request.newContext({ baseURL: BASE });
  await apiLogin(api, coord, SEED_PASSWORD);
  const made = await intakes(api, 45, 'Paginé');
  // Each read of a person's file is a line of the access journal (the intakes already wrote
  // the ledger's journal: each carnet and its passes).
  for (const m of made) {
    expect((await api.get(`/api/v1/beneficiaires/${m.beneficiaire_id}`)).ok()).toBeTruthy();
    expect((await api.get(`/api/v1/parcours/${m.parcours_id}`)).ok()).toBeTruthy();
  }
  await api.dispose();
});

function navOf(page: Page, name: string) {
  return page.getByRole('navigation', { name });
}

test('the dashboard pages through 45 beneficiaries, the page kept in the address', async ({ page }) => {
  await login(page, coord, SEED_PASSWORD);
  const region = page.getByRole('region', { name: 'Bénéficiaires de la structure' });
  const nav = navOf(page, 'Pages de la liste des bénéficiaires');
  const rows = region.locator('tbody tr');
  await expect(region.getByText('45 bénéficiaires')).toBeVisible();
  await expect(nav).toContainText('Page 1 sur 3');
  await expect(rows).toHaveCount(20);
  const firstRow = (await rows.first().textContent()) ?? '';
  await expect(nav.getByText('Page précédente')).toHaveAttribute('aria-disabled', 'true');

  await nav.getByRole('link', { name: 'Page suivante' }).click();
  await expect(page).toHaveURL(/\/\?page=2$/);
  await expect(nav).toContainText('Page 2 sur 3');
  await expect(rows).toHaveCount(20);
  await expect(rows.first()).not.toHaveText(firstRow);
  // Focus comes back to the link followed: Enter pages on.
  await expect(nav.getByRole('link', { name: 'Page suivante' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\?page=3$/);
  await expect(nav).toContainText('Page 3 sur 3');
  await expect(rows).toHaveCount(5);
  await expect(nav.getByText('Page suivante')).toHaveAttribute('aria-disabled', 'true');
  await expect(nav.getByRole('link', { name: 'Page précédente' })).toBeFocused();
  await expectAccessible(page, 'dashboard, last page of the beneficiaries');

  await page.reload();
  await expect(nav).toContainText('Page 3 sur 3');
  await expect(rows).toHaveCount(5);
  await page.goBack();
  await expect(page).toHaveURL(/\?page=2$/);
  await expect(nav).toContainText('Page 2 sur 3');
  await nav.getByRole('link', { name: 'Page précédente' }).click();
  await expect(page).not.toHaveURL(/page=/);
  await expect(nav).toContainText('Page 1 sur 3');
  await expect(rows.first()).toHaveText(firstRow);

  // A search starts on its own first page.
  await nav.getByRole('link', { name: 'Page suivante' }).click();
  await expect(nav).toContainText('Page 2 sur 3');
  await page.getByLabel('Rechercher par prénom ou alias').fill('Paginé 4');
  await expect(region.getByText('6 bénéficiaires')).toBeVisible();
  await expect(page).not.toHaveURL(/page=/);
  await expect(nav).toHaveCount(0);
});

test('the access journal pages, the page kept in the address', async ({ page }) => {
  await login(page, coord, SEED_PASSWORD);
  await page.goto('/journal-des-acces');
  const nav = navOf(page, 'Pages du journal des accès');
  const count = page.locator('.count');
  await expect(count).toHaveText(/^\d+ consultations$/);
  const total = Number((await count.innerText()).split(' ')[0]);
  expect(total).toBeGreaterThan(90);
  const pages = Math.ceil(total / 50);
  await expect(nav).toContainText(`Page 1 sur ${pages}`);
  await expect(page.locator('tbody tr')).toHaveCount(50);
  await nav.getByRole('link', { name: 'Page suivante' }).click();
  await expect(page).toHaveURL(/\/journal-des-acces\?page=2$/);
  await expect(nav).toContainText(`Page 2 sur ${pages}`);
  await page.reload();
  await expect(nav).toContainText(`Page 2 sur ${pages}`);
  await page.goBack();
  await expect(nav).toContainText(`Page 1 sur ${pages}`);
  await page.goForward();
  await expect(nav).toContainText(`Page 2 sur ${pages}`);
  await expectAccessible(page, 'access journal, page 2');
  // A filter starts on its first page.
  await page.getByLabel('Bénéficiaire n°', { exact: true }).fill('999999');
  await expect(page).not.toHaveURL(/page=/);
  await expect(page.getByText('Aucune consultation enregistrée pour ces critères.')).toBeVisible();
});

test("the ledger's journal pages, the page kept in the address", async ({ page }) => {
  await login(page, coord, SEED_PASSWORD);
  await page.goto('/journal');
  const nav = navOf(page, 'Pages du journal des changements');
  const rows = page.locator('tbody tr');
  await expect(rows).toHaveCount(50);
  await expect(nav).toContainText('Page 1');
  const firstRow = (await rows.first().textContent()) ?? '';
  await nav.getByRole('link', { name: 'Page suivante' }).click();
  await expect(page).toHaveURL(/\/journal\?page=2$/);
  await expect(nav).toContainText('Page 2');
  await expect(rows.first()).not.toHaveText(firstRow);
  await page.reload();
  await expect(nav).toContainText('Page 2');
  await expect(rows.first()).not.toHaveText(firstRow);
  await nav.getByRole('link', { name: 'Page précédente' }).click();
  await expect(page).toHaveURL(/\/journal$/);
  await expect(rows.first()).toHaveText(firstRow);
});

test('the list beside the map pages through the venues, the page kept in the address', async ({ page }) => {
  await login(page, ACCOUNTS.admin, 'carnet-demo');
  await page.goto('/lieux');
  const nav = navOf(page, 'Pages de la liste des lieux');
  const title = page.locator('#liste-titre');
  // Once the map has drawn, the list counts the venues of the view (all of metropolitan France).
  await expect(title).toHaveText(/^\d+ lieux dans la zone affichée$/);
  const total = Number((await title.innerText()).split(' ')[0]);
  expect(total).toBeGreaterThanOrEqual(57);
  const pages = Math.ceil(total / 20);
  await expect(nav).toContainText(`Page 1 sur ${pages}`);
  const items = page.locator('.liste-lieux .lieu-item__nom');
  await expect(items).toHaveCount(20);
  const first = (await items.first().textContent()) ?? '';
  await nav.getByRole('link', { name: 'Page suivante' }).click();
  await expect(page).toHaveURL(/\/lieux\?page=2$/);
  await expect(nav).toContainText(`Page 2 sur ${pages}`);
  await expect(items.first()).not.toHaveText(first);
  const second = (await items.first().textContent()) ?? '';
  // A reload draws the map again: the list stays on page 2.
  await page.reload();
  await expect(title).toHaveText(/dans la zone affichée$/);
  await expect(nav).toContainText(`Page 2 sur ${pages}`);
  await expect(items.first()).toHaveText(second);
  await page.goBack();
  await expect(nav).toContainText(`Page 1 sur ${pages}`);
  await expect(items.first()).toHaveText(first);
  await page.goForward();
  await expect(nav).toContainText(`Page 2 sur ${pages}`);
  await expectAccessible(page, 'map and list, page 2');

  // A filter starts on its first page: the 45 venues of Strasbourg, three pages.
  await page.getByLabel('Nom, commune ou adresse').fill(venues);
  await expect(title).toHaveText('45 lieux dans la zone affichée');
  await expect(page).toHaveURL(/\/lieux$/);
  await expect(nav).toContainText('Page 1 sur 3');
  await nav.getByRole('link', { name: 'Page suivante' }).click();
  await nav.getByRole('link', { name: 'Page suivante' }).click();
  await expect(nav).toContainText('Page 3 sur 3');
  await expect(items).toHaveCount(5);
  await expect(items.first()).toContainText(venues);
});

/** Pieces of Rust that the view macro leaves on screen when it misreads an attribute
 * (`disabled=n >= pages on:click=move |_| …` ends the tag at `>` and shows the rest). */
const PROGRAM_TEXT = /\bon\s*:\s*[a-z]+\s*=|move\s*\||=>|prop\s*:\s*[a-z]|\.update\(|\.get\(\)/;

async function programText(page: Page): Promise<string | null> {
  // Every <details> opened, so that what they hold is read too.
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => ((d as HTMLDetailsElement).open = true)));
  const text = await page.locator('body').innerText();
  const m = text.match(PROGRAM_TEXT);
  if (!m) return null;
  const at = m.index ?? 0;
  return text.slice(Math.max(0, at - 60), at + 60).replace(/\s+/g, ' ');
}

test('no page of any role shows program text, lists of several pages included', async ({ page }) => {
  test.setTimeout(300_000);
  const found: string[] = [];
  let seen = 0;
  const check = async (who: string, route: string) => {
    await page.goto(route);
    await settled(page);
    seen++;
    const bad = await programText(page);
    if (bad) found.push(`${who} ${route}: …${bad}…`);
  };
  for (const route of PUBLIC_ROUTES) await check('visiteur', route);
  for (const role of Object.keys(ACCOUNTS) as Role[]) {
    await page.context().clearCookies();
    await loginAs(page, role);
    for (const route of await routesOf(page, role)) await check(role, route);
    if (role === 'admin') await check(role, '/lieux?page=2');
  }
  // The structure of 45 beneficiaries: its lists on their second page.
  await page.context().clearCookies();
  await login(page, coord, SEED_PASSWORD);
  for (const route of ['/?page=2', '/journal-des-acces?page=2', '/journal?page=2']) await check('coordinatrice (45)', route);
  expect(found).toEqual([]);
  expect(seen).toBeGreaterThan(50);
});
