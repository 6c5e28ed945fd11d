// Carte des résultats des lieux (issue 17, partie « carte »), en amélioration progressive : la
// liste de la page reste première et complète ; ce script remplit le bloc `section[data-points]`
// (caché jusque-là) avec Leaflet et Leaflet.markercluster (vendorisés, voir docs/carte.md).
// Chaque marqueur est un lien vers la fiche du lieu, construit par l'API DOM (jamais de HTML
// fabriqué avec des données), atteignable au clavier. Aucun style en ligne dans le HTML : Leaflet
// et ce script posent leurs styles par le CSSOM, permis par la CSP.
(function () {
  'use strict';

  // Au-delà de ce nombre de points, les marqueurs proches sont regroupés.
  var GROUPER_AU_DELA = 50;

  var bloc = document.querySelector('section[data-points]');
  if (!bloc || typeof window.L === 'undefined') {
    return;
  }
  var L = window.L;

  function nombre(n) {
    return n.toLocaleString('fr-FR');
  }

  // Les feuilles de Leaflet, posées seulement maintenant (aucune sans JavaScript) ; la carte
  // n'est dessinée qu'une fois chargées (sa taille en dépend).
  function poserFeuilles() {
    var hrefs = (bloc.getAttribute('data-feuilles') || '').split(' ').filter(Boolean);
    return Promise.all(hrefs.map(function (href) {
      return new Promise(function (fini) {
        var l = document.createElement('link');
        l.rel = 'stylesheet';
        l.href = href;
        l.addEventListener('load', fini);
        l.addEventListener('error', fini);
        document.head.appendChild(l);
      });
    }));
  }

  // Le texte de l'attribution, échappé : le contrôle d'attribution de Leaflet l'insère en HTML.
  function echapper(texte) {
    var d = document.createElement('div');
    d.textContent = texte;
    return d.innerHTML;
  }

  function texteCache(texte) {
    var s = document.createElement('span');
    s.className = 'reperes-carte__cache';
    s.textContent = texte;
    return s;
  }

  // Un marqueur : un lien vers la fiche, le nom du lieu pour nom accessible.
  function marqueur(p) {
    var a = document.createElement('a');
    a.href = p[2];
    a.className = 'reperes-marqueur';
    a.appendChild(texteCache(p[3]));
    var icone = L.divIcon({
      html: a,
      className: 'reperes-marqueur__icone',
      iconSize: [26, 26],
      iconAnchor: [13, 13]
    });
    // keyboard: false : le lien seul prend le focus (pas de bouton Leaflet autour de lui).
    return L.marker([p[0], p[1]], { icon: icone, keyboard: false });
  }

  // L'icône d'un groupe : le nombre de lieux, et ce que fait le bouton (Entrée : zoomer).
  function iconeGroupe(groupe) {
    var n = groupe.getChildCount();
    var d = document.createElement('div');
    var s = document.createElement('span');
    s.textContent = nombre(n);
    s.appendChild(texteCache(' lieux regroupés : zoomer pour les voir'));
    d.appendChild(s);
    var taille = n < 10 ? 'small' : n < 100 ? 'medium' : 'large';
    return L.divIcon({
      html: d,
      className: 'marker-cluster marker-cluster-' + taille,
      iconSize: L.point(40, 40)
    });
  }

  function legende(donnees) {
    var n = donnees.points.length;
    var t = n === 1 ? '1 lieu sur la carte' : nombre(n) + ' lieux sur la carte';
    if (donnees.sans_position > 0) {
      t += ' (' + nombre(donnees.sans_position) + ' sans coordonnées, absents de la carte)';
    }
    t += '. Chaque point est un lien vers la fiche du lieu';
    t += n > GROUPER_AU_DELA ? ' ; les lieux proches sont regroupés, zoomez pour les voir.' : '.';
    if (donnees.tronque) {
      t += ' La carte ne montre que les ' + nombre(n) + ' premiers résultats : précisez la recherche.';
    }
    return t;
  }

  function dessiner(donnees) {
    var points = donnees.points;
    if (!points.length) {
      return;
    }
    bloc.querySelector('[data-legende]').textContent = legende(donnees);
    bloc.hidden = false;
    var fond = bloc.querySelector('[data-carte]');
    var carte = L.map(fond, { zoomControl: false, scrollWheelZoom: false });
    L.control.zoom({ zoomInTitle: 'Zoomer', zoomOutTitle: 'Dézoomer' }).addTo(carte);
    carte.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    L.tileLayer(bloc.getAttribute('data-tuiles'), {
      attribution: echapper(bloc.getAttribute('data-attribution') || ''),
      maxZoom: 19
    }).addTo(carte);
    var couche = points.length > GROUPER_AU_DELA
      ? L.markerClusterGroup({ iconCreateFunction: iconeGroupe, showCoverageOnHover: false })
      : L.featureGroup();
    couche.addLayers
      ? couche.addLayers(points.map(marqueur))
      : points.forEach(function (p) { couche.addLayer(marqueur(p)); });
    couche.addTo(carte);
    if (points.length === 1) {
      carte.setView([points[0][0], points[0][1]], 15);
    } else {
      carte.fitBounds(L.latLngBounds(points.map(function (p) { return [p[0], p[1]]; })), {
        padding: [20, 20],
        maxZoom: 16
      });
    }
    bloc.setAttribute('data-carte-prete', String(points.length));
  }

  var chargement = fetch(bloc.getAttribute('data-points'), {
    headers: { Accept: 'application/json' },
    credentials: 'same-origin'
  }).then(function (r) {
    if (!r.ok) {
      throw new Error('points : ' + r.status);
    }
    return r.json();
  });
  Promise.all([chargement, poserFeuilles()]).then(function (r) {
    dessiner(r[0]);
  }).catch(function () {
    // Pas de carte : la liste suffit (le bloc reste caché).
  });
})();
