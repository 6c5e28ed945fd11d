//! Tâches périodiques : expiration des labels arrivés à échéance, purge des sessions expirées et
//! des tentatives de connexion de plus d'un jour, purge du journal de sécurité (conservation),
//! rappels de fin de validité aux titulaires.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use reperes_domain::{Action, Catalogue, Etat as EtatDossier, Role};
use reperes_store::{Acteur, FiltreDossiers, Store};

/// Déclare expirés les dossiers labellisés dont la validité est passée ; rend leur nombre.
pub async fn expirer_labels(
    store: &Store,
    catalogue: &Catalogue,
) -> Result<usize, reperes_store::ErreurStore> {
    let aujourd_hui = Utc::now().date_naive();
    let filtre = FiltreDossiers {
        etat: Some(EtatDossier::Labellise),
        ..Default::default()
    };
    let systeme = Acteur::new("taches", Role::Systeme);
    let mut n = 0;
    for d in store.dossiers(&filtre).await? {
        if d.fin_validite.is_some_and(|f| f < aujourd_hui) {
            store
                .agir(catalogue, &d.id, &systeme, &Action::Expirer, Utc::now())
                .await?;
            n += 1;
        }
    }
    Ok(n)
}

/// Lance les tâches périodiques (toutes les `periode`).
pub fn lancer(
    store: Store,
    catalogue: Arc<Catalogue>,
    periode: Duration,
    config: Arc<crate::Config>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match expirer_labels(&store, &catalogue).await {
                Ok(0) => {}
                Ok(n) => tracing::info!("{n} label(s) arrivé(s) à échéance déclaré(s) expiré(s)"),
                Err(e) => tracing::warn!("expiration des labels : {e}"),
            }
            journaliser_rappels(
                rappeler_fins_de_validite(&store, &catalogue, &config.url_publique, Utc::now())
                    .await,
            );
            match rappeler_lieux_a_verifier(&store, &catalogue, &config.url_publique, Utc::now())
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!("{n} rappel(s) de lieux à vérifier envoyé(s)"),
                Err(e) => tracing::warn!("rappels des lieux à vérifier : {e}"),
            }
            if let Err(e) = store.purger_sessions(Utc::now()).await {
                tracing::warn!("purge des sessions : {e}");
            }
            if let Err(e) = store
                .purger_tentatives(Utc::now() - chrono::Duration::days(1))
                .await
            {
                tracing::warn!("purge des tentatives : {e}");
            }
            tokio::time::sleep(periode).await;
        }
    })
}

/// Purge le journal de sécurité des événements de plus de `jours` jours ; rend leur nombre.
pub async fn purger_journal_securite(
    store: &Store,
    jours: u32,
) -> Result<u64, reperes_store::ErreurStore> {
    store
        .purger_journal_securite(Utc::now() - chrono::Duration::days(i64::from(jours)))
        .await
}

/// Purge le journal de sécurité tout de suite, puis toutes les `periode` (durée de
/// conservation : `jours`).
pub fn lancer_purge_journal_securite(
    store: Store,
    jours: u32,
    periode: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match purger_journal_securite(&store, jours).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(
                    "journal de sécurité : {n} événement(s) de plus de {jours} jours supprimé(s)"
                ),
                Err(e) => tracing::warn!("purge du journal de sécurité : {e}"),
            }
            tokio::time::sleep(periode).await;
        }
    })
}

/// Comptes dormants (données personnelles) : applique la règle à la date `maintenant` avec la
/// durée de la configuration (`REPERES_COMPTES_DORMANTS_JOURS`) : préavis par courriel, puis
/// pseudonymisation ; chaque geste est au journal d'audit. Rend le bilan.
pub async fn purger_comptes_dormants(
    store: &Store,
    config: &crate::Config,
    maintenant: chrono::DateTime<Utc>,
) -> Result<reperes_store::BilanDormants, reperes_store::ErreurStore> {
    store
        .purger_comptes_dormants(
            &Acteur::new("comptes-dormants", Role::Systeme),
            maintenant,
            chrono::Duration::days(i64::from(config.comptes_dormants_jours)),
            &config.url_publique,
        )
        .await
}

/// Lance la tâche des comptes dormants (toutes les `periode`, une fois par jour en service).
pub fn lancer_comptes_dormants(
    store: Store,
    config: Arc<crate::Config>,
    periode: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match purger_comptes_dormants(&store, &config, Utc::now()).await {
                Ok(b) if b == reperes_store::BilanDormants::default() => {}
                Ok(b) => tracing::info!(
                    "comptes dormants : {} prévenu(s), {} pseudonymisé(s), {} gardé(s) (dernier administrateur)",
                    b.prevenus,
                    b.pseudonymises,
                    b.gardes
                ),
                Err(e) => tracing::warn!("comptes dormants : {e}"),
            }
            tokio::time::sleep(periode).await;
        }
    })
}

/// Rappels de fin de validité, à l'instant `maintenant` : pour chaque label accordé ou charte
/// contresignée, le rappel dû ce jour-là selon le réglage `rappels_jours` de son référentiel
/// (`reperes_domain::echeances::rappel_du` : J-90, J-30, rattrapage, jamais deux fois, rien si
/// un renouvellement est déposé) part par courriel aux membres de l'organisation, avec le lien
/// pour renouveler, et au journal d'audit du dossier. Rend le nombre de rappels envoyés.
pub async fn rappeler_fins_de_validite(
    store: &Store,
    catalogue: &Catalogue,
    url_publique: &str,
    maintenant: chrono::DateTime<Utc>,
) -> Result<usize, reperes_store::ErreurStore> {
    let aujourd_hui = maintenant.date_naive();
    let systeme = Acteur::new("rappels", Role::Systeme);
    let mut n = 0;
    for t in store.titres_en_cours().await? {
        let Some(r) = catalogue.referentiel(&t.referentiel_id, &t.referentiel_version) else {
            continue;
        };
        let Some(jours) = reperes_domain::echeances::rappel_du(
            t.fin_validite,
            aujourd_hui,
            &r.labellisation.rappels_jours,
            &t.rappels_envoyes,
            t.renouvellement_depose,
        ) else {
            continue;
        };
        let courriels: Vec<_> = store
            .membres(&t.organisation_id)
            .await?
            .into_iter()
            .filter(|u| u.actif)
            .map(|u| courriel_de_rappel(&t, r, url_publique, aujourd_hui, u.email))
            .collect();
        if store
            .enregistrer_rappel_validite(
                &systeme,
                &t.dossier_id,
                jours,
                t.fin_validite,
                &courriels,
                maintenant,
            )
            .await?
        {
            n += 1;
        }
    }
    Ok(n)
}

fn journaliser_rappels(r: Result<usize, reperes_store::ErreurStore>) {
    match r {
        Ok(0) => {}
        Ok(n) => tracing::info!("{n} rappel(s) de fin de validité envoyé(s)"),
        Err(e) => tracing::warn!("rappels de fin de validité : {e}"),
    }
}

/// Le courriel de rappel : « votre label » ou « votre charte » selon la nature du référentiel,
/// la date de fin, et le lien vers le dossier, où se prépare le renouvellement.
fn courriel_de_rappel(
    t: &reperes_store::TitreEnCours,
    r: &reperes_domain::Referentiel,
    url: &str,
    aujourd_hui: chrono::NaiveDate,
    destinataire: String,
) -> reperes_store::NouveauCourriel {
    use crate::commun::dates::jour;
    let charte = r.nature == reperes_domain::referentiel::Nature::Charte;
    let fin = jour(t.fin_validite);
    let restants = (t.fin_validite - aujourd_hui).num_days();
    let numero = t.numero.clone().unwrap_or_default();
    let nom = crate::commun::libelles::citer(&r.nom_court);
    let dispositif = crate::commun::libelles::citer(&t.dispositif_nom);
    let (quoi, phrase, suite) = if charte {
        (
            "votre charte",
            format!("La charte {nom} que votre territoire a signée pour la démarche {dispositif} prend fin le {fin}, dans {restants} jour(s)."),
            "Sans renouvellement, votre territoire ne figurera plus parmi les signataires après cette date.",
        )
    } else {
        (
            "votre label",
            format!("Le label {nom} de votre dispositif {dispositif} est valable jusqu'au {fin}, dans {restants} jour(s)."),
            "Sans renouvellement, le label expirera après cette date et le dispositif sortira du registre des titulaires.",
        )
    };
    reperes_store::NouveauCourriel {
        destinataire,
        sujet: format!("Repères : {quoi} arrive à échéance le {fin} (dossier {numero})"),
        corps: format!(
            "Bonjour,\n\n{phrase}\n\nPour renouveler {quoi}, préparez dès maintenant un dossier de renouvellement, pré-rempli avec vos réponses précédentes, depuis la page du dossier :\n{url}/dossiers/{}#renouveler\n\n{suite}\n",
            t.dossier_id
        ),
    }
}

/// Avis d'experts : relance par courriel les experts dont l'avis est attendu, aux jours
/// [`RELANCES_JOURS_AVANT`](reperes_domain::dossier::avis::RELANCES_JOURS_AVANT) avant la date
/// limite (J-3, puis le jour même), chaque relance une seule fois (table `avis_relances`), à la
/// date `aujourd_hui` ; chaque relance est au journal d'audit du dossier. Rend le nombre de
/// relances envoyées.
pub async fn relancer_avis(
    store: &Store,
    url_publique: &str,
    aujourd_hui: chrono::NaiveDate,
) -> Result<usize, reperes_store::ErreurStore> {
    use reperes_domain::dossier::avis::RELANCES_JOURS_AVANT;
    let systeme = Acteur::new("relances-avis", Role::Systeme);
    let mut n = 0;
    for a in store.avis_en_attente().await? {
        let deja = store.relances_avis(&a.id).await?;
        for jours in a.relances_dues(aujourd_hui, &RELANCES_JOURS_AVANT, &deja) {
            let quand = if jours == 0 {
                "aujourd'hui".to_string()
            } else {
                format!("dans {jours} jours")
            };
            let courriel = reperes_store::NouveauCourriel {
                destinataire: a.expert_email.clone(),
                sujet: "Repères : rappel, un avis d'expert est attendu".into(),
                corps: format!(
                    "Bonjour,\n\nVotre avis d'expert sur un dossier déposé sur Repères est attendu avant la date limite du {} ({quand}).\nConnectez-vous pour lire le dossier et répondre : {url_publique}/avis/{}\n(Sans compte, utilisez le lien reçu avec la demande.)\n",
                    a.date_limite.format("%d/%m/%Y"),
                    a.id
                ),
            };
            if store.relancer_avis(&systeme, &a, jours, &courriel).await? {
                n += 1;
            }
        }
    }
    Ok(n)
}

/// Lance les relances des avis d'experts (toutes les `periode`, chaque heure en service).
pub fn lancer_relances_avis(
    store: Store,
    config: Arc<crate::Config>,
    periode: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match relancer_avis(&store, &config.url_publique, Utc::now().date_naive()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!("avis d'experts : {n} relance(s) envoyée(s)"),
                Err(e) => tracing::warn!("relances des avis d'experts : {e}"),
            }
            tokio::time::sleep(periode).await;
        }
    })
}

/// Lieux à vérifier (issue 16) : pour chaque lieu tenu par une structure dont la dernière
/// confirmation est plus vieille que le réglage `fraicheur.mois` (`referentiels/lieux-vivants.toml`),
/// un courriel aux membres de la structure, une fois par période (la période est la date de la
/// dernière confirmation : jamais deux rappels pour elle, table `lieux_rappels_fraicheur`), avec
/// un lien de confirmation en un clic (jeton aléatoire dont seule l'empreinte est en base ; il
/// expire après `fraicheur.lien_jours` jours et ne sert qu'une fois) et un lien pour modifier.
/// Journal : `rappeler_fraicheur_lieu`. Rend le nombre de rappels envoyés.
pub async fn rappeler_lieux_a_verifier(
    store: &Store,
    catalogue: &Catalogue,
    url_publique: &str,
    maintenant: chrono::DateTime<Utc>,
) -> Result<usize, reperes_store::ErreurStore> {
    use reperes_domain::lieux::fraicheur;
    let f = catalogue.fraicheur();
    let aujourd_hui = maintenant.date_naive();
    let locales = store.confirmations_locales().await?;
    let systeme = Acteur::new("rappels-lieux", Role::Systeme);
    let mut n = 0;
    for t in store.lieux_tenus().await? {
        let Some(lieu) = store.lieu_courant(&t.source, &t.lieu_id).await? else {
            continue;
        };
        if lieu.masque.is_some() {
            continue;
        }
        let date_maj = reperes_domain::lieux::valeur(&lieu.donnees, "date_maj");
        let locale = locales
            .get(&(t.source.clone(), t.lieu_id.clone()))
            .map(String::as_str);
        let derniere = fraicheur::derniere_confirmation([date_maj.as_deref(), locale]);
        if !fraicheur::a_verifier(derniere, aujourd_hui, f.mois) {
            continue;
        }
        let jeton = crate::commun::auth::jeton();
        let chemin = crate::commun::libelles::chemin_lieu(&t.source, &t.lieu_id);
        let nom = reperes_domain::lieux::valeur(&lieu.donnees, "nom").unwrap_or_default();
        let expire = maintenant + chrono::Duration::days(i64::from(f.lien_jours));
        let depuis = derniere
            .map(|d| format!("depuis le {}", crate::commun::dates::jour(d)))
            .unwrap_or_else(|| "depuis longtemps".into());
        let courriels: Vec<_> = store
            .membres(&t.organisation_id)
            .await?
            .into_iter()
            .filter(|u| u.actif)
            .map(|u| reperes_store::NouveauCourriel {
                destinataire: u.email,
                sujet: format!("Repères : le lieu {nom} est-il toujours à jour ?"),
                corps: format!(
                    "Bonjour,\n\nLe lieu « {nom} », tenu par votre structure « {} », n'a pas été confirmé {depuis} : il est affiché « à vérifier » sur la carte.\n\nSi rien n'a changé, confirmez-le en un clic (sans connexion ; lien valable jusqu'au {}, une seule fois) :\n{url_publique}/confirmation-lieu/{jeton}\n\nSi quelque chose a changé, mettez-le à jour :\n{url_publique}{chemin}/modifier\n",
                    t.organisation_nom,
                    crate::commun::dates::jour(expire.date_naive()),
                ),
            })
            .collect();
        if courriels.is_empty() {
            continue;
        }
        let rappel = reperes_store::RappelFraicheur {
            source: t.source.clone(),
            lieu_id: t.lieu_id.clone(),
            periode: derniere
                .map(|d| d.to_string())
                .unwrap_or_else(|| "sans-date".into()),
            organisation_id: t.organisation_id.clone(),
            jeton_empreinte: crate::commun::auth::empreinte(&jeton),
            expire_le: expire,
            utilise_le: None,
        };
        if store
            .enregistrer_rappel_fraicheur(&systeme, &rappel, &courriels, maintenant)
            .await?
        {
            n += 1;
        }
    }
    Ok(n)
}
