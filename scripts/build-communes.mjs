// Regenerates server/data/communes.tsv.gz from the official commune list (INSEE COG) as
// published by Etalab in the npm package @etalab/decoupage-administratif (MIT, data Licence Ouverte).
// Run with `make communes`. The server embeds the result and loads it into its database, so
// the commune autocomplete works offline.
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const source = require.resolve('@etalab/decoupage-administratif/data/communes.json');
const communes = JSON.parse(readFileSync(source, 'utf8'));

const kept = communes
  .filter((c) => c.type === 'commune-actuelle' || c.type === 'arrondissement-municipal')
  .map((c) => [c.code, c.nom, c.departement ?? c.code.slice(0, 2), (c.codesPostaux ?? []).join(','), c.population ?? 0])
  .sort((a, b) => a[0].localeCompare(b[0]));

const tsv = kept.map((row) => row.join('\t')).join('\n') + '\n';
const out = new URL('../server/data/communes.tsv.gz', import.meta.url);
writeFileSync(out, gzipSync(Buffer.from(tsv, 'utf8'), { level: 9 }));
console.log(`${kept.length} communes written to ${out.pathname}`);
