// Amélioration progressive de la page de suivi d'un import : sans ce script, la page s'actualise
// par son lien « Actualiser » ; avec lui, la barre avance seule et la page se recharge à la fin.
(function () {
  "use strict";
  var racine = document.querySelector("[data-suivi-import]");
  if (!racine || !window.fetch) { return; }
  var url = racine.getAttribute("data-suivi-import");
  var barre = racine.querySelector("progress");
  var texte = racine.querySelector("[data-etape]");
  function suivre() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (e) {
        if (!e) { return; }
        if (barre) { barre.value = e.pourcentage; barre.textContent = e.pourcentage + " %"; }
        if (texte) { texte.textContent = e.etape + (e.lus ? " : " + e.lus + " enregistrement(s) lu(s), " + e.fait + " écrit(s)" : "") + " (" + e.pourcentage + " %)"; }
        if (e.termine) { window.location.reload(); } else { window.setTimeout(suivre, 1000); }
      })
      .catch(function () { window.setTimeout(suivre, 3000); });
  }
  window.setTimeout(suivre, 1000);
})();
