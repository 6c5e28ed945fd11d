// L'EcoIndex d'une page (https://www.ecoindex.fr), calculé selon la méthode officielle du
// Collectif Conception Numérique Responsable (cnumr). Pas un test : `node --test` ne lance que les
// fichiers *.test.mjs (la formule est vérifiée par ecoindex-formule.test.mjs).
//
// Sources (consultées le 2026-12-07) :
//  - quantiles et seuils des notes : dépôt cnumr/ecoindex_reference, fichier ecoindex_reference.json
//    (« quantiles » : dom_size, nb_request, response_size ; « grades » : A 80, B 70, C 55, D 40,
//    E 25, F 10, G 0) ;
//  - calcul : dépôt cnumr/ecoindex_python, ecoindex/compute/ecoindex.py (get_quantile, get_score,
//    get_grade) : q = (i − 1) + (v − Q[i−1]) / (Q[i] − Q[i−1]) pour le premier i tel que v < Q[i]
//    (20 au-delà du dernier quantile) ; score = round(100 − 5 × (3·q_dom + 2·q_req + q_taille) / 6) ;
//    note = première lettre dont le seuil est STRICTEMENT dépassé (A si score > 80…), G sinon ;
//  - mesure : cnumr/EcoIndex_python, components/ecoindex/scraper/scrap.py : éléments = tous les
//    éléments du document (`*`) MOINS les descendants des <svg> ; requêtes = toutes les requêtes de
//    la page (entrées HAR) ; taille = somme des octets transférés (`_transferSize` du HAR, en-têtes
//    compris) divisée par 1 000 (Ko décimaux, pas 1 024).

/** Quantiles de référence (HTTP Archive), cnumr/ecoindex_reference. */
export const QUANTILES = Object.freeze({
  dom: Object.freeze([0, 47, 75, 159, 233, 298, 358, 417, 476, 537, 603, 674, 753, 843, 949, 1076,
    1237, 1459, 1801, 2479, 594601]),
  requetes: Object.freeze([0, 2, 15, 25, 34, 42, 49, 56, 63, 70, 78, 86, 95, 105, 117, 130, 147, 170,
    205, 281, 3920]),
  taille: Object.freeze([0, 1.37, 144.7, 319.53, 479.46, 631.97, 783.38, 937.91, 1098.62, 1265.47,
    1448.32, 1648.27, 1876.08, 2142.06, 2465.37, 2866.31, 3401.59, 4155.73, 5400.08, 8037.54,
    223212.26]),
});

/** Seuils des notes : la note est la première dont le score dépasse strictement le seuil. */
export const NOTES = Object.freeze([['A', 80], ['B', 70], ['C', 55], ['D', 40], ['E', 25], ['F', 10]]);

/** Position interpolée de `valeur` dans `quantiles` : entre 0 et 20. */
export function position(quantiles, valeur) {
  for (let i = 1; i < quantiles.length; i++) {
    if (valeur < quantiles[i]) {
      return i - 1 + (valeur - quantiles[i - 1]) / (quantiles[i] - quantiles[i - 1]);
    }
  }
  return quantiles.length - 1;
}

/** Score non arrondi (0 à 100) : éléments du DOM, requêtes, taille transférée en Ko (1 000 o). */
export function scoreExact({ dom, requetes, ko }) {
  const q = 3 * position(QUANTILES.dom, dom) + 2 * position(QUANTILES.requetes, requetes)
    + position(QUANTILES.taille, ko);
  return 100 - (5 * q) / 6;
}

/** Note (A à G) d'un score. */
export function note(score) {
  for (const [lettre, seuil] of NOTES) if (score > seuil) return lettre;
  return 'G';
}

/**
 * EcoIndex officiel : score arrondi à l'entier (comme get_score) et sa note (calculée sur le score
 * arrondi, comme get_ecoindex). Les demi-entiers exacts, où round() de Python (au pair) et
 * Math.round diffèrent, n'arrivent pas : le score est 100 − q/1,2 avec q non entier en général.
 */
export function ecoindex(mesure) {
  const score = Math.round(scoreExact(mesure));
  return { score, note: note(score) };
}

/**
 * Nombre d'éléments comptés par l'EcoIndex, à évaluer DANS la page (page.evaluate) : tous les
 * éléments du document moins les descendants des <svg>.
 */
export function elementsDansLaPage() {
  return document.getElementsByTagName('*').length - document.querySelectorAll('svg *').length;
}
