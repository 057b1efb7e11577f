// Load time of the first pages on a slow mobile connection (used by scripts/mesures-taille.sh,
// not by the test suite): the staff login page (the public pages' app) until its login form is
// visible, the beneficiary space until its code form is visible, and, logged in (the demo's
// conseillère, through the API before the clock starts), the conseiller's dashboard until its
// list of parcours shows, the buyer's dashboard (the pilotage area) until its title shows, the
// statistics (the management area) until their title shows, a new parcours (its own area) until
// its title shows, and the venues' map page until its title shows. Chromium's network emulation
// (CDP Network.emulateNetworkConditions) holds every request to 400 kbit/s down and up with
// 400 ms of latency; each run is a new browser context, so the cache is cold. Each run then
// opens the same page again in that context (a second visit, warm cache: the hashed assets
// come from the cache, the page and the API answers from the server; a staff page for a
// logged-in visitor carries the session, and `/` the dashboard's first reads too, so that those
// cost no round trip of their own).
// Prints each run, then the medians.
import { chromium } from '@playwright/test';

const base = process.env.BASE_URL || 'http://127.0.0.1:8294';
const runs = Number(process.env.RUNS || 3);
const KBITS = Number(process.env.DEBIT_KBITS || 400);
const LATENCE_MS = Number(process.env.LATENCE_MS || 400);

const pages = [
  {
    nom: 'connexion (pages publiques)',
    chemin: '/connexion',
    pret: (page) => page.getByLabel('Adresse e-mail'),
  },
  {
    nom: 'espace bénéficiaire',
    chemin: '/espace/',
    pret: (page) => page.getByLabel('Tapez votre code'),
  },
  {
    nom: 'tableau de bord du conseiller',
    chemin: '/',
    compte: 'camille@demo.carnet.fr',
    pret: (page) => page.locator('#parcours-title'),
  },
  {
    nom: 'tableau de bord du commanditaire (zone pilotage)',
    chemin: '/',
    compte: 'commanditaire@demo.carnet.fr',
    pret: (page) => page.getByRole('heading', { level: 1, name: /^Tableau de bord/ }),
  },
  {
    nom: 'statistiques du conseiller (zone gestion)',
    chemin: '/statistiques',
    compte: 'camille@demo.carnet.fr',
    pret: (page) => page.getByRole('heading', { level: 1, name: 'Statistiques d’activité' }),
  },
  {
    nom: 'nouveau parcours (zone accueil)',
    chemin: '/parcours/nouveau',
    compte: 'camille@demo.carnet.fr',
    pret: (page) => page.getByRole('heading', { level: 1 }),
  },
  {
    nom: 'carte des lieux',
    chemin: '/lieux',
    compte: 'camille@demo.carnet.fr',
    pret: (page) => page.getByRole('heading', { level: 1, name: 'Lieux de médiation numérique' }),
  },
];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
const octetsParSeconde = (KBITS * 1000) / 8;
console.log(`Réseau émulé : ${KBITS} kbit/s dans chaque sens, latence ${LATENCE_MS} ms ; cache vide ; ${runs} essais`);
const mediane = (t) => [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)];
const secondes = (t) => t.map((x) => (x / 1000).toFixed(1)).join(' / ');
for (const p of pages) {
  const temps = [];
  const chauds = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'fr-FR' });
    if (p.compte) {
      const r = await context.request.post(`${base}/api/v1/auth/login`, { data: { email: p.compte, password: 'carnet-demo' } });
      if (!r.ok()) throw new Error(`connexion de ${p.compte} : ${r.status()}`);
    }
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
    await cdp.send('Network.clearBrowserCache');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: LATENCE_MS,
      downloadThroughput: octetsParSeconde,
      uploadThroughput: octetsParSeconde,
    });
    // What actually crossed the (emulated) network, and how it was encoded.
    const reponses = [];
    cdp.on('Network.loadingFinished', (e) => reponses.push({ id: e.requestId, octets: e.encodedDataLength }));
    const encodages = new Map();
    cdp.on('Network.responseReceived', (e) => {
      const h = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
      const nom = new URL(e.response.url).pathname.split('/').pop() || '(page)';
      encodages.set(e.requestId, `${nom}${h['content-encoding'] ? ` (${h['content-encoding']})` : ''}`);
    });
    // One visit of the page: its time until ready, the bytes that crossed the network, and how
    // many requests (the ones of this visit only).
    const visite = async () => {
      reponses.length = 0;
      const t0 = Date.now();
      await page.goto(`${base}${p.chemin}`, { waitUntil: 'commit', timeout: 120_000 });
      await p.pret(page).waitFor({ state: 'visible', timeout: 120_000 });
      const ms = Date.now() - t0;
      const ko = Math.round(reponses.reduce((s, r) => s + r.octets, 0) / 1000);
      return { ms, resume: `${ms} ms ; ${ko} ko transférés en ${reponses.length} requêtes` };
    };
    const froide = await visite();
    temps.push(froide.ms);
    const detail = reponses.map((r) => encodages.get(r.id)).filter(Boolean).join(', ');
    console.log(`  ${p.nom}, essai ${i + 1} : ${froide.resume} : ${detail}`);
    // The second visit, on the same slow network.
    const chaude = await visite();
    chauds.push(chaude.ms);
    console.log(`  ${p.nom}, essai ${i + 1}, seconde visite : ${chaude.resume}`);
    await context.close();
  }
  console.log(`${p.nom} (${p.chemin}) : médiane ${(mediane(temps) / 1000).toFixed(1)} s (essais : ${secondes(temps)} s) ; seconde visite : médiane ${(mediane(chauds) / 1000).toFixed(1)} s (${secondes(chauds)} s)`);
}
await browser.close();
