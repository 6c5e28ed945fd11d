#!/usr/bin/env bash
# Vendorise les bibliothèques de la carte des lieux (issue 17) dans
# crates/web/static/vendor/leaflet/ : Leaflet et Leaflet.markercluster, versions épinglées
# (outils/carte/package.json et package-lock.json), archives npm vérifiées par leur empreinte
# SHA-256 (scripts/carte.sha256), fichiers `dist` utiles seulement, avec leurs licences.
# Le résultat est versionné dans le dépôt : ni `cargo run` ni les tests n'ont besoin de npm.
# Relancer ce script pour changer de version (mettre à jour package.json, package-lock.json et
# carte.sha256 ensemble), puis relire le diff. Voir docs/carte.md.
#
# Les archives sont prises avec `npm pack`, qui n'exécute aucun script d'installation.
# `--verifier` : refait la vendorisation dans un dossier temporaire et la compare à celle du
# dépôt (rien n'est écrit).
set -euo pipefail

racine="$(cd "$(dirname "$0")/.." && pwd)"
sommes="$racine/scripts/carte.sha256"
cible="$racine/crates/web/static/vendor/leaflet"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Versions lues dans le package.json épinglé (versions exactes, sans ^ ni ~).
version() {
  node -e 'const p=require(process.argv[1]); const v=p.dependencies[process.argv[2]];
    if (!/^\d+\.\d+\.\d+$/.test(v)) { console.error("version non exacte : "+v); process.exit(1) }
    console.log(v)' "$racine/outils/carte/package.json" "$1"
}
LEAFLET="$(version leaflet)"
GROUPES="$(version leaflet.markercluster)"

sortie="$cible"
if [ "${1:-}" = "--verifier" ]; then
  sortie="$tmp/resultat"
fi

cd "$tmp"
for paquet in "leaflet@$LEAFLET" "leaflet.markercluster@$GROUPES"; do
  npm pack "$paquet" --silent >/dev/null
done
# Chaque archive doit avoir l'empreinte notée dans carte.sha256 (et seulement celles-là).
sha256sum -c "$sommes" >/dev/null || {
  echo "Empreinte inattendue pour une archive (voir $sommes) : archives refusées." >&2
  exit 1
}
mkdir leaflet groupes
tar xzf "leaflet-$LEAFLET.tgz" -C leaflet
tar xzf "leaflet.markercluster-$GROUPES.tgz" -C groupes

rm -rf "$sortie"
mkdir -p "$sortie/images"
l="leaflet/package/dist"
g="groupes/package/dist"
cp "$l/leaflet.js" "$l/leaflet.css" "$sortie/"
# Images référencées par leaflet.css (icône de marqueur par défaut, contrôle des couches) ;
# la carte de Repères dessine ses propres marqueurs (liens), elles ne sont pas chargées.
cp "$l"/images/*.png "$sortie/images/"
cp "$g/leaflet.markercluster.js" "$sortie/"
# Une seule feuille pour les groupes (une requête de moins) : la feuille de base puis celle des
# couleurs par défaut, dans cet ordre.
cat "$g/MarkerCluster.css" "$g/MarkerCluster.Default.css" >"$sortie/markercluster.css"
cp leaflet/package/LICENSE "$sortie/LICENSE-leaflet"
cp groupes/package/MIT-LICENCE.txt "$sortie/LICENSE-leaflet.markercluster"
{
  printf 'Leaflet %s (npm leaflet, BSD-2-Clause), archive %s\n' "$LEAFLET" "$(sha256sum "leaflet-$LEAFLET.tgz" | cut -d' ' -f1)"
  printf 'Leaflet.markercluster %s (npm leaflet.markercluster, MIT), archive %s\n' "$GROUPES" "$(sha256sum "leaflet.markercluster-$GROUPES.tgz" | cut -d' ' -f1)"
  printf 'Copiés par scripts/vendor-carte.sh : leaflet.js, leaflet.css, images/*.png, leaflet.markercluster.js ;\n'
  printf 'markercluster.css = MarkerCluster.css + MarkerCluster.Default.css.\n'
} >"$sortie/VERSION"
find "$sortie" -type f -exec chmod 644 {} +

if [ "$sortie" != "$cible" ]; then
  diff -r "$sortie" "$cible" && echo "Vendorisation de la carte conforme (Leaflet $LEAFLET, markercluster $GROUPES)."
  exit
fi
echo "Leaflet $LEAFLET et Leaflet.markercluster $GROUPES vendorisés dans $cible ($(du -sb "$cible" | cut -f1) octets)"
