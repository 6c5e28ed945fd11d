// Une association dépose un dossier de label, dans un vrai Chromium (paquet Debian), piloté par
// playwright-core, JavaScript DÉSACTIVÉ : rien de ce qui est saisi n'est perdu, pas d'impasse.
//   inscription → organisation → dispositif → autodiagnostic NEC 2022 (déclaration « Oui »,
//   « Accessible » au niveau 2) → le dossier est pré-rempli (déclaration, niveaux)
//   → étape « Accessible » : un lien sans https:// et une ligne qui n'est pas un lien → l'étape
//     revient (422) avec l'erreur au champ, le texte et le lien complété sont enregistrés
//   → un fichier de plus de 20 Mo → même étape, saisie conservée, message au champ fichier
//   → un vrai PDF joint, puis retiré au récapitulatif (sa taille y est affichée)
//   → dépôt : la page du dossier dit ce qui se passe ensuite, sans cache (no-store)
//   → bouton Retour : « Dossier déposé le … (n° …) » au lieu d'un bouton « Déposer »
//   → message vide, puis pièce jointe trop grosse → le formulaire de message revient en erreur.
// Chaque page affichée est contrôlée (titre, un h1, identifiants uniques, ressources, console,
// axe-core WCAG 2.1 A/AA + bonnes pratiques sur exactement le HTML reçu).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bases, preparerNavigateur, Visite } from './commun.mjs';

const REFERENTIEL = 'nec-2022';

// Fichiers : un petit PDF et un PDF de 21 Mo (au-delà des 20 Mo admis), générés ici.
const dossierTemp = mkdtempSync(join(tmpdir(), 'reperes-demandeur-'));
const PDF = join(dossierTemp, 'preuve.pdf');
const GROS_PDF = join(dossierTemp, 'audit-complet.pdf');
const CONTENU_PDF = '%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n';
writeFileSync(PDF, CONTENU_PDF);
writeFileSync(GROS_PDF, Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(21 * 1024 * 1024, 0x20)]));

preparerNavigateur(() => rmSync(dossierTemp, { recursive: true, force: true }));

async function parcoursDemandeur(p) {
  const suffixe = `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const porteur = { nom: 'Dominique Demandeuse', email: `demandeuse-${suffixe}@exemple.fr`, motDePasse: 'une phrase de passe solide' };
  const nomDispositif = `Atelier numérique ${suffixe}`;
  const page = () => p.page;
  const description = (n) => `Pour ce critère (${n}), nous avons mis en place des mesures vérifiables, documentées publiquement.`;

  // 1. Compte, organisation, dispositif.
  await p.nouveauContexte();
  await p.aller('/inscription');
  await p.remplir({ nom: porteur.nom, email: porteur.email, mot_de_passe: porteur.motDePasse });
  await p.cliquer(p.bouton('Créer mon compte'));
  const verification = await p.lireCourriel(porteur.email, { sujet: /confirmez votre adresse/, corps: /\/verification\/\S+/ });
  await p.aller(p.cheminDuLien(verification.corps, /https?:\/\/\S+\/verification\/\S+/));
  await p.connexion(porteur.email, porteur.motDePasse);
  await p.cliquer(p.lien('Déclarer une organisation'));
  await p.remplir({
    nom: `Association Demandeuse ${suffixe}`, type_organisation: 'Association', rna: 'W802001234',
    voie: '3 place Gambetta', code_postal: '80000', commune: 'Amiens',
  });
  await p.cliquer(p.bouton("Enregistrer l'organisation"));
  await p.cliquer(p.lien('Déclarer un dispositif'));
  await p.remplir({ nom: nomDispositif, type_dispositif: 'Dispositif numérique', description: 'Des ateliers et un outil libre pour les démarches en ligne.' });
  await p.cliquer(p.bouton('Enregistrer le dispositif'));

  // 2. Autodiagnostic : déclaration « Oui », « Accessible » au niveau 2, les autres au niveau 1.
  const section = page().locator('article', { has: page().getByRole('heading', { name: nomDispositif }) });
  await p.cliquer(section.locator(`a[href$="/autodiagnostic/${REFERENTIEL}"]`));
  for (const f of await page().locator('fieldset[id^="declaration-"]').all()) await p.cocher(f.getByRole('radio', { name: 'Oui', exact: true }));
  for (const f of await page().locator('fieldset[id^="critere-"]').all()) {
    const niveau = (await f.getAttribute('id')) === 'critere-accessible' ? 2 : 1;
    await p.cocher(f.getByRole('radio', { name: new RegExp(`^Niveau ${niveau}`) }));
  }
  await p.cliquer(p.bouton('Voir le résultat'));
  await p.cliquer(p.bouton('Commencer le dossier'));
  const m = /\/dossiers\/([^/]+)\/etapes\/1$/.exec(page().url());
  assert.ok(m, `le dossier commence à l'étape 1 (${page().url()})`);
  const cheminDossier = `/dossiers/${m[1]}`;

  // 3. Le dossier est pré-rempli par l'autodiagnostic.
  const total = await p.etapeAttendue(1);
  for (const f of await page().locator('fieldset[id^="declaration-"]').all()) {
    assert.ok(await f.getByRole('radio', { name: 'Oui', exact: true }).isChecked(), `déclaration pré-remplie (${await f.getAttribute('id')})`);
  }
  await p.cliquer(p.bouton('Enregistrer et continuer'));
  await p.etapeAttendue(2, total);
  assert.ok(await page().locator('#niveau_auto_2').isChecked(), '« Accessible » pré-rempli au niveau 2');

  // 4. Un lien sans https:// et une ligne qui n'est pas un lien.
  const fichier = page().locator('#fichier');
  assert.match(await fichier.getAttribute('accept'), /\.pdf/, 'types admis indiqués au navigateur');
  assert.match(await page().locator('#fichier-aide').innerText(), /Taille maximale : 20 Mo/);
  await p.remplir({ texte: description('Accessible'), liens: "www.exemple.fr/page\nvoir notre site" });
  await p.cliquer(p.bouton('Enregistrer'), { statut: 422, capture: true });
  await p.etapeAttendue(2, total);
  const resume = page().locator('#erreurs');
  assert.equal(await resume.locator('a[href="#liens"]').count(), 1, 'le résumé renvoie au champ des liens');
  assert.match(await page().locator('#liens').getAttribute('aria-describedby'), /\bliens-erreur\b/);
  assert.match(await page().locator('#liens-erreur').innerText(), /« voir notre site » n'est pas une adresse web/);
  assert.equal(await page().locator('#liens').inputValue(), "https://www.exemple.fr/page\nvoir notre site", 'lien complété, ligne à corriger gardée');
  assert.match(await page().locator('#liens-info').innerText(), /« www\.exemple\.fr\/page » est enregistré comme « https:\/\/www\.exemple\.fr\/page »/);
  assert.equal(await page().locator('#texte').inputValue(), description('Accessible'), 'texte conservé');
  assert.ok(await page().locator('#niveau_auto_2').isChecked(), 'niveau conservé');
  // Le texte et le lien corrigé sont enregistrés : la page rouverte les montre.
  await p.aller(`${cheminDossier}/etapes/2`);
  assert.equal(await page().locator('#texte').inputValue(), description('Accessible'), 'texte enregistré');
  assert.equal(await page().locator('#liens').inputValue(), 'https://www.exemple.fr/page', 'lien corrigé enregistré');

  // 5. Un fichier de plus de 20 Mo : même étape, saisie conservée, message au champ fichier.
  const texteModifie = `${description('Accessible')} Audit complet joint.`;
  await p.remplir({ texte: texteModifie });
  await page().locator('#fichier').setInputFiles(GROS_PDF);
  await p.cliquer(p.bouton('Enregistrer'), { statut: 422, capture: true });
  await p.etapeAttendue(2, total);
  assert.equal(await page().locator('#erreurs a[href="#fichier"]').count(), 1, 'le résumé renvoie au champ fichier');
  assert.match(await page().locator('#fichier-erreur').innerText(), /« audit-complet\.pdf » dépasse la taille maximale de 20 Mo.*choisissez-le à nouveau/s);
  assert.match(await page().locator('#fichier').getAttribute('aria-describedby'), /\bfichier-erreur\b/);
  assert.equal(await page().locator('#texte').inputValue(), texteModifie, 'texte conservé après le fichier refusé');
  assert.equal(await page().locator('#liens').inputValue(), 'https://www.exemple.fr/page', 'liens conservés');
  // Un vrai PDF est accepté.
  await page().locator('#fichier').setInputFiles(PDF);
  await p.cliquer(p.bouton('Enregistrer et continuer'));

  // 6. Les autres critères (pré-remplis au niveau 1), les engagements.
  for (let n = 3; n <= total - 2; n += 1) {
    await p.etapeAttendue(n, total);
    assert.ok(await page().locator('#niveau_auto_1').isChecked(), `étape ${n} : niveau 1 pré-rempli`);
    await p.remplir({ texte: description(n), liens: `https://exemple.fr/preuves/${n}` });
    // « Ouvert » : licence choisie dans la liste admise et lien vers le matériel publié (issue 15).
    if (await page().locator('#licence').count()) {
      await p.remplir({ licence: 'Licence Ouverte / Open Licence version 2.0 (etalab-2.0)', materiel: 'https://exemple.fr/depot' });
    }
    await p.cliquer(p.bouton('Enregistrer et continuer'));
  }
  await p.etapeAttendue(total - 1, total);
  for (const c of await page().locator('#engagements input[type="checkbox"]').all()) await p.cocher(c);
  await p.cliquer(p.bouton('Enregistrer et continuer'));

  // 7. Le récapitulatif : chaque texte, lien et fichier (avec sa taille) ; retrait du fichier.
  await p.etapeAttendue(total, total);
  const recap = page().locator('main');
  assert.match(await recap.innerText(), new RegExp(texteModifie.replace(/[.()]/g, '\\$&')));
  assert.equal(await p.lien('https://www.exemple.fr/page').count(), 1, 'le lien est au récapitulatif');
  const ligneFichier = page().locator('li', { has: p.lien('preuve.pdf') });
  assert.match(await ligneFichier.innerText(), new RegExp(`\\(${CONTENU_PDF.length} octets\\)`), 'taille réelle du fichier');
  await p.cliquer(p.bouton('Retirer « preuve.pdf »'), { capture: true });
  await p.etapeAttendue(total, total);
  assert.match(await page().locator('[role="status"]').innerText(), /Le fichier a été retiré du dossier/);
  assert.equal(await p.lien('preuve.pdf').count(), 0, 'le fichier retiré n’est plus au récapitulatif');
  const cheminRecap = p.chemin();

  // 8. Dépôt : la suite, sans cache.
  const depot = await p.cliquer(p.bouton('Déposer le dossier'), { capture: true });
  assert.equal(p.chemin(), cheminDossier);
  assert.equal(depot.headers()['cache-control'], 'no-store', 'page du dossier : no-store');
  const numero = /Récépissé (REP-\S+)/.exec(await page().locator('.fr-badge', { hasText: /^Récépissé / }).textContent())?.[1];
  assert.ok(numero, 'numéro de récépissé');
  const suite = await page().locator('#suite').innerText();
  assert.match(suite, new RegExp(`Votre dossier n° ${numero} a été déposé le \\d{2}/\\d{2}/\\d{4} à \\d{2}:\\d{2}`));
  assert.match(suite, /instruit par l'Agence nationale de la cohésion des territoires \(ANCT\)/);
  assert.match(suite, /ne fixe pas de délai d'instruction/);
  assert.match(suite, new RegExp(`accusé de réception .* envoyé par courriel à : ${porteur.email.replace(/[.]/g, '\\.')}`));

  // 9. Bouton Retour : l'étape redemandée dit que le dossier est déposé.
  const retour = await page().goBack({ waitUntil: 'load' });
  await p.controler(retour, { capture: true });
  assert.equal(retour.headers()['cache-control'], 'no-store', 'étape : no-store');
  assert.equal(new URL(page().url()).pathname, new URL(p.url + cheminRecap).pathname);
  assert.match(await page().locator('h1').innerText(), new RegExp(`^Dossier déposé le \\d{2}/\\d{2}/\\d{4} à \\d{2}:\\d{2} \\(n° ${numero}\\)$`));
  assert.equal(await p.bouton('Déposer le dossier').count(), 0, 'plus de bouton « Déposer »');
  await p.cliquer(p.lien(`Voir le dossier n° ${numero}`));
  assert.equal(p.chemin(), cheminDossier);

  // 10. Message vide, puis pièce jointe trop grosse : le formulaire revient en erreur.
  await p.cliquer(p.bouton('Envoyer'), { statut: 422, capture: true });
  assert.equal(await page().locator('#erreurs a[href="#corps"]').count(), 1, 'message vide : le résumé renvoie au champ');
  assert.match(await page().locator('#corps-erreur').innerText(), /Le message est vide/);
  assert.equal(await page().locator('#corps').getAttribute('aria-describedby'), 'corps-erreur');
  const texteMessage = 'Bonjour, voici le rapport d’audit complet.';
  await p.remplir({ corps: texteMessage });
  await page().locator('#pieces').setInputFiles(GROS_PDF);
  await p.cliquer(p.bouton('Envoyer'), { statut: 422 });
  assert.match(await page().locator('#pieces-erreur').innerText(), /« audit-complet\.pdf » dépasse la taille maximale de 20 Mo/);
  assert.equal(await page().locator('#corps').inputValue(), texteMessage, 'texte du message conservé');
  await p.cliquer(p.bouton('Envoyer'));
  assert.match(page().url(), /\?ok=message#messages$/);
  await p.deconnexion();
}

describe('demandeur', { concurrency: true }, () => {
  for (const { nom, url } of bases) {
    test(`une association dépose un dossier sans rien perdre sur ${nom} (sans JavaScript, zéro violation axe-core)`, async () => {
      const p = new Visite(nom, url, { prefixe: 'demandeur', courriels: true });
      const debut = Date.now();
      let reussi = false;
      try {
        await parcoursDemandeur(p);
        reussi = true;
      } catch (e) {
        await p.capturerEchec();
        throw e;
      } finally {
        await p.fermer();
        console.log(`${nom} : parcours du demandeur ${reussi ? 'complet' : 'en échec'} en ${((Date.now() - debut) / 1000).toFixed(1)} s ; `
          + `${p.controlees.length} pages contrôlées :\n  ${p.controlees.join('\n  ')}`);
      }
    });
  }
});
