// For people who use a keyboard or a screen reader: a title of its own on every page, the focus
// on the page's h1 after a route change with the title announced, the skip link, the error
// summary's links, a refused pass code, and confirmations that are announced and focused.
import { test, expect } from './fixtures';
import type { Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { createParcours, login } from './helpers';
import { ACCOUNTS, PUBLIC_ROUTES, Role, loginAs, routesOf, settled } from './routes';

const ROLES = Object.keys(ACCOUNTS) as Role[];

async function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const a = document.activeElement;
    if (!a || a === document.body) return 'body';
    return `${a.tagName.toLowerCase()}${a.id ? '#' + a.id : ''} « ${(a.textContent || '').trim().slice(0, 60)} »`;
  });
}

/** The text of the live region that announces a new page. */
function announcer(page: Page) {
  return page.locator('p.visually-hidden[aria-live="polite"]').first();
}

test('every page of every role has a title of its own, naming it', async ({ page }) => {
  test.setTimeout(300_000);
  const problems: string[] = [];
  const read = async (who: string, route: string, titles: Map<string, string>) => {
    await page.goto(route);
    await settled(page);
    const h1 = (await page.locator('h1').first().innerText()).trim();
    await expect.poll(() => page.title(), { message: `${who} ${route}` }).not.toBe('Carnet');
    const title = await page.title();
    if (!title.endsWith(' — Carnet')) problems.push(`${who} ${route}: « ${title} »`);
    if (title.startsWith('Erreur')) problems.push(`${who} ${route}: an error on arrival « ${title} »`);
    const other = titles.get(title);
    if (other) problems.push(`${who}: « ${title} » for ${other} and ${route}`);
    titles.set(title, route);
    test.info().annotations.push({ type: 'title', description: `${who} ${route} → « ${title} » (h1 « ${h1} »)` });
  };
  const publics = new Map<string, string>();
  for (const route of PUBLIC_ROUTES) await read('visiteur', route, publics);
  let n = PUBLIC_ROUTES.length;
  for (const role of ROLES) {
    await page.context().clearCookies();
    await loginAs(page, role);
    const titles = new Map<string, string>();
    const routes = await routesOf(page, role);
    for (const route of routes) await read(role, route, titles);
    n += routes.length;
  }
  expect(problems).toEqual([]);
  expect(n).toBeGreaterThan(50);
});

test("a session's tab is titled with its number and the person", async ({ page }) => {
  await loginAs(page, 'conseillère');
  const d = await (await page.request.get('/api/v1/parcours/1')).json();
  const s = d.seances.find((x: any) => x.numero === 2);
  await page.goto(`/parcours/1/seances/${s.id}`);
  await settled(page);
  await expect(page).toHaveTitle(`Séance 2 sur ${d.carnet.nb_passes} — ${d.beneficiaire.prenom} — Carnet`);
});

test('after a route change the focus is on the h1 and the new title is announced', async ({ page }) => {
  await login(page);
  // The first page loaded keeps the focus at the top: the skip link comes first.
  await page.goto('/');
  await settled(page);
  expect(await focused(page)).toBe('body');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Aller au contenu' })).toBeFocused();

  // From the main navigation, by keyboard.
  await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Lieux' }).focus();
  await page.keyboard.press('Enter');
  const h1 = page.getByRole('heading', { level: 1, name: 'Lieux de médiation numérique' });
  await expect(h1).toBeFocused();
  await expect(page).toHaveTitle('Lieux de médiation numérique — Carnet');
  await expect(announcer(page)).toHaveText('Lieux de médiation numérique — Carnet');

  // From a link inside the page (the page is drawn anew, the link is gone).
  await page.getByRole('link', { name: "Lieux candidats à l'agrément" }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: "Lieux candidats à l'agrément" })).toBeFocused();
  await expect(announcer(page)).toHaveText("Lieux candidats à l'agrément — Carnet");

  // Back is a route change too.
  await page.goBack();
  await expect(h1).toBeFocused();
});

test('the skip link moves the focus to the main content', async ({ page }) => {
  await login(page);
  await page.goto('/parcours/nouveau');
  await settled(page);
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Aller au contenu' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await page.keyboard.press('Enter');
  await expect(page.locator('main#contenu')).toBeFocused();
  // The next Tab is inside the page, past the header and its navigation.
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => !!document.activeElement?.closest('main'))).toBe(true);

  // The same on a page without the staff header.
  await page.context().clearCookies();
  await page.goto('/connexion');
  await settled(page);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await expect(page.locator('main#contenu')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Adresse e-mail')).toBeFocused();
});

test("an error summary's links put the focus in their field; the title says there is an error", async ({ page }) => {
  await login(page);
  await page.goto('/parcours/nouveau');
  await settled(page);
  await expect(page).toHaveTitle('Nouveau parcours : accueil — Carnet');
  // The demo conseillère holds carnets of an order: the typed carnet's fields are the ones read here.
  const ailleurs = page.getByRole('radio', { name: /Un carnet reçu d'ailleurs/ });
  if (await ailleurs.count()) await ailleurs.check();
  await page.getByRole('button', { name: "Enregistrer l'accueil" }).click();
  const summary = page.locator('.error-summary');
  await expect(summary).toBeFocused();
  await expect(page).toHaveTitle('Erreur : Nouveau parcours : accueil — Carnet');
  // A text field.
  await summary.getByRole('link', { name: /Pass n°1/ }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('Pass n°1', { exact: true })).toBeFocused();
  // A field and a group of choices.
  await summary.getByRole('link', { name: /Prénom ou alias/ }).click();
  await expect(page.getByLabel('Prénom ou alias')).toBeFocused();
  const group = summary.getByRole('link', { name: /Remis par|canal/i }).first();
  if (await group.count()) {
    await group.click();
    expect(await page.evaluate(() => ['INPUT', 'SELECT', 'TEXTAREA'].includes(document.activeElement?.tagName ?? ''))).toBe(true);
  }
});

test('a refused login names the problem without an empty list; the title says there is an error', async ({ page }) => {
  await page.goto('/connexion');
  await page.getByLabel('Adresse e-mail').fill(ACCOUNTS.conseillère);
  await page.getByLabel('Mot de passe').fill('pas-le-bon');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('Adresse e-mail ou mot de passe incorrect.');
  await expect(alert.locator('ul')).toHaveCount(0);
  await expect(page).toHaveTitle('Erreur : Connexion — Carnet');
});

test('a refused pass code keeps the focus in the code field and is announced', async ({ page }) => {
  await login(page);
  // A planned session of the demo's parcours in progress: a refused code changes nothing.
  const d = await (await page.request.get('/api/v1/parcours/1')).json();
  const s = d.seances.find((x: any) => x.statut === 'prevue');
  await page.goto(`/parcours/1/seances/${s.id}`);
  const code = page.getByLabel('Code du pass (obligatoire)');
  const form = page.locator('form', { has: page.getByRole('heading', { name: 'La séance a eu lieu : valider le pass' }) });
  // A code with a wrong check character, typed then Enter (as a scanner does).
  await code.fill('ABCD-EFGH-JKLM');
  await code.press('Enter');
  const alert = form.getByRole('alert');
  await expect(alert).toContainText("Le pass n'a pas été validé.");
  await expect(code).toBeFocused();
  await expect(page).toHaveTitle(/^Erreur : Séance \d sur \d+ — /);
  // The same with the button: the focus goes back to the code, selected for the next scan.
  await form.getByRole('button', { name: 'Valider le pass' }).click();
  await expect(alert).toContainText("Le pass n'a pas été validé.");
  await expect(code).toBeFocused();
  expect(await code.evaluate((i: HTMLInputElement) => i.selectionEnd! - i.selectionStart!)).toBe(14);
});

test("saving a session's report: the confirmation is announced and has the focus", async ({ page }) => {
  await login(page);
  const d = await (await page.request.get('/api/v1/parcours/1')).json();
  const s = d.seances.find((x: any) => x.statut === 'tenue');
  await page.goto(`/parcours/1/seances/${s.id}`);
  await page.getByRole('button', { name: 'Enregistrer le compte rendu' }).click();
  const done = page.getByRole('status').filter({ hasText: /^Compte rendu enregistré à \d\dh\d\d\.$/ });
  await expect(done).toBeVisible();
  await expect(done).toBeFocused();
});

test('creating and deactivating a personal link: each confirmation is announced and has the focus', async ({ page }) => {
  await login(page);
  await createParcours(page, `Lien ${Date.now() % 100000}`, 5);
  const panel = page.getByRole('region', { name: 'Lien personnel' });
  await panel.getByRole('button', { name: 'Créer le lien personnel' }).click();
  const created = panel.getByRole('status').filter({ hasText: 'Lien personnel créé' });
  await expect(created).toBeFocused();
  await panel.getByRole('button', { name: 'Désactiver le lien' }).click();
  await panel.getByRole('button', { name: 'Désactiver', exact: true }).click();
  const off = panel.getByRole('status').filter({ hasText: 'Lien personnel désactivé' });
  await expect(off).toBeFocused();
  await expect(panel.getByText('Pas de lien actif.')).toBeVisible();
});

/** Contrast ratio of two CSS colours `rgb(…)`/`rgba(…)` (WCAG relative luminance). */
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = (c.match(/[\d.]+/g) ?? ['0', '0', '0']).slice(0, 3).map(Number).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** Tabs through `count` stops and reads, for each, the ring drawn around it and what it sits on. */
async function rings(page: Page, count: number) {
  const out: { what: string; style: string; width: number; color: string; behind: string }[] = [];
  for (let i = 0; i < count; i++) {
    await page.keyboard.press('Tab');
    out.push(
      await page.evaluate(() => {
        let el = document.activeElement as HTMLElement;
        const what = `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} « ${(el.textContent || (el as HTMLInputElement).value || '').trim().slice(0, 40)} »`;
        // The ring may be drawn by a wrapper (a radio's pill label).
        let st = getComputedStyle(el);
        for (let p: HTMLElement | null = el; p && st.outlineStyle === 'none'; p = p.parentElement) {
          st = getComputedStyle(p);
          el = p;
        }
        // The ring lies outside the element (offset 2 px): on the first painted background behind it.
        let behind = 'rgb(255, 255, 255)';
        for (let p = el.parentElement; p; p = p.parentElement) {
          const bg = getComputedStyle(p).backgroundColor;
          if (bg && !bg.startsWith('rgba(0, 0, 0, 0)') && bg !== 'transparent') {
            behind = bg;
            break;
          }
        }
        return { what, style: st.outlineStyle, width: parseFloat(st.outlineWidth), color: st.outlineColor, behind };
      }),
    );
  }
  return out;
}

test('the focus ring is visible and contrasts 3:1 with what it sits on (header, white, panels), date fields included', async ({ page }) => {
  await login(page);
  const problems: string[] = [];
  const check = (where: string, seen: Awaited<ReturnType<typeof rings>>) => {
    for (const r of seen) {
      const ratio = contrast(r.color, r.behind);
      if (r.style === 'none' || r.width < 2 || ratio < 3)
        problems.push(`${where} ${r.what}: ${r.style} ${r.width}px ${r.color} on ${r.behind} (${ratio.toFixed(2)}:1)`);
    }
  };
  // The header and the dashboard (white).
  await page.goto('/');
  await settled(page);
  check('/', await rings(page, 12));
  // The diagnostic's panels (the pack's competences on a light blue panel) and its radio pills,
  // on a parcours of its own (choosing a pack saves it).
  await createParcours(page, `Anneau ${Date.now() % 100000}`, 5);
  await page.goto(page.url().replace(/\/?$/, '/diagnostic'));
  await settled(page);
  await page.locator('#pack').selectOption({ index: 1 });
  await page.locator('section.panel--accent input[type="radio"]').first().focus();
  check('diagnostic', await rings(page, 6));
  // A date field: the ring is on the field, whatever part of it has the focus.
  await page.goto('/parcours/nouveau');
  await settled(page);
  const ailleurs = page.getByRole('radio', { name: /Un carnet reçu d'ailleurs/ });
  if (await ailleurs.count()) await ailleurs.check();
  const date = page.locator('input[type="date"]').first();
  await date.focus();
  const d = await date.evaluate((e) => {
    const st = getComputedStyle(e);
    return { style: st.outlineStyle, width: parseFloat(st.outlineWidth), color: st.outlineColor };
  });
  check('/parcours/nouveau', [{ what: 'input[type=date]', ...d, behind: 'rgb(255, 255, 255)' }]);
  expect(problems).toEqual([]);
});

/** What a screen reader's list of headings and landmarks would trip on, on the page shown. */
async function structureProblems(page: Page): Promise<string[]> {
  const out = await page.evaluate(() => {
    const problems: string[] = [];
    const visible = (e: Element) => !!(e as HTMLElement).offsetParent || getComputedStyle(e).position === 'fixed';
    // Heading levels go down one at a time (h1 → h2 → h3), starting at the h1.
    let previous = 0;
    for (const h of Array.from(document.querySelectorAll('main h1, main h2, main h3, main h4, main h5, main h6'))) {
      if (!visible(h) && !h.closest('details')) continue;
      const level = Number(h.tagName[1]);
      if (level > previous + 1) problems.push(`h${previous || '-'} → ${h.tagName.toLowerCase()} « ${(h.textContent || '').trim().slice(0, 50)} »`);
      previous = level;
    }
    // A status region is a message, not a block of links or buttons shown on arrival (a hidden
    // region that will carry a confirmation is fine).
    for (const s of Array.from(document.querySelectorAll('[role="status"]'))) {
      if (s.getClientRects().length && s.querySelector('a, button')) problems.push(`role=status around links: « ${(s.textContent || '').trim().slice(0, 60)} »`);
    }
    return problems;
  });
  // The disclosure triangles are drawn, not read.
  const tree = await page.locator('main').ariaSnapshot();
  if (/[▸▾]/.test(tree)) out.push(`a triangle read aloud: ${tree.split('\n').find((l) => /[▸▾]/.test(l))?.trim()}`);
  return out;
}

test('every page: no skipped heading level, no triangle in a name, status regions only for messages', async ({ page }) => {
  test.setTimeout(300_000);
  const problems: string[] = [];
  for (const route of PUBLIC_ROUTES) {
    await page.goto(route);
    await settled(page);
    for (const p of await structureProblems(page)) problems.push(`visiteur ${route}: ${p}`);
  }
  for (const role of ROLES) {
    await page.context().clearCookies();
    await loginAs(page, role);
    for (const route of await routesOf(page, role)) {
      await page.goto(route);
      await settled(page);
      // Closed sections too: their headings and names are in the page.
      for (const p of await structureProblems(page)) problems.push(`${role} ${route}: ${p}`);
    }
  }
  expect(problems).toEqual([]);
});

test("the stepper's current link says so; each target level is named with its objective", async ({ page }) => {
  await login(page);
  await page.goto('/parcours/1/objectifs');
  await settled(page);
  const current = page.getByRole('navigation', { name: 'Étapes du parcours' }).locator('[aria-current="step"]');
  await expect(current).toHaveCount(1);
  await expect(current).toHaveJSProperty('tagName', 'A');
  await expect(current).toContainText('Objectifs');
  const niveaux = page.locator('select[id$="-niveau"]');
  const n = await niveaux.count();
  expect(n).toBeGreaterThan(0);
  const names = new Set<string>();
  for (let i = 0; i < n; i++) {
    const id = await niveaux.nth(i).getAttribute('id');
    const name = await page.locator(`label[for="${id}"]`).innerText();
    const competence = await page.locator(`#${id!.replace(/-niveau$/, '-competence')} option:checked`).innerText();
    const named = page.getByRole('combobox', { name: `Niveau à atteindre : objectif n°${i + 1}, ${competence}` });
    await expect(named, name).toHaveCount(1);
    names.add(name);
  }
  expect(names.size).toBe(n);
});

/** What does not fit a 320 px screen: the page's overflow and the elements sticking out (outside
 * any scrolling box), then chart text under 12 px. */
async function narrowProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const width = document.documentElement.clientWidth;
    const extra = document.documentElement.scrollWidth - width;
    if (extra > 0) {
      const culprits: string[] = [];
      for (const el of Array.from(document.querySelectorAll('body *'))) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.right <= width + 0.5) continue;
        // Inside a box that scrolls on its own (a table's wrapper), or a child of a culprit already named.
        let p = el.parentElement;
        let inside = false;
        for (; p && p !== document.body; p = p.parentElement) {
          const o = getComputedStyle(p).overflowX;
          if (o === 'auto' || o === 'scroll' || o === 'hidden' || p.getBoundingClientRect().right > width + 0.5) {
            inside = true;
            break;
          }
        }
        if (inside) continue;
        const cls = typeof el.className === 'string' && el.className ? '.' + el.className.split(' ')[0] : '';
        culprits.push(`${el.tagName.toLowerCase()}${cls} « ${(el.textContent || '').trim().slice(0, 30)} » (${Math.round(r.right)} px)`);
      }
      out.push(`+${extra} px: ${culprits.slice(0, 4).join(', ')}`);
    }
    for (const el of Array.from(document.querySelectorAll('.chart *, .chart'))) {
      const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent!.trim());
      if (!own || !(el as HTMLElement).getClientRects().length) continue;
      let size = parseFloat(getComputedStyle(el).fontSize);
      const svg = (el as Element).closest('svg');
      if (svg) size *= svg.getScreenCTM()?.a ?? 1;
      if (size < 11.95) out.push(`chart text ${size.toFixed(1)} px: « ${el.textContent!.trim().slice(0, 30)} »`);
    }
    return out;
  });
}

test('at 320 px wide, every page of every role: no horizontal scroll, chart text 12 px or more, axe clean', async ({ page }) => {
  test.setTimeout(600_000);
  await page.setViewportSize({ width: 320, height: 640 });
  const problems: string[] = [];
  let n = 0;
  const check = async (who: string, route: string) => {
    await page.goto(route);
    await settled(page);
    for (const p of await narrowProblems(page)) problems.push(`${who} ${route}: ${p}`);
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    for (const v of results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'))
      problems.push(`${who} ${route}: axe ${v.id} (${v.impact}) ${v.nodes.map((x) => x.target.join(' ')).slice(0, 3).join(', ')}`);
    n++;
  };
  for (const route of [...PUBLIC_ROUTES, '/espace/']) await check('visiteur', route);
  for (const role of ROLES) {
    await page.context().clearCookies();
    await loginAs(page, role);
    for (const route of await routesOf(page, role)) await check(role, route);
  }
  test.info().annotations.push({ type: 'pages', description: `${n} pages read at 320 px` });
  expect(problems).toEqual([]);
  expect(n).toBeGreaterThan(50);
});
