// Measures the beneficiary space « Mon parcours » as a phone on a slow network would get it:
// bytes transferred for the first page (HTML, JS, wasm, CSS, API answer; brotli as served) and
// the time until the person's name is on screen, in Chromium with Network.emulateNetworkConditions
// at 400 kbit/s down and up, 400 ms round trip, cache disabled.
//
// Usage: BASE_URL=http://127.0.0.1:8097 node end2end/scripts/measure-espace.mjs
// (a carnet-server started with --demo and the built dist/; the script logs in as the demo
// conseillère, creates Monique's personal link, then opens it cold).
import { chromium } from '@playwright/test';

const BASE = process.env.BASE_URL || 'http://127.0.0.1:8097';
const RUNS = Number(process.env.RUNS || 3);

async function personalLink() {
  const login = await fetch(`${BASE}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: 'camille@demo.carnet.fr', password: 'carnet-demo' }),
  });
  if (!login.ok) throw new Error(`login: ${login.status}`);
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const tdb = await (await fetch(`${BASE}/api/v1/tableau-de-bord`, { headers: { cookie } })).json();
  const p = tdb.parcours.find((x) => x.prenom === 'Monique');
  const r = await fetch(`${BASE}/api/v1/parcours/${p.id}/lien`, { method: 'POST', headers: { cookie, 'Content-Type': 'application/json' }, body: '{}' });
  return (await r.json()).url.replace(/^https?:\/\/[^/]+/, BASE);
}

async function measure(browser, url, ready) {
  const ctx = await browser.newContext({ viewport: { width: 393, height: 851 }, isMobile: true, hasTouch: true, locale: 'fr-FR' });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 400,
    downloadThroughput: (400 * 1000) / 8,
    uploadThroughput: (400 * 1000) / 8,
  });
  const urls = new Map();
  const bytes = new Map();
  cdp.on('Network.responseReceived', (e) => urls.set(e.requestId, { url: e.response.url, encoding: e.response.headers['content-encoding'] || e.response.headers['Content-Encoding'] || '' }));
  cdp.on('Network.loadingFinished', (e) => bytes.set(e.requestId, e.encodedDataLength));
  const t0 = Date.now();
  await page.goto(url, { waitUntil: 'commit' });
  await page.getByRole('heading', { level: 1, name: ready }).waitFor({ timeout: 120_000 });
  const visible = Date.now() - t0;
  await page.waitForLoadState('load');
  const files = [...urls].map(([id, u]) => ({ file: u.url.replace(BASE, '').replace(/#.*/, '').replace(/espace\/[A-Za-z0-9_-]{43}/, 'espace/<jeton>'), encoding: u.encoding, bytes: bytes.get(id) || 0 }));
  await ctx.close();
  return { visible, files, total: files.reduce((a, f) => a + f.bytes, 0) };
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
const url = await personalLink();
for (const [what, target, ready] of [
  ['espace personnel (lien)', url, /^Bonjour /],
  ['accueil (code à taper)', `${BASE}/espace/`, 'Mon parcours Pass numérique'],
  // For comparison: the staff app's first page, if the space were part of it.
  ['application des conseillers (connexion), pour comparer', `${BASE}/connexion`, 'Connexion'],
]) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await measure(browser, target, ready));
  const last = runs[runs.length - 1];
  console.log(`\n== ${what}`);
  for (const f of last.files) console.log(`${String(f.bytes).padStart(8)} B  ${f.encoding.padEnd(3)}  ${f.file}`);
  console.log(`${String(last.total).padStart(8)} B  total transferred (headers included)`);
  console.log(`visible after: ${runs.map((r) => r.visible).join(' ms, ')} ms (slow network: 400 kbit/s, RTT 400 ms)`);
}
await browser.close();
