// Playwright drives Debian's Chromium (never a downloaded browser) against the real server,
// started on a fresh SQLite file with the demo data, serving the release build in ../dist, its
// clock set to HORLOGE (horloge.ts) so that dates in the journeys never depend on the day.
import { defineConfig } from '@playwright/test';
import { HORLOGE } from './horloge';

// Several checkouts can run their suites at once: each picks its port and cargo target dir.
const PORT = Number(process.env.E2E_PORT || 8090);
const TARGET = process.env.CARGO_TARGET_DIR || '../target';
const DB = `${TARGET}/e2e-${PORT}.db`;
// E-mails (invitations, resets) are written there as text files; tests read their links.
export const MAIL_DIR = `${TARGET}/e2e-${PORT}-mails`;

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never' }]],
  outputDir: './test-results',
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    locale: 'fr-FR',
    timezoneId: 'Europe/Paris',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
  webServer: {
    command: `rm -rf ${DB} ${DB}-wal ${DB}-shm ${MAIL_DIR} && ${TARGET}/debug/carnet-server --demo --dist ../dist --listen 127.0.0.1:${PORT} --horloge ${HORLOGE}`,
    env: { DATABASE_URL: `sqlite://${DB}`, RUST_LOG: 'warn', CARNET_MAIL_DIR: MAIL_DIR, CARNET_PUBLIC_URL: `http://127.0.0.1:${PORT}` },
    url: `http://127.0.0.1:${PORT}/api/v1/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
