// Writes public/geo/{departements,regions}.geojson: the outlines of reference/geo/ (IGN via
// france-geojson, Licence Ouverte) with coordinates rounded to 3 decimals (about 100 m, finer than
// a screen pixel at the zooms they are drawn) and repeated points dropped: the map's base layer
// when no tile server is configured. Run `make geo`.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';

const round = (x) => Math.round(x * 1000) / 1000;

function ring(points) {
  const out = [];
  for (const [x, y] of points) {
    const p = [round(x), round(y)];
    const last = out[out.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push(p);
  }
  return out.length >= 4 ? out : null;
}

function geometry(g) {
  if (g.type === 'Polygon') return { type: g.type, coordinates: g.coordinates.map(ring).filter(Boolean) };
  if (g.type === 'MultiPolygon') {
    return {
      type: g.type,
      coordinates: g.coordinates.map((poly) => poly.map(ring).filter(Boolean)).filter((p) => p.length > 0),
    };
  }
  return g;
}

mkdirSync(new URL('../public/geo/', import.meta.url), { recursive: true });
for (const [src, dst] of [
  ['departements-metropole-simplifie.geojson', 'departements.geojson'],
  ['regions-metropole-simplifie.geojson', 'regions.geojson'],
]) {
  const data = JSON.parse(readFileSync(new URL(`../reference/geo/${src}`, import.meta.url), 'utf8'));
  const out = {
    type: 'FeatureCollection',
    features: data.features.map((f) => ({
      type: 'Feature',
      properties: { code: f.properties.code, nom: f.properties.nom },
      geometry: geometry(f.geometry),
    })),
  };
  const text = JSON.stringify(out);
  writeFileSync(new URL(`../public/geo/${dst}`, import.meta.url), text);
  console.log(`public/geo/${dst}: ${out.features.length} contours, ${text.length} octets`);
}
