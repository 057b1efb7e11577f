// Data a test needs beyond the demo, written in its own setup through the server's command line
// (the documented `admin` and `lieux import` commands, on the suite's database) and its API —
// never in the demo seed. Each run makes its own structure, accounts and names.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { APIRequestContext, expect } from '@playwright/test';
import { HORLOGE, serverDate } from '../horloge';
import { passCode } from './helpers';

const PORT = Number(process.env.E2E_PORT || 8090);
// As in playwright.config.ts, relative to the end2end folder.
const TARGET = path.resolve(__dirname, '..', process.env.CARGO_TARGET_DIR || '../target');
const DB = `${TARGET}/e2e-${PORT}.db`;

/** Runs `carnet-server <args>` on the suite's database, at the suite's clock; returns the last
 * line it prints (the new object's id for the `admin create-…` commands). */
export function cli(args: string[], env: Record<string, string> = {}): string {
  const out = execFileSync(`${TARGET}/debug/carnet-server`, ['--horloge', HORLOGE, ...args], {
    env: { ...process.env, DATABASE_URL: `sqlite://${DB}`, RUST_LOG: 'error', ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return out.trim().split('\n').pop() ?? '';
}

/** A password that follows the rules (12+ characters, not built on the address). */
export const SEED_PASSWORD = 'Ardoise-marée-2027';

/** A new structure in Brest with a coordinatrice; returns her e-mail. */
export function newStructure(label: string): { email: string; structureId: number } {
  const stamp = `${Date.now()}${Math.floor(Math.random() * 1000)}`;
  const structureId = Number(cli(['admin', 'create-structure', '--nom', `${label} ${stamp}`, '--commune-insee', '29019']));
  const email = `coord-${stamp}@e2e.carnet.fr`;
  cli(
    ['admin', 'create-conseiller', '--structure-id', String(structureId), '--email', email, '--prenom', 'Paula', '--nom', 'Page', '--role', 'coordinateur'],
    { CARNET_PASSWORD: SEED_PASSWORD },
  );
  return { email, structureId };
}

export async function apiLogin(request: APIRequestContext, email: string, password: string) {
  const r = await request.post('/api/v1/auth/login', { data: { email, password } });
  expect(r.ok(), await r.text()).toBeTruthy();
}

/** `n` intakes through the API (a carnet of 5 received elsewhere each); returns their ids.
 * `agenda`: the person agreed to the calendar feed. */
export async function intakes(
  request: APIRequestContext,
  n: number,
  prenom: string,
  agenda = false,
): Promise<{ parcours_id: number; beneficiaire_id: number }[]> {
  const notice = await (await request.get('/api/v1/notice-information')).json();
  const out = [];
  for (let i = 1; i <= n; i++) {
    const r = await request.post('/api/v1/parcours', {
      data: {
        prenom: `${prenom} ${String(i).padStart(2, '0')}`,
        annee_naissance: String(1940 + i),
        commune_insee: '29019',
        carnet_numero: `CN-${Date.now()}-${i}`,
        nb_passes: '5',
        valeur_faciale: '10',
        fin_validite: serverDate(180),
        codes: Array.from({ length: 5 }, passCode),
        commanditaire: 'Brest métropole',
        canal: 'mairie',
        date_reception: serverDate(0),
        information: { notice_id: notice.id, notice_remise: true, rappels: false, telephone: '', email: '', agenda },
      },
    });
    expect(r.status(), await r.text()).toBe(201);
    out.push(await r.json());
  }
  return out;
}

/** `n` venues in Strasbourg (far from the demo's Brittany and from any hub's territory), by
 * `carnet-server lieux import`; returns the common start of their names. */
export function venuesInStrasbourg(n: number): string {
  const stamp = Date.now();
  const prefix = `Lieu paginé ${stamp}`;
  const header =
    'id,pivot,nom,commune,code_postal,code_insee,adresse,complement_adresse,latitude,longitude,typologie,telephone,courriels,site_web,horaires,presentation_resume,presentation_detail,source,itinerance,structure_parente,date_maj,services,publics_specifiquement_adresses,prise_en_charge_specifique,frais_a_charge,dispositif_programmes_nationaux,formations_labels,autres_formations_labels,modalites_acces,modalites_accompagnement,fiche_acces_libre,prise_rdv';
  const rows = Array.from({ length: n }, (_, k) => {
    const i = String(k + 1).padStart(2, '0');
    const lat = (48.57 + k * 0.0007).toFixed(4);
    const lon = (7.74 + k * 0.0009).toFixed(4);
    return `"pagination-${stamp}-${i}","43493312300029","${prefix} n°${i}","Strasbourg","67000","67482","${k + 1} rue du Dôme","","${lat}","${lon}","ASSO","","","","","","","Réseau e2e","Fixe","","2026-01-10","Aide aux démarches administratives","","","Gratuit","","","","Se présenter","Accompagnement individuel","",""`;
  });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'carnet-e2e-')), 'lieux.csv');
  fs.writeFileSync(file, [header, ...rows].join('\n') + '\n');
  cli(['lieux', 'import', file]);
  return prefix;
}
