// Revue des doublons probables (issue 16) dans un vrai Chromium, JavaScript DÉSACTIVÉ :
//   - un administrateur ouvre la revue depuis la page d'import, examine une paire de la
//     démonstration (Charente : homonymes à la même adresse) sans rien décider ;
//   - il importe deux fiches d'un même lieu (même nom, même adresse), les retrouve par le filtre
//     de source, les compare (différences marquées, choix préremplis avec la plus récente),
//     choisit une valeur et fusionne : la fiche gardée montre les horaires choisis, l'adresse de
//     la fiche absorbée y mène, la paire ne revient plus.
// Les paires de la démonstration ne sont pas fusionnées : les autres fichiers de tests voient les
// mêmes serveurs. Chaque page : titre, un seul h1, identifiants uniques, zéro violation axe-core,
// et le budget HTML des pages (30 Ko).
//
// Serveurs : REPERES_BASES="nom=url nom=url" (scripts/navigateur), avec les données de
// démonstration.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bases, preparerNavigateur, Visite } from './commun.mjs';

const ADMIN = { email: 'admin@demo.reperes.localhost', motDePasse: 'demo-reperes-2026' };
const DELAI_IMPORT = 30_000;
const BUDGET_HTML = 30 * 1024;

const dossierTemp = mkdtempSync(join(tmpdir(), 'reperes-doublons-'));
preparerNavigateur(() => rmSync(dossierTemp, { recursive: true, force: true }));

/** Deux fiches d'un même lieu : même nom, même adresse ; la seconde plus récente. */
function fichierDoublons(nom) {
  const chemin = join(dossierTemp, `doublons-${nom}.csv`);
  writeFileSync(chemin, [
    'id,pivot,nom,commune,code_postal,adresse,date_maj,services,horaires,telephone',
    `dbl-1,00000000000000,Lieu doublon ${nom},Angoulême,16000,12 rue des Doublons,2024-01-10,Aide aux démarches administratives,Mo-Fr 09:00-12:00,+33545000001`,
    `dbl-2,00000000000000,Lieu doublon ${nom},Angoulême,16000,12 rue des Doublons,2024-09-10,Aide aux démarches administratives,Mo-Fr 14:00-18:00,+33545000002`,
  ].join('\n') + '\n');
  return chemin;
}

async function budget(v, reponse) {
  const html = await reponse.text();
  assert.ok(Buffer.byteLength(html) <= BUDGET_HTML, `${v.chemin()} : HTML ${Buffer.byteLength(html)} octets > ${BUDGET_HTML}`);
}

async function importer(v, fichier, source) {
  await v.aller('/administration/lieux');
  await v.page.locator('#fichier').setInputFiles(fichier);
  await v.page.locator('#source').fill(source);
  await v.cliquer(v.bouton('Importer'));
  const fin = Date.now() + DELAI_IMPORT;
  for (;;) {
    const actualiser = v.lien("Actualiser l'avancement");
    if (await actualiser.count() === 0) break;
    assert.ok(Date.now() < fin, `import non terminé : ${await v.page.locator('main').innerText()}`);
    await v.page.waitForTimeout(300);
    await v.cliquer(actualiser);
  }
  assert.equal(await v.page.locator('main .fr-alert--success').count(), 1,
    `import terminé : ${await v.page.locator('main').innerText()}`);
}

async function revueDeLaDemo(v) {
  await v.connexion(ADMIN.email, ADMIN.motDePasse);
  await v.aller('/administration/lieux');
  let r = await v.cliquer(v.lien(/^Revue des doublons/));
  assert.equal(v.chemin(), '/administration/lieux/doublons');
  await budget(v, r);
  const statut = (await v.page.locator('main [role="status"]').innerText()).trim();
  const total = Number(statut.match(/^(\d+) paire/)?.[1]);
  assert.ok(total >= 1, `la démonstration (Charente) a des doublons probables : ${statut}`);
  r = await v.cliquer(v.page.locator('main a', { hasText: /^Examiner la paire / }).first());
  assert.match(v.chemin(), /^\/administration\/lieux\/doublons\/[^/]+\/[^/]+$/);
  await budget(v, r);
  const differents = await v.page.locator('main table .fr-badge', { hasText: 'Différent' }).count();
  assert.ok(differents >= 1, 'au moins une différence marquée (les identifiants)');
  assert.equal(await v.bouton('Fusionner les deux fiches').count(), 1);
  assert.equal(await v.bouton('Ce sont deux lieux distincts').count(), 1);
  return `${total} paire(s) dans la démonstration, ${differents} champ(s) différent(s) sur la première`;
}

async function fusion(v) {
  const source = `doublons-${v.nom}`;
  await importer(v, fichierDoublons(v.nom), source);
  let r = await v.aller(`/administration/lieux/doublons?source=${source}`);
  assert.equal((await v.page.locator('main [role="status"]').innerText()).trim(),
    `1 paire(s) à examiner pour la source « ${source} ».`);
  r = await v.cliquer(v.lien(`Examiner la paire ${source}/dbl-1 et ${source}/dbl-2`), { capture: true });
  await budget(v, r);
  assert.match(await v.page.locator('main [role="status"]').innerText(), /^4 champ\(s\) différent\(s\)/);
  // Préremplis avec la fiche la plus récente (B, septembre 2024).
  assert.ok(await v.page.locator('#champ-horaires-b').isChecked());
  assert.ok(await v.page.locator('#champ-telephone-b').isChecked());
  // La fiche A est gardée ; ses horaires aussi ; le téléphone de B.
  await v.cocher(v.page.locator('#garder-a'));
  await v.cocher(v.page.locator('#champ-horaires-a'));
  r = await v.cliquer(v.bouton('Fusionner les deux fiches'), { capture: true });
  assert.equal(v.chemin(), `/lieux/${source}/dbl-1`);
  const texte = await v.page.locator('main').innerText();
  assert.match(texte, /de 9 h à 12 h/, 'horaires choisis (fiche A)');
  assert.match(texte, /05 45 00 00 02/, 'téléphone pris sur la fiche B');
  // L'adresse de la fiche absorbée mène à la fiche gardée.
  await v.aller(`/lieux/${source}/dbl-2`);
  assert.equal(v.chemin(), `/lieux/${source}/dbl-1`);
  // La paire ne revient plus ; la recherche ne montre qu'une fiche.
  await v.aller(`/administration/lieux/doublons?source=${source}`);
  assert.equal((await v.page.locator('main [role="status"]').innerText()).trim(),
    `0 paire(s) à examiner pour la source « ${source} ».`);
  await v.aller(`/lieux?q=${encodeURIComponent(`Lieu doublon ${v.nom}`)}`);
  const liens = await v.page.locator('main article h2 a').evaluateAll((as) => as.map((a) => new URL(a.href).pathname));
  assert.deepEqual(liens, [`/lieux/${source}/dbl-1`]);
  return 'fusion faite, fiche absorbée redirigée';
}

describe('doublons', { concurrency: true }, () => {
  for (const { nom, url } of bases) {
    describe(`doublons sur ${nom}`, { concurrency: false }, () => {
      const v = new Visite(nom, url, { prefixe: 'doublons' });
      const etape = (titre, fn) => test(`${titre} (${nom})`, async () => {
        try {
          const r = await fn();
          if (r !== undefined) console.log(`${nom} : ${titre} : ${r}`);
        } catch (e) {
          await v.capturerEchec();
          throw e;
        }
      });
      etape("revue d'une paire de la démonstration", () => revueDeLaDemo(v));
      etape("fusion d'une paire importée, fiche absorbée redirigée", () => fusion(v));
      test(`bilan (${nom})`, async () => {
        await v.fermer();
        console.log(`${nom} : ${v.controlees.length} pages contrôlées sans violation axe-core :\n  ${v.controlees.join('\n  ')}`);
      });
    });
  }
});
