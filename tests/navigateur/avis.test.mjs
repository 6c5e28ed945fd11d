// Avis d'experts (issue 15), dans un vrai Chromium (JavaScript désactivé), sur les deux bases de
// démonstration : l'agent demande l'avis d'un expert extérieur sur le dossier « En instruction »
// ; l'expert ouvre le lien du courriel, crée son compte (limité aux demandes d'avis), lit le
// dossier en lecture seule et répond avec une pièce jointe ; puis il essaie l'adresse d'un autre
// dossier et la file d'instruction : refusé (403). axe-core sur chaque page (Visite.controler).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bases, preparerNavigateur, Visite } from './commun.mjs';

const AGENT = { email: 'instructeur@demo.reperes.localhost', motDePasse: 'demo-reperes-2026' };
const PDF = { name: 'avis-expert.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%avis de l\'expert\n') };

preparerNavigateur();

function dansJours(n) {
  return new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
}

async function avis(v) {
  const page = () => v.page;
  const expert = `expert-${v.nom}-${Date.now()}@exemple.fr`;

  // 1. L'agent ouvre le dossier en instruction et demande un avis partagé.
  await v.connexion(AGENT.email, AGENT.motDePasse);
  await v.aller('/instruction');
  const table = page().locator('table', { has: page().locator('caption', { hasText: /^\d+ dossier\(s\)$/ }) });
  const ligne = table.locator('tbody tr').filter({ has: page().locator('td:nth-child(5)', { hasText: /^En instruction$/ }) }).first();
  const dossiers = await table.locator('tbody tr td:first-child a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  await v.cliquer(ligne.locator('a').first());
  const cheminDossier = v.chemin();
  const cheminAutre = dossiers.find((h) => h !== cheminDossier);
  assert.ok(cheminAutre, 'un autre dossier dans la file');
  await v.cliquer(v.lien("Demander un avis d'expert"));
  await v.remplir({ email: expert, question: 'Les preuves du premier critère sont-elles suffisantes ?', date_limite: dansJours(10), confidentiel: 'Partagé avec le demandeur une fois rendu' });
  await v.cliquer(v.bouton("Envoyer la demande d'avis"));
  assert.equal(v.chemin(), cheminDossier);
  assert.match(await page().locator('[role="status"]').innerText(), /Demande d'avis envoyée/);
  assert.match(await page().locator('#avis ~ div').first().innerText(), /En attente/);
  await v.deconnexion();

  // 2. L'expert ouvre le lien du courriel et crée son compte.
  const courriel = await v.lireCourriel(expert, { sujet: /demande d'avis d'expert/ });
  const lien = v.cheminDuLien(courriel.corps, /https?:\/\/\S+\/avis\/lien\/\S+/);
  await v.nouveauContexte();
  await v.aller(lien);
  await v.remplir({ nom: 'Experte Navigatrice', mot_de_passe: 'une phrase de passe assez longue' });
  await v.cliquer(v.bouton('Créer mon compte et lire la demande'));
  assert.match(v.chemin(), /^\/avis\/[^/]+$/);
  const cheminAvis = v.chemin();
  assert.match(await page().locator('main').innerText(), /Les preuves du premier critère sont-elles suffisantes \?/);
  assert.match(await page().locator('main').innerText(), /Le dossier \(lecture seule\)/);
  assert.equal(await page().locator('form[action*="/appreciations"]').count(), 0, 'aucun formulaire d’instruction');
  assert.equal(await v.lien("Mes demandes d'avis").count(), 1, 'menu de l’expert');

  // 3. Il répond avec une pièce jointe.
  await v.remplir({ reponse: 'Avis favorable : les preuves sont suffisantes.' });
  await page().locator('#pieces').setInputFiles(PDF);
  await v.cliquer(v.bouton('Envoyer mon avis'));
  assert.equal(v.chemin(), cheminAvis);
  assert.match(await page().locator('[role="status"]').innerText(), /Votre avis est envoyé/);
  assert.match(await page().locator('main').innerText(), /Avis favorable : les preuves sont suffisantes\./);
  assert.equal(await v.lien('avis-expert.pdf').count(), 1, 'la pièce jointe est listée');
  assert.equal(await page().locator('#reponse').count(), 0, 'plus de formulaire : un avis envoyé ne se modifie plus');

  // 4. Rien d'autre : un autre dossier, ce dossier hors des pages d'avis, la file d'instruction.
  for (const chemin of [cheminAutre, cheminDossier, '/instruction', '/espace']) {
    await v.aller(chemin, { statut: 403 });
  }
  await v.aller('/avis');
  assert.equal(await page().locator('tbody tr').count(), 1, 'une seule demande dans sa liste');
}

describe('avis', { concurrency: true }, () => {
  for (const { nom, url } of bases) {
    test(`un expert répond à une demande d'avis et ne voit rien d'autre sur ${nom} (sans JavaScript, zéro violation axe-core)`, async () => {
      const v = new Visite(nom, url, { prefixe: 'avis', courriels: true });
      let reussi = false;
      try {
        await avis(v);
        reussi = true;
      } catch (e) {
        await v.capturerEchec();
        throw e;
      } finally {
        await v.fermer();
        console.log(`${nom} : avis ${reussi ? 'complet' : 'en échec'} ; ${v.controlees.length} pages contrôlées :\n  ${v.controlees.join('\n  ')}`);
      }
    });
  }
});
