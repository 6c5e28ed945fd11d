//! Journal de sécurité : connexions, refus, changements de compte, exports de données
//! personnelles… Séparé du journal d'audit métier (chaîné, lui) : il ne prend pas le verrou du
//! journal d'audit (une rafale de connexions échouées ne bloque pas les écritures), et il est
//! purgé selon une durée de conservation. Les textes venus du client sont bornés.

use chrono::{DateTime, Utc};
use reperes_domain::Role;

use crate::{horodatage, Acteur, ErreurStore, Store};

/// Longueur maximale (en caractères) du user-agent gardé.
pub const LONGUEUR_USER_AGENT: usize = 256;
/// Longueur maximale du compte et des détails gardés.
const LONGUEUR_COMPTE: usize = 320;
const LONGUEUR_DETAILS: usize = 500;

/// Nature d'un événement de sécurité (code stable en base).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EvenementSecurite {
    ConnexionReussie,
    ConnexionEchouee,
    TropDeTentatives,
    MotDePasseChange,
    CourrielChange,
    ReinitialisationDemandee,
    Reinitialisation,
    RefusCsrf,
    RoleChange,
    ExportDonneesPersonnelles,
    SecondFacteurActive,
    SecondFacteurDesactive,
}

impl EvenementSecurite {
    pub const TOUS: [EvenementSecurite; 12] = [
        EvenementSecurite::ConnexionReussie,
        EvenementSecurite::ConnexionEchouee,
        EvenementSecurite::TropDeTentatives,
        EvenementSecurite::MotDePasseChange,
        EvenementSecurite::CourrielChange,
        EvenementSecurite::ReinitialisationDemandee,
        EvenementSecurite::Reinitialisation,
        EvenementSecurite::RefusCsrf,
        EvenementSecurite::RoleChange,
        EvenementSecurite::ExportDonneesPersonnelles,
        EvenementSecurite::SecondFacteurActive,
        EvenementSecurite::SecondFacteurDesactive,
    ];

    pub fn code(self) -> &'static str {
        match self {
            EvenementSecurite::ConnexionReussie => "connexion_reussie",
            EvenementSecurite::ConnexionEchouee => "connexion_echouee",
            EvenementSecurite::TropDeTentatives => "trop_de_tentatives",
            EvenementSecurite::MotDePasseChange => "mot_de_passe_change",
            EvenementSecurite::CourrielChange => "courriel_change",
            EvenementSecurite::ReinitialisationDemandee => "reinitialisation_demandee",
            EvenementSecurite::Reinitialisation => "reinitialisation",
            EvenementSecurite::RefusCsrf => "refus_csrf",
            EvenementSecurite::RoleChange => "role_change",
            EvenementSecurite::ExportDonneesPersonnelles => "export_donnees_personnelles",
            EvenementSecurite::SecondFacteurActive => "second_facteur_active",
            EvenementSecurite::SecondFacteurDesactive => "second_facteur_desactive",
        }
    }

    pub fn libelle(self) -> &'static str {
        match self {
            EvenementSecurite::ConnexionReussie => "Connexion réussie",
            EvenementSecurite::ConnexionEchouee => "Connexion échouée",
            EvenementSecurite::TropDeTentatives => "Refus : trop de tentatives",
            EvenementSecurite::MotDePasseChange => "Mot de passe changé",
            EvenementSecurite::CourrielChange => "Adresse électronique changée",
            EvenementSecurite::ReinitialisationDemandee => "Réinitialisation demandée",
            EvenementSecurite::Reinitialisation => "Mot de passe réinitialisé",
            EvenementSecurite::RefusCsrf => "Refus : jeton de formulaire invalide (CSRF)",
            EvenementSecurite::RoleChange => "Rôle changé",
            EvenementSecurite::ExportDonneesPersonnelles => "Export de données personnelles",
            EvenementSecurite::SecondFacteurActive => "Second facteur activé",
            EvenementSecurite::SecondFacteurDesactive => "Second facteur désactivé",
        }
    }

    pub fn depuis_code(code: &str) -> Option<EvenementSecurite> {
        Self::TOUS.into_iter().find(|e| e.code() == code)
    }
}

/// Un événement à noter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NouvelEvenement {
    pub evenement: EvenementSecurite,
    /// Adresse du compte concerné, si elle est connue.
    pub compte: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// Précision (chemin refusé, rôle avant → après, export…), sans secret.
    pub details: Option<String>,
}

/// Une ligne du journal de sécurité.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LigneJournalSecurite {
    pub id: String,
    /// Horodatage RFC 3339 (UTC).
    pub horodatage: String,
    /// Code de l'événement (un code inconnu reste lisible tel quel).
    pub evenement: String,
    pub compte: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub details: Option<String>,
}

impl LigneJournalSecurite {
    /// Le libellé de l'événement, ou son code s'il est inconnu.
    pub fn libelle(&self) -> &str {
        EvenementSecurite::depuis_code(&self.evenement)
            .map(EvenementSecurite::libelle)
            .unwrap_or(self.evenement.as_str())
    }
}

#[derive(sqlx::FromRow)]
struct Ligne {
    id: String,
    horodatage: String,
    evenement: String,
    compte: Option<String>,
    ip: Option<String>,
    user_agent: Option<String>,
    details: Option<String>,
}

/// Filtre et page du journal de sécurité (pages numérotées à partir de 1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FiltreJournalSecurite {
    pub evenement: Option<EvenementSecurite>,
    pub compte: Option<String>,
    pub page: i64,
    pub par_page: i64,
}

/// Le texte borné à `n` caractères, sans caractères de contrôle.
fn borner(texte: Option<&str>, n: usize) -> Option<String> {
    texte
        .map(|t| {
            t.chars()
                .filter(|c| !c.is_control())
                .take(n)
                .collect::<String>()
        })
        .filter(|t| !t.is_empty())
}

impl Store {
    /// Note un événement de sécurité à l'instant `quand`.
    pub async fn noter_securite(
        &self,
        e: &NouvelEvenement,
        quand: DateTime<Utc>,
    ) -> Result<(), ErreurStore> {
        sqlx::query(
            "INSERT INTO journal_securite (id, horodatage, evenement, compte, ip, user_agent, details) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(horodatage(quand))
        .bind(e.evenement.code())
        .bind(borner(e.compte.as_deref(), LONGUEUR_COMPTE))
        .bind(borner(e.ip.as_deref(), 64))
        .bind(borner(e.user_agent.as_deref(), LONGUEUR_USER_AGENT))
        .bind(borner(e.details.as_deref(), LONGUEUR_DETAILS))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Une page du journal de sécurité, du plus récent au plus ancien, et le nombre total de
    /// lignes qui répondent au filtre. `par_page` : tout, si 0.
    pub async fn journal_securite(
        &self,
        f: &FiltreJournalSecurite,
    ) -> Result<(Vec<LigneJournalSecurite>, i64), ErreurStore> {
        let mut conditions = Vec::new();
        let mut valeurs: Vec<String> = Vec::new();
        if let Some(e) = f.evenement {
            valeurs.push(e.code().to_string());
            conditions.push(format!("evenement = ${}", valeurs.len()));
        }
        if let Some(c) = f.compte.as_deref().filter(|c| !c.is_empty()) {
            valeurs.push(c.to_string());
            conditions.push(format!("compte = ${}", valeurs.len()));
        }
        let filtre = if conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.join(" AND "))
        };
        let sql_compte = format!("SELECT COUNT(*) FROM journal_securite{filtre}");
        let mut compte = sqlx::query_as::<_, (i64,)>(&sql_compte);
        for v in &valeurs {
            compte = compte.bind(v.clone());
        }
        let (total,) = compte.fetch_one(&self.pool).await?;
        let pagination = if f.par_page > 0 {
            format!(
                " LIMIT {} OFFSET {}",
                f.par_page,
                (f.page.max(1) - 1) * f.par_page
            )
        } else {
            String::new()
        };
        let sql = format!(
            "SELECT id, horodatage, evenement, compte, ip, user_agent, details FROM journal_securite{filtre} \
             ORDER BY horodatage DESC, id DESC{pagination}"
        );
        let mut q = sqlx::query_as::<_, Ligne>(&sql);
        for v in &valeurs {
            q = q.bind(v.clone());
        }
        let lignes = q
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|l| LigneJournalSecurite {
                id: l.id,
                horodatage: l.horodatage,
                evenement: l.evenement,
                compte: l.compte,
                ip: l.ip,
                user_agent: l.user_agent,
                details: l.details,
            })
            .collect();
        Ok((lignes, total))
    }

    /// Supprime les événements plus anciens que `avant` (durée de conservation) ; rend leur
    /// nombre. La purge elle-même est notée au journal d'audit quand elle supprime quelque chose.
    pub async fn purger_journal_securite(&self, avant: DateTime<Utc>) -> Result<u64, ErreurStore> {
        let acteur = Acteur::new("taches", Role::Systeme);
        let mut ecr = self.ecriture(&acteur).await?;
        let n = sqlx::query("DELETE FROM journal_securite WHERE horodatage < $1")
            .bind(horodatage(avant))
            .execute(ecr.conn())
            .await?
            .rows_affected();
        if n == 0 {
            ecr.abandonner().await?;
            return Ok(0);
        }
        ecr.journal("purger_journal_securite")
            .objet("journal", "securite")
            .apres(&serde_json::json!({ "supprimes": n, "avant": horodatage(avant) }))
            .ecrire()
            .await?;
        ecr.valider().await?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;
    use crate::deux_bases;

    fn evenement(ev: EvenementSecurite, compte: &str) -> NouvelEvenement {
        NouvelEvenement {
            evenement: ev,
            compte: Some(compte.into()),
            ip: Some("203.0.113.7".into()),
            user_agent: Some("Navigateur/1.0".into()),
            details: None,
        }
    }

    deux_bases!(
        purge_selon_la_conservation_et_pagination,
        |store: Store| async move {
            let t0 = Utc.with_ymd_and_hms(2026, 1, 10, 12, 0, 0).unwrap();
            // Deux anciens (il y a 400 et 366 jours), trois récents.
            for (jours, ev, compte) in [
                (400, EvenementSecurite::ConnexionEchouee, "a@exemple.fr"),
                (366, EvenementSecurite::ConnexionReussie, "a@exemple.fr"),
                (364, EvenementSecurite::ConnexionEchouee, "b@exemple.fr"),
                (10, EvenementSecurite::ConnexionEchouee, "a@exemple.fr"),
                (1, EvenementSecurite::RefusCsrf, "a@exemple.fr"),
            ] {
                store
                    .noter_securite(&evenement(ev, compte), t0 - Duration::days(jours))
                    .await
                    .unwrap();
            }
            let tout = FiltreJournalSecurite::default();
            assert_eq!(store.journal_securite(&tout).await.unwrap().1, 5);
            let audit_avant = store.taille_journal().await.unwrap();

            let n = store
                .purger_journal_securite(t0 - Duration::days(365))
                .await
                .unwrap();
            assert_eq!(n, 2);
            let (lignes, total) = store.journal_securite(&tout).await.unwrap();
            assert_eq!(total, 3);
            // Du plus récent au plus ancien.
            assert_eq!(lignes[0].evenement, "refus_csrf");
            assert_eq!(lignes[2].compte.as_deref(), Some("b@exemple.fr"));
            // La purge est au journal d'audit ; une purge vide n'écrit rien.
            assert_eq!(store.taille_journal().await.unwrap(), audit_avant + 1);
            assert_eq!(
                store
                    .purger_journal_securite(t0 - Duration::days(365))
                    .await
                    .unwrap(),
                0
            );
            assert_eq!(store.taille_journal().await.unwrap(), audit_avant + 1);
            store.verifier_journal().await.unwrap();

            // Filtre par type et compte, pages de 1.
            let f = FiltreJournalSecurite {
                evenement: Some(EvenementSecurite::ConnexionEchouee),
                compte: Some("a@exemple.fr".into()),
                page: 1,
                par_page: 1,
            };
            let (lignes, total) = store.journal_securite(&f).await.unwrap();
            assert_eq!(total, 1);
            assert_eq!(lignes.len(), 1);
            assert_eq!(lignes[0].ip.as_deref(), Some("203.0.113.7"));
            let f = FiltreJournalSecurite {
                evenement: None,
                compte: None,
                page: 2,
                par_page: 2,
            };
            let (lignes, total) = store.journal_securite(&f).await.unwrap();
            assert_eq!((lignes.len(), total), (1, 3));
            assert_eq!(lignes[0].compte.as_deref(), Some("b@exemple.fr"));
        }
    );

    deux_bases!(textes_du_client_bornes, |store: Store| async move {
        let mut e = evenement(EvenementSecurite::ConnexionEchouee, "x@exemple.fr");
        e.user_agent = Some(format!("A\u{1b}[31m{}", "b".repeat(5000)));
        store.noter_securite(&e, Utc::now()).await.unwrap();
        let (lignes, _) = store
            .journal_securite(&FiltreJournalSecurite::default())
            .await
            .unwrap();
        let ua = lignes[0].user_agent.clone().unwrap();
        assert_eq!(ua.chars().count(), 256);
        assert!(ua.starts_with("A[31mbbb"), "{ua}");
    });
}
