// Second facteur (TOTP) dans un vrai Chromium (JavaScript désactivé), sur les deux bases : un
// compte neuf active le second facteur depuis « Mon espace » (QR code SVG, clé, code faux puis
// juste, codes de secours), puis se reconnecte : l'étape « code » (code faux refusé, code juste
// accepté). axe-core sur chaque page (Visite.controler). Le code est calculé ici (RFC 6238,
// HMAC-SHA1 de node:crypto), indépendamment du serveur.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { bases, preparerNavigateur, Visite } from './commun.mjs';

preparerNavigateur();

/** Décodage base32 (RFC 4648), blancs ignorés. */
function base32(texte) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0; let tampon = 0; const octets = [];
  for (const c of texte.replace(/[\s=]/g, '')) {
    const v = alphabet.indexOf(c);
    assert.ok(v >= 0, `caractère base32 inattendu : ${c}`);
    tampon = (tampon << 5) | v; bits += 5;
    if (bits >= 8) { bits -= 8; octets.push((tampon >> bits) & 0xff); tampon &= (1 << bits) - 1; }
  }
  return Buffer.from(octets);
}

/** TOTP (RFC 6238) : 6 chiffres, pas de 30 s, à l'instant `t` (secondes). */
function totp(cle, t) {
  const compteur = Buffer.alloc(8);
  compteur.writeBigUInt64BE(BigInt(Math.floor(t / 30)));
  const h = createHmac('sha1', cle).update(compteur).digest();
  const d = h[19] & 0x0f;
  const n = ((h[d] & 0x7f) << 24) | (h[d + 1] << 16) | (h[d + 2] << 8) | h[d + 3];
  return String(n % 1_000_000).padStart(6, '0');
}

// Vecteur de l'annexe B de la RFC 6238 (T = 59 s ; 8 chiffres 94287082 → 6 derniers chiffres).
assert.equal(totp(Buffer.from('12345678901234567890'), 59), '287082');

const secondes = () => Math.floor(Date.now() / 1000);

/** Un code à 6 chiffres faux à tous les pas de la fenêtre. */
function codeFaux(cle) {
  const justes = [-2, -1, 0, 1, 2].map((k) => totp(cle, secondes() + 30 * k));
  for (let n = 0; ; n += 1) {
    const c = String((123456 + n * 7919) % 1_000_000).padStart(6, '0');
    if (!justes.includes(c)) return c;
  }
}

async function secondFacteur(v) {
  const suffixe = `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const personne = { nom: 'Camille Deuxfacteurs', email: `deux-facteurs-${suffixe}@exemple.fr`, motDePasse: 'une phrase de passe solide' };
  const page = () => v.page;

  // Compte neuf, adresse confirmée, connexion.
  await v.nouveauContexte();
  await v.aller('/inscription');
  await v.remplir({ nom: personne.nom, email: personne.email, mot_de_passe: personne.motDePasse });
  await v.cliquer(v.bouton('Créer mon compte'));
  const verification = await v.lireCourriel(personne.email, { sujet: /confirmez votre adresse/, corps: /\/verification\/\S+/ });
  await v.aller(v.cheminDuLien(verification.corps, /https?:\/\/\S+\/verification\/\S+/));
  await v.connexion(personne.email, personne.motDePasse);

  // Activation depuis « Mon espace » : QR code (SVG en ligne, avec son nom accessible) et clé.
  await v.cliquer(v.lien("Sécurité du compte : second facteur d'authentification"));
  assert.equal(v.chemin(), '/compte/second-facteur');
  assert.equal(await page().getByRole('img', { name: /QR code/ }).count(), 1, 'QR code');
  const cle = base32(await page().locator('#cle-secrete').innerText());
  assert.equal(cle.length, 20, 'secret de 160 bits');
  await v.remplir({ code: codeFaux(cle) });
  await v.cliquer(v.bouton('Activer le second facteur'), { statut: 422 });
  assert.equal(await page().locator('#erreurs a[href="#code"]').count(), 1, 'résumé des erreurs');
  await v.remplir({ code: totp(cle, secondes()) });
  await v.cliquer(v.bouton('Activer le second facteur'));
  const codes = (await page().locator('main li code').allInnerTexts()).map((c) => c.trim());
  assert.equal(codes.length, 10, `codes de secours : ${codes}`);
  await v.cliquer(v.lien("J'ai noté mes codes"));
  await v.deconnexion();

  // Reconnexion : le mot de passe mène à l'étape « code ».
  await v.aller('/connexion');
  await v.remplir({ email: personne.email, mot_de_passe: personne.motDePasse });
  await v.cliquer(v.bouton('Se connecter'));
  assert.equal(v.chemin(), '/connexion/code');
  assert.equal(await v.bouton(/^Se déconnecter/).count(), 0, 'pas encore connecté');
  await v.remplir({ code: codeFaux(cle) });
  await v.cliquer(v.bouton('Vérifier le code'), { statut: 422 });
  assert.equal(await page().locator('#code').getAttribute('aria-describedby'), 'code-erreur');
  // Le pas suivant celui de l'activation (celui-ci a déjà servi), dans la fenêtre de ±1 pas.
  await v.remplir({ code: totp(cle, secondes() + 30) });
  await v.cliquer(v.bouton('Vérifier le code'));
  assert.equal(v.chemin(), '/espace');
  await v.bouton(/^Se déconnecter/).waitFor();
}

describe('second facteur', { concurrency: true }, () => {
  for (const { nom, url } of bases) {
    test(`activation et étape « code » sur ${nom} (sans JavaScript, zéro violation axe-core)`, async () => {
      const v = new Visite(nom, url, { prefixe: 'second-facteur', courriels: true });
      try {
        await secondFacteur(v);
      } catch (e) {
        await v.capturerEchec();
        throw e;
      } finally {
        await v.fermer();
        console.log(`${nom} : ${v.controlees.length} pages contrôlées :\n  ${v.controlees.join('\n  ')}`);
      }
    });
  }
});
