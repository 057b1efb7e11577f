// Every journey fails on a page error (a wasm panic, an uncaught exception) or a console error, on
// every page it visits: a panic after a save left the data saved and the person without feedback,
// and no test saw it. Chromium's own line for a refused request (« Failed to load resource: … 4xx »)
// is not an error of the app: the app shows refusals in the page, where the tests read them.
import { test as base, expect } from '@playwright/test';

const REFUS_HTTP = /^Failed to load resource: the server responded with a status of 4\d\d/;

export const test = base.extend({
  page: async ({ page }, use) => {
    const erreurs: string[] = [];
    page.on('pageerror', (e) => erreurs.push(`page: ${e.message}`));
    // A form with unsaved input asks before the page is left (its draft is kept anyway): the
    // journeys that navigate away answer « leave », as a person who knows the draft stays would.
    // Any other box would be a regression: the app asks its questions in the page.
    page.on('dialog', async (d) => {
      if (d.type() === 'beforeunload') await d.accept();
      else {
        erreurs.push(`boîte du navigateur : ${d.type()} « ${d.message()} »`);
        await d.dismiss();
      }
    });
    page.on('console', (m) => {
      if (m.type() === 'error' && !REFUS_HTTP.test(m.text())) erreurs.push(`console: ${m.text()}`);
    });
    await use(page);
    expect(erreurs, 'erreurs de la page et de la console').toEqual([]);
  },
});

export { expect };
