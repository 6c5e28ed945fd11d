// Parcours complet d'un label dans un vrai Chromium (paquet Debian), piloté par playwright-core,
// JavaScript DÉSACTIVÉ dans tous les contextes du parcours (le site doit fonctionner sans) :
//   inscription → courriel de vérification → connexion → organisation (avec une erreur de saisie)
//   → dispositif → autodiagnostic NEC 2022 → dossier en étapes (fichier PDF, fichier refusé)
//   → dépôt et accusé de réception → instruction (prise en charge, demande de complément)
//   → complément par le porteur (+ message avec pièce jointe) → nouveau dépôt
//   → appréciations et label accordé → courriel de décision.
// Chaque page affichée pendant le parcours (pages GET et pages rendues après un envoi de
// formulaire) est contrôlée : titre « … — Repères », un seul h1, et zéro violation axe-core
// (WCAG 2.1 A et AA + bonnes pratiques).
//
// Serveurs : REPERES_BASES="nom=url nom=url" (scripts/navigateur) ; pour chaque base, le dossier
// où le serveur écrit ses courriels est donné par REPERES_COURRIELS_<NOM> (nom en majuscules).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bases, preparerNavigateur, Visite } from './commun.mjs';

const AGENT = { email: 'instructeur@demo.reperes.localhost', motDePasse: 'demo-reperes-2026' };
const REFERENTIEL = 'nec-2022';

// Fichiers à déposer : un vrai PDF (reconnu par son contenu) et un faux (du HTML nommé .pdf).
const dossierTemp = mkdtempSync(join(tmpdir(), 'reperes-parcours-'));
const PDF = join(dossierTemp, 'preuve.pdf');
const FAUX_PDF = join(dossierTemp, 'faux.pdf');
writeFileSync(PDF, '%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
writeFileSync(FAUX_PDF, '<!doctype html><html><head><title>x</title></head><body><p>Pas un PDF</p></body></html>\n');

preparerNavigateur(() => rmSync(dossierTemp, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------
// Outils
// ---------------------------------------------------------------------------------------------

/** Date du jour + n jours, au format AAAA-MM-JJ. */
function dansJours(n) {
  return new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Un parcours sur une base : le contexte courant (une personne connectée ou non), la page, la
 * liste des pages contrôlées et les courriels déjà lus.
 */
class Parcours extends Visite {
  constructor(nom, url) {
    super(nom, url, { prefixe: 'parcours', courriels: true });
    // Anomalies de l'application relevées sans interrompre le parcours (vérifiées à la fin).
    this.anomalies = [];
  }

  /** Relève une anomalie de l'application sans arrêter le parcours (le test échoue à la fin). */
  constater(condition, message) {
    if (!condition) this.anomalies.push(`${new URL(this.page.url()).pathname} : ${message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Le parcours
// ---------------------------------------------------------------------------------------------

async function parcoursComplet(p) {
  const suffixe = `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const porteur = {
    nom: 'Claude Porteur',
    email: `porteur-${suffixe}@exemple.fr`,
    motDePasse: 'une phrase de passe solide',
  };
  const nomOrganisation = `Association Parcours ${suffixe}`;
  const nomDispositif = `Outil de médiation ${suffixe}`;
  const description = (critere) => `Pour le critère ${critere}, nous avons mis en place des mesures vérifiables, documentées publiquement et suivies chaque année.`;
  const page = () => p.page;
  // La file d'instruction (tableau des dossiers) et la ligne d'un dossier dans cette file.
  const tableDeLaFile = () => page().locator('table', { has: page().locator('caption', { hasText: /^\d+ dossier\(s\)$/ }) });
  const ligneDeLaFile = (numero) => tableDeLaFile().locator('tbody tr', { hasText: numero });

  // 1. Inscription, vérification de l'adresse, connexion.
  await p.nouveauContexte();
  await p.aller('/');
  await p.cliquer(p.lien('Créer un compte'));
  await p.remplir({ nom: porteur.nom, email: porteur.email, mot_de_passe: porteur.motDePasse });
  await p.cliquer(p.bouton('Créer mon compte'), { capture: true });
  assert.match(await page().locator('h1').innerText(), /Vérifiez votre messagerie/);
  const verification = await p.lireCourriel(porteur.email, { sujet: /confirmez votre adresse/, corps: /\/verification\/\S+/ });
  await p.aller(p.cheminDuLien(verification.corps, /https?:\/\/\S+\/verification\/\S+/));
  assert.match(await page().locator('h1').innerText(), /Adresse confirmée/);
  await p.connexion(porteur.email, porteur.motDePasse);

  // 2. Organisation : d'abord avec un code postal erroné (résumé d'erreurs, statut 422).
  await p.cliquer(p.lien('Déclarer une organisation'));
  assert.equal(new URL(page().url()).pathname, '/organisations/nouvelle');
  await p.remplir({
    nom: nomOrganisation, type_organisation: 'Association', rna: 'W802001234',
    voie: '12 rue des Trois Cailloux', code_postal: '800', commune: 'Amiens',
  });
  assert.equal(await page().locator('#siret').inputValue(), '', 'SIRET laissé vide');
  await p.cliquer(p.bouton("Enregistrer l'organisation"), { statut: 422, capture: true });
  const resume = page().locator('#erreurs');
  assert.ok(await resume.isVisible(), "résumé d'erreurs #erreurs absent");
  assert.equal(await resume.locator('a[href="#code_postal"]').count(), 1, 'le résumé doit avoir un lien vers #code_postal');
  assert.equal(await page().locator('#code_postal').getAttribute('aria-describedby'), 'code_postal-erreur');
  assert.equal(await page().locator('#nom').inputValue(), nomOrganisation, 'les valeurs saisies sont conservées');
  await p.remplir({ code_postal: '80000' });
  await p.cliquer(p.bouton("Enregistrer l'organisation"), { capture: true });
  assert.match(page().url(), /\/organisations\/[^/?]+\?ok=organisation$/);
  assert.equal(await page().locator('h1').innerText(), nomOrganisation);
  assert.match(await page().locator('main').innerText(), /RNA W802001234/);
  const cheminOrganisation = new URL(page().url()).pathname;

  // 3. Dispositif numérique.
  await p.cliquer(p.lien('Déclarer un dispositif'));
  await p.remplir({
    nom: nomDispositif, type_dispositif: 'Dispositif numérique',
    description: 'Un logiciel libre pour accompagner les usagers dans leurs démarches en ligne.',
  });
  await p.cliquer(p.bouton('Enregistrer le dispositif'));
  assert.equal(new URL(page().url()).pathname, cheminOrganisation);
  assert.match(await page().locator('[role="status"]').innerText(), /Dispositif enregistré/);

  // 4. Autodiagnostic NEC 2022 : déclaration « Oui », niveau 1 partout.
  const section = page().locator('article', { has: page().getByRole('heading', { name: nomDispositif }) });
  await p.cliquer(section.locator(`a[href$="/autodiagnostic/${REFERENTIEL}"]`));
  const declarations = page().locator('fieldset[id^="declaration-"]');
  assert.ok(await declarations.count() >= 1, 'au moins une déclaration attendue');
  for (const f of await declarations.all()) await p.cocher(f.getByRole('radio', { name: 'Oui', exact: true }));
  const criteres = page().locator('fieldset[id^="critere-"]');
  assert.equal(await criteres.count(), 6, 'NEC 2022 : 6 critères');
  for (const f of await criteres.all()) await p.cocher(f.getByRole('radio', { name: /^Niveau 1/ }));
  await p.cliquer(p.bouton('Voir le résultat'), { capture: true });
  // Le formulaire réaffiché sous le résultat doit garder toutes les réponses : les niveaux le sont,
  // la déclaration doit l'être aussi (sinon « Voir le résultat » à nouveau rend « Non éligible »).
  for (const f of await page().locator('fieldset[id^="critere-"]').all()) {
    assert.ok(await f.getByRole('radio', { name: /^Niveau 1/ }).isChecked(), 'autodiagnostic : niveau choisi conservé');
  }
  for (const f of await page().locator('fieldset[id^="declaration-"]').all()) {
    p.constater(await f.getByRole('radio', { name: 'Oui', exact: true }).isChecked(),
      `autodiagnostic : la réponse « Oui » à la déclaration (${await f.getAttribute('id')}) n'est pas conservée sur la page de résultat`);
  }
  const resultat = await page().locator('#resultat h2').innerText();
  assert.match(resultat, /Éligible/, `résultat de l'autodiagnostic : ${resultat}`);
  assert.match(resultat, /niveau 1/);
  await p.cliquer(p.bouton('Commencer le dossier'));
  const m = /\/dossiers\/([^/]+)\/etapes\/1$/.exec(page().url());
  assert.ok(m, `le dossier commence à l'étape 1 (${page().url()})`);
  const idDossier = m[1];
  const cheminDossier = `/dossiers/${idDossier}`;

  // 5. Les étapes.
  const total = await p.etapeAttendue(1);
  assert.equal(total, 1 + 6 + 2, 'étapes : informations, 6 critères, engagements, récapitulatif');
  assert.ok(await page().locator('#niveau_vise_1').isChecked(), 'niveau 1 pré-choisi');
  await p.remplir({ niveau_vise_1: true });
  for (const f of await page().locator('fieldset[id^="declaration-"]').all()) await p.cocher(f.getByRole('radio', { name: 'Oui', exact: true }));
  await p.cliquer(p.bouton('Enregistrer et continuer'));

  for (let n = 2; n <= 7; n += 1) {
    await p.etapeAttendue(n, total);
    await p.cocher(page().locator('#niveau_auto').getByRole('radio', { name: 'Satisfait : Niveau 1', exact: true }));
    await p.remplir({ texte: description(n - 1), liens: 'https://exemple.fr/preuve' });
    // « Ouvert » : licence choisie dans la liste admise et lien vers le matériel publié (issue 15).
    if (await page().locator('#licence').count()) {
      await p.remplir({ licence: 'Licence Ouverte / Open Licence version 2.0 (etalab-2.0)', materiel: 'https://exemple.fr/depot' });
    }
    if (n === 2) {
      // Un « .pdf » qui contient du HTML est refusé, avec un message.
      await page().locator('#fichier').setInputFiles(FAUX_PDF);
      await p.cliquer(p.bouton('Enregistrer'), { statut: 422 });
      const erreurs = page().locator('#erreurs');
      assert.ok(await erreurs.isVisible(), 'fichier refusé : message #erreurs attendu');
      assert.match(await erreurs.innerText(), /faux\.pdf.*n'est pas accepté/s);
      await p.etapeAttendue(2, total);
      assert.equal(await page().locator('#texte').inputValue(), description(1), 'le texte saisi est conservé après le refus');
      // Le vrai PDF est accepté et listé.
      await page().locator('#fichier').setInputFiles(PDF);
      await p.cliquer(p.bouton('Enregistrer'), { capture: true });
      assert.match(page().url(), /\/etapes\/2$/, '« Enregistrer » reste sur l’étape');
      assert.equal(await p.lien('preuve.pdf').count(), 1, 'le fichier déposé est listé sur l’étape');
      await p.verifierTelechargement(p.lien('preuve.pdf'), PDF);
      assert.equal(await p.lien('faux.pdf').count(), 0, 'le fichier refusé n’est pas listé');
    }
    await p.cliquer(p.bouton('Enregistrer et continuer'));
  }

  await p.etapeAttendue(8, total);
  assert.equal(await page().locator('.fr-stepper__title').evaluate((e) => e.firstChild.textContent.trim()), 'Engagements');
  const engagements = page().locator('#engagements input[type="checkbox"]');
  assert.ok(await engagements.count() >= 1);
  for (const c of await engagements.all()) await p.cocher(c);
  await p.cliquer(p.bouton('Enregistrer et continuer'));

  await p.etapeAttendue(9, total);
  assert.match(await page().locator('main').innerText(), /Le dossier est complet/);
  await p.cliquer(p.bouton('Déposer le dossier'), { capture: true });
  assert.equal(new URL(page().url()).pathname, cheminDossier);
  const recepisse = await page().locator('.fr-badge', { hasText: /^Récépissé / }).textContent();
  const numero = /Récépissé (REP-\S+)/.exec(recepisse)?.[1];
  assert.ok(numero, `numéro de récépissé : « ${recepisse} »`);
  assert.equal(await p.etatDuDossier(), 'État : Déposé');
  const accuse = await p.lireCourriel(porteur.email, { sujet: /accusé de réception/ });
  assert.ok(accuse.sujet.includes(numero) && accuse.corps.includes(numero), `l'accusé de réception porte le numéro ${numero}`);

  // 6. L'agent prend le dossier en charge.
  await p.deconnexion();
  await p.connexion(AGENT.email, AGENT.motDePasse);
  await p.cliquer(page().getByRole('navigation', { name: 'Menu principal' }).getByRole('link', { name: 'Instruction', exact: true }));
  await p.remplir({ etat: 'Déposé' });
  await p.cliquer(p.bouton('Filtrer'), { capture: true });
  assert.match(page().url(), /[?&]etat=depose(&|$)/);
  assert.equal(await ligneDeLaFile(numero).count(), 1, `le dossier ${numero} figure dans la file « Déposé »`);
  assert.equal((await ligneDeLaFile(numero).locator('td').nth(4).textContent()).trim(), 'Déposé');
  for (const etat of await tableDeLaFile().locator('tbody tr td:nth-child(5)').allTextContents()) assert.equal(etat.trim(), 'Déposé', 'filtre par état');
  await p.cliquer(ligneDeLaFile(numero).getByRole('link', { name: numero, exact: true }));
  assert.equal(new URL(page().url()).pathname, cheminDossier);
  await p.cliquer(p.bouton('Prendre en charge', page().locator('#action-prendre_en_charge')));
  assert.equal(await p.etatDuDossier(), 'État : En instruction');

  // 7. Demande de complément, depuis le formulaire « Décision ».
  await p.cliquer(p.lien('Décision'));
  await p.remplir({
    'decision-demander_complement': true,
    echeance: dansJours(30),
    motivation: 'Merci de préciser la documentation publique du dispositif (critère Appropriable).',
  });
  await p.cliquer(p.bouton('Enregistrer la décision'));
  assert.equal(await p.etatDuDossier(), 'État : Complément demandé');
  const courrielComplement = await p.lireCourriel(porteur.email, { sujet: /complément demandé/, corps: new RegExp(`/dossiers/${idDossier}`) });
  assert.ok(courrielComplement.sujet.includes(numero), `le courriel de demande de complément porte le numéro ${numero}`);
  assert.match(courrielComplement.corps, /documentation publique du dispositif/, 'le courriel reprend la motivation');

  // 8. Le porteur complète et dépose à nouveau, puis écrit un message avec pièce jointe.
  await p.deconnexion();
  await p.connexion(porteur.email, porteur.motDePasse);
  await p.cliquer(p.lien(numero));
  assert.match(await page().locator('main').innerText(), /Complément demandé, avant le/);
  await p.cliquer(p.lien('Compléter le dossier'));
  await p.etapeAttendue(1, total);
  const etapes = () => page().getByRole('navigation', { name: 'Étapes du dossier' });
  await p.cliquer(etapes().getByRole('link', { name: 'Critère « Appropriable »' }));
  await p.etapeAttendue(3, total);
  const texteComplete = 'Documentation publique complétée : guide d’utilisation, tutoriels vidéo sous-titrés et foire aux questions.';
  await p.remplir({ texte: texteComplete });
  await p.cliquer(p.bouton('Enregistrer'));
  assert.equal(await page().locator('#texte').inputValue(), texteComplete);
  await p.cliquer(etapes().getByRole('link', { name: 'Récapitulatif et dépôt' }));
  await p.etapeAttendue(total, total);
  await p.cliquer(p.bouton('Déposer le dossier'));
  assert.equal(await p.etatDuDossier(), 'État : Déposé');
  assert.match(await page().locator('main').innerText(), new RegExp(texteComplete.slice(0, 40)));
  await p.remplir({ corps: 'Bonjour, le dossier est complété ; vous trouverez ci-joint la documentation.' });
  await page().locator('#pieces').setInputFiles(PDF);
  await p.cliquer(p.bouton('Envoyer'));
  assert.match(page().url(), /\?ok=message#messages$/);
  const messages = page().locator('#messages ~ div', { hasText: 'le dossier est complété' });
  assert.equal(await messages.count(), 1, 'le message est affiché');
  assert.equal(await messages.getByRole('link', { name: 'preuve.pdf' }).count(), 1, 'la pièce jointe est listée sous le message');

  // 9. L'agent reprend le dossier, apprécie chaque critère et accorde le label.
  await p.deconnexion();
  await p.connexion(AGENT.email, AGENT.motDePasse);
  await p.cliquer(p.lien('Aller à la file d\'instruction'));
  await p.remplir({ etat: 'Déposé' });
  await p.cliquer(p.bouton('Filtrer'));
  await p.cliquer(ligneDeLaFile(numero).getByRole('link', { name: numero, exact: true }));
  // Le message du porteur et sa pièce jointe sont visibles de l'instruction.
  const messageVuParAgent = page().locator('#messages ~ div', { hasText: 'le dossier est complété' });
  assert.equal(await messageVuParAgent.count(), 1, "le message du porteur est visible de l'instruction");
  await p.verifierTelechargement(messageVuParAgent.getByRole('link', { name: 'preuve.pdf' }), PDF);
  await p.cliquer(p.bouton('Prendre en charge', page().locator('#action-prendre_en_charge')));
  assert.equal(await p.etatDuDossier(), 'État : En instruction');
  const appreciations = page().locator('select[id^="appreciation_"]');
  assert.equal(await appreciations.count(), 6, 'une appréciation par critère');
  for (const s of await appreciations.all()) await s.selectOption({ label: 'Satisfait : Niveau 1' });
  await p.cliquer(p.bouton('Enregistrer les appréciations'));
  assert.match(await page().locator('[role="status"]').innerText(), /Modifications enregistrées/);
  assert.equal(await page().locator('main p').filter({ hasText: /^Appréciation : satisfait, Niveau 1$/ }).count(), 6, 'six appréciations enregistrées');
  await p.cliquer(p.lien('Décision'));
  await p.remplir({
    'decision-labelliser': true,
    niveau: 'Niveau 1',
    motivation: 'Les six critères sont satisfaits au niveau 1, preuves à l’appui.',
  });
  await p.cliquer(p.bouton('Enregistrer la décision'), { capture: true });
  assert.equal(await p.etatDuDossier(), 'État : Labellisé');
  assert.match(await page().locator('main').innerText(), /Niveau accordé : Niveau 1/);
  const decision = await p.lireCourriel(porteur.email, { sujet: /label accordé/ });
  assert.ok(decision.sujet.includes(numero), `le courriel de décision porte le numéro ${numero}`);
  assert.match(decision.corps, /\/registre\/dispositifs\/[^/\s]+\n/, 'le courriel donne la fiche du registre');
  assert.match(decision.corps, /\/registre\/dispositifs\/[^/\s]+\/badge\.svg/, 'le courriel donne le badge');
  assert.match(decision.corps, new RegExp(`/dossiers/${idDossier}/attestation`), "le courriel donne l'attestation");
  assert.doesNotMatch(decision.corps, /« Label «/, 'pas de guillemets doublés');
  await p.deconnexion();
  assert.deepEqual(p.anomalies, [], "anomalies de l'application relevées pendant le parcours");
}

// Les bases sont indépendantes (un serveur chacune) : leurs parcours tournent en parallèle.
describe('parcours', { concurrency: true }, () => {
  for (const { nom, url } of bases) {
    test(`parcours complet d'un label sur ${nom} (sans JavaScript, zéro violation axe-core)`, async () => {
      const p = new Parcours(nom, url);
      const debut = Date.now();
      let reussi = false;
      try {
        await parcoursComplet(p);
        reussi = true;
      } catch (e) {
        await p.capturerEchec();
        throw e;
      } finally {
        await p.fermer();
        console.log(`${nom} : parcours ${reussi ? 'complet' : 'en échec'} en ${((Date.now() - debut) / 1000).toFixed(1)} s ; `
          + `${p.controlees.length} pages contrôlées sans violation axe-core :\n  ${p.controlees.join('\n  ')}`);
      }
    });
  }
});
