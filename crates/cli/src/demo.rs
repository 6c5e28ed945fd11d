//! Données de démonstration : des organisations, des dispositifs et des dossiers dans chacun des
//! états du cycle de vie. Tout passe par le domaine et le store : les règles et le journal d'audit
//! s'appliquent comme pour de vraies données.

use chrono::{Duration, Utc};
use reperes_domain::comptes::{Email, RoleCompte};
use reperes_domain::identifiants::luhn_valide;
use reperes_domain::instance::Instance;
use reperes_domain::organisation::{Adresse, Dispositif, SaisieOrganisation};
use reperes_domain::referentiel::{Referentiel, Regle};
use reperes_domain::{Action, Catalogue, Dossier, Etat, Modification, Role};
use reperes_store::{Acteur, ErreurStore, Store, Utilisateur};

/// Complète 13 chiffres en un SIRET fictif valide (clé de Luhn).
fn siret_fictif(prefixe13: &str) -> String {
    (0..10)
        .map(|d| format!("{prefixe13}{d}"))
        .find(|s| luhn_valide(s))
        .expect("un des dix chiffres de contrôle convient")
}

fn id() -> String {
    uuid::Uuid::now_v7().to_string()
}

struct Porteur {
    nom: &'static str,
    type_organisation: &'static str,
    siret: Option<&'static str>,
    rna: Option<&'static str>,
    voie: &'static str,
    code_postal: &'static str,
    commune: &'static str,
    dispositif: &'static str,
    type_dispositif: &'static str,
    description: &'static str,
}

const PORTEURS: &[Porteur] = &[
    Porteur {
        nom: "Association Les Connectés de la Somme (démo)",
        type_organisation: "association",
        siret: None,
        rna: Some("W802009999"),
        voie: "12 rue des Jacobins",
        code_postal: "80000",
        commune: "Amiens",
        dispositif: "Ateliers « Premiers pas numériques »",
        type_dispositif: "methodologique",
        description: "Parcours d'ateliers collectifs pour les personnes éloignées du numérique, conçu avec les centres sociaux.",
    },
    Porteur {
        nom: "Coopérative Logiciels Communs (démo)",
        type_organisation: "entreprise",
        siret: Some("9990000100001"),
        rna: None,
        voie: "4 quai de la Fosse",
        code_postal: "44000",
        commune: "Nantes",
        dispositif: "Aidant Pratique, carnet de suivi libre",
        type_dispositif: "numerique",
        description: "Application libre de suivi des accompagnements pour les aidants numériques.",
    },
    Porteur {
        nom: "Communauté de communes du Val Exemple (démo)",
        type_organisation: "groupement_collectivites",
        siret: Some("9990000200002"),
        rna: None,
        voie: "1 place de la Mairie",
        code_postal: "24000",
        commune: "Périgueux",
        dispositif: "Malle pédagogique itinérante",
        type_dispositif: "tangible",
        description: "Malle de matériel reconditionné et de jeux pédagogiques prêtée aux médiathèques du territoire.",
    },
    Porteur {
        nom: "Département de Démonstration (démo)",
        type_organisation: "collectivite_territoriale",
        siret: Some("9990000300003"),
        rna: None,
        voie: "2 avenue de la République",
        code_postal: "63000",
        commune: "Clermont-Ferrand",
        dispositif: "Démarche « Territoire d'Actions » départementale",
        type_dispositif: "demarche_territoriale",
        description: "Démarche partenariale du département avec les EPCI, la CAF et les associations de médiation.",
    },
];

/// Remplit un dossier jusqu'à le rendre complet au niveau visé.
fn remplissage(r: &Referentiel, d: &Dossier) -> Vec<Modification> {
    let mut m = Vec::new();
    let retenus: Vec<&str> = r
        .criteres
        .iter()
        .filter(|c| {
            c.obligatoire_au_niveau(d.niveau_vise)
                || r.eligibilite.iter().any(|g| {
                    matches!(g, Regle::AuMoins { n, parmi, .. } if parmi.iter().take(*n + 1).any(|p| p == &c.id))
                })
        })
        .map(|c| c.id.as_str())
        .collect();
    for c in retenus {
        let libelle = r.critere(c).map(|x| x.libelle.as_str()).unwrap_or(c);
        m.push(Modification::Reponse {
            critere: c.to_string(),
            texte: format!(
                "{libelle} : démarche décrite, mesures mises en œuvre et bilan des deux dernières années."
            ),
            liens: vec![format!("https://exemple.fr/preuves/{c}")],
            niveau_auto: Some(d.niveau_vise),
        });
    }
    for g in &r.eligibilite {
        if let Regle::Declaration {
            id,
            justification_min_caracteres,
            partenaire_local,
            ..
        } = g
        {
            m.push(Modification::Declaration {
                id: id.clone(),
                valeur: true,
            });
            // Conditions vérifiées (issue 15) : justification de l'intérêt général, retour de
            // terrain avec un partenaire local nommé.
            if justification_min_caracteres.is_some() {
                m.push(Modification::Justification {
                    id: id.clone(),
                    texte: "Accès aux droits et aux services publics en ligne des personnes éloignées du numérique, accompagnées gratuitement dans les lieux de médiation du territoire.".into(),
                });
            }
            if *partenaire_local {
                m.push(Modification::RetourTerrain {
                    retour: Some(reperes_domain::dossier::RetourTerrain {
                        partenaire: "Médiathèque Jean-Macé (démo)".into(),
                        type_partenaire: "Service municipal (collectivité)".into(),
                        commune: "Lyon".into(),
                        identifiant: String::new(),
                        description: "Expérimentation de six mois avec les médiateurs de la médiathèque : 40 ateliers, retours des usagers intégrés à la version suivante.".into(),
                        preuve: "https://exemple.fr/preuves/retour-experimentation".into(),
                    }),
                });
            }
        }
    }
    // Licence du matériel ouvert, choisie dans la liste admise par le critère.
    for c in r.criteres.iter().filter(|c| !c.licences.is_empty()) {
        let licence = c
            .licence_admise("etalab-2.0")
            .unwrap_or(&c.licences[0])
            .spdx
            .clone();
        m.push(Modification::Licence {
            critere: c.id.clone(),
            licence: Some(licence),
            materiel: Some(format!("https://exemple.fr/depot/{}", c.id)),
        });
    }
    m.push(Modification::Engagements {
        acceptes: r.engagements.iter().map(|e| e.id.clone()).collect(),
    });
    if r.partenaires.is_some() {
        m.push(Modification::Partenaires {
            liste: vec![reperes_domain::dossier::Partenaire {
                nom: "Centre social du quartier".into(),
                role: "Accueil des publics".into(),
            }],
        });
    }
    m
}

/// Comptes de démonstration : (adresse, nom, rôle). Mot de passe commun : [`MOT_DE_PASSE_DEMO`].
pub const COMPTES_DEMO: &[(&str, &str, RoleCompte)] = &[
    (
        "porteur@demo.reperes.localhost",
        "Camille Porteur (démo)",
        RoleCompte::Demandeur,
    ),
    (
        "instructeur@demo.reperes.localhost",
        "Dominique Instructeur (démo)",
        RoleCompte::Instructeur,
    ),
    (
        "admin@demo.reperes.localhost",
        "Alix Administrateur (démo)",
        RoleCompte::Administrateur,
    ),
];
pub const MOT_DE_PASSE_DEMO: &str = "demo-reperes-2026";

/// Texte qui présente les comptes de démonstration, s'ils existent dans la base.
pub async fn presentation_comptes(store: &Store) -> Result<Option<String>, ErreurStore> {
    let premier = Email::parse(COMPTES_DEMO[0].0).expect("adresse de démo valide");
    if store.utilisateur_par_email(&premier).await?.is_none() {
        return Ok(None);
    }
    let mut t = format!(
        "Comptes de démonstration (mot de passe : {MOT_DE_PASSE_DEMO}) :
"
    );
    for (email, _, role) in COMPTES_DEMO {
        t.push_str(&format!("  - {email:<36} {}\n", role.libelle()));
    }
    Ok(Some(t))
}

/// Lieux de démonstration : jeux publics au schéma national (voir `donnees/lieux/SOURCE.md`).
const LIEUX_DEMO: &[(&str, &str, &[u8])] = &[
    (
        "exemple-officiel",
        "exemple-valide-v1.0.2.csv",
        include_bytes!("../../../donnees/lieux/exemple-valide-v1.0.2.csv"),
    ),
    (
        "charente",
        "charente-20230711_schema-update-20240912.json",
        include_bytes!("../../../donnees/lieux/charente-20230711_schema-update-20240912.json"),
    ),
];

/// Importe les lieux valides des jeux de démonstration ; rend leur nombre.
async fn charger_lieux(store: &Store) -> Result<usize, ErreurStore> {
    let schema = reperes_domain::lieux::schema_national();
    let mut n = 0;
    for (source, nom, octets) in LIEUX_DEMO {
        let format = reperes_domain::lieux::Format::depuis_nom(nom)
            .ok_or_else(|| ErreurStore::Corrompue(nom.to_string()))?;
        let lot = reperes_domain::lieux::lire(octets, format).map_err(ErreurStore::Corrompue)?;
        let rejetes: std::collections::BTreeSet<usize> =
            reperes_domain::lieux::valider_lot(&schema, &lot)
                .into_iter()
                .map(|p| p.enregistrement)
                .collect();
        let valides: Vec<_> = lot
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !rejetes.contains(&(i + 1)))
            .map(|(_, e)| e)
            .collect();
        n += valides.len();
        store
            .importer_lieux(
                &Acteur::new("demo", Role::Systeme),
                source,
                &valides,
                &|_, _| {},
            )
            .await?;
    }
    Ok(n)
}

/// Charge la démonstration. Rend le nombre de dossiers créés. `url` est l'adresse publique du
/// site et `instance` l'instance qui le sert : les preuves du dossier de Repères y renvoient.
pub async fn charger(
    store: &Store,
    catalogue: &Catalogue,
    instance: &Instance,
    url: &str,
) -> Result<usize, ErreurStore> {
    let demandeur = Acteur::new(COMPTES_DEMO[0].0, Role::Demandeur);
    let agent = Acteur::new(COMPTES_DEMO[1].0, Role::Instructeur);
    let admin = Acteur::new(COMPTES_DEMO[2].0, Role::Administrateur);
    let hash = reperes_web::auth::hacher(MOT_DE_PASSE_DEMO).map_err(ErreurStore::Corrompue)?;
    let mut ids = Vec::new();
    for (email, nom, role) in COMPTES_DEMO {
        let u = Utilisateur {
            id: id(),
            email: email.to_string(),
            nom: nom.to_string(),
            role: *role,
            hash_mot_de_passe: Some(hash.clone()),
            email_verifie: true,
            actif: true,
        };
        store.creer_utilisateur(&admin, &u).await?;
        ids.push(u.id);
    }
    let systeme = Acteur::new("demo", Role::Systeme);
    let aujourd_hui = Utc::now();
    let mut porteurs = Vec::new();
    for p in PORTEURS {
        let o = SaisieOrganisation {
            nom: p.nom.into(),
            type_organisation: p.type_organisation.into(),
            siret: p.siret.map(siret_fictif).unwrap_or_default(),
            rna: p.rna.unwrap_or_default().into(),
            adresse: Adresse {
                voie: p.voie.into(),
                code_postal: p.code_postal.into(),
                commune: p.commune.into(),
            },
        }
        .analyser(id(), catalogue)
        .map_err(|e| ErreurStore::Corrompue(format!("démo : {e:?}")))?;
        store.creer_organisation(&demandeur, &o).await?;
        store.ajouter_membre(&demandeur, &o.id, &ids[0]).await?;
        let d = Dispositif {
            id: id(),
            organisation_id: o.id.clone(),
            nom: p.dispositif.into(),
            type_dispositif: p.type_dispositif.into(),
            description: p.description.into(),
            site: Some("https://exemple.fr".into()),
        };
        d.verifier(catalogue)
            .map_err(|e| ErreurStore::Corrompue(format!("démo : {e:?}")))?;
        store.creer_dispositif(&demandeur, &d).await?;
        porteurs.push((o, d));
    }

    // (porteur, référentiel, niveau visé, état à atteindre)
    let plan: &[(usize, &str, u8, Etat)] = &[
        (0, "nec-2022", 1, Etat::Brouillon),
        (1, "nec-2022", 2, Etat::Depose),
        (2, "nec-2022", 1, Etat::EnInstruction),
        (0, "nec-2021", 1, Etat::ComplementDemande),
        (1, "nec-2021", 1, Etat::Accompagnement),
        (1, "nec-2022", 1, Etat::Labellise),
        (2, "numerique-inclusif-2019", 1, Etat::Refuse),
        (0, "numerique-inclusif-2019", 2, Etat::ClasseSansSuite),
        (2, "nec-2021", 1, Etat::Retire),
        (0, "nec-2022", 1, Etat::Expire),
        (3, "charte-territoire-actions", 1, Etat::Labellise),
        // Une méthode approuvée (arrêté du 26 mars 2019, 1.B à 1.D) : les ateliers du porteur 0.
        (0, "approbation-methodes-2019", 1, Etat::Labellise),
    ];
    for (i, (p, ref_id, niveau, cible)) in plan.iter().enumerate() {
        let (o, disp) = &porteurs[*p];
        let r = catalogue
            .referentiel_en_vigueur(ref_id, aujourd_hui.date_naive())
            .ok_or_else(|| ErreurStore::ReferentielInconnu(ref_id.to_string()))?;
        let dossier = Dossier::nouveau(id(), r, o, disp, *niveau)?;
        store.creer_dossier(&demandeur, &dossier).await?;
        let mods = remplissage(r, &dossier);
        // Le brouillon reste à moitié rempli.
        let n = if *cible == Etat::Brouillon {
            mods.len() / 2
        } else {
            mods.len()
        };
        for m in &mods[..n] {
            store
                .modifier(catalogue, &dossier.id, &demandeur, m)
                .await?;
        }
        if *cible == Etat::Brouillon {
            continue;
        }
        // Les dossiers expirés ont été décidés il y a plus longtemps que la durée de validité.
        let t = if *cible == Etat::Expire {
            aujourd_hui - Duration::days(31 * i64::from(r.labellisation.duree_validite_mois) + 30)
        } else {
            aujourd_hui - Duration::days(40 - i as i64)
        };
        let id = dossier.id.clone();
        store
            .agir(catalogue, &id, &demandeur, &Action::Deposer, t)
            .await?;
        if *cible == Etat::Depose {
            continue;
        }
        store
            .agir(catalogue, &id, &agent, &Action::PrendreEnCharge, t)
            .await?;
        match cible {
            Etat::EnInstruction => continue,
            Etat::ComplementDemande => {
                let echeance = (aujourd_hui + Duration::days(30)).date_naive();
                store
                    .agir(catalogue, &id, &agent, &Action::DemanderComplement {
                        motif: "Merci de joindre le rapport d'audit d'accessibilité mentionné dans votre description.".into(),
                        echeance,
                    }, aujourd_hui)
                    .await?;
                continue;
            }
            Etat::Accompagnement => {
                store
                    .agir(catalogue, &id, &agent, &Action::OuvrirAccompagnement {
                        motif: "Écart sur l'ouverture : licence des contenus à préciser ; un expert accompagne le porteur.".into(),
                    }, t)
                    .await?;
                avis_demo(store, &id, &agent, &ids[1], &hash).await?;
                continue;
            }
            Etat::Refuse => {
                store
                    .agir(catalogue, &id, &agent, &Action::Refuser {
                        motivation: "Le dispositif ne permet pas aux publics éloignés de payer les services rendus (critère « Ciblage et paiement »).".into(),
                    }, t)
                    .await?;
                continue;
            }
            Etat::ClasseSansSuite => {
                store
                    .agir(
                        catalogue,
                        &id,
                        &agent,
                        &Action::ClasserSansSuite {
                            motif: "Le porteur a renoncé à sa demande.".into(),
                        },
                        t,
                    )
                    .await?;
                continue;
            }
            _ => {}
        }
        // Labellisation : chaque critère retenu apprécié au niveau visé.
        let d = store
            .dossier(&id)
            .await?
            .ok_or_else(|| ErreurStore::Introuvable(id.clone()))?;
        for (critere, reponse) in &d.criteres {
            if reponse.retenu() {
                store
                    .modifier(
                        catalogue,
                        &id,
                        &agent,
                        &Modification::Appreciation {
                            critere: critere.clone(),
                            niveau: Some(*niveau),
                            commentaire: "Preuves suffisantes.".into(),
                        },
                    )
                    .await?;
            }
        }
        store
            .agir(
                catalogue,
                &id,
                &agent,
                &Action::Labelliser {
                    niveau: *niveau,
                    motivation: "Tous les critères obligatoires sont satisfaits au niveau visé."
                        .into(),
                },
                t,
            )
            .await?;
        match cible {
            Etat::Retire => {
                store
                    .agir(
                        catalogue,
                        &id,
                        &admin,
                        &Action::Retirer {
                            motif: "Le dispositif n'est plus maintenu ni documenté.".into(),
                        },
                        aujourd_hui,
                    )
                    .await?;
            }
            Etat::Expire => {
                store
                    .agir(catalogue, &id, &systeme, &Action::Expirer, aujourd_hui)
                    .await?;
            }
            _ => {}
        }
    }
    rapport_charte(store, catalogue, &demandeur, &ids[0]).await?;
    charger_lieux(store).await?;
    structure_demo(store, catalogue, &hash).await?;
    signalements_demo(store).await?;
    indicateurs_demo(store, &agent).await?;
    version_locale_demo(store, &admin).await?;
    let echeances = echeances_demo(store, catalogue, &porteurs, &demandeur, &agent).await?;
    // Le dossier de Repères lui-même.
    dossier_reperes(store, catalogue, instance, url, &demandeur, &ids[0], &agent).await?;
    Ok(plan.len() + echeances + 1)
}

/// Échéances (issue 15) : un label « numérique inclusif » dont la fin de validité tombe dans 80
/// jours (le rappel de 90 jours part au premier passage des tâches de `serve`, rattrapé), et un
/// dossier NEC 2022 en instruction déposé il y a 75 jours, « en retard » de 15 jours sur le délai
/// de 60 jours du référentiel. Rend le nombre de dossiers créés.
async fn echeances_demo(
    store: &Store,
    catalogue: &Catalogue,
    porteurs: &[(reperes_domain::organisation::Organisation, Dispositif)],
    demandeur: &Acteur,
    agent: &Acteur,
) -> Result<usize, ErreurStore> {
    let maintenant = Utc::now();
    let fin_voulue = (maintenant + Duration::days(80)).date_naive();
    let r_2019 = catalogue
        .referentiel_en_vigueur("numerique-inclusif-2019", maintenant.date_naive())
        .ok_or_else(|| ErreurStore::ReferentielInconnu("numerique-inclusif-2019".into()))?;
    let decide_le = fin_voulue
        .checked_sub_months(chrono::Months::new(
            r_2019.labellisation.duree_validite_mois,
        ))
        .and_then(|j| j.and_hms_opt(10, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| ErreurStore::Corrompue("démo : date de décision".into()))?;
    let dossiers = [
        (2, r_2019, decide_le - Duration::days(30), true),
        (
            0,
            catalogue
                .referentiel_en_vigueur("nec-2022", maintenant.date_naive())
                .ok_or_else(|| ErreurStore::ReferentielInconnu("nec-2022".into()))?,
            maintenant - Duration::days(75),
            false,
        ),
    ];
    let n = dossiers.len();
    for (p, r, depot, labelliser) in dossiers {
        let (o, disp) = &porteurs[p];
        let dossier = Dossier::nouveau(id(), r, o, disp, 1)?;
        store.creer_dossier(demandeur, &dossier).await?;
        for m in &remplissage(r, &dossier) {
            store.modifier(catalogue, &dossier.id, demandeur, m).await?;
        }
        store
            .agir(catalogue, &dossier.id, demandeur, &Action::Deposer, depot)
            .await?;
        store
            .agir(
                catalogue,
                &dossier.id,
                agent,
                &Action::PrendreEnCharge,
                depot,
            )
            .await?;
        if !labelliser {
            continue;
        }
        let d = store
            .dossier(&dossier.id)
            .await?
            .ok_or_else(|| ErreurStore::Introuvable(dossier.id.clone()))?;
        for (critere, reponse) in &d.criteres {
            if reponse.retenu() {
                store
                    .modifier(
                        catalogue,
                        &d.id,
                        agent,
                        &Modification::Appreciation {
                            critere: critere.clone(),
                            niveau: Some(1),
                            commentaire: "Preuves suffisantes.".into(),
                        },
                    )
                    .await?;
            }
        }
        store
            .agir(
                catalogue,
                &d.id,
                agent,
                &Action::Labelliser {
                    niveau: 1,
                    motivation: "Tous les critères du niveau « Pass numérique » sont satisfaits."
                        .into(),
                },
                decide_le,
            )
            .await?;
    }
    Ok(n)
}

/// Avis d'experts de démonstration sur le dossier en accompagnement : un avis rendu et partagé
/// avec le porteur (compte d'expert `expert@demo.reperes.localhost`, mot de passe de la démo), et
/// un avis confidentiel encore attendu (lien envoyé, jamais ouvert).
async fn avis_demo(
    store: &Store,
    dossier_id: &str,
    agent: &Acteur,
    agent_id: &str,
    hash: &str,
) -> Result<(), ErreurStore> {
    use reperes_domain::dossier::avis::DemandeAvis;
    let expert = Utilisateur {
        id: id(),
        email: "expert@demo.reperes.localhost".into(),
        nom: "Sacha Experte (démo)".into(),
        role: RoleCompte::Expert,
        hash_mot_de_passe: Some(hash.to_string()),
        email_verifie: true,
        actif: true,
    };
    store.creer_utilisateur(agent, &expert).await?;
    let aujourd_hui = Utc::now();
    let demandes = [
        (
            expert.email.as_str(),
            "La licence proposée pour les contenus de formation convient-elle à leur réutilisation par d'autres structures ?",
            false,
        ),
        (
            "expert-accessibilite@demo.reperes.localhost",
            "L'audit d'accessibilité joint au dossier est-il suffisant ?",
            true,
        ),
    ];
    for (i, (email, question, confidentiel)) in demandes.into_iter().enumerate() {
        let a = DemandeAvis {
            id: id(),
            dossier_id: dossier_id.to_string(),
            agent_id: agent_id.to_string(),
            expert_email: email.to_string(),
            expert_id: None,
            question: question.into(),
            date_limite: (aujourd_hui + Duration::days(14)).date_naive(),
            confidentiel,
            reponse: None,
            fichiers: vec![],
            cree_le: aujourd_hui,
            repondu_le: None,
            annule_le: None,
        };
        // Le lien de la démonstration n'est jamais envoyé : empreinte d'un jeton aléatoire.
        let jeton = reperes_web::auth::empreinte(&reperes_web::auth::jeton());
        store
            .demander_avis(
                agent,
                &a,
                &jeton,
                &reperes_store::NouveauCourriel {
                    destinataire: a.expert_email.clone(),
                    sujet: "Repères : demande d'avis d'expert sur un dossier".into(),
                    corps: "Demande d'avis de démonstration.".into(),
                },
            )
            .await?;
        if i == 0 {
            let acteur = Acteur::new(&expert.id, Role::Expert);
            store.rattacher_expert(&acteur, &a, &expert.id).await?;
            store
                .rendre_avis(
                    &acteur,
                    &a,
                    "La Licence Ouverte 2.0 (etalab-2.0) figure dans la liste de l'article D323-2-1 du CRPA et permet la réutilisation, y compris commerciale, avec mention de la source : elle convient.",
                    &[],
                )
                .await?;
        }
    }
    Ok(())
}

/// Valeurs d'indicateurs territoriaux saisies pour la Charente (fictives, dites comme telles).
async fn indicateurs_demo(store: &Store, agent: &Acteur) -> Result<(), ErreurStore> {
    use reperes_domain::indicateurs::ValeurSaisie;
    use reperes_domain::territoires::Niveau;
    let source = "Valeur fictive de démonstration";
    for (indicateur, annee, valeur, date) in [
        ("equipements-connectes", 2023, "420", (2024, 2, 15)),
        ("equipements-connectes", 2024, "465", (2025, 2, 14)),
        (
            "actions-accompagnement-formation",
            2024,
            "1280",
            (2025, 3, 3),
        ),
        ("taux-personnes-vulnerables", 2024, "12.5", (2025, 3, 3)),
    ] {
        let v = ValeurSaisie {
            indicateur_id: indicateur.into(),
            annee,
            valeur: valeur.into(),
            source: source.into(),
            date_source: chrono::NaiveDate::from_ymd_opt(date.0, date.1, date.2)
                .ok_or_else(|| ErreurStore::Corrompue("date de démonstration".into()))?,
        };
        store
            .saisir_indicateur(agent, Niveau::Departement, "16", &v)
            .await?;
    }
    Ok(())
}

/// Le territoire signataire de la charte publie un rapport, sous Licence Ouverte (sans pièce
/// jointe : la démonstration n'écrit rien dans le stockage des fichiers).
async fn rapport_charte(
    store: &Store,
    catalogue: &Catalogue,
    acteur: &Acteur,
    auteur_id: &str,
) -> Result<(), ErreurStore> {
    let signes = store
        .dossiers(&reperes_store::FiltreDossiers {
            referentiel_id: Some("charte-territoire-actions".into()),
            etat: Some(Etat::Labellise),
            ..Default::default()
        })
        .await?;
    let aujourd_hui = Utc::now().date_naive();
    for d in signes {
        let complet = store
            .dossier(&d.id)
            .await?
            .ok_or_else(|| ErreurStore::Introuvable(d.id.clone()))?;
        let signature = complet
            .labellise_le
            .map(|t| t.date_naive())
            .unwrap_or(aujourd_hui);
        let saisie = reperes_domain::charte::SaisieRapport {
            annee: chrono::Datelike::year(&aujourd_hui).to_string(),
            titre: "Premier bilan de la démarche « Territoire d'Actions » (démo)".into(),
            demarche: "Comité de pilotage trimestriel avec les EPCI, la CAF et les associations de médiation ; comptes rendus et feuille de route publiés sur le site du département.\nUn réseau départemental des aidants numériques se réunit tous les deux mois.".into(),
            impact: "850 personnes accompagnées dans les lieux partenaires, 120 aidants numériques formés, 300 parcours PIX de compétences de base réalisés.".into(),
            retours_outils: "PIX : le parcours de base convient aux publics accompagnés, mais demande un accompagnement à la première connexion. Cartographie : les horaires des lieux doivent être mis à jour plus souvent ; la liaison avec la cartographie nationale fonctionne.".into(),
            licence: "etalab-2.0".into(),
        };
        let licences = &catalogue
            .referentiel(&complet.referentiel_id, &complet.referentiel_version)
            .ok_or_else(|| ErreurStore::ReferentielInconnu(complet.referentiel_id.clone()))?
            .licences;
        let r = reperes_domain::charte::valider_rapport(&saisie, licences, signature, aujourd_hui)
            .map_err(|e| ErreurStore::Corrompue(format!("démo : {e:?}")))?;
        let rapport = reperes_store::RapportCharte {
            id: id(),
            dossier_id: d.id.clone(),
            annee: r.annee,
            titre: r.titre,
            demarche: r.demarche,
            impact: r.impact,
            retours_outils: r.retours_outils,
            licence: r.licence,
            auteur_id: auteur_id.to_string(),
            publie_le: Utc::now(),
            fichiers: vec![],
        };
        store.publier_rapport(acteur, &rapport, &[]).await?;
    }
    Ok(())
}

/// Compte de démonstration d'une structure qui tient un lieu (issue 16) : membre de l'organisation
/// « Anonymal (démo) », dont le SIRET est le `pivot` du premier lieu de l'exemple officiel (lieu
/// revendiqué aussitôt). Mot de passe : [`MOT_DE_PASSE_DEMO`].
pub const COMPTE_STRUCTURE_DEMO: &str = "structure@demo.reperes.localhost";

/// Lieux vivants (issue 16) : la structure de démonstration tient le lieu `structure-1` de
/// l'exemple officiel (mis à jour en 2022 par sa source, donc « à vérifier » : le premier passage
/// des tâches de `serve` envoie le rappel avec son lien de confirmation) ; les lieux de la
/// Charente, non confirmés depuis 2023, sont « à vérifier » eux aussi.
async fn structure_demo(
    store: &Store,
    catalogue: &Catalogue,
    hash: &str,
) -> Result<(), ErreurStore> {
    let admin = Acteur::new(COMPTES_DEMO[2].0, Role::Administrateur);
    let u = Utilisateur {
        id: id(),
        email: COMPTE_STRUCTURE_DEMO.to_string(),
        nom: "Sacha Structure (démo)".to_string(),
        role: RoleCompte::Demandeur,
        hash_mot_de_passe: Some(hash.to_string()),
        email_verifie: true,
        actif: true,
    };
    store.creer_utilisateur(&admin, &u).await?;
    let membre = Acteur::new(&u.id, Role::Demandeur);
    let o = SaisieOrganisation {
        nom: "Anonymal (démo)".into(),
        type_organisation: "association".into(),
        siret: "43493312300029".into(),
        rna: String::new(),
        adresse: Adresse {
            voie: "12 bis rue de Leclercq".into(),
            code_postal: "51100".into(),
            commune: "Reims".into(),
        },
    }
    .analyser(id(), catalogue)
    .map_err(|e| ErreurStore::Corrompue(format!("démo : {e:?}")))?;
    store.creer_organisation(&membre, &o).await?;
    store.ajouter_membre(&membre, &o.id, &u.id).await?;
    store
        .attribuer_lieu(&membre, "exemple-officiel", "structure-1", &o.id, true)
        .await
}

/// Signalements du public (issue 16) : deux signalements en attente sur le lieu de l'exemple
/// officiel (horaires erronés avec la bonne valeur, contact erroné avec une adresse pour être
/// prévenu), à traiter par un administrateur sur /lieux/signalements.
async fn signalements_demo(store: &Store) -> Result<(), ErreurStore> {
    let public = Acteur::new("public", Role::Systeme);
    for (motif, commentaire, valeur, email) in [
        (
            "horaires",
            "Le samedi matin, le lieu est fermé depuis la rentrée.",
            Some("Mo-Fr 09:00-12:00,14:00-18:30"),
            None,
        ),
        (
            "contact",
            "Le second courriel ne fonctionne plus : mon message est revenu.",
            None,
            Some("visiteur@exemple.fr"),
        ),
    ] {
        store
            .deposer_signalement(
                &public,
                reperes_store::Depot::Signalement {
                    source: "exemple-officiel",
                    lieu_id: "structure-1",
                    motif,
                    commentaire,
                    valeur_proposee: valeur,
                    email,
                },
            )
            .await?;
    }
    Ok(())
}

// Une version locale de démonstration.

/// Adresse (slug) et nom de la version locale de démonstration.
pub const VERSION_LOCALE_DEMO: (&str, &str) = ("charente", "Carte de la Charente (démo)");

/// La version locale de la Charente (`/t/charente/…`) : le département 16, thème neutre, une
/// couleur d'accent contrastée, intégrable depuis `http://localhost:8000`. Créée par le store
/// (journal d'audit), comme le ferait un administrateur.
async fn version_locale_demo(store: &Store, admin: &Acteur) -> Result<(), ErreurStore> {
    let v = reperes_domain::versions_locales::SaisieVersionLocale {
        slug: VERSION_LOCALE_DEMO.0.into(),
        nom: VERSION_LOCALE_DEMO.1.into(),
        perimetre: "departement:16".into(),
        couleur: "#1d4ed8".into(),
        theme: "neutre".into(),
        origines: "http://localhost:8000".into(),
    }
    .valider(reperes_domain::territoires::Territoires::embarque())
    .map_err(|e| ErreurStore::Corrompue(format!("démo, version locale : {e:?}")))?;
    store.creer_version_locale(admin, &v).await?;
    Ok(())
}

/// Texte qui présente la version locale de démonstration et son adresse, si elle existe.
pub async fn presentation_version_locale(
    store: &Store,
    url: &str,
) -> Result<Option<String>, ErreurStore> {
    let (slug, _) = VERSION_LOCALE_DEMO;
    Ok(store.version_locale_par_slug(slug).await?.map(|v| {
        format!(
            "Version locale de démonstration « {} » : {url}/t/{slug}/",
            v.nom
        )
    }))
}

// Le dossier de label de Repères lui-même.

/// Nom du dispositif de Repères dans la démonstration.
pub const DISPOSITIF_REPERES: &str = "Repères";

/// Une réponse de l'autoévaluation de Repères contre la grille NEC 2022 (type « numérique »),
/// avec l'appréciation de l'instruction. Dans les liens, `{site}` est l'adresse publique de
/// l'instance et `{depot}` le dépôt de son code source (`contenus/instance.toml`).
struct CritereReperes {
    critere: &'static str,
    /// Description de la démarche (autoévaluation).
    texte: &'static str,
    /// Ajouté à la description en réponse à la demande de complément (vide : rien à ajouter).
    complement: &'static str,
    liens: &'static [&'static str],
    /// Niveau accordé par l'instruction, et son commentaire.
    niveau_apprecie: u8,
    commentaire: &'static str,
}

/// L'autoévaluation de Repères, critère par critère (voir docs/dossier-reperes.md). Le dossier
/// vise le niveau 2 : le formulaire demande d'autoévaluer chaque critère obligatoire au niveau
/// visé ; la description dit, pour chaque critère, ce qui manque au niveau 2.
const AUTOEVALUATION_REPERES: &[CritereReperes] = &[
    CritereReperes {
        critere: "accessible",
        texte: "Déclaration d'accessibilité publiée sur une page dédiée (/accessibilite), fondée sur un autoaudit RGAA 4.1 d'un échantillon de pages tenu comme fichier de données dans le dépôt ; le taux de conformité en est calculé. Chaque page est contrôlée à chaque modification par axe-core dans un vrai navigateur (Chromium), au clavier, sans JavaScript ; le pied de page de chaque page donne l'état de conformité.",
        complement: "Réponse à la demande de complément : il n'existe pas d'audit par un tiers. L'audit est un autoaudit et conclut à une conformité partielle ; le niveau 2 (conformité totale au RGAA certifiée par un tiers) n'est donc pas atteint aujourd'hui.",
        liens: &["{site}/accessibilite"],
        niveau_apprecie: 1,
        commentaire: "Niveau 1 satisfait : déclaration publiée, fondée sur un autoaudit RGAA 4.1 (partiellement conforme). Niveau 2 non atteint : ni conformité totale, ni certification par un tiers.",
    },
    CritereReperes {
        critere: "appropriable",
        texte: "Documentation publique et complète : pages d'aide par public (demandeurs, agents, signataires de la charte, structures, personnes qui cherchent de l'aide, réutilisateurs des données), écrites en Markdown dans le dépôt pour que des non-développeurs les modifient, et documentation d'exploitation (docs/). Elle est tenue sur la forge publique du projet : chacun peut proposer une modification ou signaler un manque, concepteurs et utilisateurs sur le même outil.",
        complement: "",
        liens: &["{site}/aide", "{depot}/blob/main/README.md", "{depot}/tree/main/docs"],
        niveau_apprecie: 2,
        commentaire: "Niveau 2 satisfait : documentation complète, versionnée sur une forge publique ouverte aux contributions des utilisateurs comme des concepteurs.",
    },
    CritereReperes {
        critere: "ethique",
        texte: "Les choix de conception sont discutés publiquement dans les tickets de la forge, ouverts aux usagers, aux agents et à l'écosystème ; chaque page offre « Signaler un problème » sans compte. Données personnelles minimisées et documentées (page dédiée, durées de conservation), aucun traceur ni cookie non nécessaire, service utilisable sans JavaScript. Le dispositif évolue en continu à partir de ces retours.",
        complement: "",
        liens: &["{depot}/issues", "{site}/signaler-un-probleme", "{site}/donnees-personnelles"],
        niveau_apprecie: 2,
        commentaire: "Niveau 2 satisfait : évolution continue à partir des retours publics. Point d'amélioration : aucune instance de gouvernance associant les utilisateurs n'est encore documentée.",
    },
    CritereReperes {
        critere: "ouvert",
        texte: "Code source public sous licence AGPL-3.0-or-later (liste de l'article D323-2-1 du CRPA) ; référentiels publiés sous Licence Ouverte 2.0 ; registre des titulaires en données ouvertes (CSV et JSON décrits par un schéma) et API documentée (OpenAPI), dans des formats ouverts.",
        complement: "Réponse à la demande de complément : le code n'est pas encore référencé sur un portail de référence (code.gouv.fr) et la communauté de contributeurs se limite à l'équipe ; le niveau 2 n'est pas atteint sur ces deux points.",
        liens: &["{depot}", "{depot}/blob/main/LICENSE", "{site}/donnees", "{site}/api/openapi.json"],
        niveau_apprecie: 1,
        commentaire: "Niveau 1 satisfait : code, référentiels et données publics, formats ouverts, licences de la liste D323-2-1. Niveau 2 non atteint : pas de publication sur un portail de référence ni de communauté élargie de contributeurs.",
    },
    CritereReperes {
        critere: "securise",
        texte: "Mesures de sécurité documentées (docs/securite.md) : politique de sécurité du contenu stricte, jetons anti-falsification sur chaque formulaire, mots de passe hachés (Argon2), second facteur, limitation des tentatives, journal d'audit scellé et vérifiable, fichiers déposés contrôlés, tests d'attaques automatisés.",
        complement: "Réponse à la demande de complément : aucune homologation ni audit de conformité au RGS par un tiers n'a été réalisé ; le niveau 2 (conformité totale au RGS certifiée par un tiers) n'est pas atteint.",
        liens: &["{depot}/blob/main/docs/securite.md"],
        niveau_apprecie: 1,
        commentaire: "Niveau 1 satisfait : mesures de cybersécurité justifiées et documentées. Niveau 2 non atteint : pas de conformité au RGS certifiée par un tiers.",
    },
    CritereReperes {
        critere: "sobre",
        texte: "Écoconception mesurée à chaque modification : budgets de pages (HTML ≤ 30 Ko, ≤ 150 Ko transférés, ≤ 15 requêtes) et EcoIndex de chaque page publique, contrôlés dans un navigateur. Réutilisation de ressources existantes (Système de design de l'État, schéma national des lieux de médiation numérique, référentiels publics) ; interopérabilité (API OpenAPI, données ouvertes avec leur schéma, formats ouverts, RGI) ; le moteur de labels et de chartes sert tout référentiel décrit en données, au-delà de l'inclusion numérique.",
        complement: "",
        liens: &["{depot}/blob/main/docs/performances.md", "{site}/api/openapi.json", "{site}/donnees/registre.schema.json"],
        niveau_apprecie: 2,
        commentaire: "Niveau 2 satisfait : démarche d'écoconception mesurée, réutilisation de ressources publiques, spécifications des interfaces publiées.",
    },
];

/// Motif de la demande de complément de l'instruction sur le dossier de Repères.
const COMPLEMENT_REPERES: &str = "Le niveau 2 demande, pour « Accessible » et « Sécurisé », une conformité totale au RGAA et au RGS certifiée par un tiers, et pour « Ouvert » une publication sur un portail de référence. Joignez les rapports d'audit des tiers s'ils existent, ou dites-le dans la description de chaque critère.";

/// Motivation de la décision sur le dossier de Repères.
const DECISION_REPERES: &str = "Label accordé au niveau 1. Les six critères sont satisfaits au niveau 1 ; Appropriable, Éthique et Sobre le sont aussi au niveau 2. Le niveau 2 n'est pas accordé : Accessible (pas de conformité totale au RGAA certifiée par un tiers), Sécurisé (pas de conformité au RGS certifiée par un tiers) et Ouvert (pas de publication sur un portail de référence) ne l'atteignent pas, comme le dossier le dit lui-même. Une nouvelle demande au niveau 2 pourra s'appuyer sur un audit RGAA et une homologation RGS réalisés par des tiers.";

/// Les liens de preuve d'un critère, depuis l'adresse publique et le dépôt du code source.
fn liens_reperes(c: &CritereReperes, site: &str, depot: &str) -> Vec<String> {
    let site = site.trim_end_matches('/');
    let depot = depot.trim_end_matches('/');
    c.liens
        .iter()
        .map(|l| l.replace("{site}", site).replace("{depot}", depot))
        .collect()
}

/// Le dossier de Repères : l'organisation qui l'édite, le dispositif « Repères » (numérique, son
/// site est le dépôt du code source), une demande NEC 2022 au niveau 2 avec l'autoévaluation
/// ci-dessus, un complément demandé puis fourni, six appréciations, et la décision : label
/// accordé au niveau 1. Tout passe par le store (règles du domaine, journal d'audit).
async fn dossier_reperes(
    store: &Store,
    catalogue: &Catalogue,
    instance: &Instance,
    url: &str,
    demandeur: &Acteur,
    membre_id: &str,
    agent: &Acteur,
) -> Result<(), ErreurStore> {
    let maintenant = Utc::now();
    let o = SaisieOrganisation {
        nom: "Équipe Repères — ANCT, programme Société Numérique (démo)".into(),
        type_organisation: "etablissement_public".into(),
        siret: siret_fictif("9990000500005"),
        rna: String::new(),
        adresse: Adresse {
            voie: "20 avenue de Ségur".into(),
            code_postal: "75007".into(),
            commune: "Paris".into(),
        },
    }
    .analyser(id(), catalogue)
    .map_err(|e| ErreurStore::Corrompue(format!("démo, Repères : {e:?}")))?;
    store.creer_organisation(demandeur, &o).await?;
    store.ajouter_membre(demandeur, &o.id, membre_id).await?;
    let disp = Dispositif {
        id: id(),
        organisation_id: o.id.clone(),
        nom: DISPOSITIF_REPERES.into(),
        type_dispositif: "numerique".into(),
        description: "Plateforme libre de la politique d'inclusion numérique : labels et chartes (demande, instruction, registre), carte des lieux de médiation numérique, indicateurs territoriaux, données ouvertes et API.".into(),
        site: Some(instance.source.depot.clone()),
    };
    disp.verifier(catalogue)
        .map_err(|e| ErreurStore::Corrompue(format!("démo, Repères : {e:?}")))?;
    store.creer_dispositif(demandeur, &disp).await?;
    let r = catalogue
        .referentiel_en_vigueur("nec-2022", maintenant.date_naive())
        .ok_or_else(|| ErreurStore::ReferentielInconnu("nec-2022".into()))?;
    let dossier = Dossier::nouveau(id(), r, &o, &disp, 2)?;
    store.creer_dossier(demandeur, &dossier).await?;
    let depot = instance.source.depot.as_str();
    let reponse = |c: &CritereReperes, avec_complement: bool| Modification::Reponse {
        critere: c.critere.into(),
        texte: if avec_complement && !c.complement.is_empty() {
            format!("{}\n\n{}", c.texte, c.complement)
        } else {
            c.texte.into()
        },
        liens: liens_reperes(c, url, depot),
        niveau_auto: Some(2),
    };
    let mut mods: Vec<Modification> = AUTOEVALUATION_REPERES
        .iter()
        .map(|c| reponse(c, false))
        .collect();
    // Déclarations et engagements comme tout dossier de la démonstration ; la licence est celle
    // du code de Repères.
    mods.extend(remplissage(r, &dossier).into_iter().filter(|m| {
        !matches!(
            m,
            Modification::Reponse { .. } | Modification::Licence { .. }
        )
    }));
    mods.push(Modification::Licence {
        critere: "ouvert".into(),
        licence: Some("AGPL-3.0-or-later".into()),
        materiel: Some(depot.to_string()),
    });
    for m in &mods {
        store.modifier(catalogue, &dossier.id, demandeur, m).await?;
    }
    let jour = |n: i64| maintenant - Duration::days(n);
    let id = dossier.id.as_str();
    store
        .agir(catalogue, id, demandeur, &Action::Deposer, jour(60))
        .await?;
    store
        .agir(catalogue, id, agent, &Action::PrendreEnCharge, jour(58))
        .await?;
    store
        .agir(
            catalogue,
            id,
            agent,
            &Action::DemanderComplement {
                motif: COMPLEMENT_REPERES.into(),
                echeance: (jour(55) + Duration::days(30)).date_naive(),
            },
            jour(55),
        )
        .await?;
    for c in AUTOEVALUATION_REPERES
        .iter()
        .filter(|c| !c.complement.is_empty())
    {
        store
            .modifier(catalogue, id, demandeur, &reponse(c, true))
            .await?;
    }
    store
        .agir(catalogue, id, demandeur, &Action::Deposer, jour(50))
        .await?;
    store
        .agir(catalogue, id, agent, &Action::PrendreEnCharge, jour(49))
        .await?;
    for c in AUTOEVALUATION_REPERES {
        store
            .modifier(
                catalogue,
                id,
                agent,
                &Modification::Appreciation {
                    critere: c.critere.into(),
                    niveau: Some(c.niveau_apprecie),
                    commentaire: c.commentaire.into(),
                },
            )
            .await?;
    }
    store
        .agir(
            catalogue,
            id,
            agent,
            &Action::Labelliser {
                niveau: 1,
                motivation: DECISION_REPERES.into(),
            },
            jour(45),
        )
        .await?;
    Ok(())
}
