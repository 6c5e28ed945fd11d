#!/usr/bin/env bash
# Vendorise le Système de Design de l'État (DSFR) dans crates/web/static/vendor/dsfr/ :
# version épinglée, archive npm vérifiée par son empreinte SHA-256, sous-ensemble utile seulement
# (feuille de style principale, polices, favicon, licence). Le résultat est versionné dans le dépôt :
# ni `cargo run` ni les tests n'ont besoin de npm. Relancer ce script pour changer de version
# (mettre à jour VERSION et SHA256 ensemble), puis relire le diff.
#
# L'archive est prise avec `npm pack`, qui n'exécute aucun script d'installation. Les modalités
# d'utilisation du DSFR (réservé aux services de l'État) sont acceptées dans .dsfr.yml à la racine.
set -euo pipefail

VERSION="1.15.3"
SHA256="$(cat "$(dirname "$0")/dsfr.sha256" | cut -d' ' -f1)"
racine="$(cd "$(dirname "$0")/.." && pwd)"
cible="$racine/crates/web/static/vendor/dsfr"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cd "$tmp"
npm pack "@gouvfr/dsfr@$VERSION" --silent >/dev/null
archive="gouvfr-dsfr-$VERSION.tgz"
echo "$SHA256  $archive" | sha256sum -c - >/dev/null || {
  echo "Empreinte inattendue pour $archive : archive refusée." >&2
  exit 1
}
tar xzf "$archive"
rm -rf "$cible"
mkdir -p "$cible/fonts" "$cible/favicon"
cp package/dist/dsfr.main.min.css "$cible/dsfr.min.css"
cp package/dist/fonts/*.woff2 "$cible/fonts/"
cp package/dist/favicon/favicon.svg package/dist/favicon/favicon.ico package/dist/favicon/apple-touch-icon.png "$cible/favicon/"
# Icônes référencées par la feuille de style (et elles seules).
grep -o 'url(icons/[^)]*)' "$cible/dsfr.min.css" | sed 's/^url(//; s/)$//' | sort -u | while read -r icone; do
  mkdir -p "$cible/$(dirname "$icone")"
  cp "package/dist/$icone" "$cible/$icone"
done
cp package/LICENSE.md "$cible/LICENSE.md"
printf 'DSFR %s (npm @gouvfr/dsfr), empreinte de l archive : %s\n' "$VERSION" "$SHA256" > "$cible/VERSION"
echo "DSFR $VERSION vendorisé dans $cible"
