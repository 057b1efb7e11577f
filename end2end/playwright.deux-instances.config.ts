// Two carnet-server instances on one PostgreSQL database, as a national deployment runs them
// behind a reverse proxy: what one instance writes, the other serves. The database is created
// afresh on the PostgreSQL server of CARNET_TEST_PG (`make test-e2e` runs this suite through
// scripts/postgres.sh, which provides one); instance A seeds the demo data, B starts once A
// answers. Cookies do not depend on the port, so a login on A is a login on B, as behind a proxy.
import { randomBytes } from 'node:crypto';
import { defineConfig } from '@playwright/test';
import base from './playwright.config';
import { HORLOGE } from './horloge';

const PG = process.env.CARNET_TEST_PG || 'postgres://postgres@127.0.0.1:5432/postgres';
const BASE = `carnet_e2e_deux_${process.env.E2E_PORT || 8090}`;
const DB_URL = PG.replace(/\/[^/]*$/, `/${BASE}`);
export const PORT_A = Number(process.env.E2E_PORT || 8090) + 3;
export const PORT_B = PORT_A + 1;
const TARGET = process.env.CARGO_TARGET_DIR || '../target';
const SECRET = randomBytes(32).toString('hex');

function instance(port: number, avant: string) {
  return {
    command: `${avant}${TARGET}/debug/carnet-server --demo --dist ../dist --listen 127.0.0.1:${port} --horloge ${HORLOGE}`,
    env: {
      DATABASE_URL: DB_URL,
      RUST_LOG: 'warn',
      CARNET_MAIL_DIR: `${TARGET}/e2e-${port}-mails`,
      CARNET_PUBLIC_URL: `http://127.0.0.1:${port}`,
      // One secret for both, as every instance of a deployment shares it (a short code issued
      // on A opens the space on B).
      CARNET_SECRET: SECRET,
    },
    url: `http://127.0.0.1:${port}/api/v1/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'pipe' as const,
    stderr: 'pipe' as const,
  };
}

export default defineConfig({
  ...base,
  testDir: './deux-instances',
  use: { ...base.use, baseURL: `http://127.0.0.1:${PORT_A}` },
  webServer: [
    instance(PORT_A, `psql "${PG}" -qc 'DROP DATABASE IF EXISTS ${BASE} WITH (FORCE)' -c 'CREATE DATABASE ${BASE}' && `),
    // B waits for A: the demo data is seeded once, by A, into the new database.
    instance(PORT_B, `until node -e "fetch('http://127.0.0.1:${PORT_A}/api/v1/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"; do sleep 0.3; done; `),
  ],
});
