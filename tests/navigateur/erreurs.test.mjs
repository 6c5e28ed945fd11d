// Les erreurs de tous les jours dans un vrai Chromium (paquet Debian), piloté par playwright-core,
// JavaScript DÉSACTIVÉ (le site doit fonctionner sans), sur chaque base :
//   1. inscription avec une adresse incomplète et un mot de passe trop court : le formulaire
//      revient (422) avec le résumé des erreurs, le message au champ, le nom et l'adresse saisis
//      (pas le mot de passe) ; puis inscription corrigée ;
//   2. le lien de confirmation du courriel, ouvert dans le même navigateur : la personne est
//      connectée (son nom, « Se déconnecter ») ; rouvert ailleurs : « Lien déjà utilisé », quoi
//      faire ; le lien d'une autre inscription ouvert dans un autre navigateur : « Votre adresse
//      est confirmée. Connectez-vous avec … », puis la connexion ;
//   3. une personne connectée tombe sur une page introuvable : elle garde son nom, « Mon espace »,
//      « Se déconnecter », et un lien vers la page d'où elle venait, qui y ramène ;
//   4. un lien de dossier ouvert sans être connecté : connexion (une erreur de mot de passe garde
//      la cible), puis arrivée sur le dossier ;
//   5. une redirection ouverte (`/connexion?suite=https://ailleurs…`) est refusée : après la
//      connexion, on arrive sur l'espace.
// Chaque page affichée est contrôlée (titre, un seul h1, identifiants uniques, ressources, console)
// et axe-core n'y trouve rien (WCAG 2.1 A et AA + bonnes pratiques), pages d'erreur comprises.
//
// Serveurs : REPERES_BASES="nom=url nom=url" (scripts/navigateur) ; courriels dans le dossier
// REPERES_COURRIELS_<NOM>. Adresses uniques à chaque exécution : le test se relance sur le même
// serveur.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bases, preparerNavigateur, Visite } from './commun.mjs';

const PORTEUR_DEMO = { email: 'porteur@demo.reperes.localhost', motDePasse: 'demo-reperes-2026' };

preparerNavigateur();

function donnees() {
  const suffixe = `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  return {
    meme: { nom: 'Camille Étourdie', email: `meme-${suffixe}@exemple.fr`, motDePasse: 'une phrase de passe solide' },
    autre: { nom: 'Sacha Ailleurs', email: `autre-${suffixe}@exemple.fr`, motDePasse: 'une autre phrase de passe' },
  };
}

/** Le lien de confirmation du dernier courriel reçu par `email` (chemin et requête). */
async function lienDeConfirmation(v, email) {
  const c = await v.lireCourriel(email, { sujet: /confirmez votre adresse/, corps: /\/verification\/\S+/ });
  return v.cheminDuLien(c.corps, /https?:\/\/\S+\/verification\/\S+/);
}

/** Le h1 de la page. */
async function h1(v) { return (await v.page.locator('h1').innerText()).trim(); }

/** La personne connectée : son nom dans le bouton « Se déconnecter », et « Mon espace ». */
async function verifierConnectee(v, nom) {
  const bouton = v.bouton(/^Se déconnecter/);
  assert.equal(await bouton.count(), 1, `${v.page.url()} : bouton « Se déconnecter » absent`);
  assert.match(await bouton.innerText(), new RegExp(nom), `${v.page.url()} : nom de la personne connectée`);
  assert.equal(await v.lien('Mon espace').count(), 1, `${v.page.url()} : lien « Mon espace » absent`);
  assert.equal(await v.lien('Se connecter').count(), 0, `${v.page.url()} : « Se connecter » alors que connectée`);
}

async function inscriptionAvecErreur(v, x) {
  await v.nouveauContexte();
  await v.aller('/');
  await v.cliquer(v.lien('Créer un compte'));
  await v.remplir({ nom: x.meme.nom, email: 'camille@', mot_de_passe: 'court' });
  await v.cliquer(v.bouton('Créer mon compte'), { statut: 422 });
  const page = v.page;
  assert.match(await page.title(), /^Créer un compte \(erreurs\) — Repères$/, "« (erreurs) » dans le titre de l'onglet");
  assert.equal(await h1(v), 'Créer un compte', '« (erreurs) » seulement dans le titre de l’onglet, pas dans le h1');
  assert.ok(await page.locator('#erreurs').isVisible(), "résumé d'erreurs absent");
  assert.equal(await page.locator('#nom').inputValue(), x.meme.nom, 'nom conservé');
  assert.equal(await page.locator('#email').inputValue(), 'camille@', 'adresse conservée');
  assert.equal(await page.locator('#mot_de_passe').inputValue(), '', 'le mot de passe n’est pas renvoyé');
  assert.equal(await page.locator('#email').getAttribute('aria-describedby'), 'email-erreur');
  assert.equal(await page.locator('#mot_de_passe').getAttribute('aria-describedby'), 'mot_de_passe-erreur');
  assert.ok(await page.locator('#email-erreur').isVisible(), "message au champ de l'adresse");
  // Le lien du résumé mène au champ.
  assert.equal(await page.locator('#erreurs a[href="#email"]').count(), 1);
  await v.remplir({ email: x.meme.email, mot_de_passe: x.meme.motDePasse });
  await v.cliquer(v.bouton('Créer mon compte'));
  assert.equal(await h1(v), 'Vérifiez votre messagerie');
}

async function confirmationMemeNavigateur(v, x) {
  const lien = await lienDeConfirmation(v, x.meme.email);
  await v.aller(lien);
  assert.equal(await h1(v), 'Adresse confirmée');
  await verifierConnectee(v, x.meme.nom);
  await v.cliquer(v.lien('Aller à mon espace'));
  assert.equal(v.chemin(), '/espace');
  await verifierConnectee(v, x.meme.nom);
  x.lienUtilise = lien;
}

async function pageIntrouvableConnectee(v, x) {
  // La personne (toujours connectée) suit une adresse erronée depuis son espace.
  const reponse = await v.page.goto(`${v.url}/dossiers/inexistant/etapes/9`, { referer: `${v.url}/espace`, waitUntil: 'load' });
  await v.controler(reponse, { statut: 404 });
  assert.equal(await h1(v), 'Page introuvable');
  await verifierConnectee(v, x.meme.nom);
  const retour = v.lien('Revenir à la page précédente');
  assert.equal(await retour.getAttribute('href'), '/espace');
  assert.equal(await v.lien('Revenir au dossier').getAttribute('href'), '/dossiers/inexistant');
  assert.equal(await v.lien("Retour à l'accueil").count(), 1);
  await v.cliquer(retour);
  assert.equal(v.chemin(), '/espace', 'le lien de retour ramène à la page précédente');
  await verifierConnectee(v, x.meme.nom);
}

async function lienDejaUtiliseAilleurs(v, x) {
  await v.nouveauContexte();
  await v.aller(x.lienUtilise);
  assert.equal(await h1(v), 'Lien déjà utilisé');
  const texte = await v.page.locator('main').innerText();
  assert.match(texte, /a déjà servi/);
  assert.match(texte, new RegExp(`Connectez-vous avec elle`));
  assert.equal(await v.lien('Se connecter', v.page.locator('main')).count(), 1);
}

async function confirmationAutreNavigateur(v, x) {
  // Inscription dans un navigateur…
  await v.nouveauContexte();
  await v.aller('/inscription');
  await v.remplir({ nom: x.autre.nom, email: x.autre.email, mot_de_passe: x.autre.motDePasse });
  await v.cliquer(v.bouton('Créer mon compte'));
  const lien = await lienDeConfirmation(v, x.autre.email);
  // … lien ouvert dans un autre (contexte neuf, sans la session de l'inscription) : le lien seul
  // ne confirme rien, le mot de passe du compte est demandé (issue 13, constat 6).
  await v.nouveauContexte();
  await v.aller(lien);
  assert.equal(await h1(v), 'Confirmer votre adresse');
  const texte = await v.page.locator('main').innerText();
  assert.match(texte, new RegExp(`Pour confirmer l'adresse ${x.autre.email.replace(/\./g, '\\.')} dans ce navigateur, saisissez le mot de passe`));
  assert.equal(await v.bouton(/^Se déconnecter/).count(), 0, 'pas connectée dans un autre navigateur');
  await v.remplir({ mot_de_passe: x.autre.motDePasse });
  await v.cliquer(v.bouton('Confirmer mon adresse'));
  // Adresse confirmée et personne connectée dans ce navigateur-ci, qui lui dit quoi faire ensuite.
  assert.equal(await h1(v), 'Adresse confirmée');
  await verifierConnectee(v, x.autre.nom);
  await v.cliquer(v.lien('Aller à mon espace', v.page.locator('main')));
  assert.equal(v.chemin(), '/espace');
}

async function lienDeDossierDeconnecte(v) {
  // Le dossier d'un porteur de la démonstration, relevé dans son espace.
  await v.connexion(PORTEUR_DEMO.email, PORTEUR_DEMO.motDePasse);
  const href = await v.page.locator('main a[href^="/dossiers/"]').first().getAttribute('href');
  assert.ok(href, 'aucun dossier dans l’espace du porteur de démonstration');
  const dossier = new URL(href, v.url).pathname;
  await v.deconnexion();
  // Le lien du courriel, ouvert sans être connecté (navigateur neuf).
  await v.nouveauContexte();
  await v.aller(dossier);
  const u = new URL(v.page.url());
  assert.equal(u.pathname, '/connexion', 'renvoyé vers la connexion');
  assert.equal(u.searchParams.get('suite'), dossier, 'la connexion porte la cible');
  assert.equal(await v.page.locator('input[type="hidden"][name="suite"]').inputValue(), dossier);
  await v.remplir({ email: PORTEUR_DEMO.email, mot_de_passe: 'pas le bon mot de passe' });
  await v.cliquer(v.bouton('Se connecter'), { statut: 422 });
  assert.equal(await v.page.locator('#email').inputValue(), PORTEUR_DEMO.email, 'adresse conservée');
  assert.equal(await v.page.locator('input[type="hidden"][name="suite"]').inputValue(), dossier, 'cible conservée');
  await v.remplir({ mot_de_passe: PORTEUR_DEMO.motDePasse });
  await v.cliquer(v.bouton('Se connecter'));
  assert.equal(v.chemin(), dossier, 'arrivée sur le dossier après la connexion');
  await verifierConnectee(v, 'Camille Porteur');
}

async function redirectionOuverteRefusee(v, x) {
  await v.nouveauContexte();
  await v.aller(`/connexion?suite=${encodeURIComponent('https://ailleurs.example/piege')}`);
  assert.equal(await v.page.locator('input[name="suite"]').count(), 0, 'cible extérieure ignorée');
  await v.remplir({ email: x.autre.email, mot_de_passe: x.autre.motDePasse });
  await v.cliquer(v.bouton('Se connecter'));
  assert.equal(new URL(v.page.url()).origin, new URL(v.url).origin, 'resté sur le site');
  assert.equal(v.chemin(), '/espace');
  await v.aller('/connexion?suite=%2F%2Failleurs.example');
  assert.equal(new URL(v.page.url()).origin, new URL(v.url).origin, 'resté sur le site (connectée)');
  assert.equal(v.chemin(), '/espace');
}

describe('erreurs de tous les jours', { concurrency: true }, () => {
  for (const { nom, url } of bases) {
    describe(`erreurs sur ${nom}`, { concurrency: false }, () => {
      const v = new Visite(nom, url, { prefixe: 'erreurs', courriels: true });
      const x = donnees();
      let echec = false;
      const etape = (titre, fn) => test(`${titre} (${nom})`, async (t) => {
        if (echec) { t.skip('une étape précédente a échoué'); return; }
        try {
          await fn(v, x);
        } catch (e) {
          echec = true;
          await v.capturerEchec();
          throw e;
        }
      });
      etape('inscription refusée : le formulaire revient avec la saisie', inscriptionAvecErreur);
      etape('lien de confirmation dans le même navigateur : connectée', confirmationMemeNavigateur);
      etape("page introuvable : l'en-tête connecté et le retour", pageIntrouvableConnectee);
      etape('lien de confirmation déjà utilisé, ouvert ailleurs : quoi faire', lienDejaUtiliseAilleurs);
      etape('lien de confirmation ouvert dans un autre navigateur : se connecter', confirmationAutreNavigateur);
      etape('lien de dossier ouvert sans être connecté : connexion puis dossier', lienDeDossierDeconnecte);
      etape('redirection ouverte refusée', redirectionOuverteRefusee);
      test(`bilan (${nom})`, async () => {
        await v.fermer();
        console.log(`${nom} : ${v.controlees.length} pages contrôlées sans violation axe-core :\n  ${v.controlees.join('\n  ')}`);
      });
    });
  }
});
