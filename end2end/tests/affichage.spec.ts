// What a sighted user saw go wrong on an ordinary 1280 px screen: radio buttons glued to their
// text, bar-chart labels shrunk to 9 px in narrow cards, the coverage table cut off, selects
// showing a truncated choice, « Se déconnecter » pushed alone onto a second row, « 1 carnets ».
import { test, expect } from './fixtures';
import type { Page } from '@playwright/test';
import { login } from './helpers';
import { ACCOUNTS, Role, loginAs, routesOf, settled } from './routes';

test.use({ viewport: { width: 1280, height: 800 } });

const ROLES = Object.keys(ACCOUNTS) as Role[];

/** Selects whose chosen text does not fit their box (measured in their own font). */
async function truncatedSelects(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const ctx = document.createElement('canvas').getContext('2d')!;
    const out: string[] = [];
    for (const s of Array.from(document.querySelectorAll('select'))) {
      if (!s.getClientRects().length || s.selectedIndex < 0) continue;
      const st = getComputedStyle(s);
      ctx.font = `${st.fontWeight} ${st.fontSize} ${st.fontFamily}`;
      const text = s.options[s.selectedIndex].text;
      // The arrow takes about 24 px at the right.
      const room = s.clientWidth - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight) - 24;
      const need = ctx.measureText(text).width;
      if (need > room + 1) out.push(`#${s.id} « ${text} » (${Math.round(need)} px in ${Math.round(room)})`);
    }
    return out;
  });
}

test('every page of every role at 1280 px: no select cuts its choice, « Se déconnecter » on one line beside the name', async ({ page }) => {
  test.setTimeout(300_000);
  const problems: string[] = [];
  for (const role of ROLES) {
    await page.context().clearCookies();
    await loginAs(page, role);
    for (const route of await routesOf(page, role)) {
      await page.goto(route);
      await settled(page);
      for (const p of await truncatedSelects(page)) problems.push(`${role} ${route}: ${p}`);
    }
    await page.goto('/');
    await settled(page);
    const button = (await page.getByRole('button', { name: 'Se déconnecter' }).boundingBox())!;
    const who = (await page.locator('.who').boundingBox())!;
    if (button.height > 50) problems.push(`${role}: « Se déconnecter » on two lines (${button.height} px)`);
    if (Math.abs(button.y + button.height / 2 - (who.y + who.height / 2)) > 8)
      problems.push(`${role}: « Se déconnecter » not beside the name`);
  }
  // With five links (the conseillère), the whole header holds on one row.
  await page.context().clearCookies();
  await loginAs(page, 'conseillère');
  await page.goto('/');
  await settled(page);
  const header = (await page.locator('.site-header').boundingBox())!;
  expect(header.height, 'the header on one row').toBeLessThan(80);
  expect(problems).toEqual([]);
});

test('radio buttons stand apart from their text', async ({ page }) => {
  await login(page);
  await page.goto('/parcours/nouveau');
  await settled(page);
  // The demo conseillère holds carnets of an order: the typed carnet's radios are shown with it.
  const ailleurs = page.getByRole('radio', { name: /Un carnet reçu d'ailleurs/ });
  if (await ailleurs.count()) await ailleurs.check();
  const gaps = await page.locator('label.radio').evaluateAll((labels) =>
    labels.filter((l) => (l as HTMLElement).offsetParent !== null).map((l) => {
      const input = l.querySelector('input')!.getBoundingClientRect();
      const range = document.createRange();
      const text = Array.from(l.childNodes).find((n) => n.nodeType === 3 && n.textContent!.trim()) ?? l.lastElementChild!;
      range.selectNodeContents(text);
      const r = range.getBoundingClientRect();
      return { text: l.textContent!.trim(), gap: r.left - input.right, middle: Math.abs((r.top + r.bottom) / 2 - (input.top + input.bottom) / 2) };
    }),
  );
  expect(gaps.length).toBeGreaterThan(1);
  for (const g of gaps) {
    expect(g.gap, g.text).toBeGreaterThanOrEqual(6);
    expect(g.middle, g.text).toBeLessThan(4);
  }
});

test("the commanditaire's charts: labels at the text's size in narrow cards, not shrunk", async ({ page }) => {
  await loginAs(page, 'commanditaire');
  await page.goto('/');
  await settled(page);
  const sizes = await page.locator('.chart').evaluateAll((charts) =>
    charts.flatMap((c) =>
      Array.from(c.querySelectorAll('.barres__nom, .barres__valeur, text')).map((e) => {
        let size = parseFloat(getComputedStyle(e).fontSize);
        const svg = e.closest('svg');
        if (svg) size *= svg.getScreenCTM()?.a ?? 1;
        return { text: e.textContent!.trim(), size };
      }),
    ),
  );
  expect(sizes.length).toBeGreaterThan(3);
  for (const s of sizes) expect(s.size, s.text).toBeGreaterThanOrEqual(14);
});

test("the hub's coverage table shows all its columns at 1280 px", async ({ page }) => {
  await loginAs(page, 'hub');
  await page.goto('/lieux/couverture');
  await settled(page);
  const wrap = page.locator('.couverture .table-wrap');
  const { scroll, client } = await wrap.evaluate((w) => ({ scroll: w.scrollWidth, client: w.clientWidth }));
  expect(scroll).toBeLessThanOrEqual(client);
  await expect(wrap.getByRole('columnheader', { name: 'Tous lieux' })).toBeInViewport();
});

test('counts agree with their number: « 1 carnet », never « carnet(s) »', async ({ page }) => {
  test.setTimeout(120_000);
  const problems: string[] = [];
  for (const role of ['conseillère', 'coordinatrice', 'commanditaire', 'opérateur'] as Role[]) {
    await page.context().clearCookies();
    await loginAs(page, role);
    for (const route of await routesOf(page, role)) {
      await page.goto(route);
      await settled(page);
      const text = await page.locator('main').innerText();
      for (const m of text.match(/\b1 [a-zéèêûô]+s\b|\(s\)/g) ?? [])
        if (!/^1 (pass|mois|fois|parcours|ans?)$/.test(m)) problems.push(`${role} ${route}: « ${m} »`);
    }
  }
  expect(problems).toEqual([]);
});
