//! Autodiagnostic d'un dispositif au regard d'un référentiel en vigueur : éligibilité indicative,
//! sans rien enregistrer.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use chrono::Utc;
use reperes_domain::dossier::regles::{eligibilite, Situation, Verdict};
use reperes_domain::organisation::{Dispositif, Organisation};
use reperes_domain::referentiel::Referentiel;

use crate::commun::cadre::Cadre;
use crate::commun::formulaires::page;
use crate::commun::libelles::declarations;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

use super::dispositifs::dispositif_membre;

#[derive(Template)]
#[template(path = "espace/autodiagnostic.html")]
struct PageAutodiagnostic<'a> {
    cadre: Cadre,
    r: &'a Referentiel,
    d: Dispositif,
    o: Organisation,
    declarations: Vec<(String, String)>,
    reponses: Vec<(String, u8)>,
    reponses_declarations: Vec<(String, bool)>,
    verdict: Option<Verdict>,
}

impl PageAutodiagnostic<'_> {
    /// Une charte : on retient des dispositifs, on ne vise pas un niveau de label.
    fn charte(&self) -> bool {
        self.r.nature == reperes_domain::referentiel::Nature::Charte
    }
    fn declaration(&self, id: &str) -> Option<bool> {
        self.reponses_declarations
            .iter()
            .find(|(d, _)| d == id)
            .map(|(_, v)| *v)
    }
    fn niveau_choisi(&self, critere: &str) -> u8 {
        self.reponses
            .iter()
            .find(|(c, _)| c == critere)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    }
    fn exigence(&self, critere: &reperes_domain::referentiel::Critere, niveau: &u8) -> String {
        critere
            .exigence(&self.d.type_dispositif, *niveau)
            .map(|e| e.texte.clone())
            .unwrap_or_default()
    }
}

pub(super) fn referentiel_en_vigueur<'a>(
    etat: &'a Etat,
    id: &str,
) -> Result<&'a Referentiel, ErreurWeb> {
    etat.catalogue
        .referentiel_en_vigueur(id, Utc::now().date_naive())
        .ok_or(ErreurWeb::Introuvable)
}

pub async fn autodiagnostic(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((disp, ref_id)): Path<(String, String)>,
) -> Result<Response, ErreurWeb> {
    let (_, p) = v.connecte()?;
    let (o, d) = dispositif_membre(&etat, p, &disp).await?;
    let r = referentiel_en_vigueur(&etat, &ref_id)?;
    let t = PageAutodiagnostic {
        cadre: Cadre::pour(&v, format!("Autodiagnostic {} — {}", r.nom_court, d.nom)),
        declarations: declarations(r),
        r,
        d,
        o,
        reponses: vec![],
        reponses_declarations: vec![],
        verdict: None,
    };
    page(&t, None, false)
}

pub async fn evaluer(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((disp, ref_id)): Path<(String, String)>,
    Form(champs): Form<Vec<(String, String)>>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf_champs(&champs)?;
    let (_, p) = v.connecte()?;
    let (o, d) = dispositif_membre(&etat, p, &disp).await?;
    let r = referentiel_en_vigueur(&etat, &ref_id)?;
    let mut s = Situation {
        type_demandeur: o.type_organisation.clone(),
        type_dispositif: d.type_dispositif.clone(),
        ..Default::default()
    };
    for (k, x) in &champs {
        if let Some(c) = k.strip_prefix("niveau_") {
            if let (Some(_), Ok(n)) = (r.critere(c), x.parse::<u8>()) {
                if n == 0 || r.niveau(n).is_some() {
                    s.niveaux.insert(c.to_string(), n);
                }
            }
        }
        if let Some(dcl) = k.strip_prefix("declaration_") {
            s.declarations.insert(dcl.to_string(), x == "oui");
        }
    }
    let verdict = eligibilite(r, &s);
    let t = PageAutodiagnostic {
        cadre: Cadre::pour(
            &v,
            format!("Résultat de l'autodiagnostic {} — {}", r.nom_court, d.nom),
        ),
        declarations: declarations(r),
        reponses: s.niveaux.into_iter().collect(),
        reponses_declarations: s.declarations.into_iter().collect(),
        r,
        d,
        o,
        verdict: Some(verdict),
    };
    page(&t, None, false)
}
