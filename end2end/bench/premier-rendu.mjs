// Time to first render of the map with the venues of the database (used by
// scripts/mesures-lieux.sh, not by the test suite): logs in, opens /lieux, and waits for the
// first count bubble and the total. Prints one line per run.
import { chromium } from '@playwright/test';

const base = process.env.BASE_URL || 'http://127.0.0.1:8293';
const email = process.env.EMAIL;
const password = process.env.PASSWORD;
const runs = Number(process.env.RUNS || 3);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
for (let i = 0; i < runs; i++) {
  // A new context each run: empty cache, so Leaflet, the outlines and the app load again.
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'fr-FR' });
  const page = await context.newPage();
  await page.goto(`${base}/connexion`);
  await page.getByLabel('Adresse e-mail').fill(email);
  await page.getByLabel('Mot de passe').fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/connexion'));
  await page.getByRole('button', { name: 'Se déconnecter' }).waitFor();
  const t0 = Date.now();
  await page.goto(`${base}/lieux`);
  await page.locator('.carte .carte-compte').first().waitFor();
  const bulles = Date.now() - t0;
  await page.getByRole('status').filter({ hasText: /correspondent aux filtres/ }).waitFor();
  const total = await page.locator('.carte-total').textContent();
  const nav = await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0];
    return { dom: Math.round(n.domContentLoadedEventEnd), load: Math.round(n.loadEventEnd) };
  });
  const bytes = await page.evaluate(() =>
    performance.getEntriesByType('resource').reduce((s, r) => s + (r.transferSize || 0), 0),
  );
  console.log(`essai ${i + 1} : carte dessinée en ${bulles} ms (DOM prêt ${nav.dom} ms) ; ${Math.round(bytes / 1024)} Ko transférés ; ${total.trim()}`);
  await context.close();
}
await browser.close();
