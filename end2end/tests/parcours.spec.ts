// The whole individual parcours in the browser: intake with a carnet of 5, intake diagnostic,
// pack and objectives, a weekly schedule, 5 sessions held with the carnet's 5 passes (one
// absence replaced along the way), the final diagnostic and the bilan with its chart, closing,
// and the printable bilan. Every wizard step is checked with axe-core.
//
// A held session records what happened: its date is today or before (the server refuses a
// future one). The schedule is in the future, so each session is held "today" at its own hour,
// as a conseillère recording a session brought forward; an hour already taken is refused with
// the next free slot offered, which the test then takes.
import { test, expect } from './fixtures';
import type { Page, Locator } from '@playwright/test';
import { login, createParcours, expectAccessible, parisToday, nextWorkingDay } from './helpers';

/** The first session of the list still « Prévue », opened. */
async function openNextPlanned(page: Page, id: string): Promise<void> {
  await page.goto(`/parcours/${id}/seances`);
  await expect(page.getByRole('heading', { level: 1, name: /^Séances — / })).toBeVisible();
  const planned = page.locator('li.seance').filter({ has: page.locator('.badge', { hasText: /^Prévue$/ }) });
  await planned.first().getByRole('link').click();
  await expect(page.getByRole('heading', { level: 2, name: 'La séance a eu lieu : valider le pass' })).toBeVisible();
}

/** Holds the open session today at `hour` with pass `code`; takes the free slot offered if the hour is taken. */
async function hold(page: Page, code: string, rang: number, hour: string, clash = false) {
  const form = page.locator('form', { has: page.getByRole('heading', { name: 'La séance a eu lieu : valider le pass' }) });
  await form.getByLabel('Code du pass (obligatoire)').fill(code);
  // Planned later than now: held today only when said so.
  const plusTot = form.getByLabel('La séance a eu lieu plus tôt que prévu');
  if (await plusTot.isVisible()) await plusTot.check();
  const details = form.locator('details');
  if (!(await details.evaluate((d) => (d as HTMLDetailsElement).open))) await details.locator('summary').click();
  await expect(form.locator('#tenue-date')).toHaveValue(parisToday());
  await form.locator('#tenue-heure').fill(hour);
  await form.getByRole('button', { name: 'Valider le pass' }).click();
  const done = page.getByText(`Pass n°${rang} validé`);
  const slot = form.getByRole('button', { name: /^Utiliser le créneau libre du/ });
  await expect(done.or(slot)).toBeVisible();
  if (clash) await expect(slot).toBeVisible();
  if (await slot.isVisible()) {
    // The hour overlaps another session of the conseillère: the message names it, and the
    // next free slot (later today) is one click away.
    await expect(form.locator('#tenue-heure-error')).toContainText('chevauche une autre séance');
    await slot.click();
    await form.getByRole('button', { name: 'Valider le pass' }).click();
  }
  await expect(done).toBeVisible();
  await expect(page.getByText(/crédités à|à faire rembourser par son émetteur/)).toBeVisible();
}

function levelIn(fieldset: Locator, label: string): Locator {
  return fieldset.getByLabel(label, { exact: true });
}

test('a parcours from intake to the printed bilan', async ({ page }) => {
  test.setTimeout(180_000);
  await login(page);

  // --- 1. Accueil: a carnet of 5.
  const prenom = `Odette ${Date.now() % 100000}`;
  const codes = await createParcours(page, prenom, 5);
  const id = page.url().match(/\/parcours\/(\d+)/)![1];
  await expect(page.locator('[aria-current="step"]')).toContainText('Accueil');
  await expectAccessible(page, 'parcours overview (accueil)');
  await page.getByRole('link', { name: 'Reprendre : Diagnostic' }).click();

  // --- 2. Diagnostic, quick mode: the pack's competences first.
  await expect(page.getByRole('heading', { level: 1, name: `Diagnostic initial — ${prenom}` })).toBeVisible();
  await page.getByLabel('Mode rapide : pack envisagé').selectOption({ label: 'Compétences de base' });
  const visees = page.locator('section.panel--accent fieldset.niveau');
  await expect(page.getByRole('heading', { name: 'Les compétences visées par le pack' })).toBeVisible();
  const n = await visees.count();
  expect(n).toBeGreaterThan(0);
  expect(n).toBeLessThan(16);
  await expect(page.getByText(`Les ${16 - n} autres compétences (facultatif)`)).toBeVisible();
  for (let i = 0; i < n; i++) {
    await levelIn(visees.nth(i), i % 2 ? 'Pas encore abordé' : 'Avec guidage').check();
  }
  await page.getByRole('button', { name: 'Ajouter un résultat' }).click();
  await page.getByLabel('Outil n°1').fill('ABC Diag');
  await page.getByLabel('Résultat n°1').fill('12/40');
  await page.getByLabel('Observations (facultatif)').fill('Veut écrire à ses petits-enfants et faire ses démarches de retraite.');
  await expectAccessible(page, 'diagnostic step');
  await page.getByRole('button', { name: 'Enregistrer et choisir les objectifs' }).click();

  // --- 3. Objectifs: the pack considered at the diagnostic fills targets and themes.
  await expect(page.getByRole('heading', { level: 1, name: `Objectifs — ${prenom}` })).toBeVisible();
  await expect(page.getByRole('radio', { name: /Compétences de base/ })).toBeChecked();
  await expect(page.getByLabel('Objectif n°1 : compétence')).not.toHaveValue('');
  await expect(page.getByLabel('Séance 1', { exact: true })).not.toHaveValue('');
  await expect(page.getByLabel('Séance 5', { exact: true })).not.toHaveValue('');
  // Themes stay editable.
  await page.getByLabel('Séance 2', { exact: true }).fill('Le courriel : écrire à sa famille');
  await expectAccessible(page, 'objectifs step');
  await page.getByRole('button', { name: 'Enregistrer et établir le planning' }).click();

  // --- 4. Planning: weekly, from the next working day.
  await expect(page.getByRole('heading', { level: 1, name: `Planning — ${prenom}` })).toBeVisible();
  await page.getByLabel('Hebdomadaire').check();
  await page.getByLabel('Date de la séance 2 (obligatoire)').fill(nextWorkingDay());
  await page.getByLabel('Heure (obligatoire)').fill('10:00');
  await page.getByRole('button', { name: 'Proposer les dates' }).click();
  await expect(page.getByLabel('Date de la séance 5', { exact: true })).not.toHaveValue('');
  // Weekly: seven days between sessions 2 and 3 (unless a holiday pushed it).
  const d2 = await page.getByLabel('Date de la séance 2', { exact: true }).inputValue();
  const d3 = await page.getByLabel('Date de la séance 3', { exact: true }).inputValue();
  const gap = (Date.parse(d3) - Date.parse(d2)) / 86_400_000;
  expect(gap).toBeGreaterThanOrEqual(7);
  await expect(page.getByLabel('Date de la séance 1', { exact: true })).toHaveValue(parisToday());
  let accueil = await page.getByLabel('Heure de la séance 1', { exact: true }).inputValue();
  await expectAccessible(page, 'planning step with proposed dates');
  await page.getByRole('button', { name: 'Enregistrer le planning' }).click();
  const seancesTitle = page.getByRole('heading', { level: 1, name: `Séances — ${prenom}` });
  const free = page.getByRole('button', { name: /^Utiliser le créneau libre du/ }).first();
  await expect(seancesTitle.or(free)).toBeVisible();
  if (await free.isVisible()) {
    // Only when the conseillère already has a session at this intake's time (a second run on the
    // same database): the refused date comes with the next free slot, taken in one click.
    await expect(page.locator('.error-summary')).toContainText('chevauche une autre séance');
    await free.click();
    accueil = await page.getByLabel('Heure de la séance 1', { exact: true }).inputValue();
    await page.getByRole('button', { name: 'Enregistrer le planning' }).click();
  }

  // --- 5. Séances: five planned, the calendar downloadable.
  await expect(seancesTitle).toBeVisible();
  await expect(page.locator('li.seance')).toHaveCount(5);
  await expect(page.getByText('0 séance tenue sur 5 · 5 pass disponibles')).toBeVisible();
  const ics = await page.request.get(`/api/v1/parcours/${id}/seances.ics`);
  expect(ics.status()).toBe(200);
  const body = await ics.text();
  expect(body.match(/BEGIN:VEVENT/g)).toHaveLength(5);
  expect(body).toContain('BEGIN:VTIMEZONE');
  await expectAccessible(page, 'séances list');

  // Session 1, the intake itself, at its planned time today.
  await openNextPlanned(page, id);
  await expectAccessible(page, 'a planned session');
  {
    const form = page.locator('form', { has: page.getByRole('heading', { name: 'La séance a eu lieu : valider le pass' }) });
    await form.getByLabel('Code du pass (obligatoire)').fill(codes[0]);
    await form.getByRole('button', { name: 'Valider le pass' }).click();
    await expect(page.getByText('Pass n°1 validé')).toBeVisible();
  }
  // Its report: thématiques from the theme, a duration, the autonomy observed.
  await expect(page.getByRole('heading', { name: 'Compte rendu de la séance' })).toBeVisible();
  await page.getByRole('group', { name: 'Autonomie pendant la séance' }).getByRole('radio').first().check();
  await page.getByLabel('Notes').fill('Accueil et diagnostic faits ; a apporté sa tablette.');
  await expectAccessible(page, 'a held session with its report');
  const saved = page.waitForResponse((r) => r.url().endsWith('/compte-rendu') && r.request().method() === 'PUT' && r.ok());
  await page.getByRole('button', { name: 'Enregistrer le compte rendu' }).click();
  await saved;
  await page.reload();
  await expect(page.getByLabel('Notes')).toHaveValue('Accueil et diagnostic faits ; a apporté sa tablette.');

  // A pass already used is refused, with the reason.
  await openNextPlanned(page, id);
  {
    const form = page.locator('form', { has: page.getByRole('heading', { name: 'La séance a eu lieu : valider le pass' }) });
    await form.getByLabel('Code du pass (obligatoire)').fill(codes[0]);
    await form.getByLabel('La séance a eu lieu plus tôt que prévu').check();
    await expect(form.locator('details')).toHaveJSProperty('open', true);
    await form.locator('#tenue-heure').fill('07:00');
    await form.getByRole('button', { name: 'Valider le pass' }).click();
    const refused = page.locator('#tenue-code-error', { hasText: 'Pass refusé' });
    const slot = form.getByRole('button', { name: /^Utiliser le créneau libre du/ });
    await expect(refused.or(slot)).toBeVisible();
    if (await slot.isVisible()) {
      // 07:00 is taken (a second run on the same database): the hour is checked before the pass.
      await slot.click();
      await form.getByRole('button', { name: 'Valider le pass' }).click();
    }
    await expect(refused).toBeVisible();
    // The date and hour the conseillère opened stay open, as typed.
    await expect(form.locator('#tenue-heure')).toBeVisible();
    await expect(form.locator('#tenue-heure')).not.toHaveValue('');
    await expect(form.getByLabel('Code du pass (obligatoire)')).toHaveAttribute('aria-invalid', 'true');
    await expectAccessible(page, 'a session with a refused pass');
  }
  // Session 2, held today.
  await hold(page, codes[1], 2, '07:00');

  // Session 3: the person is absent (excused); a replacement is scheduled after the last one.
  await openNextPlanned(page, id);
  await page.getByText('La personne était absente').click();
  await page.getByLabel('Excusée (la personne a prévenu)').check();
  const replace = page.getByLabel(/Programmer une séance de remplacement le/);
  await expect(replace).toBeChecked();
  await expectAccessible(page, 'a session with the absence form open');
  await page.getByRole('button', { name: "Enregistrer l'absence" }).click();
  await expect(page.locator('.page-head .badge', { hasText: 'Absence excusée' })).toBeVisible();
  await expect(page.getByText('Absence excusée : aucun pass n\'a été utilisé.')).toBeVisible();
  await page.goto(`/parcours/${id}/seances`);
  await expect(page.locator('li.seance')).toHaveCount(6);
  await expect(page.locator('li.seance.seance--absente')).toHaveCount(1);
  await expect(page.getByText('2 séances tenues sur 5 · 3 pass disponibles')).toBeVisible();

  // Sessions 4, 5 and the replacement, each held today with the next pass.
  await openNextPlanned(page, id);
  await hold(page, codes[2], 3, '08:00');
  await openNextPlanned(page, id);
  await hold(page, codes[3], 4, '09:00');
  await openNextPlanned(page, id);
  // The last one typed at 09:30, inside the session held at 09:00: refused as overlapping, the
  // free slot (10:00, already past) taken instead.
  await hold(page, codes[4], 5, '09:30', true);

  await page.goto(`/parcours/${id}/seances`);
  await expect(page.getByText('5 séances tenues sur 5 · 0 pass disponible')).toBeVisible();
  await expect(page.locator('li.seance .badge', { hasText: /^Tenue$/ })).toHaveCount(5);
  await expect(page.getByText('Toutes les séances ont eu lieu : vous pouvez faire le bilan.')).toBeVisible();
  await expectAccessible(page, 'séances list, all held');
  // The overview shows every pass used.
  await page.goto(`/parcours/${id}`);
  await expect(page.getByText(/5 pass utilisés sur 5/)).toBeVisible();
  await expect(page.getByRole('cell', { name: 'Utilisé', exact: true })).toHaveCount(5);
  await page.goto(`/parcours/${id}/seances`);
  await page.getByRole('link', { name: 'Passer au bilan' }).click();

  // --- 6. Bilan: the competences assessed again, the chart, the objectives, orientation.
  await expect(page.getByRole('heading', { level: 1, name: `Bilan — ${prenom}` })).toBeVisible();
  const finales = page.locator('section[aria-labelledby="final-title"] section.panel--accent fieldset.niveau');
  const nf = await finales.count();
  expect(nf).toBeGreaterThanOrEqual(n);
  for (let i = 0; i < nf; i++) {
    await levelIn(finales.nth(i), i === 0 ? 'Avec guidage' : 'Autonome').check();
  }
  const chart = page.getByRole('img', { name: /Graphique : niveaux au début et à la fin du parcours/ });
  await expect(chart).toBeVisible();
  await expect(chart).toHaveAttribute('aria-label', /compétences en progrès/);
  const table = page.getByRole('table', { name: 'Niveaux au début et à la fin du parcours' });
  await expect(table.getByRole('row')).toHaveCount(nf + 1);
  await expect(table.getByRole('cell', { name: /En progrès \(\+/ }).first()).toBeVisible();
  await expect(chart.locator('.niveaux__rect--final')).toHaveCount(nf);
  // Objectives are marked from the levels (editable by hand).
  const atteints = page.locator('#objectifs_atteints');
  // The first competence stayed « avec guidage »: its objective is not reached; the others, now
  // « autonome », are.
  const groupes = atteints.locator('fieldset');
  await expect(groupes.first().getByRole('radio', { name: 'Pas encore atteint' })).toBeChecked();
  await expect(groupes.last().getByRole('radio', { name: 'Atteint', exact: true })).toBeChecked();
  await page.getByLabel('Orientation vers une structure').selectOption({ index: 1 });
  await page.getByLabel('Recommandations pour la suite').fill('Continuer à écrire un courriel par semaine.');
  await expectAccessible(page, 'bilan step');
  await page.getByRole('button', { name: 'Clôturer le parcours…' }).click();
  const confirmation = page.getByRole('region', { name: 'Clôturer le parcours ?' });
  await expect(confirmation).toBeFocused();
  await confirmation.getByRole('button', { name: 'Oui, clôturer' }).click();
  await expect(page.getByText(/Parcours clôturé le/)).toBeVisible();
  await expect(page.getByRole('img', { name: /Graphique : niveaux au début et à la fin/ })).toBeVisible();
  await expectAccessible(page, 'closed bilan');

  // --- The printable bilan.
  await page.getByRole('link', { name: 'Imprimer le bilan' }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Le bilan de votre parcours numérique, ${prenom}` })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Vos 5 séances' })).toBeVisible();
  await expect(page.locator('.bilan-print__seances li')).toHaveCount(5);
  await expect(page.getByText('Continuer à écrire un courriel par semaine.')).toBeVisible();
  await expect(page.getByText('Aperçu : le parcours n\'est pas encore clôturé.')).toHaveCount(0);
  await expectAccessible(page, 'printable bilan (screen)');
  await expect(page.locator('.print-bar')).toBeVisible();
  await expect(page.locator('.site-header')).toBeVisible();

  await page.emulateMedia({ media: 'print' });
  // On paper: the bilan, its chart and table, the signatures; no navigation, no buttons.
  await expect(page.locator('.print-bar')).toBeHidden();
  await expect(page.locator('.site-header')).toBeHidden();
  await expect(page.getByRole('button', { name: 'Imprimer' })).toBeHidden();
  await expect(page.getByRole('heading', { level: 1, name: /Le bilan de votre parcours numérique/ })).toBeVisible();
  await expect(page.getByRole('img', { name: /Graphique : niveaux au début et à la fin/ })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Niveaux au début et à la fin du parcours' })).toBeVisible();
  await expect(page.getByText('La personne accompagnée')).toBeVisible();
  // One or two A4 pages.
  const pdf = await page.pdf({ format: 'A4' });
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  expect(pages).toBeGreaterThanOrEqual(1);
  expect(pages).toBeLessThanOrEqual(2);
  await page.emulateMedia({ media: 'screen' });

  // --- Dashboard: the parcours is finished, 5/5.
  await page.goto('/');
  await page.getByLabel('Rechercher par prénom ou alias').fill(prenom.split(' ')[1]);
  const found = page.getByRole('table', { name: 'Bénéficiaires, du plus récent au plus ancien' }).getByRole('row', { name: new RegExp(prenom) });
  await expect(found).toContainText('Terminé (5/5 pass)');
  // In the follow-up table: 5 sessions of 5, objectives reached counted, the bilan one click away.
  const suivi = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'Terminé : bilan' }) }).filter({ hasText: prenom });
  await expect(suivi).toContainText('5/5');
  await expect(suivi).toContainText(/\d sur \d/);
});

test('a parcours closed before its end: a reason, a confirmation, then read-only and what was done to print', async ({ page }) => {
  await login(page);
  const prenom = `Arrêtée ${Date.now() % 100000}`;
  await createParcours(page, prenom);
  const id = page.url().match(/\/parcours\/(\d+)/)![1];

  const cloture = page.locator('details.cloture-anticipee');
  await cloture.locator('summary', { hasText: 'Clôturer sans aller au bout' }).click();
  // No reason: refused, named.
  await cloture.getByRole('button', { name: 'Clôturer le parcours…' }).click();
  await expect(cloture.locator('.error-summary')).toBeFocused();
  await expect(cloture.locator('#motif-error')).toContainText("Raison : choisissez pourquoi le parcours s'arrête.");
  // « Autre raison » needs a precision.
  await cloture.getByLabel('Autre raison').check();
  await cloture.getByRole('button', { name: 'Clôturer le parcours…' }).click();
  await expect(cloture.locator('#precision-error')).toContainText('Précision');
  await cloture.getByLabel('La personne déménage').check();
  await cloture.getByRole('button', { name: 'Clôturer le parcours…' }).click();
  const confirm = page.getByRole('region', { name: 'Clôturer ce parcours sans aller au bout ?' });
  await expect(confirm).toBeFocused();
  await expect(confirm).toContainText('5 pass non utilisés restent à la personne');
  await expectAccessible(page, 'closing a parcours before its end');
  await confirm.getByRole('button', { name: 'Oui, clôturer' }).click();

  await expect(page.getByText('Parcours clôturé. 0 séance prévue retirée.')).toBeVisible();
  await expect(page.locator('.badge', { hasText: 'Arrêté avant la fin' })).toBeVisible();
  await expect(page.getByText(/^Parcours arrêté le .* : la personne déménage\.$/)).toBeVisible();
  await expect(page.getByText(/5 pass non utilisés restent sur le carnet de la personne/)).toBeVisible();
  await expect(page.locator('details.cloture-anticipee')).toHaveCount(0);

  // Every step reads, none edits.
  await page.goto(`/parcours/${id}/diagnostic`);
  await expect(page.getByText(/^Parcours arrêté avant la fin le .* : cette page se consulte, elle ne se modifie plus\.$/)).toBeVisible();
  await expect(page.locator('fieldset.lecture-seule select, fieldset.lecture-seule input').first()).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Enregistrer et choisir les objectifs' })).toBeHidden();
  await expectAccessible(page, 'a step of a closed parcours');

  // What was done, to print.
  await page.goto(`/parcours/${id}`);
  await page.getByRole('link', { name: 'Imprimer ce qui a été fait' }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Le bilan de votre parcours numérique, ${prenom}` })).toBeVisible();
  await expect(page.getByText(/^Le parcours s'est arrêté le .* : la personne déménage\.$/)).toBeVisible();
  await expect(page.getByText(/^Il vous reste 5 pass sur votre carnet/)).toBeVisible();
  await expect(page.getByText("Aperçu : le parcours n'est pas encore clôturé.")).toHaveCount(0);
  await expectAccessible(page, 'the printed bilan of a parcours stopped early');
});

test('an intake half-typed survives a reload as a draft, asks before leaving, and can be abandoned', async ({ page }) => {
  await login(page);
  await page.goto('/parcours/nouveau');
  await page.waitForLoadState('networkidle');
  const ailleurs = page.getByRole('radio', { name: /Un carnet reçu d'ailleurs/ });
  if (await ailleurs.count()) await ailleurs.check();
  const prenom = `Brouillon ${Date.now() % 100000}`;
  await page.getByLabel('Prénom ou alias').fill(prenom);
  await page.getByLabel('Année de naissance').fill('1961');
  await page.getByLabel('Numéro du carnet').fill('CN-BROUILLON');

  // Leaving asks first (the browser's own question), then the draft is there again.
  // (The fixture answers « leave ».)
  const question = page.waitForEvent('dialog');
  const rechargement = page.reload();
  expect((await question).type()).toBe('beforeunload');
  await rechargement;
  await expect(page.getByText(/^Brouillon retrouvé/)).toBeVisible();
  await expect(page.getByLabel('Prénom ou alias')).toHaveValue(prenom);
  await expect(page.getByLabel('Année de naissance')).toHaveValue('1961');
  await expect(page.getByLabel('Numéro du carnet')).toHaveValue('CN-BROUILLON');
  await expectAccessible(page, 'an intake restored from its draft');

  // Abandoned: the form is empty again and nothing asks.
  await page.getByRole('button', { name: 'Effacer le brouillon' }).click();
  await expect(page.getByLabel('Prénom ou alias')).toHaveValue('');
  await expect(page.getByText(/^Brouillon retrouvé/)).toBeHidden();
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: /Bonjour/ })).toBeVisible();
});
