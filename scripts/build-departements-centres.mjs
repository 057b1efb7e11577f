// Prints the SQL rows of `departements_centres` (code, name, centre) used by the ledger to rank
// accredited structures by distance: the centroid of each metropolitan département's outline in
// reference/geo/departements-metropole-simplifie.geojson (IGN Admin Express, Licence Ouverte),
// the largest polygon for a multi-polygon. Overseas départements get a name and no centre.
// Run: node scripts/build-departements-centres.mjs > /tmp/rows.sql (then paste into a migration).
import { readFileSync } from 'node:fs';

const geo = JSON.parse(readFileSync(new URL('../reference/geo/departements-metropole-simplifie.geojson', import.meta.url), 'utf8'));

function ringCentroid(ring) {
  let a = 0, cx = 0, cy = 0;
  for (let i = 0; i < ring.length - 1; i++) {
    const [x0, y0] = ring[i];
    const [x1, y1] = ring[i + 1];
    const f = x0 * y1 - x1 * y0;
    a += f;
    cx += (x0 + x1) * f;
    cy += (y0 + y1) * f;
  }
  a /= 2;
  return { area: Math.abs(a), x: cx / (6 * a), y: cy / (6 * a) };
}

const rows = [];
for (const f of geo.features) {
  const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
  const best = polys.map((p) => ringCentroid(p[0])).sort((a, b) => b.area - a.area)[0];
  rows.push([f.properties.code, f.properties.nom, best.x.toFixed(4), best.y.toFixed(4)]);
}
const outreMer = [['971', 'Guadeloupe'], ['972', 'Martinique'], ['973', 'Guyane'], ['974', 'La Réunion'], ['976', 'Mayotte']];
rows.sort((a, b) => a[0].localeCompare(b[0]));
const q = (s) => `'${s.replace(/'/g, "''")}'`;
const values = rows.map(([c, n, x, y]) => `    (${q(c)}, ${q(n)}, ${x}, ${y})`)
  .concat(outreMer.map(([c, n]) => `    (${q(c)}, ${q(n)}, NULL, NULL)`));
console.log('INSERT INTO departements_centres (code, nom, longitude, latitude) VALUES\n' + values.join(',\n') + ';');
