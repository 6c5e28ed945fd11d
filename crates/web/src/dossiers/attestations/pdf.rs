//! Attestation d'un label (« Attestation de labellisation »), d'une charte
//! (« Attestation de signature de la charte ») ou de l'approbation d'une
//! méthode (« Attestation d'approbation de la méthode ») au format PDF balisé
//! (accessible).
//!
//! Le document est produit entièrement en Rust avec `krilla` : PDF 1.7
//! balisé (arbre de structure, `/MarkInfo`), langue `fr-FR`, titre du
//! document affiché par la visionneuse, signet, et validation PDF/UA-1
//! activée : un document non conforme à ce que `krilla` sait vérifier
//! (titre, langue, texte de remplacement des figures, titre du H1, signets,
//! glyphes sans correspondance Unicode, etc.) est une erreur, pas un PDF
//! dégradé.
//!
//! Mise en page : A4 portrait, un titre (H1), quatre paragraphes (P) : la
//! décision, l'émetteur (qui délivre le label ou contresigne la charte,
//! Repères n'étant que la plateforme) avec le numéro de récépissé du
//! dossier, le numéro de l'attestation, et l'adresse de vérification, qui
//! contient l'adresse de vérification sous forme de lien
//! (balise Link + annotation), puis le code QR de cette adresse, dessiné
//! en rectangles vectoriels et balisé comme figure (Figure) avec un texte
//! de remplacement. Les textes longs sont coupés au mot près d'après les
//! chasses des glyphes de la police ; un mot plus long que la ligne (une
//! URL, par exemple) est coupé de préférence après une barre oblique, à
//! défaut entre deux caractères. Si le contenu ne tient pas sur une page,
//! il continue sur la suivante.
//!
//! Police : DejaVu Sans (normale et grasse), incorporée au binaire
//! (`assets/polices/`, licence dans `LICENCE-DejaVu.txt`) ; `krilla`
//! n'en incorpore au PDF que le sous-ensemble des glyphes utilisés. Les
//! caractères absents de la police sont remplacés (U+FFFD) et les
//! caractères invisibles ou de contrôle sont retirés, afin que la
//! validation PDF/UA ne puisse pas échouer à cause des données saisies.

use std::num::NonZeroU16;

use krilla::action::{Action, LinkAction};
use krilla::annotation::{Annotation, LinkAnnotation, Target};
use krilla::color::rgb;
use krilla::configure::{Accessibility, ConfigurationBuilder, ValidationError};
use krilla::destination::XyzDestination;
use krilla::error::KrillaError;
use krilla::geom::{PathBuilder, Point, Quadrilateral, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule};
use krilla::surface::Surface;
use krilla::tagging::{
    Artifact, ArtifactType, BBox, ContentTag, Node, SpanTag, Tag, TagGroup, TagKind, TagTree,
};
use krilla::text::{Font, TextDirection};
use krilla::{Document, SerializeSettings};
use qrcode::{EcLevel, QrCode};
use reperes_domain::referentiel::Nature;
use reperes_domain::texte::citer;
use skrifa::charmap::Charmap;
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, MetadataProvider};

/// Données imprimées sur l'attestation.
#[derive(Debug, Clone)]
pub struct DonneesAttestation {
    /// Identifiant de l'attestation (UUID).
    pub numero: String,
    /// Nom du label ou de la charte, ex. « Label « Numérique en Commun[s] » —
    /// référentiel à six critères (2022) ».
    pub label: String,
    /// Nature du référentiel : une charte (signée par un territoire,
    /// contresignée) ou une méthode approuvée plutôt qu'un label :
    /// l'attestation en parle avec ses mots, sans « label » ni « niveau ».
    pub nature: Nature,
    /// Qui délivre le label ou contresigne la charte (clé `delivre_par` du
    /// référentiel), ex. « l'Agence nationale de la cohésion des territoires
    /// (ANCT) » ; vide s'il n'est pas connu.
    pub emetteur: String,
    /// Numéro de récépissé du dossier, ex. « REP-2026-00012 ».
    pub recepisse: String,
    /// Ex. « Niveau 1 » (label seulement).
    pub niveau: String,
    pub dispositif: String,
    pub porteur: String,
    pub commune: String,
    /// JJ/MM/AAAA.
    pub date_decision: String,
    /// JJ/MM/AAAA.
    pub fin_validite: String,
    /// `https://…/attestations/<numero>`.
    pub url_verification: String,
}

/// Génère le PDF (balisé, langue fr, titre du document) ; erreur en français.
pub fn generer(d: &DonneesAttestation) -> Result<Vec<u8>, String> {
    let url = d.url_verification.trim();
    if url.is_empty() {
        return Err("l'adresse de vérification de l'attestation est vide".to_owned());
    }
    let polices = Polices::charger()?;
    let qr = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)
        .map_err(|e| format!("impossible de produire le code QR de vérification : {e}"))?;
    let plan = mettre_en_page(d, url, &polices, &qr);
    produire_pdf(d, url, &polices, &plan, &qr)
}

// ---------------------------------------------------------------------------
// Constantes de mise en page (points PDF, 1 pt = 1/72 pouce ; origine en haut
// à gauche, ordonnées vers le bas, comme dans krilla).

const LARGEUR_PAGE: f32 = 595.28;
const HAUTEUR_PAGE: f32 = 841.89;
const MARGE: f32 = 64.0;
const LARGEUR_UTILE: f32 = LARGEUR_PAGE - 2.0 * MARGE;
const BAS_UTILE: f32 = HAUTEUR_PAGE - MARGE;

const TAILLE_TITRE: f32 = 22.0;
const INTERLIGNE_TITRE: f32 = 1.25;
const TAILLE_CORPS: f32 = 11.5;
const INTERLIGNE_CORPS: f32 = 1.5;
const ESPACE_PARAGRAPHE: f32 = 10.0;
const EPAISSEUR_FILET: f32 = 1.2;
/// Côté du code QR, hors zone de silence.
const COTE_QR: f32 = 113.0;
const ESPACE_AVANT_QR: f32 = 12.0;
const MODULE_QR_MIN: f32 = 2.55;

/// Bleu France (DSFR), pour le titre, le filet et le lien.
const BLEU: (u8, u8, u8) = (0, 0, 145);
/// Gris très foncé pour le corps du texte (contraste > 15:1 sur blanc).
const TEXTE: (u8, u8, u8) = (22, 22, 22);
const NOIR: (u8, u8, u8) = (0, 0, 0);

/// Titre de l'attestation (H1, titre du document, signet).
pub fn titre(d: &DonneesAttestation) -> &'static str {
    d.nature.vocabulaire().attestation
}

/// Les paragraphes de l'attestation, dans l'ordre de lecture (le dernier
/// introduit l'adresse de vérification).
pub fn paragraphes(d: &DonneesAttestation) -> Vec<String> {
    let commune = match d.commune.trim() {
        "" => String::new(),
        commune => format!(" ({commune})"),
    };
    let (decision, emetteur) = if d.nature == Nature::Approbation {
        (
            format!(
                "La méthode {}, portée par {}{}, est approuvée au titre suivant\u{00A0}: \
                 {}. Approbation accordée le {} et valable jusqu'au {}.",
                citer(&d.dispositif),
                d.porteur.trim(),
                commune,
                d.label.trim(),
                d.date_decision.trim(),
                d.fin_validite.trim(),
            ),
            d.nature.vocabulaire().delivre_par,
        )
    } else if d.nature == Nature::Charte {
        (
            format!(
                "{}{} est signataire de la {}, pour sa démarche {}. Signature contresignée \
                 le {}, engagement valable jusqu'au {}.",
                d.porteur.trim(),
                commune,
                d.label.trim(),
                citer(&d.dispositif),
                d.date_decision.trim(),
                d.fin_validite.trim(),
            ),
            "Charte contresignée par",
        )
    } else {
        (
            format!(
                "Le dispositif {}, porté par {}{}, est titulaire du label suivant\u{00A0}: \
                 {}. {}, accordé le {} et valable jusqu'au {}.",
                citer(&d.dispositif),
                d.porteur.trim(),
                commune,
                d.label.trim(),
                d.niveau.trim(),
                d.date_decision.trim(),
                d.fin_validite.trim(),
            ),
            "Label délivré par",
        )
    };
    // Espaces insécables après « n° » et avant « ; » (typographie française).
    let instruit = format!(
        "ossier instruit sur Repères, la plateforme de l'inclusion numérique\u{00A0}; \
         récépissé du dossier n°\u{00A0}{}.",
        d.recepisse.trim()
    );
    let emetteur = match d.emetteur.trim() {
        "" => format!("D{instruit}"),
        e => format!("{emetteur} {e}\u{00A0}; d{instruit}"),
    };
    vec![
        decision,
        emetteur,
        format!("Attestation n°\u{00A0}{}.", d.numero.trim()),
        // Espace insécable avant le deux-points (typographie française).
        "Vérifiez l'authenticité et la validité de cette attestation à l'adresse\u{00A0}: "
            .to_owned(),
    ]
}

static DEJAVU_SANS: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/polices/DejaVuSans.ttf"
));
static DEJAVU_SANS_GRAS: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/polices/DejaVuSans-Bold.ttf"
));

// ---------------------------------------------------------------------------
// Polices : la police krilla (pour dessiner) et la même police lue par skrifa
// (pour mesurer les chasses et savoir quels caractères elle couvre).

struct Police {
    krilla: Font,
    charmap: Charmap<'static>,
    chasses: GlyphMetrics<'static>,
    unites_par_em: f32,
    /// Hauteur au-dessus de la ligne de base, en fraction du corps.
    ascendante: f32,
    /// Profondeur sous la ligne de base (positive), en fraction du corps.
    descendante: f32,
    /// Caractère de remplacement couvert par la police.
    remplacement: char,
}

impl Police {
    fn charger(octets: &'static [u8], nom: &str) -> Result<Self, String> {
        let krilla = Font::new(octets.into(), 0)
            .ok_or_else(|| format!("la police {nom} incorporée est illisible"))?;
        let face = FontRef::new(octets)
            .map_err(|e| format!("la police {nom} incorporée est illisible : {e}"))?;
        let metriques = face.metrics(Size::unscaled(), LocationRef::default());
        let unites_par_em = f32::from(metriques.units_per_em);
        if unites_par_em <= 0.0 {
            return Err(format!(
                "la police {nom} incorporée est invalide (unitsPerEm nul)"
            ));
        }
        let charmap = face.charmap();
        let chasses = face.glyph_metrics(Size::unscaled(), LocationRef::default());
        let remplacement = if charmap.map('\u{FFFD}').is_some_and(|g| g.to_u32() != 0) {
            '\u{FFFD}'
        } else {
            '?'
        };
        Ok(Police {
            krilla,
            charmap,
            chasses,
            unites_par_em,
            ascendante: metriques.ascent / unites_par_em,
            descendante: -metriques.descent / unites_par_em,
            remplacement,
        })
    }

    fn couvre(&self, c: char) -> bool {
        self.charmap.map(c).is_some_and(|g| g.to_u32() != 0)
    }

    /// Largeur du texte (somme des chasses, sans crénage : légèrement
    /// pessimiste, donc sans risque de déborder de la marge).
    fn largeur(&self, texte: &str, taille: f32) -> f32 {
        let unites: f32 = texte
            .chars()
            .map(|c| {
                self.charmap
                    .map(c)
                    .and_then(|g| self.chasses.advance_width(g))
                    .unwrap_or(self.unites_par_em * 0.6)
            })
            .sum();
        unites * taille / self.unites_par_em
    }

    /// Rend un texte saisi dessinable sans glyphe `.notdef` ni caractère
    /// interdit par PDF/UA : contrôles et blancs → espace (espaces
    /// insécables conservés), invisibles retirés, caractères non couverts
    /// par la police → caractère de remplacement ; espaces fusionnées.
    fn assainir(&self, texte: &str) -> String {
        let mut sortie = String::with_capacity(texte.len());
        let mut espace_en_attente = false;
        for c in texte.chars() {
            let c = if c.is_control()
                || (c.is_whitespace() && !matches!(c, '\u{00A0}' | '\u{202F}' | '\u{2007}'))
            {
                ' '
            } else if est_invisible(c) {
                continue;
            } else if self.couvre(c) && !est_usage_prive(c) {
                c
            } else {
                self.remplacement
            };
            if c == ' ' {
                espace_en_attente = !sortie.is_empty();
                continue;
            }
            if espace_en_attente {
                sortie.push(' ');
                espace_en_attente = false;
            }
            sortie.push(c);
        }
        sortie
    }
}

/// Caractères « ignorables par défaut » (Unicode) et non-caractères : ils
/// n'ont pas de glyphe visible et certains sont interdits par PDF/UA.
fn est_invisible(c: char) -> bool {
    matches!(
        c as u32,
        0x00AD
            | 0x034F
            | 0x061C
            | 0x115F..=0x1160
            | 0x17B4..=0x17B5
            | 0x180B..=0x180F
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x206F
            | 0x3164
            | 0xFE00..=0xFE0F
            | 0xFEFF
            | 0xFFA0
            | 0xFFF0..=0xFFF8
            | 0xFFFE..=0xFFFF
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0000..=0xE0FFF
    )
}

fn est_usage_prive(c: char) -> bool {
    matches!(c as u32, 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD)
}

struct Polices {
    normale: Police,
    grasse: Police,
}

impl Polices {
    fn charger() -> Result<Self, String> {
        Ok(Polices {
            normale: Police::charger(DEJAVU_SANS, "DejaVu Sans")?,
            grasse: Police::charger(DEJAVU_SANS_GRAS, "DejaVu Sans Bold")?,
        })
    }
}

// ---------------------------------------------------------------------------
// Coupure des lignes.

/// Coupe `texte` (déjà assaini) en lignes d'au plus `largeur_max` points.
/// Coupure gloutonne aux espaces ; un mot trop long (une URL, typiquement)
/// est coupé de préférence après une barre oblique, sinon après une autre
/// ponctuation d'URL, sinon entre deux caractères. Les lignes coupées à une
/// espace gardent cette espace en fin de ligne (invisible), pour que le
/// texte extrait ou lu par une aide technique ne colle pas les mots.
fn couper_lignes(police: &Police, texte: &str, taille: f32, largeur_max: f32) -> Vec<String> {
    let mut lignes: Vec<String> = Vec::new();
    let mut courante = String::new();
    for mot in texte.split(' ').filter(|m| !m.is_empty()) {
        if !courante.is_empty() {
            let candidate = format!("{courante} {mot}");
            if police.largeur(&candidate, taille) <= largeur_max {
                courante = candidate;
                continue;
            }
            courante.push(' ');
            lignes.push(std::mem::take(&mut courante));
        }
        if police.largeur(mot, taille) <= largeur_max {
            courante.push_str(mot);
        } else {
            couper_mot(
                police,
                mot,
                taille,
                largeur_max,
                0,
                &mut lignes,
                &mut courante,
            );
        }
    }
    if !courante.is_empty() {
        lignes.push(courante);
    }
    lignes
}

/// Points de coupure d'un mot trop long, du plus souhaitable au moins
/// souhaitable ; au-delà du dernier niveau, coupure entre caractères.
const COUPURES_MOT: [&[char]; 2] = [&['/'], &['-', '.', '_', '?', '&', '=', '#', '~']];

/// Range les morceaux de `mot` (coupé après les caractères du niveau
/// `niveau`) dans `courante`, en passant à la ligne quand il le faut ; un
/// morceau encore trop long est recoupé au niveau suivant.
fn couper_mot(
    police: &Police,
    mot: &str,
    taille: f32,
    largeur_max: f32,
    niveau: usize,
    lignes: &mut Vec<String>,
    courante: &mut String,
) {
    let morceaux: Vec<&str> = match COUPURES_MOT.get(niveau) {
        Some(separateurs) => mot.split_inclusive(*separateurs).collect(),
        None => mot
            .char_indices()
            .map(|(i, c)| &mot[i..i + c.len_utf8()])
            .collect(),
    };
    for morceau in morceaux {
        let candidate = format!("{courante}{morceau}");
        if police.largeur(&candidate, taille) <= largeur_max {
            *courante = candidate;
            continue;
        }
        if !courante.is_empty() {
            lignes.push(std::mem::take(courante));
        }
        if niveau >= COUPURES_MOT.len() || police.largeur(morceau, taille) <= largeur_max {
            courante.push_str(morceau);
        } else {
            couper_mot(
                police,
                morceau,
                taille,
                largeur_max,
                niveau + 1,
                lignes,
                courante,
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Plan de la mise en page : tout est placé avant de dessiner, puis le dessin
// (et le balisage) suit ce plan page par page.

/// Élément de structure auquel appartient un tracé.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cible {
    /// Index dans la liste des blocs (H1, P, P, P, Figure).
    Bloc(usize),
    /// L'adresse de vérification : balise Link dans le dernier paragraphe.
    Lien,
    /// Décoration, hors structure logique.
    Artefact,
}

enum Contenu {
    Texte {
        origine: Point,
        texte: String,
        gras: bool,
        taille: f32,
        couleur: (u8, u8, u8),
        /// Rectangle occupé (pour la zone cliquable du lien).
        zone: Rect,
    },
    Rectangle {
        zone: Rect,
        couleur: (u8, u8, u8),
    },
    Qr {
        coin: Point,
        module: f32,
    },
}

struct Trace {
    page: usize,
    cible: Cible,
    contenu: Contenu,
}

const BLOC_TITRE: usize = 0;
const BLOC_PARAGRAPHE_LIEN: usize = 4;
const BLOC_FIGURE: usize = 5;

struct Plan {
    pages: usize,
    traces: Vec<Trace>,
    /// Boîte englobante du code QR (page, rectangle).
    boite_qr: (usize, Rect),
}

struct Curseur {
    page: usize,
    /// Haut de la prochaine ligne.
    y: f32,
}

impl Curseur {
    /// Réserve `hauteur` points verticaux ; passe à la page suivante si la
    /// place manque (sauf en haut de page, où il n'y a rien de mieux à faire).
    fn reserver(&mut self, hauteur: f32) -> f32 {
        if self.y + hauteur > BAS_UTILE && self.y > MARGE {
            self.page += 1;
            self.y = MARGE;
        }
        let haut = self.y;
        self.y += hauteur;
        haut
    }
}

/// Place des lignes du corps de texte (police normale, taille et interligne du corps).
fn placer_corps(
    traces: &mut Vec<Trace>,
    curseur: &mut Curseur,
    police: &Police,
    lignes: Vec<String>,
    couleur: (u8, u8, u8),
    cible: Cible,
) {
    placer_lignes(
        traces,
        curseur,
        police,
        false,
        lignes,
        TAILLE_CORPS,
        INTERLIGNE_CORPS,
        couleur,
        cible,
    );
}

#[allow(clippy::too_many_arguments)]
fn placer_lignes(
    traces: &mut Vec<Trace>,
    curseur: &mut Curseur,
    police: &Police,
    gras: bool,
    lignes: Vec<String>,
    taille: f32,
    interligne: f32,
    couleur: (u8, u8, u8),
    cible: Cible,
) {
    let hauteur = taille * interligne;
    // Demi-interlignage réparti au-dessus et au-dessous de l'œil du texte.
    let demi = (hauteur - taille * (police.ascendante + police.descendante)) / 2.0;
    for texte in lignes {
        let haut = curseur.reserver(hauteur);
        let ligne_de_base = haut + demi + taille * police.ascendante;
        let largeur = police.largeur(texte.trim_end(), taille).max(1.0);
        let zone = Rect::from_xywh(
            MARGE,
            ligne_de_base - taille * police.ascendante,
            largeur,
            taille * (police.ascendante + police.descendante),
        )
        .unwrap_or_else(|| Rect::from_xywh(MARGE, haut, 1.0, hauteur).expect("rectangle non vide"));
        traces.push(Trace {
            page: curseur.page,
            cible,
            contenu: Contenu::Texte {
                origine: Point::from_xy(MARGE, ligne_de_base),
                texte,
                gras,
                taille,
                couleur,
                zone,
            },
        });
    }
}

fn mettre_en_page(d: &DonneesAttestation, url: &str, polices: &Polices, qr: &QrCode) -> Plan {
    let normale = &polices.normale;
    let mut traces = Vec::new();
    let mut curseur = Curseur { page: 0, y: MARGE };

    // Titre (H1).
    let titre = polices.grasse.assainir(titre(d));
    let lignes = couper_lignes(&polices.grasse, &titre, TAILLE_TITRE, LARGEUR_UTILE);
    placer_lignes(
        &mut traces,
        &mut curseur,
        &polices.grasse,
        true,
        lignes,
        TAILLE_TITRE,
        INTERLIGNE_TITRE,
        BLEU,
        Cible::Bloc(BLOC_TITRE),
    );

    // Filet décoratif sous le titre (artefact).
    let haut = curseur.reserver(6.0 + EPAISSEUR_FILET + 14.0);
    traces.push(Trace {
        page: curseur.page,
        cible: Cible::Artefact,
        contenu: Contenu::Rectangle {
            zone: Rect::from_xywh(MARGE, haut + 6.0, 56.0, EPAISSEUR_FILET)
                .expect("filet de taille non nulle"),
            couleur: BLEU,
        },
    });

    // Paragraphes.
    let paragraphes = paragraphes(d);
    for (i, texte) in paragraphes.iter().enumerate() {
        let texte = normale.assainir(texte);
        let mut lignes = couper_lignes(normale, &texte, TAILLE_CORPS, LARGEUR_UTILE);
        let bloc = i + 1;
        if bloc == BLOC_PARAGRAPHE_LIEN {
            // L'adresse commence sur sa propre ligne ; l'espace qui la
            // sépare du deux-points reste dans le texte balisé.
            if let Some(derniere) = lignes.last_mut() {
                derniere.push(' ');
            }
        }
        placer_corps(
            &mut traces,
            &mut curseur,
            normale,
            lignes,
            TEXTE,
            Cible::Bloc(bloc),
        );
        if bloc == BLOC_PARAGRAPHE_LIEN {
            let adresse = normale.assainir(url);
            let lignes = couper_lignes(normale, &adresse, TAILLE_CORPS, LARGEUR_UTILE);
            placer_corps(
                &mut traces,
                &mut curseur,
                normale,
                lignes,
                BLEU,
                Cible::Lien,
            );
        }
        curseur.y += ESPACE_PARAGRAPHE;
    }

    // Code QR (Figure), aligné sur la marge : sa zone de silence (4 modules
    // blancs) déborde dans la marge, blanche elle aussi.
    let modules = qr.width() as f32;
    // Modules d'au moins 0,9 mm pour rester lisibles par un téléphone, même
    // quand une adresse longue impose une version de QR plus dense.
    let module = (COTE_QR / modules).max(MODULE_QR_MIN);
    let cote = (module * modules).min(LARGEUR_UTILE);
    let module = cote / modules;
    curseur.y += ESPACE_AVANT_QR;
    let haut = curseur.reserver(cote);
    let coin = Point::from_xy(MARGE, haut);
    let boite = Rect::from_xywh(MARGE, haut, cote, cote).expect("code QR de taille non nulle");
    traces.push(Trace {
        page: curseur.page,
        cible: Cible::Bloc(BLOC_FIGURE),
        contenu: Contenu::Qr { coin, module },
    });

    Plan {
        pages: curseur.page + 1,
        traces,
        boite_qr: (curseur.page, boite),
    }
}

// ---------------------------------------------------------------------------
// Dessin, balisage et sérialisation.

fn remplissage(couleur: (u8, u8, u8)) -> Fill {
    Fill {
        paint: rgb::Color::new(couleur.0, couleur.1, couleur.2).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

/// Dessine les modules sombres du code QR, fusionnés par segments
/// horizontaux, en un seul chemin rempli.
fn dessiner_qr(surface: &mut Surface, qr: &QrCode, coin: Point, module: f32) {
    let largeur = qr.width();
    let couleurs = qr.to_colors();
    let (origine_x, origine_y) = (coin.x, coin.y);
    let mut chemin = PathBuilder::new();
    for y in 0..largeur {
        let mut x = 0;
        while x < largeur {
            if couleurs[y * largeur + x] != qrcode::Color::Dark {
                x += 1;
                continue;
            }
            let debut = x;
            while x < largeur && couleurs[y * largeur + x] == qrcode::Color::Dark {
                x += 1;
            }
            if let Some(rect) = Rect::from_xywh(
                origine_x + debut as f32 * module,
                origine_y + y as f32 * module,
                (x - debut) as f32 * module,
                module,
            ) {
                chemin.push_rect(rect);
            }
        }
    }
    if let Some(chemin) = chemin.finish() {
        surface.set_fill(Some(remplissage(NOIR)));
        surface.draw_path(&chemin);
    }
}

fn produire_pdf(
    d: &DonneesAttestation,
    url: &str,
    polices: &Polices,
    plan: &Plan,
    qr: &QrCode,
) -> Result<Vec<u8>, String> {
    let configuration = ConfigurationBuilder::new()
        .with_accessibility_validator(Accessibility::UA1)
        .finish()
        .map_err(|e| format!("configuration PDF/UA-1 invalide : {e:?}"))?;
    let reglages = SerializeSettings {
        configuration,
        enable_tagging: true,
        ..SerializeSettings::default()
    };
    let mut document = Document::new_with(reglages);

    let numero = d.numero.trim();
    let titre_document = format!("{} {numero}", titre(d)).trim().to_owned();
    document.set_metadata(
        Metadata::new()
            .title(titre_document)
            .language("fr-FR".to_owned())
            .creator("Repères".to_owned())
            .description(if d.nature == Nature::Approbation {
                format!(
                    "Attestation d'approbation de la méthode {} ({}).",
                    citer(&d.dispositif),
                    d.label.trim()
                )
            } else if d.nature == Nature::Charte {
                format!(
                    "Attestation de signature de la {} par {}.",
                    d.label.trim(),
                    d.porteur.trim()
                )
            } else {
                format!(
                    "Attestation de labellisation du dispositif {} ({}).",
                    citer(&d.dispositif),
                    d.label.trim()
                )
            }),
    );

    let mut outline = Outline::new();
    outline.push_child(OutlineNode::new(
        titre(d).to_owned(),
        XyzDestination::new(0, Point::from_xy(0.0, 0.0)),
    ));
    document.set_outline(outline);

    // Contenus balisés de chaque bloc, dans l'ordre de lecture.
    let mut blocs: Vec<Vec<Node>> = vec![Vec::new(); BLOC_FIGURE + 1];
    // Groupes Link (un par page portant une partie de l'adresse).
    let mut liens: Vec<Vec<Node>> = Vec::new();
    let texte_annotation = format!("Vérifier l'attestation en ligne : {url}");

    let reglages_page = PageSettings::from_wh(LARGEUR_PAGE, HAUTEUR_PAGE)
        .ok_or_else(|| "format de page invalide".to_owned())?;
    for page_index in 0..plan.pages {
        let mut page = document.start_page_with(reglages_page.clone());
        let mut zones_lien: Vec<Quadrilateral> = Vec::new();
        let mut contenus_lien: Vec<Node> = Vec::new();
        {
            let mut surface = page.surface();
            for trace in plan.traces.iter().filter(|t| t.page == page_index) {
                let etiquette = match trace.cible {
                    Cible::Artefact => {
                        ContentTag::Artifact(Artifact::with_kind(ArtifactType::Layout))
                    }
                    Cible::Bloc(BLOC_FIGURE) => ContentTag::Other,
                    Cible::Bloc(_) | Cible::Lien => ContentTag::Span(SpanTag::empty()),
                };
                let identifiant = surface.start_tagged(etiquette);
                match &trace.contenu {
                    Contenu::Texte {
                        origine,
                        texte,
                        gras,
                        taille,
                        couleur,
                        zone,
                    } => {
                        let police = if *gras {
                            &polices.grasse
                        } else {
                            &polices.normale
                        };
                        surface.set_fill(Some(remplissage(*couleur)));
                        surface.draw_text(
                            *origine,
                            police.krilla.clone(),
                            *taille,
                            texte,
                            false,
                            TextDirection::LeftToRight,
                        );
                        if trace.cible == Cible::Lien {
                            zones_lien.push(Quadrilateral::from(*zone));
                        }
                    }
                    Contenu::Rectangle { zone, couleur } => {
                        let mut chemin = PathBuilder::new();
                        chemin.push_rect(*zone);
                        if let Some(chemin) = chemin.finish() {
                            surface.set_fill(Some(remplissage(*couleur)));
                            surface.draw_path(&chemin);
                        }
                    }
                    Contenu::Qr { coin, module } => {
                        dessiner_qr(&mut surface, qr, *coin, *module);
                    }
                }
                surface.end_tagged();
                match trace.cible {
                    Cible::Artefact => {}
                    Cible::Lien => contenus_lien.push(identifiant.into()),
                    Cible::Bloc(i) => blocs[i].push(identifiant.into()),
                }
            }
            surface.finish();
        }
        if !zones_lien.is_empty() {
            let annotation = Annotation::new_link(
                LinkAnnotation::new_with_quad_points(
                    zones_lien,
                    Target::Action(Action::Link(LinkAction::new(url.to_owned()))),
                ),
                Some(texte_annotation.clone()),
            );
            let identifiant = page.add_tagged_annotation(annotation);
            contenus_lien.push(identifiant.into());
            liens.push(contenus_lien);
        }
        page.finish();
    }

    // Arbre de structure : Document (fr-FR) > H1, P, P, P, P (> Link), Figure.
    let mut arbre = TagTree::new().with_lang(Some("fr-FR".to_owned()));
    let niveau_1 = NonZeroU16::new(1).expect("1 est non nul");
    let alternative = format!("Code QR menant à la page de vérification : {url}");
    let (page_qr, boite_qr) = plan.boite_qr;
    for (i, mut enfants) in blocs.into_iter().enumerate() {
        let etiquette: TagKind = match i {
            BLOC_TITRE => Tag::Hn(niveau_1, Some(titre(d).to_owned())).into(),
            BLOC_FIGURE => Tag::Figure(Some(alternative.clone()))
                .with_bbox(Some(BBox::new(page_qr, boite_qr)))
                .into(),
            _ => Tag::P.into(),
        };
        if i == BLOC_PARAGRAPHE_LIEN {
            for lien in liens.drain(..) {
                enfants.push(TagGroup::with_children(Tag::Link, lien).into());
            }
        }
        arbre.push(TagGroup::with_children(etiquette, enfants));
    }
    document.set_tag_tree(arbre);

    document.finish().map_err(erreur_krilla)
}

fn erreur_krilla(erreur: KrillaError) -> String {
    match erreur {
        KrillaError::Validation(erreurs) => {
            let details: Vec<String> = erreurs.iter().map(|(e, _)| decrire_validation(e)).collect();
            format!(
                "l'attestation PDF ne respecte pas PDF/UA-1 : {}",
                details.join(" ; ")
            )
        }
        KrillaError::Font(_, message) => {
            format!("impossible d'incorporer la police dans l'attestation PDF : {message}")
        }
        autre => format!("échec de la génération de l'attestation PDF : {autre}"),
    }
}

fn decrire_validation(erreur: &ValidationError) -> String {
    match erreur {
        ValidationError::NoDocumentTitle => "titre du document absent".to_owned(),
        ValidationError::NoDocumentLanguage => "langue du document absente".to_owned(),
        ValidationError::MissingAltText(_) => "texte de remplacement manquant".to_owned(),
        ValidationError::MissingHeadingTitle => "titre de rubrique manquant".to_owned(),
        ValidationError::MissingDocumentOutline => "signets absents".to_owned(),
        ValidationError::MissingAnnotationAltText(_) => {
            "texte de remplacement d'annotation manquant".to_owned()
        }
        ValidationError::MissingTagging => "document non balisé".to_owned(),
        ValidationError::ContainsNotDefGlyph(_, _, texte) => {
            format!("caractère absent de la police dans « {texte} »")
        }
        ValidationError::NoCodepointMapping(..) | ValidationError::InvalidCodepointMapping(..) => {
            "glyphe sans correspondance Unicode valide".to_owned()
        }
        ValidationError::RestrictedLicense(_) => {
            "police dont la licence interdit l'incorporation".to_owned()
        }
        autre => format!("{autre:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn donnees() -> DonneesAttestation {
        DonneesAttestation {
            numero: "0193a4c2-7d1e-7b3a-9f2e-5c6d7e8f9a0b".to_owned(),
            label: "Label « Numérique en Commun[s] » — référentiel à six critères (2022)"
                .to_owned(),
            nature: Nature::Label,
            emetteur: "l'Agence nationale de la cohésion des territoires (ANCT)".to_owned(),
            recepisse: "REP-2025-00012".to_owned(),
            niveau: "Niveau 1".to_owned(),
            dispositif: "Espace numérique de la Médiathèque".to_owned(),
            porteur: "Association Les Liens du Numérique".to_owned(),
            commune: "Saint-Étienne".to_owned(),
            date_decision: "12/03/2025".to_owned(),
            fin_validite: "11/03/2028".to_owned(),
            url_verification: "https://reperes.example.org/attestations/\
                               0193a4c2-7d1e-7b3a-9f2e-5c6d7e8f9a0b"
                .to_owned(),
        }
    }

    fn contient(octets: &[u8], motif: &[u8]) -> bool {
        octets.windows(motif.len()).any(|w| w == motif)
    }

    /// Les chaînes de texte des dictionnaires (titre, langue, texte de
    /// remplacement…) sont écrites par pdf-writer en PDFDocEncoding (proche
    /// de Latin-1) quand c'est possible, sinon en UTF-16BE ; le XMP est en
    /// UTF-8.
    fn contient_texte(octets: &[u8], texte: &str) -> bool {
        let utf16: Vec<u8> = texte.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        let hexa = |o: &[u8]| -> Vec<u8> {
            o.iter()
                .flat_map(|b| format!("{b:02X}").into_bytes())
                .collect()
        };
        let mut formes = vec![texte.as_bytes().to_vec(), utf16.clone(), hexa(&utf16)];
        if texte.chars().all(|c| (c as u32) < 0x100) {
            let latin1: Vec<u8> = texte.chars().map(|c| c as u8).collect();
            formes.push(hexa(&latin1));
            formes.push(latin1);
        }
        formes.iter().any(|f| contient(octets, f))
    }

    #[test]
    fn produit_un_pdf_balise_en_francais_avec_titre() {
        let d = donnees();
        let pdf = generer(&d).expect("génération de l'attestation");
        assert!(pdf.starts_with(b"%PDF-"), "en-tête PDF attendu");
        assert!(contient(&pdf, b"/StructTreeRoot"), "arbre de structure");
        assert!(contient(&pdf, b"/MarkInfo"), "marqueur de PDF balisé");
        assert!(contient(&pdf, b"/Lang"), "langue du document");
        assert!(contient_texte(&pdf, "fr-FR"), "langue fr-FR");
        assert!(
            contient_texte(&pdf, &format!("Attestation de labellisation {}", d.numero)),
            "titre du document"
        );
        assert!(contient(&pdf, b"/DisplayDocTitle true"), "titre affiché");
        assert!(contient(&pdf, b"pdfuaid:part"), "déclaration PDF/UA-1");
        assert!(contient(&pdf, b"/Figure"), "figure balisée");
        assert!(contient(&pdf, b"/Link"), "lien balisé");
        assert!(contient_texte(&pdf, &d.url_verification), "URI du lien");
        assert!(
            contient_texte(
                &pdf,
                &format!(
                    "Code QR menant à la page de vérification : {}",
                    d.url_verification
                )
            ),
            "texte de remplacement du code QR"
        );
    }

    #[test]
    fn generation_deterministe() {
        let d = donnees();
        assert_eq!(generer(&d).unwrap(), generer(&d).unwrap());
    }

    #[test]
    fn textes_longs_coupes_sans_erreur() {
        let mut d = donnees();
        d.dispositif = "Dispositif d'inclusion numérique itinérant "
            .repeat(8)
            .chars()
            .take(300)
            .collect();
        assert_eq!(d.dispositif.chars().count(), 300);
        d.porteur = "Communauté de communes du Haut-Pays ".repeat(5);
        d.url_verification = format!(
            "https://reperes.example.org/{}/attestations/{}",
            "x".repeat(150),
            d.numero
        );
        let pdf = generer(&d).expect("texte long");
        assert!(pdf.starts_with(b"%PDF-"));
    }

    #[test]
    fn texte_tres_long_continue_sur_une_autre_page() {
        let mut d = donnees();
        d.dispositif = "Tiers-lieu ".repeat(600);
        let pdf = generer(&d).expect("texte sur plusieurs pages");
        assert!(contient(&pdf, b"/Count 2") || contient(&pdf, b"/Count 3"));
    }

    #[test]
    fn caracteres_absents_ou_invisibles_sans_erreur() {
        let mut d = donnees();
        d.porteur = "Café \u{1F600} des\u{200B} \u{E000}savoirs\t\nlibres 漢字 \u{FEFF}".to_owned();
        d.commune = "".to_owned();
        generer(&d).expect("caractères non couverts remplacés");
    }

    #[test]
    fn adresse_vide_refusee() {
        let mut d = donnees();
        d.url_verification = "  ".to_owned();
        let erreur = generer(&d).unwrap_err();
        assert!(erreur.contains("adresse de vérification"), "{erreur}");
    }

    #[test]
    fn coupure_respecte_la_largeur() {
        let polices = Polices::charger().unwrap();
        let p = &polices.normale;
        let texte = p.assainir(&"mot ".repeat(200));
        let lignes = couper_lignes(p, &texte, TAILLE_CORPS, 200.0);
        assert!(lignes.len() > 1);
        for ligne in &lignes {
            assert!(
                p.largeur(ligne.trim_end(), TAILLE_CORPS) <= 200.0,
                "{ligne}"
            );
        }
        let recompose: String = lignes.concat();
        assert_eq!(recompose.trim_end(), texte);
        let url = "https://reperes.example.org/attestations/0193a4c2-7d1e-7b3a-9f2e-5c6d7e8f9a0b";
        let lignes = couper_lignes(p, url, TAILLE_CORPS, LARGEUR_UTILE);
        assert_eq!(
            lignes,
            [
                "https://reperes.example.org/attestations/",
                "0193a4c2-7d1e-7b3a-9f2e-5c6d7e8f9a0b"
            ]
        );
        let long = "a".repeat(500);
        let lignes = couper_lignes(p, &long, TAILLE_CORPS, 100.0);
        assert!(lignes.len() > 1);
        assert_eq!(lignes.concat(), long);
    }

    #[test]
    fn un_label_nomme_son_emetteur_et_le_recepisse_sans_doubler_les_guillemets() {
        let d = donnees();
        let p = paragraphes(&d);
        assert_eq!(
            p[0],
            "Le dispositif « Espace numérique de la Médiathèque », porté par Association Les \
             Liens du Numérique (Saint-Étienne), est titulaire du label suivant\u{00A0}: Label \
             « Numérique en Commun[s] » — référentiel à six critères (2022). Niveau 1, accordé \
             le 12/03/2025 et valable jusqu'au 11/03/2028."
        );
        assert_eq!(
            p[1],
            "Label délivré par l'Agence nationale de la cohésion des territoires (ANCT)\u{00A0}; \
             dossier instruit sur Repères, la plateforme de l'inclusion numérique\u{00A0}; \
             récépissé du dossier n°\u{00A0}REP-2025-00012."
        );
        assert!(!p.concat().contains("« Label «"));
        let pdf = generer(&d).unwrap();
        assert!(contient_texte(
            &pdf,
            "Attestation de labellisation du dispositif « Espace numérique de la Médiathèque » \
             (Label « Numérique en Commun[s] » — référentiel à six critères (2022))."
        ));
    }

    #[test]
    fn une_charte_parle_avec_ses_mots() {
        let d = DonneesAttestation {
            label: "Charte « Territoire d'Actions pour un numérique inclusif »".to_owned(),
            nature: Nature::Charte,
            emetteur: "l'État, par la Mission Société Numérique de l'Agence du numérique"
                .to_owned(),
            niveau: "Signataire".to_owned(),
            dispositif: "Démarche Amiens numérique pour tous".to_owned(),
            porteur: "Commune d'Amiens".to_owned(),
            commune: "Amiens".to_owned(),
            ..donnees()
        };
        assert_eq!(titre(&d), "Attestation de signature de la charte");
        let p = paragraphes(&d);
        assert_eq!(
            p[0],
            "Commune d'Amiens (Amiens) est signataire de la Charte « Territoire d'Actions pour \
             un numérique inclusif », pour sa démarche « Démarche Amiens numérique pour tous ». \
             Signature contresignée le 12/03/2025, engagement valable jusqu'au 11/03/2028."
        );
        assert!(p[1].starts_with(
            "Charte contresignée par l'État, par la Mission Société Numérique de l'Agence du \
             numérique\u{00A0}; dossier instruit sur Repères"
        ));
        assert!(p[1].ends_with("récépissé du dossier n°\u{00A0}REP-2025-00012."));
        for t in p.iter().map(String::as_str).chain([titre(&d)]) {
            let t = t.to_lowercase();
            for mot in ["label", "niveau"] {
                assert!(
                    !t.contains(mot),
                    "« {mot} » dans une attestation de charte : {t}"
                );
            }
        }
        let pdf = generer(&d).unwrap();
        assert!(contient_texte(
            &pdf,
            &format!("Attestation de signature de la charte {}", d.numero)
        ));
        assert!(!contient_texte(&pdf, "Attestation de labellisation"));
    }

    #[test]
    fn une_methode_approuvee_parle_d_approbation() {
        let d = DonneesAttestation {
            label: "Approbation des méthodes — arrêté du 26 mars 2019".to_owned(),
            nature: Nature::Approbation,
            emetteur: "l'Agence du numérique".to_owned(),
            niveau: "Méthode approuvée".to_owned(),
            dispositif: "Méthode des ateliers en binôme".to_owned(),
            ..donnees()
        };
        assert_eq!(titre(&d), "Attestation d'approbation de la méthode");
        let p = paragraphes(&d);
        assert_eq!(
            p[0],
            "La méthode « Méthode des ateliers en binôme », portée par Association Les Liens du \
             Numérique (Saint-Étienne), est approuvée au titre suivant\u{00A0}: Approbation des \
             méthodes — arrêté du 26 mars 2019. Approbation accordée le 12/03/2025 et valable \
             jusqu'au 11/03/2028."
        );
        assert!(p[1].starts_with("Méthode approuvée par l'Agence du numérique\u{00A0}; dossier"));
        for t in p.iter().map(String::as_str).chain([titre(&d)]) {
            assert!(!t.to_lowercase().contains("label"), "« label » : {t}");
        }
        let pdf = generer(&d).unwrap();
        assert!(contient_texte(
            &pdf,
            &format!("Attestation d'approbation de la méthode {}", d.numero)
        ));
        assert!(!contient_texte(&pdf, "Attestation de labellisation"));
    }

    #[test]
    fn sans_emetteur_connu_la_phrase_reste_correcte() {
        let d = DonneesAttestation {
            emetteur: String::new(),
            ..donnees()
        };
        assert!(paragraphes(&d)[1].starts_with("Dossier instruit sur Repères"));
    }
}
