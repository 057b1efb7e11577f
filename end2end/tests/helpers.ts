import { expect, Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { serverDate } from '../horloge';

export const DEMO_EMAIL = 'camille@demo.carnet.fr';
export const DEMO_PASSWORD = 'carnet-demo';

export async function login(page: Page, email = DEMO_EMAIL, password = DEMO_PASSWORD) {
  await page.goto('/connexion');
  await page.getByLabel('Adresse e-mail').fill(email);
  await page.getByLabel('Mot de passe').fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page.getByRole('heading', { level: 1, name: /Bonjour/ })).toBeVisible();
}

/** Fails on any serious or critical accessibility violation found by axe-core. */
export async function expectAccessible(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const summary = bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(summary, `axe violations on ${what}`).toEqual([]);
}

// --- pass codes, in the app's format: 12 characters, the last a Luhn mod 30 check character.
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ234567';

function checkChar(body: number[]): number {
  let factor = 2;
  let sum = 0;
  for (let i = body.length - 1; i >= 0; i--) {
    const addend = factor * body[i];
    sum += Math.floor(addend / 30) + (addend % 30);
    factor = factor === 2 ? 1 : 2;
  }
  return (30 - (sum % 30)) % 30;
}

/** A fresh valid pass code, shown as XXXX-XXXX-XXXX. */
export function passCode(): string {
  const body = Array.from({ length: 11 }, () => Math.floor(Math.random() * 30));
  const all = [...body, checkChar(body)].map((v) => ALPHABET[v]).join('');
  return `${all.slice(0, 4)}-${all.slice(4, 8)}-${all.slice(8)}`;
}

/** The server's date (see horloge.ts) `offsetDays` on, as YYYY-MM-DD. */
export function isoDate(offsetDays: number): string {
  return serverDate(offsetDays);
}

/**
 * From the parcours page to its planning, quickly: the diagnostic in quick mode (the pack
 * « Compétences de base », one level for every competence it aims at), then the objectives as
 * proposed.
 */
export async function diagnosticRapideJusquAuPlanning(page: Page, prenom: string) {
  await page.getByRole('link', { name: 'Reprendre : Diagnostic' }).click();
  await page.getByLabel('Mode rapide : pack envisagé').selectOption({ label: 'Compétences de base' });
  const visees = page.locator('section.panel--accent fieldset.niveau');
  await expect(page.getByRole('heading', { name: 'Les compétences visées par le pack' })).toBeVisible();
  await expect(visees.first()).toBeVisible();
  for (let i = 0; i < (await visees.count()); i++) {
    await visees.nth(i).getByLabel('Avec guidage', { exact: true }).check();
  }
  await page.getByRole('button', { name: 'Enregistrer et choisir les objectifs' }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Objectifs — ${prenom}` })).toBeVisible();
  await page.getByRole('button', { name: 'Enregistrer et établir le planning' }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Planning — ${prenom}` })).toBeVisible();
}

/** Fills the intake form for a carnet of `n` passes (codes pasted at once) and saves it. */
export async function createParcours(page: Page, prenom: string, n: 5 | 10 = 5): Promise<string[]> {
  await page.goto('/parcours/nouveau');
  await expect(page.getByRole('heading', { level: 1, name: /Nouveau parcours/ })).toBeVisible();
  // A conseillère holding carnets from an order is offered one of them first: this helper types
  // a carnet received elsewhere.
  await page.waitForLoadState('networkidle');
  const ailleurs = page.getByRole('radio', { name: /Un carnet reçu d'ailleurs/ });
  if (await ailleurs.count()) await ailleurs.check();
  await page.getByLabel('Prénom ou alias').fill(prenom);
  await page.getByLabel('Année de naissance').fill('1958');
  const commune = page.getByRole('combobox', { name: 'Commune de résidence' });
  await commune.fill('brest');
  await page.getByRole('option', { name: 'Brest (29200)' }).click();
  await expect(commune).toHaveValue(/Brest \(/);
  await page.getByLabel('Numéro du carnet').fill(`CN-${Date.now()}`);
  await page.getByLabel('Fin de validité').fill(isoDate(180));
  if (n === 10) await page.getByLabel('10 pass').check();
  const codes = Array.from({ length: n }, passCode);
  const first = page.getByLabel('Pass n°1', { exact: true });
  await first.focus();
  await pasteInto(page, 'code_1', codes.join('\n'));
  await expect(page.getByLabel(`Pass n°${n}`, { exact: true })).toHaveValue(codes[n - 1]);
  await page.getByLabel(/Commanditaire/).fill('Brest métropole');
  await page.getByLabel(/Remis par/).selectOption('mairie');
  await page.getByLabel(/La notice a été remise ou lue/).check();
  await page.getByRole('button', { name: "Enregistrer l'accueil" }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Parcours de ${prenom}` })).toBeVisible();
  return codes;
}

/** Dispatches a real paste event carrying `text` on the input with this id. */
export async function pasteInto(page: Page, id: string, text: string) {
  await page.evaluate(
    ({ id, text }) => {
      const input = document.getElementById(id)!;
      const data = new DataTransfer();
      data.setData('text', text);
      input.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    },
    { id, text },
  );
}

// --- accounts: demo accounts beside the conseillère, and the e-mails the server writes.
export const COORD_EMAIL = 'dominique@demo.carnet.fr';
export const ADMIN_EMAIL = 'admin@demo.carnet.fr';

/** The one-time link of the latest e-mail sent to `to` (waits up to 10 s for it). */
export async function linkFromMail(to: string, after = 0): Promise<string> {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const port = Number(process.env.E2E_PORT || 8090);
  const target = process.env.CARGO_TARGET_DIR || '../target';
  const dir = `${target}/e2e-${port}-mails`;
  for (let i = 0; i < 100; i++) {
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => !f.startsWith('.')).sort() : [];
    const mine = files
      .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
      .filter((text) => text.startsWith(`To: ${to}\n`));
    if (mine.length > after) {
      const match = mine[mine.length - 1].match(/https?:\/\/\S+#jeton=[A-Za-z0-9_-]+/);
      if (match) return match[0];
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no e-mail with a link for ${to}`);
}

/** The server's « today » in Paris as YYYY-MM-DD (its clock is set: horloge.ts). */
export function parisToday(): string {
  return serverDate(0);
}

function easter(year: number): Date {
  // Anonymous Gregorian algorithm (Meeus/Jones/Butcher).
  const a = year % 19, b = Math.floor(year / 100), c = year % 100, d = Math.floor(b / 4), e = b % 4;
  const f = Math.floor((b + 8) / 25), g = Math.floor((b - f + 1) / 3), h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4), k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7, m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31), day = ((h + l - 7 * m + 114) % 31) + 1;
  return new Date(Date.UTC(year, month - 1, day));
}

function isHoliday(d: Date): boolean {
  const md = `${d.getUTCMonth() + 1}-${d.getUTCDate()}`;
  if (['1-1', '5-1', '5-8', '7-14', '8-15', '11-1', '11-11', '12-25'].includes(md)) return true;
  const e = easter(d.getUTCFullYear()).getTime();
  return [1, 39, 50].some((n) => e + n * 86_400_000 === d.getTime());
}

/** The first working day (not a weekend, not a public holiday) after today in Paris. */
export function nextWorkingDay(): string {
  const d = new Date(`${parisToday()}T00:00:00Z`);
  do d.setUTCDate(d.getUTCDate() + 1);
  while (d.getUTCDay() === 0 || d.getUTCDay() === 6 || isHoliday(d));
  return d.toISOString().slice(0, 10);
}
