// A whole parcours with the keyboard only — Tab, Enter, Space, arrows and typing — as a conseillère
// who cannot use a mouse works: log in, intake, diagnostic, objectives, planning, hold a session,
// write its report. No click, no fill, no focus() from the test: only key presses. The number of
// Tab presses to each main action is counted and printed; a step that cannot be reached within
// the limit fails the test.
import { test, expect } from './fixtures';
import type { Locator, Page } from '@playwright/test';
import { COORD_EMAIL, DEMO_PASSWORD, isoDate, nextWorkingDay, passCode } from './helpers';

/** Most Tab presses accepted to reach one control from the previous one. */
const MAX_TABS = 80;

class Clavier {
  readonly tabs: [string, number][] = [];
  private n = 0;

  constructor(private page: Page) {}

  /** Presses Tab until the focus is on (one of) `cible`, counting the presses. */
  async vers(cible: Locator, quoi: string): Promise<void> {
    for (let i = 0; i <= MAX_TABS; i++) {
      const la = await cible.evaluateAll((els) => els.includes(document.activeElement as Element)).catch(() => false);
      if (la) return;
      if (i === MAX_TABS) break;
      await this.page.keyboard.press('Tab');
      this.n++;
    }
    const ou = await this.page.evaluate(() => {
      const a = document.activeElement;
      return a ? `${a.tagName.toLowerCase()}#${a.id} « ${(a.textContent || '').trim().slice(0, 40)} »` : 'rien';
    });
    throw new Error(`${quoi} : pas atteint en ${MAX_TABS} Tab (le focus est sur ${ou})`);
  }

  async taper(cible: Locator, quoi: string, texte: string): Promise<void> {
    await this.vers(cible, quoi);
    await this.page.keyboard.type(texte);
  }

  /** A date field, typed as a French keyboard user does: day, month, year. Chromium orders the
   * field's parts by its own interface language: when it put the month first, the person goes
   * back to the first part (Shift+Tab twice), erases it and types month, day and year. */
  async date(cible: Locator, quoi: string, iso: string): Promise<void> {
    const [a, m, j] = iso.split('-');
    await this.taper(cible, quoi, `${j}${m}${a}`);
    if ((await cible.inputValue()) !== iso) {
      await this.page.keyboard.press('Shift+Tab');
      await this.page.keyboard.press('Shift+Tab');
      await this.page.keyboard.press('Backspace');
      await this.page.keyboard.type(`${m}${j}${a}`);
    }
    await expect(cible).toHaveValue(iso);
  }

  /** A time field: hours and minutes, and « AM » for an interface that counts in 12 hours. */
  async heure(cible: Locator, quoi: string, hhmm: string): Promise<void> {
    await this.taper(cible, quoi, hhmm.replace(':', ''));
    if ((await cible.inputValue()) !== hhmm) await this.page.keyboard.type(Number(hhmm.slice(0, 2)) < 12 ? 'A' : 'P');
    await expect(cible).toHaveValue(hhmm);
  }

  /** Into a radio group, then arrows until `choix` is checked. */
  async radio(groupe: Locator, choix: Locator, quoi: string): Promise<void> {
    await this.vers(groupe, quoi);
    for (let i = 0; i < 12 && !(await choix.isChecked()); i++) await this.page.keyboard.press('ArrowDown');
    if (!(await choix.isChecked())) await this.page.keyboard.press('Space');
    await expect(choix).toBeChecked();
  }

  /** Tab to the main action of a step, press it (Enter), and record the Tabs it took. */
  async action(cible: Locator, quoi: string): Promise<void> {
    await this.vers(cible, quoi);
    await this.page.keyboard.press('Enter');
    this.tabs.push([quoi, this.n]);
    this.n = 0;
  }
}

test('a whole parcours with the keyboard only, Tabs counted to each main action', async ({ page }) => {
  test.setTimeout(240_000);
  const k = new Clavier(page);
  const prenom = `Clavier ${Date.now() % 100000}`;

  // --- Log in.
  await page.goto('/connexion');
  await k.taper(page.getByLabel('Adresse e-mail'), 'e-mail', COORD_EMAIL);
  await k.taper(page.getByLabel('Mot de passe'), 'mot de passe', DEMO_PASSWORD);
  await k.action(page.getByRole('button', { name: 'Se connecter' }), 'Se connecter');
  await expect(page.getByRole('heading', { level: 1, name: /Bonjour/ })).toBeFocused();

  // --- Intake, from the dashboard's button (the focus is on its h1).
  await k.action(page.getByRole('main').getByRole('link', { name: 'Nouveau parcours' }), 'Nouveau parcours');
  await expect(page.getByRole('heading', { level: 1, name: /Nouveau parcours/ })).toBeFocused();
  await page.waitForLoadState('networkidle');
  const ailleurs = page.getByRole('radio', { name: /Un carnet reçu d'ailleurs/ });
  // An account holding carnets of an order is offered one of them first; this one was received elsewhere.
  if (await ailleurs.count()) await k.radio(page.locator('input[type=radio][name="origine"]'), ailleurs, "carnet reçu d'ailleurs");
  await k.taper(page.getByLabel('Prénom ou alias'), 'prénom', prenom);
  await k.taper(page.getByLabel('Année de naissance'), 'année', '1958');
  const commune = page.getByRole('combobox', { name: 'Commune de résidence' });
  await k.taper(commune, 'commune', 'brest');
  await expect(page.getByRole('option', { name: 'Brest (29200)' })).toBeVisible();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await expect(commune).toHaveValue(/Brest \(/);
  await k.taper(page.getByLabel('Numéro du carnet'), 'numéro du carnet', `CN-K${Date.now()}`);
  await k.date(page.getByLabel('Fin de validité'), 'fin de validité', isoDate(180));
  const codes = Array.from({ length: 5 }, passCode);
  for (let i = 0; i < 5; i++) {
    await k.taper(page.getByLabel(`Pass n°${i + 1}`, { exact: true }), `pass n°${i + 1}`, codes[i]);
  }
  await k.taper(page.getByLabel(/Commanditaire/), 'commanditaire', 'Brest métropole');
  // A closed select: typing its option's first letters chooses it.
  await k.taper(page.getByLabel(/Remis par/), 'remis par', 'Mairie');
  await expect(page.getByLabel(/Remis par/)).toHaveValue('mairie');
  const notice = page.getByLabel(/La notice a été remise ou lue/);
  await k.vers(notice, 'notice');
  await page.keyboard.press('Space');
  await expect(notice).toBeChecked();
  await k.action(page.getByRole('button', { name: "Enregistrer l'accueil" }), "Enregistrer l'accueil");
  await expect(page.getByRole('heading', { level: 1, name: `Parcours de ${prenom}` })).toBeFocused();

  // --- Diagnostic, quick mode.
  await k.action(page.getByRole('link', { name: 'Reprendre : Diagnostic' }), 'Reprendre : Diagnostic');
  await expect(page.getByRole('heading', { level: 1, name: `Diagnostic initial — ${prenom}` })).toBeFocused();
  const pack = page.getByLabel('Mode rapide : pack envisagé');
  await k.taper(pack, 'pack envisagé', 'Compétences de base');
  await expect(page.getByRole('heading', { name: 'Les compétences visées par le pack' })).toBeVisible();
  const visees = page.locator('section.panel--accent fieldset.niveau');
  const n = await visees.count();
  expect(n).toBeGreaterThan(0);
  for (let i = 0; i < n; i++) {
    // Tab enters the group on « Non évalué », its last level; the arrows go round to the level observed.
    const niveau = visees.nth(i).getByLabel(i % 2 ? 'Pas encore abordé' : 'Avec guidage', { exact: true });
    await k.radio(visees.nth(i).getByRole('radio'), niveau, `compétence ${i + 1}`);
  }
  await k.action(page.getByRole('button', { name: 'Enregistrer et choisir les objectifs' }), 'Enregistrer le diagnostic');

  // --- Objectives: the pack filled them; saved as proposed.
  await expect(page.getByRole('heading', { level: 1, name: `Objectifs — ${prenom}` })).toBeFocused();
  await expect(page.getByLabel('Séance 5', { exact: true })).not.toHaveValue('');
  await k.action(page.getByRole('button', { name: 'Enregistrer et établir le planning' }), 'Enregistrer les objectifs');

  // --- Planning: weekly from the next working day at 10:00.
  await expect(page.getByRole('heading', { level: 1, name: `Planning — ${prenom}` })).toBeFocused();
  const hebdo = page.getByLabel('Hebdomadaire');
  await k.radio(page.locator(`input[type=radio][name="${await hebdo.getAttribute('name')}"]`), hebdo, 'rythme');
  await k.date(page.getByLabel('Date de la séance 2 (obligatoire)'), 'date de la séance 2', nextWorkingDay());
  await k.heure(page.getByLabel('Heure (obligatoire)'), 'heure', '10:00');
  await k.action(page.getByRole('button', { name: 'Proposer les dates' }), 'Proposer les dates');
  await expect(page.getByLabel('Date de la séance 5', { exact: true })).not.toHaveValue('');
  await k.action(page.getByRole('button', { name: 'Enregistrer le planning' }), 'Enregistrer le planning');
  const seances = page.getByRole('heading', { level: 1, name: `Séances — ${prenom}` });
  const libre = page.getByRole('button', { name: /^Utiliser le créneau libre du/ }).first();
  await expect(seances.or(libre)).toBeVisible();
  if (await libre.isVisible()) {
    // The intake's hour was already taken by another session of this account: the free slot.
    await k.action(libre, 'créneau libre');
    await k.action(page.getByRole('button', { name: 'Enregistrer le planning' }), 'Enregistrer le planning (créneau libre)');
  }
  await expect(seances).toBeFocused();
  await expect(page.locator('li.seance')).toHaveCount(5);

  // --- Hold the first session (the intake itself) with pass n°1.
  const prevue = page.locator('li.seance').filter({ has: page.locator('.badge', { hasText: /^Prévue$/ }) }).first();
  await k.action(prevue.getByRole('link'), 'Ouvrir la séance 1');
  await expect(page.getByRole('heading', { level: 2, name: 'La séance a eu lieu : valider le pass' })).toBeVisible();
  const form = page.locator('form', { has: page.getByRole('heading', { name: 'La séance a eu lieu : valider le pass' }) });
  await k.taper(form.getByLabel('Code du pass (obligatoire)'), 'code du pass', codes[0]);
  const plusTot = form.getByLabel('La séance a eu lieu plus tôt que prévu');
  if (await plusTot.isVisible()) {
    await k.vers(plusTot, 'plus tôt que prévu');
    await page.keyboard.press('Space');
  }
  await k.action(form.getByRole('button', { name: 'Valider le pass' }), 'Valider le pass');
  await expect(page.getByText('Pass n°1 validé')).toBeVisible();

  // --- Its report.
  await expect(page.getByRole('heading', { name: 'Compte rendu de la séance' })).toBeVisible();
  const autonomie = page.getByRole('group', { name: 'Autonomie pendant la séance' }).getByRole('radio');
  await k.vers(autonomie.first(), 'autonomie');
  await page.keyboard.press('Space');
  await expect(autonomie.first()).toBeChecked();
  await k.taper(page.getByLabel('Notes'), 'notes', 'Tout fait au clavier.');
  const saved = page.waitForResponse((r) => r.url().endsWith('/compte-rendu') && r.request().method() === 'PUT');
  await k.action(page.getByRole('button', { name: 'Enregistrer le compte rendu' }), 'Enregistrer le compte rendu');
  expect((await saved).ok()).toBeTruthy();
  await expect(page.locator('[role="status"]:focus')).toContainText(/enregistré/i);

  const table = k.tabs.map(([quoi, n]) => `  ${String(n).padStart(3)} Tab → ${quoi}`).join('\n');
  console.log(`Parcours au clavier, Tab avant chaque action :\n${table}\n  ${k.tabs.reduce((s, [, n]) => s + n, 0)} en tout`);
  test.info().annotations.push({ type: 'Tab', description: JSON.stringify(Object.fromEntries(k.tabs)) });
});
