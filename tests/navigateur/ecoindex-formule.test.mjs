// La formule de l'EcoIndex (ecoindex.mjs), sans navigateur ni serveur :
//   cd tests/navigateur && node --test ecoindex-formule.test.mjs
// Attendus calculés à la main (le calcul est écrit en commentaire) ou tirés des exemples du dépôt
// officiel cnumr/ecoindex_python (tests/compute/test_ecoindex.py), jamais relus du module.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QUANTILES, ecoindex, note, position, scoreExact } from './ecoindex.mjs';

const proche = (obtenu, attendu, message, tolerance = 1e-9) =>
  assert.ok(Math.abs(obtenu - attendu) < tolerance, `${message} : ${obtenu} au lieu de ${attendu}`);

test('quantiles de référence (cnumr/ecoindex_reference) : 21 bornes, de 0 au maximum observé', () => {
  for (const [nom, q] of Object.entries(QUANTILES)) assert.equal(q.length, 21, nom);
  assert.deepEqual([QUANTILES.dom[0], QUANTILES.dom[8], QUANTILES.dom[20]], [0, 476, 594601]);
  assert.deepEqual([QUANTILES.requetes[1], QUANTILES.requetes[2], QUANTILES.requetes[20]], [2, 15, 3920]);
  assert.deepEqual([QUANTILES.taille[1], QUANTILES.taille[2], QUANTILES.taille[20]], [1.37, 144.7, 223212.26]);
});

test('position interpolée dans les quantiles', () => {
  // Exemples officiels (test_get_quantiles).
  proche(position(QUANTILES.taille, 2500), 14.086372025739513, 'taille 2 500 Ko');
  proche(position(QUANTILES.dom, 150), 2.892857142857143, 'DOM 150');
  proche(position(QUANTILES.requetes, 23), 2.8, '23 requêtes');
  assert.equal(position(QUANTILES.taille, 310182.902), 20, 'au-delà du dernier quantile : 20');
  // À la main : 100 éléments, entre 75 (rang 2) et 159 (rang 3) : 2 + 25/84.
  proche(position(QUANTILES.dom, 100), 2 + 25 / 84, 'DOM 100');
  // Sur une borne : 476 éléments = rang 8 exactement ; 15 requêtes = rang 2 ; 0 = rang 0.
  proche(position(QUANTILES.dom, 476), 8, 'DOM 476');
  proche(position(QUANTILES.requetes, 15), 2, '15 requêtes');
  assert.equal(position(QUANTILES.dom, 0), 0);
  // 6 requêtes, entre 2 (rang 1) et 15 (rang 2) : 1 + 4/13.
  proche(position(QUANTILES.requetes, 6), 1 + 4 / 13, '6 requêtes');
});

test('score : exemples officiels (test_get_score)', () => {
  assert.equal(ecoindex({ dom: 100, requetes: 100, ko: 100 }).score, 72);
  assert.equal(ecoindex({ dom: 100, requetes: 100, ko: 1000 }).score, 67);
  assert.equal(ecoindex({ dom: 100, requetes: 100, ko: 10000 }).score, 58);
  assert.equal(ecoindex({ dom: 200, requetes: 200, ko: 10000 }).score, 46);
  assert.equal(ecoindex({ dom: 2355, requetes: 267, ko: 2493 }).score, 10);
  assert.equal(ecoindex({ dom: 240, requetes: 20, ko: 331 }).score, 83);
  // test_get_ecoindex_out_of_range : 16, note F.
  assert.deepEqual(ecoindex({ dom: 2240, requetes: 100, ko: 310182.902 }), { score: 16, note: 'F' });
  assert.deepEqual(ecoindex({ dom: 100, requetes: 100, ko: 100 }), { score: 72, note: 'B' });
});

test('score : calculé à la main', () => {
  // Page vide (0 élément, 0 requête, 0 Ko) : toutes les positions à 0, score 100.
  assert.equal(scoreExact({ dom: 0, requetes: 0, ko: 0 }), 100);
  // Tout au-delà des derniers quantiles : positions 20, 100 − 5 × (60 + 40 + 20) / 6 = 0.
  assert.equal(scoreExact({ dom: 1e6, requetes: 1e4, ko: 1e6 }), 0);
  // 476 éléments (rang 8), 15 requêtes (rang 2), 1,37 Ko (rang 1) :
  // 100 − 5 × (24 + 4 + 1) / 6 = 100 − 145/6 = 75,8333… → 76, B.
  proche(scoreExact({ dom: 476, requetes: 15, ko: 1.37 }), 100 - 145 / 6, '476/15/1,37');
  assert.deepEqual(ecoindex({ dom: 476, requetes: 15, ko: 1.37 }), { score: 76, note: 'B' });
  // La page /donnees d'avant l'allègement : 465 éléments, 6 requêtes, 60 Ko.
  // q_dom = 7 + 48/59 = 7,81356 ; q_req = 1 + 4/13 = 1,30769 ; q_taille = 1 + 58,63/143,33 = 1,40906 ;
  // 100 − 5 × (23,44068 + 2,61538 + 1,40906) / 6 = 100 − 22,88760 = 77,1124 → 77, B.
  proche(scoreExact({ dom: 465, requetes: 6, ko: 60 }), 77.1124, '465/6/60', 1e-4);
  assert.deepEqual(ecoindex({ dom: 465, requetes: 6, ko: 60 }), { score: 77, note: 'B' });
  // 298 éléments (rang 5), 2 requêtes (rang 1), 1,37 Ko (rang 1) :
  // 100 − 5 × (15 + 2 + 1) / 6 = 85, A.
  assert.deepEqual(ecoindex({ dom: 298, requetes: 2, ko: 1.37 }), { score: 85, note: 'A' });
});

test('notes : seuils stricts (A > 80, B > 70, C > 55, D > 40, E > 25, F > 10, G sinon)', () => {
  const attendues = [[100, 'A'], [81, 'A'], [80.01, 'A'], [80, 'B'], [71, 'B'], [70, 'C'], [56, 'C'],
    [55, 'D'], [41, 'D'], [40, 'E'], [26, 'E'], [25, 'F'], [11, 'F'], [10, 'G'], [2, 'G'], [0, 'G']];
  for (const [score, lettre] of attendues) assert.equal(note(score), lettre, `score ${score}`);
  // Exemples officiels (test_get_grade).
  assert.equal(note(50.2), 'D');
  assert.equal(note(25), 'F');
  // La note suit le score arrondi : 80,4 s'arrondit à 80, qui n'est pas A.
  // Score exact de 80,4 avec 2 requêtes (rang 1) et 1,37 Ko (rang 1) : 5 × (3·q_dom + 3) / 6 = 19,6
  // → q_dom = 6,84, soit 358 + 0,84 × (417 − 358) = 407,56 éléments.
  proche(scoreExact({ dom: 407.56, requetes: 2, ko: 1.37 }), 80.4, '80,4');
  assert.deepEqual(ecoindex({ dom: 407.56, requetes: 2, ko: 1.37 }), { score: 80, note: 'B' });
});
