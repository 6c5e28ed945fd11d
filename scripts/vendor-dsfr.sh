#!/usr/bin/env bash
# Vendorise le Système de Design de l'État (DSFR) dans crates/web/static/vendor/dsfr/ :
# version épinglée, archive npm vérifiée par son empreinte SHA-256, sous-ensemble utile seulement.
# Le résultat est versionné dans le dépôt : ni `cargo run` ni les tests n'ont besoin de npm ni de
# Python. Relancer ce script pour changer de version (mettre à jour VERSION et SHA256 ensemble) ou
# quand un gabarit se met à utiliser un composant DSFR de plus (liste COMPOSANTS), puis relire le
# diff.
#
# Budgets des pages (tests/navigateur/budgets.test.mjs : 150 Ko transférés au plus par page à la
# première visite) : le DSFR complet (dsfr.main.min.css, 585 Ko, 76 Ko compressé) et les polices
# Marianne entières (≈ 58 Ko chacune, trois graisses par page) les dépassaient à eux seuls. D'où :
#  - une seule feuille dsfr.min.css = le cœur (core : variables, typographie, grille, espacements)
#    + les seuls composants utilisés par les gabarits, concaténés dans l'ordre du DSFR ;
#    ni thème sombre (scheme : le site fixe data-fr-scheme="light" et n'a pas de JavaScript), ni
#    utilitaires d'icônes (classes fr-icon-* : aucun gabarit ne les emploie), ni impression ;
#  - les polices Marianne réduites aux caractères du français (voir GLYPHES) et sans hinting
#    TrueType (les navigateurs lissent eux-mêmes ; c'est l'essentiel du poids des fichiers) ;
#  - pas de Spectral : seule la classe fr-text--alt l'emploie, et aucun gabarit ne s'en sert
#    (elle retomberait sur Georgia) ; leurs déclarations @font-face sont retirées.
# La Licence Ouverte 2.0 du DSFR (LICENSE.md) permet d'adapter ces fichiers, en mentionnant la
# source : c'est l'objet du fichier VERSION.
#
# L'archive est prise avec `npm pack`, qui n'exécute aucun script d'installation. Les polices sont
# réduites par fontTools (pyftsubset), installé à versions épinglées dans un environnement Python
# jetable. Les modalités d'utilisation du DSFR (réservé aux services de l'État) sont acceptées
# dans .dsfr.yml à la racine.
set -euo pipefail

VERSION="1.15.3"
SHA256="$(cut -d' ' -f1 "$(dirname "$0")/dsfr.sha256")"
FONTTOOLS="fonttools==4.60.1"
BROTLI="brotli==1.1.0" # compression woff2 pour fontTools

# Composants DSFR retenus, dans l'ordre de dist/component/main.scss (l'ordre compte : certains
# composants surchargent les règles d'autres, p. ex. table sur button et checkbox).
#   upload : champ de dépôt de fichiers (dossiers, rapports) ; badge : états, labels ;
#   logo : bloc-marque de l'en-tête ; button : boutons et groupes, menu ; breadcrumb : fils
#   d'Ariane ; form : fieldset, label, messages d'erreur ; stepper : orientation, dossiers ;
#   link : liens, liens d'évitement ; callout : mises en avant ; pagination : listes paginées ;
#   summary : sommaires ; alert : messages ; radio, checkbox, input, select : champs ;
#   skiplink : liens d'évitement ; footer : pied de page ; table : tableaux ; header : en-tête.
COMPOSANTS="upload badge logo button breadcrumb form stepper link callout pagination summary alert radio checkbox input skiplink select footer table header"

# Caractères gardés dans les polices : latin de base, latin-1 (dont espace insécable, « », é, ç…),
# latin étendu A (œ, Œ, Ÿ et noms propres européens), virgule dessous roumaine, diacritiques
# d'espacement et combinants (textes importés en forme décomposée), ponctuation générale (– — ’
# “ ” … • ‹ › espaces fine et fine insécable), euro, marque, flèches (→ des gabarits), moins.
# Un caractère absent est affiché par la police de repli (Arial, sans-serif) : rien ne se perd.
GLYPHES="U+0020-007E,U+00A0-017F,U+0218-021B,U+02C6-02DD,U+0300-036F,U+2000-206F,U+20AC,U+2122,U+2190-2193,U+2212"

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
python3 -m venv "$tmp/py"
"$tmp/py/bin/pip" install --quiet --disable-pip-version-check "$FONTTOOLS" "$BROTLI"

rm -rf "$cible"
mkdir -p "$cible/fonts" "$cible/favicon"
dist="package/dist"
# Feuille unique, chemins rendus relatifs à vendor/dsfr/ (core est dans dist/core/, les
# composants dans dist/component/NOM/). Les polices ne gardent que la source woff2 (les fichiers
# woff ne sont pas vendorisés ; tous les navigateurs pris en charge lisent woff2), et les
# déclarations de Spectral disparaissent avec ses fichiers.
{
  sed -e 's#url(\.\./#url(#g' "$dist/core/core.main.min.css"
  for c in $COMPOSANTS; do
    printf '\n'
    sed -e 's#url(\.\./\.\./#url(#g' "$dist/component/$c/$c.main.min.css"
  done
  printf '\n'
} | sed -E \
  -e 's#,url\(fonts/[A-Za-z_-]+\.woff\) format\("woff"\)##g' \
  -e 's#@font-face\{[^}]*font-family:Spectral[^}]*\}##g' \
  >"$cible/dsfr.min.css"

# Polices Marianne (les huit styles restent déclarés : le navigateur ne télécharge que ceux que la
# page emploie, en pratique Regular, Medium et Bold).
for police in "$dist"/fonts/Marianne-*.woff2; do
  "$tmp/py/bin/pyftsubset" "$police" --unicodes="$GLYPHES" --flavor=woff2 --no-hinting \
    --desubroutinize --output-file="$cible/fonts/$(basename "$police")"
done
grep -o 'url(fonts/[^)]*)' "$cible/dsfr.min.css" | sed 's/^url(//; s/)$//' | sort -u | while read -r f; do
  [ -f "$cible/$f" ] || { echo "Police référencée mais absente : $f" >&2; exit 1; }
done

cp "$dist"/favicon/favicon.svg "$dist"/favicon/favicon.ico "$dist"/favicon/apple-touch-icon.png "$cible/favicon/"
# Icônes référencées par la feuille de style (et elles seules).
grep -o 'url(icons/[^)]*)' "$cible/dsfr.min.css" | sed 's/^url(//; s/)$//' | sort -u | while read -r icone; do
  mkdir -p "$cible/$(dirname "$icone")"
  cp "$dist/$icone" "$cible/$icone"
done
cp package/LICENSE.md "$cible/LICENSE.md"
{
  printf 'DSFR %s (npm @gouvfr/dsfr), empreinte de l archive : %s\n' "$VERSION" "$SHA256"
  printf 'Adaptation (Licence Ouverte 2.0) par scripts/vendor-dsfr.sh :\n'
  printf -- '- dsfr.min.css : core + composants %s ;\n' "$COMPOSANTS"
  printf -- '- fonts/Marianne-* : réduites aux caractères %s, sans hinting (%s) ; Spectral retirée.\n' "$GLYPHES" "$FONTTOOLS"
} >"$cible/VERSION"

# Classes fr-* des gabarits et de la feuille du projet que le DSFR complet définit mais pas la
# feuille vendorisée : un composant manque à COMPOSANTS. (Les classes que le DSFR ne définit pas
# du tout, simples marqueurs du balisage, ne comptent pas.)
manquantes="$(grep -rhoE '(^|[" ])fr-[a-zA-Z0-9_-]*[a-zA-Z0-9]' "$racine/crates/web/templates" "$racine/crates/web/static/css" \
  | sed 's/^[" ]//' | sort -u | while read -r classe; do
    motif="\.$classe\([^a-zA-Z0-9_-]\|$\)"
    if grep -q "$motif" "$dist/dsfr.main.min.css" && ! grep -q "$motif" "$cible/dsfr.min.css"; then
      printf ' %s' "$classe"
    fi
  done)"
[ -z "$manquantes" ] || {
  echo "Classes DSFR employées par les gabarits mais absentes de la feuille vendorisée :$manquantes" >&2
  echo "Ajouter le composant qui les définit à COMPOSANTS." >&2
  exit 1
}
echo "DSFR $VERSION vendorisé dans $cible ($(wc -c <"$cible/dsfr.min.css") octets de CSS, $(cat "$cible"/fonts/*.woff2 | wc -c) octets de polices)"
