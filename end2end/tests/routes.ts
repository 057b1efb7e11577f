// Every screen of the staff app, for each of the six roles, with real ids looked up through the
// API as that person. Used by the checks that must hold on every page (no program text, a
// title of its own, focus, axe at two widths, no horizontal scroll).
import { APIRequestContext, Page, expect } from '@playwright/test';
import { DEMO_PASSWORD } from './helpers';

export type Role = 'conseillère' | 'coordinatrice' | 'commanditaire' | 'opérateur' | 'hub' | 'admin';

export const ACCOUNTS: Record<Role, string> = {
  conseillère: 'camille@demo.carnet.fr',
  coordinatrice: 'dominique@demo.carnet.fr',
  commanditaire: 'commanditaire@demo.carnet.fr',
  opérateur: 'operateur@demo.carnet.fr',
  hub: 'hub@demo.carnet.fr',
  admin: 'admin@demo.carnet.fr',
};

/** Pages seen without logging in. */
export const PUBLIC_ROUTES = ['/connexion', '/mot-de-passe/oublie', '/mot-de-passe/choisir', '/page-qui-n-existe-pas'];

async function json(request: APIRequestContext, url: string) {
  const r = await request.get(`/api/v1${url}`);
  expect(r.ok(), `${url}: ${r.status()}`).toBeTruthy();
  return r.json();
}

async function first<T>(request: APIRequestContext, url: string, pick: (body: any) => T[]): Promise<T | undefined> {
  return pick(await json(request, url))[0];
}

/** Logs in through the API (the page's context shares the cookie). */
export async function loginAs(page: Page, role: Role) {
  const r = await page.request.post('/api/v1/auth/login', { data: { email: ACCOUNTS[role], password: DEMO_PASSWORD } });
  expect(r.ok()).toBeTruthy();
}

/** The routes of `role`, ids filled from what this person can see. */
export async function routesOf(page: Page, role: Role): Promise<string[]> {
  const rq = page.request;
  const venue = async () => (await first(rq, '/lieux?page=1', (b) => b.items))?.id;
  const candidate = async () => (await first(rq, '/lieux/candidats', (b) => b))?.id;
  const lieux = async () => {
    const out = ['/lieux', '/lieux/candidats', '/lieux/candidats/nouveau'];
    const v = await venue();
    if (v) out.push(`/lieux/${v}`);
    const c = await candidate();
    if (c) out.push(`/lieux/candidats/${c}`);
    return out;
  };
  const releves = async () => {
    const r = await first(rq, '/releves', (b) => b);
    return ['/releves', ...(r ? [`/releves/${(r as any).id}`] : [])];
  };
  const commandes = async () => {
    const c = await first(rq, '/commandes', (b) => b);
    return ['/commandes', ...(c ? [`/commandes/${(c as any).id}`] : [])];
  };
  switch (role) {
    case 'conseillère': {
      const t = await json(rq, '/tableau-de-bord');
      const out = ['/', '/parcours/nouveau', '/carnets', '/notice-information', '/compte', ...(await lieux())];
      for (const p of t.parcours) {
        const d = await json(rq, `/parcours/${p.id}`);
        const base = `/parcours/${p.id}`;
        out.push(base, `${base}/diagnostic`, `${base}/objectifs`, `${base}/planning`, `${base}/seances`, `${base}/bilan`);
        out.push(`${base}/orientation`, `${base}/lien/imprimer`);
        if (p.etat === 'termine') out.push(`${base}/bilan/imprimer`);
        // A held session and a planned one, when there are.
        for (const statut of ['tenue', 'prevue']) {
          const s = d.seances.find((x: any) => x.statut === statut);
          if (s) out.push(`${base}/seances/${s.id}`);
        }
        out.push(`/beneficiaires/${d.beneficiaire.id}`, `/beneficiaires/${d.beneficiaire.id}/donnees`);
      }
      return out;
    }
    case 'coordinatrice':
      return ['/', '/equipe', '/journal-des-acces', '/rappels', '/carnets', ...(await releves()), '/journal', '/compte', '/lieux'];
    case 'commanditaire':
      return ['/', ...(await commandes()), '/commandes/nouvelle', '/journal', '/compte'];
    case 'opérateur':
      return ['/', '/structures', ...(await releves()), ...(await commandes()).slice(1), '/journal', '/compte'];
    case 'hub':
      return ['/', ...(await lieux()), '/lieux/import', '/lieux/couverture', '/compte'];
    case 'admin':
      return ['/', '/admin', ...(await lieux()), '/lieux/import', '/lieux/couverture', '/compte'];
  }
}

/** Waits until the page has drawn its data: a level-1 heading, nothing still loading. */
export async function settled(page: Page) {
  await expect(page.locator('h1').first()).toBeVisible();
  await page.waitForLoadState('networkidle');
  await expect(page.locator('.loading:visible')).toHaveCount(0);
}
