// Ce que partagent les contrôles en navigateur (*.test.mjs) : les serveurs à visiter et le
// lancement de Chromium. Pas un test : `node --test` ne lance que les fichiers *.test.mjs.
import { chromium } from 'playwright-core';

/** Les serveurs à contrôler, lus dans REPERES_BASES (« nom=url nom=url », posé par
 * scripts/navigateur). */
export const bases = (process.env.REPERES_BASES || '').split(/\s+/).filter(Boolean).map((s) => {
  const [nom, url] = s.split('=');
  return { nom, url: url.replace(/\/$/, '') };
});

/** Lance le Chromium de Debian (CHROMIUM pour un autre), sans trafic réseau de fond. */
export function lancerChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
