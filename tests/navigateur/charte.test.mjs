// Parcours de la charte « Territoire d'Actions pour un numérique inclusif » dans un vrai Chromium
// (paquet Debian), piloté par playwright-core, JavaScript DÉSACTIVÉ (le site doit fonctionner sans) :
//   1. inscription → courriel de vérification → connexion → organisation « Collectivité
//      territoriale » (Amiens ; SIRET d'abord mal recopié : message en mots simples au champ,
//      saisie conservée, puis SIRET valide) → « Décrire la démarche territoriale » (la charte se
//      signe pour la démarche, sans autre dispositif à déclarer) → autodiagnostic de la charte (un seul dispositif : non éligible ; deux : éligible)
//      → dossier en étapes : partenaires laissés vides (le récapitulatif le signale, avec un lien
//      vers l'étape, et n'offre pas le dépôt), deux des six dispositifs retenus avec leurs actions,
//      déclaration, engagements ; dépôt refusé sans partenaire (formulaire resté ouvert dans un
//      autre onglet), puis partenaires saisis et dépôt ;
//   2. instruction : prise en charge, appréciation des dispositifs retenus, bouton « Contresigner
//      la charte », état « Signée et contresignée » ;
//   3. le territoire publie un rapport (erreur d'un fichier de 21 Mo, puis sans licence : le
//      formulaire revient, saisie conservée, message au champ ; puis Licence Ouverte 2.0 et un
//      PDF) et télécharge l'attestation de signature (nom de fichier lisible, émetteur, récépissé) ;
//   4. sans compte : /chartes, page du territoire (partenaires, dispositifs et actions, rapport,
//      licence, pièce jointe téléchargeable), page du rapport, /donnees/chartes.csv ;
//   4 bis. l'attestation d'un label de la démonstration : nom de fichier lisible, émetteur (ANCT)
//      et récépissé sur la page de vérification ;
//   5. indicateurs : signataires de la charte dans la Somme (80) pour l'année en cours, et
//      cartographie des acteurs de la Charente (16) égale au nombre de lieux de /donnees/lieux.csv
//      dont le code postal commence par 16.
// Mots : sur chaque page du parcours de la commune, le texte visible du contenu principal ne dit
// ni « label », ni « niveau visé », ni « labellisation », et aucun guillemet n'est doublé (échec
// sur les pages de la charte, de l'espace et des attestations ; simple remarque sur les étapes et
// la page du dossier, qui relèvent d'une autre part de l'issue 12).
// Chaque page affichée est contrôlée : titre « … — Repères », un seul h1, identifiants uniques,
// aucune ressource en échec ni erreur de console, zéro violation axe-core (WCAG 2.1 A et AA +
// bonnes pratiques) sur exactement le HTML reçu (y compris une page rendue après un POST).
//
// Serveurs : REPERES_BASES="nom=url nom=url" (scripts/navigateur) ; pour chaque base, le dossier
// où le serveur écrit ses courriels est donné par REPERES_COURRIELS_<NOM> (nom en majuscules).
// Adresses, noms et SIRET sont uniques à chaque exécution : le test se relance sur le même serveur.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bases, preparerNavigateur, Visite as VisiteDeBase } from './commun.mjs';

const AGENT = { email: 'instructeur@demo.reperes.localhost', motDePasse: 'demo-reperes-2026' };
const PORTEUR_DEMO = { email: 'porteur@demo.reperes.localhost', motDePasse: 'demo-reperes-2026' };
const REFERENTIEL = 'charte-territoire-actions';
// Les deux dispositifs de la charte retenus (article 3 : au moins deux des six).
const RETENUS = {
  formation_aidants: 'Formation et outillage des aidants numériques',
  pix: 'Déploiement de PIX',
};
const SIX_DISPOSITIFS = 6;
const ANNEE = new Date().getFullYear();

const dossierTemp = mkdtempSync(join(tmpdir(), 'reperes-charte-'));
const PDF = join(dossierTemp, 'bilan-annuel.pdf');
writeFileSync(PDF, '%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
// Un PDF de 21 Mo : au-delà des 20 Mo admis par fichier.
const PDF_TROP_GROS = join(dossierTemp, 'bilan-complet.pdf');
writeFileSync(PDF_TROP_GROS, Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(21 * 1024 * 1024, 0x20)]));

preparerNavigateur(() => rmSync(dossierTemp, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------
// Outils
// ---------------------------------------------------------------------------------------------

/** Un SIRET de collectivité (« 21… ») bien formé : 13 chiffres, puis la clé de Luhn. */
function siretValide(graine) {
  const corps = `21${String(graine).replace(/\D/g, '').slice(-11).padStart(11, '0')}`;
  for (let cle = 0; cle <= 9; cle += 1) {
    const s = corps + cle;
    const somme = [...s].reverse().reduce((t, c, i) => {
      let d = Number(c);
      if (i % 2 === 1) { d *= 2; if (d > 9) d -= 9; }
      return t + d;
    }, 0);
    if (somme % 10 === 0) return s;
  }
  throw new Error('clé de Luhn introuvable');
}

/** Lecture d'un CSV (RFC 4180 : champs entre guillemets, guillemets doublés, sauts de ligne). */
function lireCsv(texte) {
  const lignes = [];
  let ligne = [];
  let champ = '';
  let entre = false;
  for (let i = 0; i < texte.length; i += 1) {
    const c = texte[i];
    if (entre) {
      if (c === '"' && texte[i + 1] === '"') { champ += '"'; i += 1; } else if (c === '"') entre = false;
      else champ += c;
    } else if (c === '"') entre = true;
    else if (c === ',') { ligne.push(champ); champ = ''; } else if (c === '\n' || c === '\r') {
      if (c === '\r' && texte[i + 1] === '\n') i += 1;
      ligne.push(champ); lignes.push(ligne); ligne = []; champ = '';
    } else champ += c;
  }
  if (champ !== '' || ligne.length) { ligne.push(champ); lignes.push(ligne); }
  const [entete, ...reste] = lignes.filter((l) => l.length > 1 || l[0] !== '');
  return reste.map((l) => Object.fromEntries(entete.map((k, i) => [k, l[i] ?? ''])));
}

/** La visite d'une base (commun.mjs), avec les outils propres à la charte. */
class Visite extends VisiteDeBase {
  constructor(nom, url) {
    super(nom, url, { prefixe: 'charte', courriels: true });
    // Remarques sur le vocabulaire propre à une charte, relevées sans faire échouer le test.
    this.remarques = [];
  }

  async texte(selecteur = 'main') { return this.page.locator(selecteur).innerText(); }

  /**
   * Après chaque page contrôlée, si `this.motsDeCharte` : le texte visible du contenu principal
   * ne dit ni « label », ni « niveau visé », ni « labellisation », sans guillemet doublé. Échec
   * sur les pages de cette part (organisation, démarche, autodiagnostic, espace, rapports,
   * attestations, chartes) ; remarque ailleurs (étapes et page du dossier).
   */
  async controler(reponse, options = {}) {
    const r = await super.controler(reponse, options);
    if (this.motsDeCharte) await this.verifierMots();
    return r;
  }

  async verifierMots() {
    const chemin = this.chemin();
    if (chemin === '/' || /^\/(connexion|inscription|verification)/.test(chemin)) return;
    const texte = await this.texte();
    const fautes = ['label', 'niveau visé', 'labellisation'].filter((m) => texte.toLowerCase().includes(m))
      .map((m) => `« ${m} » : « ${texte.match(new RegExp(`[^\n.]*${m}[^\n.]*`, 'i'))?.[0]?.trim()} »`);
    for (const d of ['« Label «', '« Charte «', '» »', '« «']) if (texte.includes(d)) fautes.push(`guillemets doublés « ${d} »`);
    const strict = /^\/(organisations|dispositifs|espace|chartes|attestations|dossiers)(\/|$)/.test(chemin);
    if (strict) assert.deepEqual(fautes, [], `${chemin} : mots d'un label sur une page de la charte`);
    else this.remarquer(fautes.length === 0, `${chemin} (charte) : ${fautes.join(' ; ')}`);
  }

  /** Relève un libellé de label resté sur une page de charte (rapporté, sans échec). */
  remarquer(condition, message) {
    if (!condition) this.remarques.push(message);
  }

  async titreEtape() {
    return this.page.locator('.fr-stepper__title').evaluate((e) => e.firstChild.textContent.trim());
  }

  /** Valeur de l'année en cours dans le tableau d'un indicateur (ligne « AAAA (à ce jour) »). */
  async valeurIndicateur(id) {
    const table = this.page.locator(`table#tableau-${id}`);
    assert.equal(await table.count(), 1, `tableau de l'indicateur ${id}`);
    const lignes = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent.trim())));
    const ligne = lignes.find((l) => l[0].startsWith(String(ANNEE)));
    assert.ok(ligne, `${id} : pas de ligne pour ${ANNEE} (lignes : ${lignes.map((l) => l[0]).join(', ')})`);
    assert.match(ligne[0], /à ce jour/, `${id} : la ligne ${ANNEE} est celle du jour`);
    const v = Number(ligne[1].replace(/\s/g, '').replace(',', '.'));
    assert.ok(Number.isFinite(v), `${id} : valeur ${ANNEE} « ${ligne[1]} » non numérique`);
    return v;
  }
}

/**
 * Télécharge l'attestation par son lien (redirection vers /attestations/<id>.pdf) : PDF, nom de
 * fichier ASCII lisible (`filename`) et nom UTF-8 (`filename*`) portant le récépissé. Rend
 * l'adresse de la page de vérification.
 */
async function telechargerAttestation(v, lien, nomAttendu, numero) {
  const href = await lien.getAttribute('href');
  const r = await v.ctx.request.get(v.url + href);
  assert.equal(r.status(), 200, `attestation ${href}`);
  assert.equal(r.headers()['content-type'], 'application/pdf');
  assert.ok((await r.body()).subarray(0, 5).toString() === '%PDF-', 'un PDF');
  const disposition = r.headers()['content-disposition'] ?? '';
  const m = /^inline; filename="([^"]+)"; filename\*=UTF-8''(\S+)$/.exec(disposition);
  assert.ok(m, `Content-Disposition : ${disposition}`);
  assert.match(m[1], nomAttendu, `nom de fichier ASCII : ${m[1]}`);
  assert.ok(m[1].endsWith(`-${numero.replace(/^REP-/, '').toLowerCase()}.pdf`), `${m[1]} finit par le récépissé ${numero}`);
  const utf8 = decodeURIComponent(m[2]);
  assert.ok(utf8.startsWith('Attestation ') && utf8.endsWith(` — ${numero}.pdf`), `nom UTF-8 : ${utf8}`);
  const chemin = new URL(r.url()).pathname;
  assert.match(chemin, /^\/attestations\/[^/]+\.pdf$/);
  return chemin.replace(/\.pdf$/, '');
}

/** 4 bis. L'attestation d'un label de la démonstration (compte du porteur de la démo). */
async function attestationDeLaDemo(v) {
  const page = () => v.page;
  await v.nouveauContexte();
  await v.connexion(PORTEUR_DEMO.email, PORTEUR_DEMO.motDePasse);
  await v.aller('/espace');
  const ligne = page().locator('main tbody tr').filter({ hasText: 'NEC 2022' }).filter({ hasText: /Labellisé/ }).first();
  assert.equal(await ligne.count(), 1, '/espace : un dossier NEC 2022 labellisé dans la démonstration');
  const numero = (await ligne.locator('td').first().innerText()).trim();
  await v.cliquer(ligne.locator('a').first());
  const verification = await telechargerAttestation(v, v.lien("Télécharger l'attestation de labellisation (PDF)"), /^attestation-label-nec-2022-[a-z0-9-]+-[0-9-]+\.pdf$/, numero);
  await v.aller(verification);
  const dl = await page().locator('main dl').innerText();
  assert.match(dl, /Label délivré par\s+l'Agence nationale de la cohésion des territoires \(ANCT\) ; Repères est la plateforme/);
  assert.ok(dl.includes(`n° ${numero}`), `récépissé ${numero} : ${dl}`);
  assert.doesNotMatch(await v.texte(), /« Label «/);
  await v.deconnexion();
  return `attestation ${verification} (dossier ${numero})`;
}

// ---------------------------------------------------------------------------------------------
// Le parcours, en étapes qui partagent leur état
// ---------------------------------------------------------------------------------------------

function donnees() {
  const suffixe = `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  return {
    porteur: {
      nom: 'Camille Territoire',
      email: `territoire-${suffixe}@exemple.fr`,
      motDePasse: 'une phrase de passe solide',
    },
    organisation: `Commune d'essai Amiens ${suffixe}`,
    siret: siretValide(suffixe),
    dispositif: `Démarche Amiens numérique pour tous ${suffixe}`,
    partenaires: [
      ['Centre communal d’action sociale d’Amiens', 'accueil et orientation des publics'],
      ['Association Picardie Médiation Numérique', 'ateliers et accompagnement'],
      ['France services Amiens Nord', 'aide aux démarches en ligne'],
    ],
    actions: {
      formation_aidants: 'Former 40 aidants numériques des centres sociaux et de la mairie en 2026, avec un kit d’outils partagé.',
      pix: 'Proposer le parcours PIX des compétences de base dans les trois France services, avec un suivi trimestriel.',
    },
    rapport: {
      titre: `Bilan ${ANNEE} de la démarche Territoire d'Actions (${suffixe})`,
      demarche: 'Comité de pilotage trimestriel avec les partenaires ; comptes rendus et supports publiés sur le site de la commune.',
      impact: '312 personnes accompagnées, 38 aidants formés, 120 parcours PIX réalisés.',
      retours: 'PIX : le parcours de base convient aux publics éloignés, mais l’inscription reste difficile sans adresse électronique.',
    },
  };
}

/** 1. Inscription, connexion, organisation, dispositif, autodiagnostic, création du dossier. */
async function inscriptionEtDossier(v, x) {
  const page = () => v.page;
  // Indicateur de la Somme avant la signature (pour vérifier qu'il augmente ensuite).
  await v.nouveauContexte();
  await v.aller('/territoires/departement/80');
  x.signatairesAvant = await v.valeurIndicateur('signataires-charte');

  await v.aller('/');
  await v.cliquer(v.lien('Créer un compte'));
  await v.remplir({ nom: x.porteur.nom, email: x.porteur.email, mot_de_passe: x.porteur.motDePasse });
  await v.cliquer(v.bouton('Créer mon compte'));
  assert.match(await page().locator('h1').innerText(), /Vérifiez votre messagerie/);
  const verification = await v.lireCourriel(x.porteur.email, { sujet: /confirmez votre adresse/, corps: /\/verification\/\S+/ });
  await v.aller(v.cheminDuLien(verification.corps, /https?:\/\/\S+\/verification\/\S+/));
  assert.match(await page().locator('h1').innerText(), /Adresse confirmée/);
  await v.connexion(x.porteur.email, x.porteur.motDePasse);

  // Organisation : une collectivité territoriale (structure éligible, article 1er). Le SIRET est
  // d'abord mal recopié (un chiffre changé) : message en mots simples au champ, saisie conservée.
  v.motsDeCharte = true;
  await v.cliquer(v.lien('Déclarer une organisation'));
  const options = await page().locator('#type_organisation option').allTextContents();
  assert.ok(options.includes('Collectivité territoriale'), `type « Collectivité territoriale » proposé (options : ${options.join(', ')})`);
  const siretFaux = x.siret.slice(0, 5) + ((Number(x.siret[5]) + 1) % 10) + x.siret.slice(6);
  await v.remplir({
    nom: x.organisation, type_organisation: 'Collectivité territoriale', siret: siretFaux,
    voie: 'Place de l’Hôtel de Ville', code_postal: '80000', commune: 'Amiens',
  });
  await v.cliquer(v.bouton("Enregistrer l'organisation"), { statut: 422, capture: true });
  assert.match(await page().title(), /^Déclarer une organisation \(erreurs\) — Repères$/);
  assert.equal((await page().locator('h1').innerText()).trim(), 'Déclarer une organisation');
  assert.equal(await page().locator('#erreurs a[href="#siret"]').count(), 1, 'le résumé des erreurs renvoie à #siret');
  const erreurSiret = page().locator(`#${await page().locator('#siret').getAttribute('aria-describedby')}`);
  assert.match(await erreurSiret.innerText(), /^Ce SIRET n'est pas valide : un chiffre est sans doute mal recopié, ou deux chiffres inversés \(14 chiffres attendus/);
  assert.doesNotMatch(await v.texte(), /Luhn|Requête invalide/);
  assert.equal(await page().locator('#siret').inputValue(), siretFaux, 'SIRET saisi conservé');
  assert.equal(await page().locator('#nom').inputValue(), x.organisation, 'nom conservé');
  assert.equal(await page().locator('#commune').inputValue(), 'Amiens', 'commune conservée');
  assert.equal(await page().locator('#type_organisation').inputValue(), 'collectivite_territoriale', 'type conservé');
  await v.remplir({ siret: x.siret });
  await v.cliquer(v.bouton("Enregistrer l'organisation"));
  assert.match(page().url(), /\/organisations\/[^/?]+\?ok=organisation$/, `organisation enregistrée (${await v.texte()})`);
  assert.equal(await page().locator('h1').innerText(), x.organisation);
  assert.match(await v.texte(), new RegExp(`Collectivité territoriale — SIRET ${x.siret}`));

  // La charte se signe pour la démarche territoriale : aucun autre dispositif à déclarer.
  const encadre = page().locator('section[id="charte-charte-territoire-actions"]');
  assert.match(await encadre.locator('h2').innerText(), /^Signer la Charte « Territoire d'Actions pour un numérique inclusif »$/);
  assert.match(await encadre.innerText(), /Il n'y a rien d'autre à déclarer/);
  await v.cliquer(v.lien('Décrire la démarche territoriale', encadre));
  assert.equal((await page().locator('h1').innerText()).trim(), 'Décrire la démarche territoriale');
  assert.deepEqual((await page().locator('#type_dispositif option').allTextContents()).filter((t) => !/^Choisir/.test(t)), ['Démarche territoriale partenariale']);
  await v.remplir({
    nom: x.dispositif,
    description: 'La démarche amiénoise d’inclusion numérique, avec les acteurs sociaux et associatifs du territoire.',
  });
  await v.cliquer(v.bouton('Enregistrer la démarche'));
  assert.match(v.chemin(), new RegExp(`^/dispositifs/[^/]+/autodiagnostic/${REFERENTIEL}$`), 'la démarche mène au choix des dispositifs de la charte');

  // Autodiagnostic de la charte : un seul dispositif retenu ne suffit pas (article 3).
  assert.match(await page().locator('h1').innerText(), /Territoire d'Actions/);
  const criteres = page().locator('fieldset[id^="critere-"]');
  assert.equal(await criteres.count(), SIX_DISPOSITIFS, 'la charte compte six dispositifs');
  for (const f of await page().locator('fieldset[id^="declaration-"]').all()) await v.cocher(f.getByRole('radio', { name: 'Oui', exact: true }));
  const choisir = async (retenus) => {
    for (const f of await criteres.all()) {
      const id = (await f.getAttribute('id')).replace(/^critere-/, '');
      await v.cocher(page().locator(`#niveau_${id}_${retenus.includes(id) ? 1 : 0}`));
    }
  };
  await choisir(['formation_aidants']);
  await v.cliquer(v.bouton('Voir le résultat'));
  assert.match(await page().locator('#resultat h2').innerText(), /Non éligible/, 'un seul dispositif : non éligible');
  assert.match(await page().locator('#resultat').innerText(), /au moins deux des six dispositifs/);
  assert.equal(await v.bouton('Commencer le dossier').count(), 0, 'pas de dossier sans deux dispositifs');
  await choisir(Object.keys(RETENUS));
  await v.cliquer(v.bouton('Voir le résultat'), { capture: true });
  const resultat = await page().locator('#resultat h2').innerText();
  assert.equal(resultat, 'Éligible : le territoire peut signer la charte', `résultat de l'autodiagnostic : ${resultat}`);
  await v.cliquer(v.bouton('Commencer le dossier'));
  const m = /\/dossiers\/([^/]+)\/etapes\/1$/.exec(page().url());
  assert.ok(m, `le dossier commence à l'étape 1 (${page().url()})`);
  x.idDossier = m[1];
  return `organisation ${x.organisation} (SIRET ${x.siret}), dossier ${x.idDossier}`;
}

/** 2. Les étapes : sans partenaire d'abord (dépôt impossible), puis avec, et le dépôt. */
async function etapesEtDepot(v, x) {
  const page = () => v.page;
  const total = await v.etapeAttendue(1);
  // Les dispositifs retenus à l'autodiagnostic pré-remplissent le dossier : seuls eux ont leur étape.
  assert.equal(total, 1 + 1 + Object.keys(RETENUS).length + 2, 'étapes : informations, partenaires, 2 dispositifs retenus, engagements, récapitulatif');
  assert.equal(await page().locator('#niveau_vise').count(), 0, 'un seul niveau : pas de « niveau visé » pour une charte');
  for (const id of Object.keys(RETENUS)) assert.ok(await page().locator(`#dispositif_${id}`).isChecked(), `dispositif ${id} retenu à l'autodiagnostic`);
  assert.ok(!await page().locator('#dispositif_cartographie').isChecked(), 'dispositif non retenu à l’autodiagnostic');
  for (const f of await page().locator('fieldset[id^="declaration-"]').all()) await v.cocher(f.getByRole('radio', { name: 'Oui', exact: true }));
  await v.cliquer(v.bouton('Enregistrer et continuer'));

  // Partenaires de la démarche : laissés vides pour l'instant.
  await v.etapeAttendue(2, total);
  assert.equal(await v.titreEtape(), 'Partenaires de la démarche');
  x.etapePartenaires = `/dossiers/${x.idDossier}/etapes/2`;
  assert.match(await page().locator('label[for="partenaires"]').innerText(), /Nom : rôle/, 'la consigne « Nom : rôle » est donnée');
  assert.equal(await page().locator('#partenaires').inputValue(), '');
  await v.cliquer(v.bouton('Enregistrer et continuer'));

  // Les deux dispositifs retenus (déjà cochés « Retenu » depuis l'autodiagnostic), avec les
  // actions prévues.
  const vus = [];
  for (let n = 3; n <= 2 + Object.keys(RETENUS).length; n += 1) {
    await v.etapeAttendue(n, total);
    const libelle = await page().locator('main form h2').innerText();
    vus.push(libelle);
    const id = Object.keys(RETENUS).find((k) => RETENUS[k] === libelle);
    assert.ok(id, `étape d'un dispositif retenu (« ${libelle} »)`);
    assert.ok(await page().locator('#niveau_auto').getByRole('radio', { name: "Retenu : le territoire s'engage à le mettre en œuvre", exact: true }).isChecked(), `« ${libelle} » retenu`);
    await v.remplir({ texte: x.actions[id] });
    assert.ok(x.actions[id].length >= 40);
    await v.cliquer(v.bouton('Enregistrer et continuer'));
  }
  for (const l of Object.values(RETENUS)) assert.ok(vus.includes(l), `étape « ${l} » (vues : ${vus.join(', ')})`);

  await v.etapeAttendue(total - 1, total);
  assert.equal(await v.titreEtape(), 'Engagements du territoire signataire');
  const engagements = page().locator('#engagements input[type="checkbox"]');
  assert.equal(await engagements.count(), 4, 'quatre engagements (articles 3 et 4)');
  for (const c of await engagements.all()) await v.cocher(c);
  await v.cliquer(v.bouton('Enregistrer et continuer'));

  // Récapitulatif sans partenaire : pas de dépôt, et un lien vers l'étape des partenaires.
  await v.etapeAttendue(total, total);
  const manques = page().locator('#manques');
  assert.equal(await manques.count(), 1, `récapitulatif : les manques sont listés (${await v.texte()})`);
  const lienManque = manques.locator(`a[href="${x.etapePartenaires}"]`);
  assert.equal(await lienManque.count(), 1, `un manque renvoie à l'étape des partenaires (${await manques.innerText()})`);
  assert.match(await lienManque.innerText(), /au moins 1 partenaire\(s\) \(0 déclaré\(s\)\)/);
  assert.equal(await manques.locator('li').count(), 1, `seul manque : les partenaires (${await manques.innerText()})`);
  assert.equal(await v.bouton('Signer la charte et déposer le dossier').count(), 0, 'pas de bouton de dépôt sans partenaire');
  await v.capturer();

  // Le lien mène à l'étape ; deux partenaires, « Nom : rôle ».
  await v.cliquer(lienManque);
  await v.etapeAttendue(2, total);
  await v.remplir({ partenaires: x.partenaires.slice(0, 2).map(([n, r]) => `${n} : ${r}`).join('\n') });
  await v.cliquer(v.bouton('Enregistrer'));
  await v.cliquer(page().getByRole('navigation', { name: 'Étapes du dossier' }).getByRole('link', { name: 'Récapitulatif et signature' }));
  await v.etapeAttendue(total, total);
  assert.equal(await page().locator('#manques').count(), 0, 'dossier complet');
  assert.match(await v.texte(), /Le dossier est complet/);

  // Le récapitulatif reste ouvert ici ; dans un autre onglet, les partenaires sont effacés.
  const recapitulatif = page();
  v.page = await v.nouvelOnglet();
  await v.aller(x.etapePartenaires);
  await v.remplir({ partenaires: '' });
  await v.cliquer(v.bouton('Enregistrer'));
  assert.equal(await page().locator('#partenaires').inputValue(), '', 'partenaires effacés');
  await v.page.close();
  v.page = recapitulatif;
  // Dépôt depuis le récapitulatif périmé : refusé, sans partenaire.
  await v.cliquer(v.bouton('Signer la charte et déposer le dossier'), { statut: 422, capture: true });
  await v.etapeAttendue(total, total);
  const erreurs = page().locator('#erreurs');
  assert.equal(await erreurs.count(), 1, `refus du dépôt : message #erreurs (${await v.texte()})`);
  assert.match(await erreurs.innerText(), /incomplet.*au moins 1 partenaire/s);
  const lienRefus = page().locator(`#manques a[href="${x.etapePartenaires}"]`);
  assert.equal(await lienRefus.count(), 1, "après le refus, un lien mène à l'étape des partenaires");
  assert.equal(await v.bouton('Signer la charte et déposer le dossier').count(), 0);
  v.remarquer(await erreurs.locator(`a[href="${x.etapePartenaires}"]`).count() === 1,
    `refus du dépôt sans partenaire : le message d'erreur (#erreurs) n'est pas lui-même un lien vers ${x.etapePartenaires} (le lien est dans la liste des manques, juste en dessous)`);

  // Les partenaires, puis le dépôt.
  await v.cliquer(lienRefus);
  await v.etapeAttendue(2, total);
  await v.remplir({ partenaires: x.partenaires.map(([n, r]) => `${n} : ${r}`).join('\n') });
  await v.cliquer(v.bouton('Enregistrer et continuer'));
  await v.etapeAttendue(3, total);
  await v.cliquer(page().getByRole('navigation', { name: 'Étapes du dossier' }).getByRole('link', { name: 'Récapitulatif et signature' }));
  await v.cliquer(v.bouton('Signer la charte et déposer le dossier'));
  assert.equal(v.chemin(), `/dossiers/${x.idDossier}`);
  const recepisse = await page().locator('.fr-badge', { hasText: /^Récépissé / }).textContent();
  x.numero = /Récépissé (REP-\S+)/.exec(recepisse)?.[1];
  assert.ok(x.numero, `numéro de récépissé : « ${recepisse} »`);
  assert.equal(await v.etatDuDossier(), 'État : Déposé');
  const partenaires = await page().locator('h2', { hasText: 'Partenaires de la démarche' }).locator('xpath=following-sibling::ul[1]/li').allInnerTexts();
  assert.deepEqual(partenaires, x.partenaires.map(([n, r]) => `${n} : ${r}`), 'les partenaires sur la page du dossier');
  const accuse = await v.lireCourriel(x.porteur.email, { sujet: /accusé de réception/ });
  assert.ok(accuse.sujet.includes(x.numero), `l'accusé de réception porte le numéro ${x.numero}`);
  await v.deconnexion();
  return `dossier ${x.numero} déposé (${x.partenaires.length} partenaires)`;
}

/** 3. L'agent prend en charge, apprécie les dispositifs retenus et contresigne. */
async function contreSignature(v, x) {
  const page = () => v.page;
  v.motsDeCharte = false;
  await v.connexion(AGENT.email, AGENT.motDePasse);
  await v.cliquer(page().getByRole('navigation', { name: 'Menu principal' }).getByRole('link', { name: 'Instruction', exact: true }));
  await v.remplir({ etat: 'Déposé' });
  await v.cliquer(v.bouton('Filtrer'));
  const file = page().locator('table', { has: page().locator('caption', { hasText: /^\d+ dossier\(s\)$/ }) });
  const ligne = file.locator('tbody tr', { hasText: x.numero });
  assert.equal(await ligne.count(), 1, `le dossier ${x.numero} est dans la file « Déposé »`);
  await v.cliquer(ligne.getByRole('link', { name: x.numero, exact: true }));
  assert.equal(v.chemin(), `/dossiers/${x.idDossier}`);
  await v.cliquer(v.bouton('Prendre en charge', page().locator('#action-prendre_en_charge')));
  assert.equal(await v.etatDuDossier(), 'État : En instruction');

  const appreciations = page().locator('select[id^="appreciation_"]');
  assert.equal(await appreciations.count(), Object.keys(RETENUS).length, 'une appréciation par dispositif retenu (les autres ne sont pas dans le dossier)');
  for (const id of Object.keys(RETENUS)) {
    await page().locator(`#appreciation_${id}`).selectOption({ label: 'Satisfait : Signataire' });
    await v.remplir({ [`commentaire_${id}`]: 'Actions précises, calendrier et partenaires identifiés.' });
  }
  await v.cliquer(v.bouton('Enregistrer les appréciations'));
  assert.match(await page().locator('[role="status"]').innerText(), /Modifications enregistrées/);
  const appreciees = page().locator('main p').filter({ hasText: /^Appréciation : satisfait, Signataire/ });
  assert.equal(await appreciees.count(), Object.keys(RETENUS).length, 'les deux dispositifs retenus sont appréciés');

  // La décision, sur la page « Décision » : « Contresigner la charte », pas « Accorder le label ».
  await v.cliquer(v.lien('Décision'));
  const action = page().locator('label[for="decision-labelliser"]');
  assert.equal(await action.count(), 1, 'formulaire de décision');
  assert.equal(await page().getByText('Accorder le label').count(), 0, 'pas de « Accorder le label » pour une charte');
  assert.match((await action.innerText()).trim(), /^Contresigner la charte/);
  assert.equal(await page().locator('#niveau').count(), 0, 'une charte ne demande pas de niveau');
  await v.remplir({ 'decision-labelliser': true, motivation: 'Deux dispositifs de la charte retenus, actions décrites et partenaires associés.' });
  await v.cliquer(v.bouton('Enregistrer la décision'), { capture: true });
  const etat = await v.etatDuDossier();
  assert.equal(etat, 'État : Signée et contresignée', 'état affiché pour une charte');
  const main = await v.texte();
  assert.match(main, /Décision : Signée et contresignée, le/);
  assert.doesNotMatch(etat, /[Ll]abellis/);
  v.remarquer(!/labellisation/i.test(main),
    `/dossiers/${x.idDossier} (charte signée) : la page parle encore de « labellisation » : « ${main.match(/[^\n.]*labellisation[^\n.]*/i)?.[0]} » (l'attestation PDF elle-même s'intitule « Attestation de labellisation »)`);
  const boutons = (await page().locator('main button').allInnerTexts()).map((b) => b.trim()).filter((b) => /label/i.test(b));
  v.remarquer(boutons.length === 0, `/dossiers/${x.idDossier} (charte signée, vue de l'instruction) : bouton(s) au vocabulaire d'un label : ${boutons.map((b) => `« ${b} »`).join(', ')}`);
  const decision = await v.lireCourriel(x.porteur.email, { sujet: new RegExp(x.numero) });
  v.remarquer(!/label/i.test(decision.sujet) && !/Le label/.test(decision.corps),
    `courriel de décision d'une charte : sujet « ${decision.sujet} », corps « ${decision.corps.split('\n').find((l) => /label/i.test(l))?.trim()} » (vocabulaire d'un label)`);

  // Suivi des rapports (page des agents) : le territoire est à jour, aucun rapport encore.
  await v.aller('/instruction/chartes');
  const suivi = page().locator('main table tbody tr', { hasText: x.organisation });
  assert.equal(await suivi.count(), 1, 'le territoire figure au suivi des rapports');
  // textContent : le thème affiche les badges en capitales (text-transform).
  assert.match(await suivi.textContent(), /À jour/);
  await v.deconnexion();
  return `contresignée (état « ${etat.replace(/^État : /, '')} »)`;
}

/** 4. Le territoire publie un rapport depuis la page du dossier. */
async function publierRapport(v, x) {
  const page = () => v.page;
  v.motsDeCharte = true;
  await v.connexion(x.porteur.email, x.porteur.motDePasse);
  const ligne = page().locator('main tr', { hasText: x.numero });
  assert.equal(await ligne.count(), 1, `/espace : le dossier ${x.numero} est listé`);
  assert.match(await ligne.textContent(), /Signée et contresignée/, '/espace : état de la charte');
  await v.cliquer(v.lien(x.numero));
  assert.equal(v.chemin(), `/dossiers/${x.idDossier}`);
  assert.equal(await v.etatDuDossier(), 'État : Signée et contresignée');
  await v.cliquer(v.lien('Publier un rapport'));
  assert.equal(v.chemin(), `/dossiers/${x.idDossier}/rapports/nouveau`);
  assert.equal((await page().locator('h1').innerText()).trim(), 'Publier un rapport');

  // Un fichier de 21 Mo : refusé au champ, le même formulaire revient avec toute la saisie.
  assert.equal(await page().locator('#licence').inputValue(), 'etalab-2.0', 'licence proposée par défaut');
  assert.match(await page().locator('#fichiers').getAttribute('accept'), /^\.pdf,/, 'types admis indiqués au navigateur');
  await v.remplir({
    titre: x.rapport.titre, annee: String(ANNEE), demarche: x.rapport.demarche,
    impact: x.rapport.impact, retours_outils: x.rapport.retours,
  });
  await page().locator('#fichiers').setInputFiles(PDF_TROP_GROS);
  await v.cliquer(v.bouton('Publier le rapport'), { statut: 422, capture: true });
  assert.match(await page().title(), /^Publier un rapport \(erreurs\) — Repères$/);
  assert.equal((await page().locator('h1').innerText()).trim(), 'Publier un rapport');
  assert.equal(await page().locator('#erreurs a[href="#fichiers"]').count(), 1, 'le résumé des erreurs renvoie à #fichiers');
  assert.equal(await page().locator('#fichiers').getAttribute('aria-describedby'), 'fichiers-erreur');
  assert.match(await page().locator('#fichiers-erreur').innerText(), /^Le fichier « bilan-complet\.pdf » dépasse 20 Mo, la taille maximale par fichier\./);
  assert.match(await page().locator('label[for="fichiers"]').innerText(), /joignez-les à nouveau/);
  const saisie = { titre: x.rapport.titre, demarche: x.rapport.demarche, impact: x.rapport.impact, retours_outils: x.rapport.retours, annee: String(ANNEE), licence: 'etalab-2.0' };
  for (const [id, valeur] of Object.entries(saisie)) assert.equal(await page().locator(`#${id}`).inputValue(), valeur, `#${id} conservé après le fichier trop gros`);

  // Sans licence (« Choisir une licence »), le rapport est refusé, le résumé renvoie au champ,
  // la saisie est gardée.
  await page().locator('#licence').selectOption({ value: '' });
  await page().locator('#fichiers').setInputFiles(PDF);
  await v.cliquer(v.bouton('Publier le rapport'), { statut: 422 });
  assert.equal(await page().locator('#erreurs a[href="#licence"]').count(), 1, 'le résumé des erreurs renvoie à #licence');
  assert.equal(await page().locator('#licence').getAttribute('aria-describedby'), 'licence-erreur');
  assert.equal(await page().locator('#titre').inputValue(), x.rapport.titre, 'saisie conservée');

  // Licence Ouverte 2.0 choisie dans la liste, pièce jointe à nouveau.
  const licence = page().locator('#licence option[value="etalab-2.0"]');
  assert.equal(await licence.count(), 1, 'Licence Ouverte 2.0 (etalab-2.0) proposée');
  const option = (await licence.textContent()).trim();
  assert.match(option, /^Licence Ouverte .* \(etalab-2\.0\)$/, `libellé de la licence : « ${option} »`);
  x.licenceNom = option.replace(/ \(etalab-2\.0\)$/, '');
  await v.remplir({ licence: option });
  await page().locator('#fichiers').setInputFiles(PDF);
  await v.cliquer(v.bouton('Publier le rapport'), { capture: true });
  const m = /^\/chartes\/([^/]+)\/rapports\/([^/?]+)$/.exec(v.chemin());
  assert.ok(m, `après publication : page publique du rapport (${page().url()})`);
  assert.match(page().url(), /\?ok=publie$/);
  x.cheminTerritoire = `/chartes/${m[1]}`;
  x.cheminRapport = v.chemin();
  assert.equal((await page().locator('h1').innerText()).trim(), x.rapport.titre);
  const texte = await v.texte();
  for (const t of [x.rapport.demarche, x.rapport.impact, x.rapport.retours]) assert.ok(texte.includes(t), `le rapport affiche « ${t.slice(0, 30)}… »`);
  assert.match(texte, new RegExp(`sur l'année ${ANNEE}`));
  assert.match(texte, /\(etalab-2\.0\)/);

  // L'attestation de signature : nom de fichier lisible, émetteur, récépissé, mots de la charte.
  await v.aller(`/dossiers/${x.idDossier}`);
  const attestation = v.lien("Télécharger l'attestation de signature de la charte (PDF)");
  assert.equal(await attestation.count(), 1, 'lien vers l’attestation de signature');
  const verification = await telechargerAttestation(v, attestation, /^attestation-charte-territoire-d-actions-demarche-amiens-numerique-pour-tous-[0-9-]+\.pdf$/, x.numero);
  await v.aller(verification);
  const alerte = await page().locator('main .fr-alert').innerText();
  assert.match(alerte, /Attestation authentique, signature en cours de validité/);
  assert.ok(alerte.includes(`${x.organisation} est signataire de la Charte « Territoire d'Actions pour un numérique inclusif », pour sa démarche « ${x.dispositif} »`), alerte);
  const dl = await page().locator('main dl').innerText();
  assert.match(dl, /Charte contresignée par\s+l'État, par la Mission Société Numérique de l'Agence du numérique ; Repères est la plateforme/);
  assert.ok(dl.includes(`n° ${x.numero}`), `récépissé ${x.numero} : ${dl}`);
  await v.deconnexion();
  v.motsDeCharte = false;
  return `rapport publié : ${x.cheminRapport} ; attestation ${verification}`;
}

/** 5. Sans compte : la liste, la page du territoire, le rapport, la pièce jointe, le CSV. */
async function pagesPubliques(v, x) {
  const page = () => v.page;
  await v.nouveauContexte();
  // Les pages publiques de la charte parlent aussi avec ses mots (vérifié à chaque page).
  v.motsDeCharte = true;
  await v.aller('/');
  await v.cliquer(v.lien('Territoires signataires'));
  assert.equal(v.chemin(), '/chartes');
  const article = page().locator('main article', { has: page().getByRole('heading', { name: x.organisation, exact: true }) });
  assert.equal(await article.count(), 1, `/chartes liste « ${x.organisation} »`);
  const carte = await article.innerText();
  assert.match(carte, /Collectivité territoriale — Amiens \(80\)/);
  assert.match(carte, /Charte signée et contresignée le \d{2}\/\d{2}\/\d{4}/);
  for (const [id, libelle] of Object.entries(RETENUS)) assert.ok(carte.includes(`${libelle} : ${x.actions[id]}`), `/chartes : « ${libelle} » et ses actions`);
  assert.equal(await article.getByRole('link', { name: x.rapport.titre }).count(), 1, '/chartes : le rapport');
  assert.equal(await article.getByRole('link', { name: x.licenceNom }).count(), 1, '/chartes : la licence du rapport');
  assert.equal(await article.getByRole('link', { name: 'bilan-annuel.pdf' }).count(), 1, '/chartes : la pièce jointe');

  await v.cliquer(article.getByRole('link', { name: x.organisation, exact: true }), { capture: true });
  assert.equal(v.chemin(), x.cheminTerritoire);
  assert.equal((await page().locator('h1').innerText()).trim(), x.organisation);
  const section = (titre) => page().locator('h2', { hasText: titre });
  const partenaires = await section('Partenaires de la démarche').locator('xpath=following-sibling::ul[1]/li').allInnerTexts();
  assert.deepEqual(partenaires, x.partenaires.map(([n, r]) => `${n} : ${r}`), 'les partenaires sur la page publique');
  const dispositifs = await page().locator('main section[aria-labelledby^="d-"]').evaluateAll((ss) => ss.map((s) => [s.querySelector('h3').textContent.trim(), s.querySelector('p').textContent.trim()]));
  assert.deepEqual(dispositifs.map(([l]) => l).sort(), Object.values(RETENUS).sort(), 'exactement les deux dispositifs retenus');
  for (const [id, libelle] of Object.entries(RETENUS)) {
    assert.equal(dispositifs.find(([l]) => l === libelle)?.[1], x.actions[id], `actions prévues pour « ${libelle} »`);
  }
  const rapport = page().locator('main section[aria-labelledby^="r-"]', { has: page().getByRole('link', { name: x.rapport.titre }) });
  assert.equal(await rapport.count(), 1, 'le rapport sur la page du territoire');
  assert.match(await rapport.innerText(), new RegExp(`Année ${ANNEE}, publié le .*sous licence ${x.licenceNom.replace(/[/()]/g, '\\$&')} \\(etalab-2\\.0\\)`));
  assert.equal(await rapport.getByRole('link', { name: x.licenceNom }).getAttribute('href'), 'https://spdx.org/licenses/etalab-2.0.html');
  const piece = rapport.getByRole('link', { name: 'bilan-annuel.pdf' });
  assert.equal(await piece.count(), 1, 'la pièce jointe est listée');
  const href = await v.verifierTelechargement(piece, PDF);

  await v.cliquer(rapport.getByRole('link', { name: x.rapport.titre }));
  assert.equal(v.chemin(), x.cheminRapport);
  assert.equal(await v.lien('bilan-annuel.pdf').getAttribute('href'), href);

  // Données ouvertes : une ligne par dispositif retenu.
  const r = await v.ctx.request.get(`${v.url}/donnees/chartes.csv`);
  assert.equal(r.status(), 200, '/donnees/chartes.csv');
  assert.match(r.headers()['content-type'], /^text\/csv/);
  const lignes = lireCsv(await r.text()).filter((l) => l.territoire_nom === x.organisation);
  assert.equal(lignes.length, Object.keys(RETENUS).length, `chartes.csv : une ligne par dispositif retenu pour ${x.organisation}`);
  assert.deepEqual(lignes.map((l) => l.dispositif).sort(), Object.keys(RETENUS).sort());
  for (const l of lignes) {
    assert.equal(l.numero, x.numero);
    assert.equal(l.territoire_type, 'collectivite_territoriale');
    assert.equal(l.code_postal, '80000');
    assert.equal(l.departement, '80');
    assert.equal(l.charte, REFERENTIEL);
    assert.equal(l.actions_prevues, x.actions[l.dispositif]);
    assert.equal(l.nombre_rapports, '1');
    assert.match(l.page, new RegExp(`${x.cheminTerritoire.replace(/[/]/g, '\\/')}$`));
  }
  v.motsDeCharte = false;
  return `page publique ${x.cheminTerritoire}, pièce ${href}, ${lignes.length} lignes dans chartes.csv`;
}

/** 6. Indicateurs territoriaux. */
async function indicateurs(v, x) {
  const page = () => v.page;
  await v.nouveauContexte();
  await v.aller('/territoires/departement/80');
  assert.match(await page().locator('h1').innerText(), /Somme/);
  assert.equal((await page().locator('h3#signataires-charte').innerText()).trim(),
    "Nombre d'acteurs partenaires, signataires d'une charte pour l'inclusion numérique");
  const signataires = await v.valeurIndicateur('signataires-charte');
  assert.ok(signataires >= 1, `Somme : au moins un signataire en ${ANNEE} (${signataires})`);
  assert.ok(signataires >= x.signatairesAvant + 1, `Somme : le nouveau signataire est compté (${x.signatairesAvant} → ${signataires})`);

  // Charente : autant de lieux cartographiés que de lieux en 16xxx dans les données ouvertes. Un
  // autre test peut importer des lieux en même temps : le décompte est refait jusqu'à être stable.
  const lieux16 = async () => {
    const r = await v.ctx.request.get(`${v.url}/donnees/lieux.csv`);
    assert.equal(r.status(), 200, '/donnees/lieux.csv');
    return lireCsv(await r.text()).filter((l) => l.code_postal.startsWith('16')).length;
  };
  let essais = 0;
  for (;;) {
    essais += 1;
    const avant = await lieux16();
    await v.aller('/territoires/departement/16');
    const affiche = await v.valeurIndicateur('cartographie-acteurs');
    const apres = await lieux16();
    if (avant === apres || essais >= 5) {
      assert.equal(avant, apres, 'les lieux de la Charente ne se stabilisent pas');
      assert.match(await page().locator('h1').innerText(), /Charente/);
      assert.equal(affiche, avant, `Charente : « Cartographie des acteurs » (${affiche}) = lieux de /donnees/lieux.csv en 16xxx (${avant})`);
      assert.match(await page().locator('h3#cartographie-acteurs + p').innerText(),
        new RegExp(`^Valeur ${ANNEE} \\(à ce jour\\) : ${affiche} lieux cartographiés$`));
      return `Somme : ${signataires} signataire(s) en ${ANNEE} (avant : ${x.signatairesAvant}) ; Charente : ${affiche} lieux cartographiés = ${avant} lieux 16xxx du CSV`;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Une suite par base, les bases en parallèle (un serveur chacune).
// ---------------------------------------------------------------------------------------------

describe('charte Territoire d’Actions', { concurrency: true }, () => {
  for (const { nom, url } of bases) {
    describe(`charte sur ${nom}`, { concurrency: false }, () => {
      const v = new Visite(nom, url);
      const x = donnees();
      const debut = Date.now();
      let echec = false;
      const etape = (titre, fn) => test(`${titre} (${nom})`, async (t) => {
        if (echec) { t.skip('une étape précédente a échoué'); return; }
        try {
          const r = await fn(v, x);
          if (r !== undefined) console.log(`${nom} : ${titre} : ${r}`);
        } catch (e) {
          echec = true;
          await v.capturerEchec();
          throw e;
        }
      });
      etape('inscription, collectivité (SIRET mal recopié), démarche territoriale, autodiagnostic de la charte', inscriptionEtDossier);
      etape('étapes du dossier, dépôt refusé sans partenaire puis dépôt', etapesEtDepot);
      etape("contresignature par l'instruction", contreSignature);
      etape('publication d’un rapport sous licence, avec pièce jointe, et attestation de signature', publierRapport);
      etape('attestation d’un label de la démonstration', attestationDeLaDemo);
      etape('pages publiques et données ouvertes de la charte', pagesPubliques);
      etape('indicateurs de la Somme et de la Charente', indicateurs);
      test(`bilan (${nom})`, async () => {
        await v.fermer();
        const remarques = v.remarques.filter(Boolean);
        console.log(`${nom} : charte en ${((Date.now() - debut) / 1000).toFixed(1)} s ; ${v.controlees.length} pages contrôlées sans violation axe-core :\n  ${v.controlees.join('\n  ')}`
          + (remarques.length ? `\n${nom} : remarques (vocabulaire, sans échec) :\n  ${remarques.join('\n  ')}` : ''));
      });
    });
  }
});
