// Lieux de médiation numérique dans un vrai Chromium (paquet Debian), piloté par playwright-core,
// JavaScript DÉSACTIVÉ (sauf pour un import, où l'on vérifie l'amélioration progressive) :
//   - recherche /lieux : commune ou code postal + service (volet <details> ouvert au clic),
//     distances croissantes, commune ambiguë (liens de choix), paramètre invalide (422), pagination ;
//   - fiche d'un lieu : fil d'Ariane, « Horaires » (en mots français), source et mise à jour ;
//   - orientation en quatre étapes : une question par page, nombre de lieux qui ne croît jamais,
//     commune inconnue (erreur, on reste à l'étape 2), « Étape précédente » qui garde les réponses,
//     résultats avec distances ;
//   - import par un administrateur : fichier CSV v1.0.2 avec un enregistrement invalide (page
//     d'avancement actualisée par son lien, rapport à l'écran et en CSV), le même avec JavaScript
//     (la page se recharge seule), fichier v0.1 traduit (table de traduction) ;
//   - données ouvertes : /donnees/lieux.csv, .json, .geojson.
// Chaque page affichée est contrôlée : titre « … — Repères », un seul h1, identifiants uniques,
// aucune ressource en échec ni erreur de console, zéro violation axe-core (WCAG 2.1 A et AA +
// bonnes pratiques).
//
// Serveurs : REPERES_BASES="nom=url nom=url" (scripts/navigateur), avec les données de
// démonstration (comptes de démonstration, lieux de l'exemple officiel et de la Charente).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bases, preparerNavigateur, Visite as VisiteDeBase } from './commun.mjs';

const ADMIN = { email: 'admin@demo.reperes.localhost', motDePasse: 'demo-reperes-2026' };
const SERVICE = 'Aide aux démarches administratives';
const DELAI_IMPORT = 30_000;
const EXEMPLE = new URL('../../donnees/lieux/exemple-valide-v1.0.2.csv', import.meta.url);

const dossierTemp = mkdtempSync(join(tmpdir(), 'reperes-lieux-'));

preparerNavigateur(() => rmSync(dossierTemp, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------
// Fichiers à importer
// ---------------------------------------------------------------------------------------------

/**
 * Copie de l'exemple officiel v1.0.2 : l'enregistrement valide (identifiant et nom changés) et un
 * second, identique mais au code postal invalide (4 chiffres).
 */
function fichierV102(nom) {
  const [entete, ligne] = readFileSync(EXEMPLE, 'utf8').split(/\r?\n/).filter(Boolean);
  assert.ok(ligne.startsWith('"structure-1","43493312300029","Anonymal","Reims","51100",'), "début de l'exemple officiel inattendu");
  const valide = ligne.replace('"structure-1"', '"navigateur-1"').replace('"Anonymal"', `"Lieu navigateur ${nom}"`);
  const invalide = ligne.replace('"structure-1"', '"navigateur-2"').replace('"Anonymal"', `"Lieu navigateur ${nom} invalide"`)
    .replace('"51100"', '"5110"');
  const chemin = join(dossierTemp, `lieux-navigateur-${nom}.csv`);
  writeFileSync(chemin, `${entete}\n${valide}\n${invalide}\n`);
  return chemin;
}

/** Deux lieux au schéma v0.1 (intitulés de services et publics accueillis de la v0.1). */
function fichierV01(nom) {
  const chemin = join(dossierTemp, `lieux-v01-${nom}.csv`);
  writeFileSync(chemin, [
    'id,pivot,nom,commune,code_postal,adresse,date_maj,services,publics_accueillis',
    `v01-1,12345678900011,Lieu v0.1 ${nom} un,Angoulême,16000,1 place de l'Hôtel de Ville,2024-01-15,Prendre en main un ordinateur;Accéder à une connexion internet,Seniors (+ 65 ans)`,
    `v01-2,12345678900012,Lieu v0.1 ${nom} deux,Cognac,16100,2 rue de la Paix,2024-02-20,Prendre en main un ordinateur,Seniors (+ 65 ans)`,
  ].join('\n') + '\n');
  return chemin;
}

// ---------------------------------------------------------------------------------------------
// Outils
// ---------------------------------------------------------------------------------------------

/** « à 260 m » → 0,26 ; « à 1,4 km » → 1,4. La distance suit
 * l'adresse, en fin de paragraphe ou avant le point qui précède l'ouverture et les services. */
function distanceKm(texte) {
  const m = / — à (\d+(?:,\d+)?) (m|km)(?:\.|$)/.exec(texte.trim());
  if (!m) return null;
  const v = Number(m[1].replace(',', '.'));
  return m[2] === 'm' ? v / 1000 : v;
}

/** Nombre en tête d'un texte de statut (« 112 lieu(x)… »). */
function nombre(texte) {
  const m = /^(\d+) lieu\(x\)/.exec(texte.trim());
  assert.ok(m, `nombre de lieux introuvable dans « ${texte} »`);
  return Number(m[1]);
}

/**
 * La visite d'une base (commun.mjs), avec les outils propres aux lieux (le script d'avancement
 * des imports est neutralisé pour axe-core par commun.mjs, pour toutes les visites).
 */
class Visite extends VisiteDeBase {
  constructor(nom, url) {
    super(nom, url, { prefixe: 'lieux' });
  }

  /** Chemin de la page courante, avec sa requête (filtres, page). */
  chemin() { const u = new URL(this.page.url()); return u.pathname + u.search; }

  async statut() { return (await this.page.locator('main [role="status"]').first().innerText()).trim(); }

  /** Les résultats affichés : nom, chemin de la fiche, distance (km), texte complet. */
  async resultats() {
    return this.page.locator('main article').evaluateAll((as) => as.map((a) => ({
      nom: a.querySelector('h2 a')?.textContent.trim(),
      // Le chemin de la fiche, sans l'adresse de retour à la liste (?retour=…, vérifiée par aide.test.mjs).
      chemin: a.querySelector('h2 a')?.getAttribute('href')?.split('?')[0],
      adresse: a.querySelector('p')?.textContent.trim() ?? '',
      texte: a.textContent,
    })));
  }
}

/** Distances toutes présentes et dans l'ordre croissant. */
function verifierDistances(resultats, contexte) {
  assert.ok(resultats.length > 0, `${contexte} : aucun résultat`);
  const d = resultats.map((r) => distanceKm(r.adresse));
  assert.ok(d.every((x) => x !== null), `${contexte} : chaque résultat porte sa distance (« — à … km ») : ${resultats.map((r) => r.adresse).join(' | ')}`);
  for (let i = 1; i < d.length; i += 1) {
    assert.ok(d[i] >= d[i - 1], `${contexte} : distances dans l'ordre croissant (${d.join(', ')})`);
  }
  return d;
}

// ---------------------------------------------------------------------------------------------
// Les parcours
// ---------------------------------------------------------------------------------------------

async function rechercheLieux(v) {
  const page = () => v.page;
  await v.nouveauContexte();
  await v.aller('/lieux');
  assert.equal(await page().locator('h1').innerText(), 'Lieux de médiation numérique');
  const totalTous = nombre(await v.statut());

  // Code postal + un service : le volet « Services » (<details>) s'ouvre au clic, sans JavaScript.
  await page().locator('#lieu').fill('16000');
  const volet = page().locator('details', { has: page().locator('summary', { hasText: /^Services/ }) });
  assert.equal(await volet.count(), 1, 'volet « Services »');
  const caseService = volet.getByRole('checkbox', { name: SERVICE, exact: true });
  assert.equal(await caseService.isVisible(), false, 'volet « Services » fermé au départ');
  await volet.locator('summary').click();
  assert.equal(await volet.evaluate((d) => d.open), true, 'le clic sur le résumé ouvre le volet');
  await v.cocher(caseService);
  await v.cliquer(v.bouton('Rechercher'), { capture: true });
  const u = new URL(page().url());
  assert.equal(u.searchParams.get('lieu'), '16000');
  assert.deepEqual(u.searchParams.getAll('service'), [SERVICE]);
  assert.match(await page().locator('main').innerText(), /Autour de Angoulême|Autour d'Angoulême/, 'commune retenue pour 16000');
  const filtres = nombre(await v.statut());
  assert.ok(filtres >= 1 && filtres <= totalTous, `16000 + service : ${filtres} lieu(x) sur ${totalTous}`);
  const trouves = await v.resultats();
  verifierDistances(trouves, '16000 + service');
  for (const r of trouves) assert.match(r.texte, new RegExp(`Services : .*${SERVICE}`), `« ${r.nom} » propose le service choisi`);
  // Le formulaire réaffiché garde les choix, et le volet reste ouvert.
  assert.equal(await page().locator('#lieu').inputValue(), '16000');
  assert.ok(await caseService.isChecked(), 'service toujours coché');
  assert.match(await volet.locator('summary').innerText(), /\(1 choisi\(s\)\)/);
  const recherche16000 = v.chemin();

  // Commune ambiguë : des liens pour préciser, qui mènent à une recherche autour de la commune.
  await v.aller('/lieux');
  await page().locator('#lieu').fill('Saint-Denis');
  await v.cliquer(v.bouton('Rechercher'));
  assert.match(await page().locator('main').innerText(), /Plusieurs communes s'appellent « Saint-Denis » : précisez laquelle/);
  const choix = page().locator('main a[href^="/lieux?lieu=Saint-Denis"]');
  assert.ok(await choix.count() >= 2, 'au moins deux communes « Saint-Denis » proposées');
  const premier = (await choix.first().innerText()).trim();
  await v.cliquer(choix.first());
  assert.equal(new URL(page().url()).searchParams.get('lieu'), premier);
  assert.match(await page().locator('main').innerText(), new RegExp(`Autour de ${premier.replace(/[()]/g, '\\$&')}`));

  // Paramètre invalide : alerte en français, statut 422.
  await v.aller('/lieux?rayon=7000', { statut: 422, capture: true });
  const alerte = page().locator('main .fr-alert--error[role="alert"]');
  assert.equal(await alerte.count(), 1, "alerte d'erreur");
  assert.match(await alerte.innerText(), /rayon : un nombre entier de kilomètres entre 5 et 100 est attendu/);

  // Pagination de la liste complète.
  await v.aller('/lieux');
  const pages = /page 1 sur (\d+)/.exec(await v.statut());
  assert.ok(pages && Number(pages[1]) >= 2, `la liste complète tient sur plusieurs pages (${await v.statut()})`);
  const page1 = await v.resultats();
  assert.equal(page1.length, 20, '20 lieux par page');
  const pagination = page().getByRole('navigation', { name: 'Pagination' });
  await v.cliquer(v.lien('Page suivante', pagination));
  assert.match(await v.statut(), new RegExp(`^${totalTous} lieu\\(x\\), page 2 sur ${pages[1]}( \\(\\d+ fiche\\(s\\) en double regroupée\\(s\\)\\))?\\.$`));
  assert.equal((await pagination.locator('[aria-current="page"]').innerText()).trim(), '2');
  assert.match(await page().title(), /page 2/, 'le titre dit la page');
  const page2 = await v.resultats();
  assert.ok(page2.length >= 1);
  assert.ok(!page2.some((r) => page1.some((s) => s.chemin === r.chemin)), 'la page 2 montre d\'autres lieux que la page 1');
  await v.cliquer(v.lien('Page précédente', pagination));
  assert.deepEqual((await v.resultats()).map((r) => r.chemin), page1.map((r) => r.chemin), 'retour à la page 1');
  return recherche16000;
}

async function ficheLieu(v, recherche16000) {
  const page = () => v.page;
  // Le premier résultat de la recherche autour de 16000.
  await v.aller(recherche16000);
  const premier = page().locator('main article h2 a').first();
  const nomLieu = (await premier.innerText()).trim();
  await v.cliquer(premier, { capture: true });
  assert.match(new URL(page().url()).pathname, /^\/lieux\/[^/]+\/[^/]+$/);
  await verifierFiche(v, nomLieu);

  // Un lieu dont les horaires sont connus (ouvert le lundi à 10 h) : horaires en mots.
  await v.aller('/lieux?jour=lundi&heure=10%3A00');
  assert.ok(nombre(await v.statut()) >= 1, 'au moins un lieu ouvert le lundi à 10 h');
  const avecHoraires = page().locator('main article h2 a').first();
  const nom2 = (await avecHoraires.innerText()).trim();
  await v.cliquer(avecHoraires);
  await verifierFiche(v, nom2);
  const horaires = page().locator('main h2:text-is("Horaires") + p + ul li, main h2:text-is("Horaires") + ul li');
  assert.ok(await horaires.count() >= 1, `${nom2} : horaires listés`);
  const lignes = await horaires.allInnerTexts();
  const jours = /lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche/i;
  assert.ok(lignes.some((l) => jours.test(l) && /\d h/.test(l)), `horaires en mots français : ${lignes.join(' | ')}`);
  assert.ok(lignes.every((l) => !/\b(Mo|Tu|We|Th|Fr|Sa|Su)\b/.test(l)), `pas de syntaxe OpenStreetMap brute : ${lignes.join(' | ')}`);
  assert.match(await page().locator('main .reperes-contact').innerText(), /(Ouvert|Fermé) en ce moment/, 'ouvert ou fermé, dans le bloc contact');
}

async function verifierFiche(v, nomLieu) {
  const page = v.page;
  assert.equal((await page.locator('h1').innerText()).trim(), nomLieu, 'h1 : le nom du lieu');
  const ariane = page.getByRole('navigation', { name: 'Vous êtes ici :' });
  assert.equal(await ariane.count(), 1, "fil d'Ariane");
  assert.equal(await ariane.getByRole('link', { name: 'Lieux', exact: true }).getAttribute('href'), '/lieux');
  assert.equal((await ariane.locator('[aria-current="page"]').innerText()).trim(), nomLieu);
  assert.equal(await page.getByRole('heading', { name: 'Horaires', exact: true, level: 2 }).count(), 1, 'titre « Horaires »');
  assert.match(await page.locator('main').innerText(),
    /Source des données : .+ ; mise à jour par la source le \d{2}\/\d{2}\/\d{4} ; importé le \d{2}\/\d{2}\/\d{4}\./,
    'ligne de source et de mise à jour');
}

async function orientation(v) {
  const page = () => v.page;
  await v.nouveauContexte();
  const etape = async (n, question) => {
    assert.equal((await page().locator('h1 .fr-stepper__state').innerText()).trim(), `Étape ${n} sur 4`, `étape ${n} (${v.chemin()})`);
    if (question) assert.equal(await page().locator('h1').evaluate((h) => h.firstChild.textContent.trim()), question, `h1 de l'étape ${n}`);
    assert.equal(await page().locator('main form').count(), 1, `étape ${n} : un seul formulaire`);
    assert.equal(await page().locator('main form').getAttribute('method'), 'get', `étape ${n} : formulaire GET`);
    const s = await v.statut();
    assert.match(s, /lieu\(x\) correspondent à vos réponses/);
    return nombre(s);
  };
  const cache = (nom) => page().locator(`main form input[type="hidden"][name="${nom}"]`);

  await v.aller('/orientation', { capture: true });
  const n1 = await etape(1, 'De quoi avez-vous besoin ?');
  await v.cocher(page().getByRole('checkbox', { name: SERVICE, exact: true }));
  await v.cliquer(v.bouton('Continuer'));

  const n2 = await etape(2, 'Où cherchez-vous ?');
  assert.ok(n2 <= n1, `étape 2 : ${n2} ≤ ${n1}`);
  assert.equal(await cache('service').getAttribute('value'), SERVICE, 'le service choisi voyage dans le formulaire');
  // Commune inconnue : erreur, on reste à l'étape 2, la réponse précédente est gardée.
  await page().locator('#lieu').fill('Zzzzville');
  await v.cliquer(v.bouton('Continuer'), { statut: 422, capture: true });
  await etape(2, 'Où cherchez-vous ?');
  assert.match(await page().locator('main [role="alert"]').innerText(), /« Zzzzville » n'est pas une commune ou un code postal connu/);
  assert.equal(await cache('service').getAttribute('value'), SERVICE, "le service est gardé après l'erreur");
  await page().locator('#lieu').fill('Angoulême');
  await v.cliquer(v.bouton('Continuer'));

  const n3 = await etape(3, "Avez-vous besoin d'une prise en charge particulière ?");
  assert.ok(n3 <= n2, `étape 3 : ${n3} ≤ ${n2}`);
  assert.equal(await cache('lieu').getAttribute('value'), 'Angoulême');
  // « Étape précédente » : retour à l'étape 2, réponses gardées.
  await v.cliquer(v.lien('Étape précédente'));
  await etape(2);
  assert.equal(await page().locator('#lieu').inputValue(), 'Angoulême', 'commune gardée au retour');
  assert.equal(await cache('service').getAttribute('value'), SERVICE, 'service gardé au retour');
  await v.cliquer(v.bouton('Continuer'));
  assert.equal(await etape(3), n3, 'même nombre en revenant à l’étape 3');

  // Aucune prise en charge cochée : tous les lieux restent.
  const prises = page().locator('main input[name="prise_en_charge"]');
  assert.ok(await prises.count() >= 1, 'des prises en charge sont proposées');
  for (const c of await prises.all()) assert.equal(await c.isChecked(), false);
  await v.cliquer(v.bouton('Continuer'));

  const n4 = await etape(4, 'Quand souhaitez-vous y aller ?');
  assert.ok(n4 <= n3, `étape 4 : ${n4} ≤ ${n3}`);
  await v.cocher(page().getByRole('radio', { name: 'Peu importe', exact: true }));
  await v.cliquer(v.bouton('Voir les lieux'), { capture: true });

  assert.equal((await page().locator('h1').innerText()).trim(), 'Les lieux qui vous correspondent');
  const n5 = nombre(await v.statut());
  assert.ok(n5 <= n4, `résultats : ${n5} ≤ ${n4}`);
  assert.ok(n5 >= 1, 'au moins un lieu autour d’Angoulême pour ce service');
  assert.match(await page().locator('main').innerText(), /Autour de Angoulême|Autour d'Angoulême/);
  const r = await v.resultats();
  assert.equal(r.length, Math.min(n5, 20), 'les lieux listés');
  verifierDistances(r, 'orientation');
  for (const x of r) assert.match(x.texte, new RegExp(`Services : .*${SERVICE}`), `« ${x.nom} » propose le service choisi`);

  // « Modifier mes réponses » : retour à l'étape 4, réponses gardées.
  await v.cliquer(v.lien('Modifier mes réponses'));
  assert.equal(await etape(4), n4);
  assert.ok(await page().getByRole('radio', { name: 'Peu importe', exact: true }).isChecked());
  assert.equal(await cache('lieu').getAttribute('value'), 'Angoulême');
  assert.equal(await cache('service').getAttribute('value'), SERVICE);
  return [n1, n2, n4, n5];
}

/** Suit « Actualiser l'avancement » (sans JavaScript) jusqu'à la fin de l'import. */
async function attendreFinSansJs(v) {
  const fin = Date.now() + DELAI_IMPORT;
  let actualisations = 0;
  for (;;) {
    const actualiser = v.lien("Actualiser l'avancement");
    if (await actualiser.count() === 0) break;
    assert.ok(Date.now() < fin, `import non terminé après ${DELAI_IMPORT / 1000} s : ${await v.page.locator('main').innerText()}`);
    const progression = v.page.locator('progress#progression');
    assert.equal(await progression.count(), 1, "barre d'avancement");
    assert.equal(await v.page.locator('label[for="progression"]').count(), 1, "la barre d'avancement a un libellé");
    await v.page.waitForTimeout(300);
    await v.cliquer(actualiser);
    actualisations += 1;
  }
  return actualisations;
}

/**
 * Dépose un fichier sur la page d'import. Avec JavaScript, la page d'avancement peut se recharger
 * à tout moment : elle n'est alors contrôlée qu'une fois terminée (par l'appelant).
 */
async function importer(v, fichier, source, { javaScript = false } = {}) {
  await v.aller('/administration/lieux');
  assert.equal((await v.page.locator('h1').innerText()).trim(), 'Import des lieux de médiation numérique');
  await v.page.locator('#fichier').setInputFiles(fichier);
  await v.page.locator('#source').fill(source);
  if (javaScript) {
    await Promise.all([v.page.waitForNavigation({ waitUntil: 'load' }), v.bouton('Importer').click()]);
  } else {
    await v.cliquer(v.bouton('Importer'), { capture: true });
  }
  assert.match(new URL(v.page.url()).pathname, /^\/administration\/lieux\/imports\/[0-9a-f-]{36}$/, "page d'avancement de l'import");
  assert.match(await v.page.locator('main').innerText(), new RegExp(`Source « ${source} »`));
}

async function importLieux(v) {
  const page = () => v.page;
  const bilan = [];
  await v.connexion(ADMIN.email, ADMIN.motDePasse);

  // 1. CSV v1.0.2 : un enregistrement valide, un invalide (code postal), sans JavaScript.
  const source = `navigateur-${v.nom}`;
  await importer(v, fichierV102(v.nom), source);
  const actualisations = await attendreFinSansJs(v);
  bilan.push(`import sans JavaScript : ${actualisations} actualisation(s) par le lien avant la fin`);
  const alerte = page().locator('main .fr-alert--success');
  assert.equal(await alerte.count(), 1, `import terminé sans erreur : ${await page().locator('main').innerText()}`);
  assert.equal((await alerte.locator('h2').innerText()).trim(), 'Import terminé');
  assert.match(await alerte.innerText(), /Schéma 1\.0\.2 : 2 enregistrement\(s\) lu\(s\), 1 valide\(s\) importé\(s\).*, 1 rejeté\(s\)/s);
  const table = page().locator('main table', { has: page().locator('caption', { hasText: /^Problèmes/ }) });
  assert.equal(await table.count(), 1, 'tableau des problèmes');
  const ligne = table.locator('tbody tr', { has: page().locator('td:nth-child(2)', { hasText: /^navigateur-2$/ }) });
  assert.ok(await ligne.count() >= 1, "l'enregistrement invalide figure au rapport");
  const champs = await ligne.locator('td:nth-child(3)').allInnerTexts();
  assert.ok(champs.includes('code_postal'), `champ en faute : code_postal (vus : ${champs.join(', ')})`);
  assert.equal(await table.locator('tbody tr', { has: page().locator('td:nth-child(2)', { hasText: /^navigateur-1$/ }) }).count(), 0,
    "l'enregistrement valide n'est pas au rapport");
  // Rapport CSV : téléchargé avec la session.
  const lienCsv = page().locator('main a[href$="/rapport/csv"]');
  assert.equal((await lienCsv.innerText()).trim(), 'CSV');
  const rapport = await v.ctx.request.get(v.url + await lienCsv.getAttribute('href'));
  assert.equal(rapport.status(), 200, 'rapport CSV');
  assert.match(rapport.headers()['content-type'], /^text\/csv/);
  assert.match(rapport.headers()['content-disposition'] ?? '', /^attachment; filename="rapport-navigateur-/);
  const csv = await rapport.text();
  assert.match(csv.split('\n')[0], /^enregistrement,id,champ,valeur,regle,message/);
  assert.ok(csv.split('\n').some((l) => l.includes('navigateur-2') && l.includes('code_postal')), `rapport CSV : ligne navigateur-2 / code_postal\n${csv}`);
  // Le lieu valide est publié : on le trouve par son nom, sa fiche s'affiche.
  await v.aller(`/lieux?q=${encodeURIComponent(`Lieu navigateur ${v.nom}`)}`);
  const trouves = await v.resultats();
  assert.deepEqual(trouves.map((r) => r.chemin), [`/lieux/${source}/navigateur-1`], 'le lieu importé est publié, pas le rejeté');
  await v.cliquer(page().locator('main article h2 a').first());
  await verifierFiche(v, `Lieu navigateur ${v.nom}`);
  assert.match(await page().locator('main').innerText(), new RegExp(`Source des données : ${source} ;`));

  // 2. Le même fichier, avec JavaScript : la page d'avancement se recharge seule à la fin.
  const js = new Visite(v.nom, v.url);
  js.controlees = v.controlees;
  js.numeroCapture = 100;
  try {
    await js.nouveauContexte({ javaScript: true, storageState: await v.ctx.storageState() });
    // Les affichages de la page de suivi : le premier, puis chaque rechargement par le script.
    const suivis = [];
    js.page.on('response', (r) => {
      if (r.request().isNavigationRequest() && r.status() === 200 && /\/administration\/lieux\/imports\/[^/]+$/.test(new URL(r.url()).pathname)) suivis.push(r);
    });
    await importer(js, fichierV102(v.nom), source, { javaScript: true });
    const enCours = await js.page.locator('progress#progression').count() > 0;
    await js.page.locator('main .fr-alert--success h2', { hasText: 'Import terminé' }).waitFor({ timeout: DELAI_IMPORT });
    await js.page.waitForLoadState('load');
    assert.match(new URL(js.page.url()).pathname, /^\/administration\/lieux\/imports\//, 'toujours sur la page de suivi');
    const rechargements = suivis.length - 1;
    if (enCours) assert.ok(rechargements >= 1, 'la page en cours s’est rechargée seule');
    await js.controler(suivis.at(-1), { capture: true });
    bilan.push(enCours
      ? `import avec JavaScript : page en cours, rechargée seule (${rechargements} rechargement(s))`
      : 'import avec JavaScript : déjà terminé au premier affichage');
    assert.match(await js.page.locator('main .fr-alert--success').innerText(), /1 valide\(s\) importé\(s\) \(0 créé\(s\), 1 mis à jour\)/,
      'même source réimportée : mise à jour sur place');
  } finally {
    await js.fermer();
  }

  // 3. CSV v0.1 : traduit, avec sa table de traduction.
  await importer(v, fichierV01(v.nom), `navigateur-${v.nom}-v01`);
  bilan.push(`import v0.1 sans JavaScript : ${await attendreFinSansJs(v)} actualisation(s) par le lien avant la fin`);
  const alerte01 = page().locator('main .fr-alert--success');
  assert.equal(await alerte01.count(), 1, `import v0.1 terminé sans erreur : ${await page().locator('main').innerText()}`);
  assert.match(await alerte01.innerText(), /Schéma 0\.1 \(traduit en v1\.0\.2\) : 2 enregistrement\(s\) lu\(s\), 2 valide\(s\) importé\(s\)/);
  const traduction = page().locator('main table', { has: page().locator('caption', { hasText: 'Traduction du schéma v0.1 vers la v1.0.2' }) });
  assert.equal(await traduction.count(), 1, 'table « Traduction du schéma v0.1 »');
  const notes = await traduction.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent.trim())));
  const note = (id, champ, avant) => notes.find((n) => n[1] === id && n[2] === champ && n[3] === avant);
  assert.match(note('v01-1', 'services', 'Prendre en main un ordinateur')?.[4] ?? '', /Maîtrise des outils numériques du quotidien/, `traduction du service v0.1 : ${JSON.stringify(notes)}`);
  assert.match(note('v01-1', 'services', 'Accéder à une connexion internet')?.[4] ?? '', /Accès internet et matériel informatique/);
  assert.match(note('v01-1', 'publics_accueillis', 'Seniors (+ 65 ans)')?.[4] ?? '', /Seniors/);
  await v.capturer();
  await v.aller('/administration/lieux');
  assert.ok(await page().locator(`main a[href^="/administration/lieux/imports/"]`).count() >= 3, 'imports récents listés');
  return bilan;
}

async function donneesOuvertes(v) {
  await v.nouveauContexte();
  const attendus = {
    'lieux.csv': /^text\/csv; charset=utf-8$/,
    'lieux.json': /^application\/json/,
    'lieux.geojson': /^application\/geo\+json/,
  };
  const corps = {};
  for (const [fichier, type] of Object.entries(attendus)) {
    const r = await v.page.request.get(`${v.url}/donnees/${fichier}`);
    assert.equal(r.status(), 200, `/donnees/${fichier}`);
    assert.match(r.headers()['content-type'], type, `/donnees/${fichier} : type`);
    corps[fichier] = await r.text();
  }
  const entete = corps['lieux.csv'].split('\n')[0];
  for (const c of ['id', 'pivot', 'nom', 'commune', 'code_postal', 'adresse', 'latitude', 'longitude', 'services']) {
    assert.ok(entete.replaceAll('"', '').split(',').includes(c), `CSV : colonne ${c}`);
  }
  const lignesCsv = corps['lieux.csv'].trim().split('\n').length - 1;
  const json = JSON.parse(corps['lieux.json']);
  const liste = Array.isArray(json) ? json : (json.lieux ?? json.data ?? Object.values(json).find(Array.isArray));
  assert.ok(Array.isArray(liste) && liste.length >= 1, 'JSON : une liste de lieux');
  const geo = JSON.parse(corps['lieux.geojson']);
  assert.equal(geo.type, 'FeatureCollection');
  assert.ok(Array.isArray(geo.features) && geo.features.length >= 1, 'GeoJSON : des features');
  let angouleme = 0;
  for (const f of geo.features) {
    assert.equal(f.type, 'Feature');
    if (f.geometry === null) continue; // lieu sans position : permis par GeoJSON
    assert.equal(f.geometry.type, 'Point', 'GeoJSON : géométrie Point');
    const [lon, lat] = f.geometry.coordinates;
    assert.ok(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90, `coordonnées ${f.geometry.coordinates}`);
    if (f.properties?.code_postal === '16000') {
      // Angoulême : longitude ≈ 0,15 E, latitude ≈ 45,65 N (l'ordre [lon, lat] est vérifié ici).
      assert.ok(Math.abs(lon - 0.15) < 0.5 && Math.abs(lat - 45.65) < 0.5, `Angoulême en [lon, lat] : ${f.geometry.coordinates}`);
      angouleme += 1;
    }
  }
  assert.ok(angouleme >= 1, 'GeoJSON : au moins un lieu à Angoulême (16000)');
  return `CSV ${lignesCsv} ligne(s), JSON ${liste.length} lieu(x), GeoJSON ${geo.features.length} feature(s)`;
}

// ---------------------------------------------------------------------------------------------
// Les tests : une suite par base, les bases en parallèle (un serveur chacune).
// ---------------------------------------------------------------------------------------------

describe('lieux', { concurrency: true }, () => {
  for (const { nom, url } of bases) {
    describe(`lieux sur ${nom}`, { concurrency: false }, () => {
      const v = new Visite(nom, url);
      const debut = Date.now();
      let recherche16000;
      const etape = (titre, fn) => test(`${titre} (${nom})`, async () => {
        try {
          const r = await fn();
          if (r !== undefined) console.log(`${nom} : ${titre} : ${Array.isArray(r) ? r.join(' ; ') : r}`);
        } catch (e) {
          await v.capturerEchec();
          throw e;
        }
      });
      etape('recherche /lieux : code postal et service, commune ambiguë, erreur, pagination', async () => {
        recherche16000 = await rechercheLieux(v);
      });
      etape("fiche d'un lieu : fil d'Ariane, horaires en mots, source", async () => {
        assert.ok(recherche16000, 'la recherche a échoué avant');
        await ficheLieu(v, recherche16000);
      });
      etape('orientation en quatre étapes, sans JavaScript', async () => {
        const n = await orientation(v);
        return `nombres de lieux ${n.join(' ≥ ')}`;
      });
      etape("import des lieux par l'administration (v1.0.2 avec rejet, avec JavaScript, v0.1)", () => importLieux(v));
      etape('données ouvertes des lieux', () => donneesOuvertes(v));
      test(`bilan (${nom})`, async () => {
        await v.fermer();
        console.log(`${nom} : lieux en ${((Date.now() - debut) / 1000).toFixed(1)} s ; ${v.controlees.length} pages contrôlées sans violation axe-core :\n  ${v.controlees.join('\n  ')}`);
      });
    });
  }
});
