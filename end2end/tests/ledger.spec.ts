// The Pass numérique ledger, from purchase to reimbursement, with the demo accounts: a
// commanditaire orders 3 carnets of 10; the opérateur records the payment and activates; the
// commanditaire entrusts them to the demo structure; the coordinateur gives 2 to the conseillère;
// she hands one out at intake with a criterion; the parcours reaches its sessions and one, held on
// the spot, validates a pass (the only door); the statement of the
// month shows 10 €; the commanditaire's dashboard shows 1 carnet started.
import { test, expect } from './fixtures';
import type { Page } from '@playwright/test';
import { diagnosticRapideJusquAuPlanning, expectAccessible, isoDate, nextWorkingDay, parisToday, DEMO_EMAIL, DEMO_PASSWORD } from './helpers';

const COMMANDITAIRE = 'commanditaire@demo.carnet.fr';
const OPERATEUR = 'operateur@demo.carnet.fr';
const COORDINATEUR = 'coordination@demo.carnet.fr';

async function loginAs(page: Page, email: string, heading: RegExp) {
  await page.goto('/connexion');
  await page.getByLabel('Adresse e-mail').fill(email);
  await page.getByLabel('Mot de passe').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
}

async function logout(page: Page) {
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await expect(page).toHaveURL(/\/connexion/);
}

test('a carnet from purchase to reimbursement', async ({ page }) => {
  test.setTimeout(180_000);

  // 1. The commanditaire orders 3 carnets of 10 passes.
  await loginAs(page, COMMANDITAIRE, /Tableau de bord — Brest métropole/);
  await expectAccessible(page, 'commanditaire dashboard');
  await page.getByRole('link', { name: 'Nouvelle commande' }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'Nouvelle commande de carnets' })).toBeVisible();
  await expect(page.getByLabel(/Opérateur/)).toHaveValue(/\d+/);
  await page.getByLabel(/Nombre de carnets/).fill('3');
  await page.getByLabel('10 pass').check();
  await page.getByLabel(/Fin de validité/).fill(isoDate(180));
  await page.getByLabel('Départements').fill('29');
  await page.getByLabel('60 ans et plus').check();
  await expect(page.getByText('3 carnets × 10 pass × 10,00')).toBeVisible();
  await expectAccessible(page, 'order form');
  await page.getByRole('button', { name: 'Passer la commande' }).click();
  const heading = page.getByRole('heading', { level: 1, name: /Commande CMD-/ });
  await expect(heading).toBeVisible();
  const reference = (await heading.textContent())!.replace('Commande ', '').trim();
  const commandeId = page.url().match(/\/commandes\/(\d+)/)![1];
  await expect(page.getByText('En attente de paiement').first()).toBeVisible();
  await expectAccessible(page, 'order detail');
  await logout(page);

  // 2. The opérateur records the payment and activates the order.
  await loginAs(page, OPERATEUR, /Commandes de Pass numérique/);
  await page.getByRole('link', { name: reference }).click();
  await page.getByLabel(/Référence du paiement/).fill('VIR-E2E-1');
  await page.getByRole('button', { name: 'Enregistrer le paiement' }).click();
  await expect(page.getByText('Payée, à activer').first()).toBeVisible();
  await page.getByRole('button', { name: 'Activer la commande' }).click();
  // Asked in the page (no browser box), focused.
  const activation = page.getByRole('region', { name: 'Activer la commande ? Ses pass deviendront utilisables.' });
  await expect(activation).toBeFocused();
  await expectAccessible(page, 'activation asked in the page');
  await activation.getByRole('button', { name: 'Oui, activer' }).click();
  await expect(page.locator('.page-head .badge')).toHaveText('Active');
  await expectAccessible(page, 'order detail for the opérateur');
  await logout(page);

  // 3. The commanditaire entrusts the 3 carnets to the demo structure.
  await loginAs(page, COMMANDITAIRE, /Tableau de bord/);
  await page.goto('/commandes');
  await page.getByRole('link', { name: reference }).click();
  await page.getByLabel(/Structure/).selectOption({ label: 'Médiathèque des Capucins — Brest (29)' });
  await expect(page.getByLabel(/Du carnet n°/)).toHaveValue('1');
  await expect(page.getByLabel(/Au carnet n°/)).toHaveValue('3');
  await page.getByLabel(/Référence de l'accord/).fill('Convention E2E');
  await page.getByRole('button', { name: 'Confier les carnets' }).click();
  await expect(page.getByText('3 carnets confiés.')).toBeVisible();
  await expect(page.getByRole('cell', { name: 'Convention E2E', exact: false })).toBeVisible();
  await logout(page);

  // 4. The coordinateur gives 2 carnets to the conseillère.
  await loginAs(page, COORDINATEUR, /Bonjour Nadia/);
  await page.getByRole('link', { name: 'Carnets', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Carnets de la structure' })).toBeVisible();
  await page.getByLabel(/Commande/).selectOption({ label: `${reference} — Brest métropole (3 carnets)` });
  await page.getByLabel(/Conseiller/).selectOption({ label: 'Camille Le Goff' });
  await page.getByLabel(/Nombre de carnets/).fill('2');
  await page.getByRole('button', { name: 'Confier', exact: true }).click();
  await expect(page.getByText('2 carnets confiés.')).toBeVisible();
  // Camille already holds 5 carnets of the demo's order.
  await expect(page.getByRole('row', { name: /Camille Le Goff 7 0/ })).toBeVisible();
  await expectAccessible(page, 'carnets of the structure');
  await logout(page);

  // 5. The conseillère hands one out at intake, with a criterion; then sees where it is accepted.
  await loginAs(page, DEMO_EMAIL, /Bonjour Camille/);
  await page.getByRole('link', { name: 'Nouveau parcours' }).first().click();
  await expect(page.getByLabel(/Un carnet de mon lot \(7 disponibles\)/)).toBeChecked();
  // The order just bought, not the demo's: its first carnet.
  const premier = page.locator('#carnet_id option', { hasText: `PN-${commandeId}-00001 ` });
  await page.locator('#carnet_id').selectOption((await premier.getAttribute('value'))!);
  const prenom = `Annick ${Date.now() % 100000}`;
  await page.getByLabel('Prénom ou alias').fill(prenom);
  await page.getByLabel('Année de naissance').fill('1955');
  const commune = page.getByRole('combobox', { name: 'Commune de résidence' });
  await commune.fill('brest');
  await page.getByRole('option', { name: 'Brest (29200)' }).click();
  // No criterion: refused, with the reason next to the criteria.
  await page.getByRole('button', { name: "Enregistrer l'accueil" }).click();
  await expect(page.locator('.error-summary')).toBeFocused();
  await expect(page.locator('#criteres-error')).toContainText('au moins un');
  await page.getByLabel('60 ans et plus').check();
  await page.getByLabel(/La notice a été remise ou lue/).check();
  await expectAccessible(page, 'intake with a carnet of the lot');
  await page.getByRole('button', { name: "Enregistrer l'accueil" }).click();
  await expect(page.getByRole('heading', { level: 1, name: new RegExp(`remis à ${prenom}`) })).toBeVisible();
  await expect(page.getByText('Votre structure accepte ce carnet')).toBeVisible();
  // Where to use it: the venues accepting the Pass nearest to her, inside the order's Finistère
  // (Rennes and Saint-Brieuc accept the Pass too, outside it) — the list of her space.
  const lieux = page.locator('.orientation__lieu h2 a');
  await expect(lieux.first()).toHaveText('Espace numérique des Capucins');
  await expect(lieux.filter({ hasText: 'Médiathèque de Quimper' })).toHaveCount(1);
  await expect(page.getByText(/Rennes|Saint-Brieuc/)).toHaveCount(0);
  await expectAccessible(page, 'orientation after distribution');

  // 6. The parcours reaches its sessions (quick diagnostic, the pack's objectives, a weekly
  //    schedule), then the person comes without a planned session: held on the spot, one action.
  await page.getByRole('link', { name: 'Continuer vers le parcours' }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Parcours de ${prenom}` })).toBeVisible();
  const code = (await page.locator('td.code').first().textContent())!.trim();
  // The interim validation page is gone: a pass is consumed by a held session only.
  await expect(page.getByRole('link', { name: /Valider un pass/ })).toHaveCount(0);
  await diagnosticRapideJusquAuPlanning(page, prenom);
  await page.getByLabel('Hebdomadaire').check();
  await page.getByLabel('Date de la séance 2 (obligatoire)').fill(nextWorkingDay());
  await page.getByLabel('Heure (obligatoire)').fill('16:00');
  await page.getByRole('button', { name: 'Proposer les dates' }).click();
  await expect(page.getByLabel('Date de la séance 10', { exact: true })).not.toHaveValue('');
  await page.getByRole('button', { name: 'Enregistrer le planning' }).click();
  const seancesTitle = page.getByRole('heading', { level: 1, name: `Séances — ${prenom}` });
  const free = page.getByRole('button', { name: /^Utiliser le créneau libre du/ }).first();
  await expect(seancesTitle.or(free)).toBeVisible();
  if (await free.isVisible()) {
    await free.click();
    await page.getByRole('button', { name: 'Enregistrer le planning' }).click();
  }
  await expect(seancesTitle).toBeVisible();
  const surPlace = page.locator('form', { has: page.getByRole('heading', { name: 'Séance non prévue : valider un pass' }) });
  await expect(surPlace.locator('#sur-place-date')).toHaveValue(parisToday());
  await surPlace.locator('#sur-place-heure').fill('07:00');
  // A typo is refused with its reason, next to the field.
  await surPlace.getByLabel(/Code du pass/).fill('ABCD-EFGH-JKLM');
  await surPlace.getByRole('button', { name: 'Valider le pass' }).click();
  await expect(surPlace.locator('#sur-place-code-error')).toContainText('Code du pass');
  await expectAccessible(page, 'a session held on the spot, refused');
  await surPlace.getByLabel(/Code du pass/).fill(code.toLowerCase());
  await surPlace.getByRole('button', { name: 'Valider le pass' }).click();
  const slot = surPlace.getByRole('button', { name: /^Utiliser le créneau libre du/ });
  const held = page.getByText(/1 séance tenue sur 10/);
  await expect(held.or(slot)).toBeVisible();
  if (await slot.isVisible()) {
    // 07:00 already taken by an earlier run on the same database: the free slot offered.
    await slot.click();
    await surPlace.getByRole('button', { name: 'Valider le pass' }).click();
  }
  await expect(held).toBeVisible();
  await expect(page.locator('li.seance').filter({ hasText: `(${code})` })).toContainText('Tenue');
  await expect(page.getByText(/9 pass disponibles/)).toBeVisible();
  await expectAccessible(page, 'a session held on the spot');
  await logout(page);

  // 7. The statement of the month shows 10 €.
  await loginAs(page, COORDINATEUR, /Bonjour Nadia/);
  await page.getByRole('link', { name: 'Relevés' }).first().click();
  await expect(page.getByRole('heading', { name: /Mois en cours .* provisoire/ })).toBeVisible();
  await expect(page.getByTestId('provisoire-total')).toHaveText(/^10,00\s€$/);
  await expect(page.getByRole('rowheader', { name: code })).toBeVisible();
  await expectAccessible(page, 'statements of the structure');
  // The carnet not handed out goes back to the structure (and leaves the conseillère's intake
  // as it was for the other journeys).
  await page.getByRole('link', { name: 'Carnets', exact: true }).click();
  await page.getByRole('checkbox', { name: new RegExp(`Reprendre le carnet PN-${commandeId}-`) }).check();
  await page.getByRole('button', { name: 'Reprendre les carnets cochés' }).click();
  await page.getByRole('button', { name: 'Oui, reprendre' }).click();
  await expect(page.getByText('1 carnet repris.')).toBeVisible();
  await logout(page);

  // 8. The commanditaire's dashboard shows 1 carnet started.
  await loginAs(page, COMMANDITAIRE, /Tableau de bord/);
  await page.getByLabel('Commande').selectOption({ label: reference });
  await expect(page.locator('.kpi').filter({ hasText: 'entamé' })).toContainText(/^\s*1\s*carnet entamé/);
  await expect(page.locator('.kpi').filter({ hasText: 'consommés' })).toContainText('10,00');
  // Aggregates only: the person's name appears nowhere.
  await expect(page.getByText(prenom)).toHaveCount(0);
  await expectAccessible(page, 'commanditaire dashboard with data');
  await page.getByRole('link', { name: 'Journal' }).click();
  await expect(page.getByRole('cell', { name: 'masqué' }).first()).toBeVisible();
  await page.getByLabel('Objet').selectOption({ label: 'Commandes' });
  await page.getByRole('button', { name: 'Afficher' }).click();
  await expect(page.getByRole('row', { name: new RegExp(`Commande n° ${commandeId} Activée`) })).toBeVisible();
  await expectAccessible(page, 'journal');
});

test('the opérateur sees accreditations and issues statements', async ({ page }) => {
  await loginAs(page, OPERATEUR, /Commandes de Pass numérique/);
  await page.getByRole('link', { name: 'Structures agréées' }).click();
  const morlaix = page.getByRole('row', { name: /Centre social de Morlaix/ });
  await expect(morlaix).toContainText('Non agréée');
  await expectAccessible(page, 'accreditations');
  await morlaix.getByRole('button', { name: /Agréer/ }).click();
  // « Annuler » leaves it as it was; then confirmed.
  const question = page.getByRole('region', { name: 'Agréer « Centre social de Morlaix » ? Elle pourra valider vos pass.' });
  await expect(question).toBeFocused();
  await question.getByRole('button', { name: 'Annuler' }).click();
  await expect(question).toBeHidden();
  await expect(page.getByRole('row', { name: /Centre social de Morlaix/ })).toContainText('Non agréée');
  await morlaix.getByRole('button', { name: /Agréer/ }).click();
  await question.getByRole('button', { name: 'Oui, agréer' }).click();
  await expect(page.getByText('Centre social de Morlaix est agréée.')).toBeVisible();
  await expect(page.getByRole('row', { name: /Centre social de Morlaix/ })).toContainText('Agréée depuis');
  await page.getByRole('link', { name: 'Relevés' }).click();
  await page.getByRole('button', { name: 'Émettre les relevés' }).click();
  await expect(page.getByRole('status').filter({ hasText: /relevés? émis/ })).toBeVisible();
  await expectAccessible(page, 'statements for the opérateur');
});
