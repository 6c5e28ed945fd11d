// Pages qu'aucun autre contrôle ne visitait : abonnements webhooks (liste, secret affiché, adresse
// refusée), administration, lien d'invitation et lien de réinitialisation du mot de passe. Chacune
// passe par Visite.controler (statut, titre, h1 unique, identifiants, console, axe-core sur le HTML
// reçu) puis par les budgets de budgets.test.mjs, mesurés dans un contexte neuf (cache vide) qui
// porte les cookies de la personne.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bases, navigateur, preparerNavigateur, Visite } from './commun.mjs';

const KO = 1024;
const BUDGETS = { html: 30 * KO, transfere: 150 * KO, requetes: 15 };
const MDP_DEMO = 'demo-reperes-2026';

preparerNavigateur();

/** Mesure une page (première visite, cache vide, cookies de `v`) et vérifie les budgets. */
async function budgets(v, chemin) {
  const ctx = await navigateur().newContext({
    storageState: await v.ctx.storageState(), extraHTTPHeaders: { 'X-Forwarded-For': v.adresse },
  });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const requetes = [];
  const echecs = [];
  page.on('requestfinished', (r) => requetes.push(r));
  page.on('requestfailed', (r) => { requetes.push(r); echecs.push(r.url()); });
  const reponse = await page.goto(v.url + chemin, { waitUntil: 'load' });
  await page.waitForLoadState('networkidle').catch(() => {});
  const html = (await reponse.body()).length;
  let transfere = 0;
  for (const r of requetes) transfere += (await r.sizes().catch(() => ({ responseBodySize: 0 }))).responseBodySize;
  await ctx.close();
  const nom = `${v.nom} ${chemin.replace(/\/[A-Za-z0-9_-]{20,}$/, '/…')}`;
  assert.equal(reponse.status(), 200, `${nom} : statut`);
  assert.deepEqual(echecs, [], `${nom} : requêtes en échec`);
  assert.ok(html <= BUDGETS.html, `${nom} : HTML de ${(html / KO).toFixed(1)} Ko > ${BUDGETS.html / KO} Ko`);
  assert.ok(transfere <= BUDGETS.transfere, `${nom} : ${(transfere / KO).toFixed(1)} Ko transférés`);
  assert.ok(requetes.length <= BUDGETS.requetes, `${nom} : ${requetes.length} requêtes`);
  console.log(`${nom} : HTML ${(html / KO).toFixed(1)} Ko, transféré ${(transfere / KO).toFixed(1)} Ko, ${requetes.length} requêtes`);
}

for (const { nom, url } of bases) {
  test(`pages privées et liens à usage unique de ${nom} : axe-core et budgets`, async () => {
    const admin = new Visite(nom, url, { prefixe: 'privees', courriels: true });
    const anonyme = new Visite(nom, url, { prefixe: 'privees-anonyme', courriels: true });
    try {
      await admin.connexion('admin@demo.reperes.localhost', MDP_DEMO);

      // Administration, et invitation d'un agent (le lien est seulement ouvert, pas accepté).
      await admin.aller('/administration');
      await budgets(admin, '/administration');
      const invite = `agent-${nom}-${process.pid}@exemple.fr`;
      await admin.remplir({ email: invite });
      await admin.cliquer(admin.bouton("Envoyer l'invitation"));
      const invitation = await admin.lireCourriel(invite, { sujet: /invitation/, corps: /\/invitation\/\S+/ });
      const lienInvitation = admin.cheminDuLien(invitation.corps, /https?:\/\/\S+\/invitation\/\S+/);

      // Abonnements webhooks : page vide d'erreur, adresse refusée (IPv4 mappée vers la boucle
      // locale, 422), abonnement créé (IP publique littérale : aucune résolution DNS).
      await admin.aller('/donnees/abonnements');
      await budgets(admin, '/donnees/abonnements');
      await admin.remplir({ url: 'http://[::ffff:127.0.0.1]:9/' });
      await admin.cliquer(admin.bouton("S'abonner"), { statut: 422 });
      assert.match(await admin.page.locator('#url-erreur').innerText(), /réseau interne ou réservé/);
      await admin.remplir({ url: 'https://93.184.216.34/reperes' });
      await admin.cliquer(admin.bouton("S'abonner"));
      assert.match(await admin.page.locator('main').innerText(), /Secret de signature, affiché une seule fois/);
      await budgets(admin, '/donnees/abonnements');

      // Liens reçus par courriel, ouverts sans compte.
      await anonyme.nouveauContexte();
      await anonyme.aller(lienInvitation);
      await budgets(anonyme, lienInvitation);
      await anonyme.aller('/mot-de-passe-oublie');
      await anonyme.remplir({ email: 'porteur@demo.reperes.localhost' });
      await anonyme.cliquer(anonyme.bouton('Recevoir un lien'));
      const reinit = await anonyme.lireCourriel('porteur@demo.reperes.localhost', {
        sujet: /nouveau mot de passe/, corps: /\/reinitialisation\/\S+/,
      });
      const lienReinit = anonyme.cheminDuLien(reinit.corps, /https?:\/\/\S+\/reinitialisation\/\S+/);
      await anonyme.aller(lienReinit);
      await budgets(anonyme, lienReinit);
      console.log(`${nom} : ${admin.controlees.length + anonyme.controlees.length} pages contrôlées par axe-core :\n  `
        + [...admin.controlees, ...anonyme.controlees].join('\n  '));
    } catch (e) {
      await admin.capturerEchec();
      await anonyme.capturerEchec();
      throw e;
    } finally {
      await admin.fermer();
      await anonyme.fermer();
    }
  });
}
