//! Lieux de médiation numérique : import idempotent (clé : source et identifiant), lecture,
//! liens avec les dispositifs labellisés, doublons probables reconnus distincts.
//!
//! Écriture en masse (issue 14) : [`Store::commencer_import_lieux`] ouvre une écriture (transaction
//! et verrou du journal) ; [`ImportLieux::ecrire`] y ajoute des paquets de lieux, écrits par
//! requêtes multi-lignes préparées de [`LIGNES_PAR_REQUETE`] lignes (toujours le même texte SQL, donc
//! préparé une fois par connexion) ; [`ImportLieux::terminer`] écrit le journal, incrémente la
//! version des lieux et valide. Lâcher l'import sans le terminer annule tout.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use chrono::{DateTime, Duration, Utc};
use reperes_domain::lieux::preseance::{preseance, ChampLocal, Decision};
use reperes_domain::lieux::versions;
use reperes_domain::lieux::{valeur as champ, Enregistrement};
use serde::Serialize;
use sqlx::AnyConnection;

use crate::ecriture::Ecriture;
use crate::lieux_conflits::{champs_locaux_de_la_source, ecrire_preseance, ConflitLieu};
use crate::{horodatage, lire_horodatage, Acteur, Backend, ErreurStore, Store};

/// Résultat d'un import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct BilanImport {
    pub crees: usize,
    pub mis_a_jour: usize,
}

/// Lignes écrites par requête d'insertion groupée : 10 paramètres par ligne sous SQLite (10 240
/// par requête, limite 32 766), 8 sous PostgreSQL (la source et l'horodatage y sont deux
/// paramètres partagés : 8 194 par requête, limite 65 535). Une requête pleine a toujours le
/// même texte : sqlx la prépare une fois par connexion et la garde en cache.
pub const LIGNES_PAR_REQUETE: usize = 1024;

/// Paquet écrit par [`Store::importer_lieux`] entre deux appels de `progres`.
const PAR_LOT: usize = LIGNES_PAR_REQUETE;

/// Lien déclaré entre un lieu et un dispositif.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LienLieu {
    pub source: String,
    pub lieu_id: String,
    pub dispositif_id: String,
    pub declare_par: String,
    pub declare_le: String,
}

/// Version de la table des lieux, lue dans la ligne unique `lieux_version` (O(1)) : `numero`
/// change à chaque écriture sur les lieux (import, liens, doublons écartés), dans la même
/// transaction. Sert à rafraîchir un index en mémoire quand plusieurs instances partagent une base.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VersionLieux {
    pub numero: i64,
    pub nombre: i64,
    pub dernier_import: Option<String>,
}

/// Une ligne de la table `lieux` prête à être liée (hors source et horodatage, communs).
struct Ligne {
    id: String,
    nom: String,
    commune: String,
    code_postal: String,
    latitude: Option<String>,
    longitude: Option<String>,
    date_maj: String,
    donnees: String,
}

impl Ligne {
    fn depuis(e: &Enregistrement) -> Result<Ligne, ErreurStore> {
        Ok(Ligne {
            id: champ(e, "id")
                .ok_or_else(|| ErreurStore::Corrompue("lieu sans identifiant".into()))?,
            nom: champ(e, "nom").unwrap_or_default(),
            commune: champ(e, "commune").unwrap_or_default(),
            code_postal: champ(e, "code_postal").unwrap_or_default(),
            latitude: champ(e, "latitude"),
            longitude: champ(e, "longitude"),
            date_maj: champ(e, "date_maj").unwrap_or_default(),
            donnees: serde_json::to_string(e)?,
        })
    }
}

/// Une ligne d'historique écrite par l'import (origine `import`, détail : la source).
struct LigneHistorique {
    lieu_id: String,
    version: i64,
    creation: bool,
    changements: String,
}

/// Un import de lieux en cours : une transaction d'écriture qui tient le verrou du journal.
/// [`terminer`](ImportLieux::terminer) la valide ; lâché avant, l'import est annulé (ROLLBACK).
///
/// Doublons : chaque ligne écrite par l'import porte le même horodatage `importe_le`, strictement
/// plus grand que tout horodatage déjà en base ; la mise à jour d'un lieu existant ne se fait que
/// si son `importe_le` diffère. Un identifiant vu deux fois dans l'import n'est donc pas réécrit la
/// seconde fois, et la requête compte une ligne de moins que prévu : c'est une erreur
/// ([`ErreurStore::Corrompue`]). La base fait ce contrôle : aucune mémoire ne grandit avec le
/// fichier (seul le paquet en attente, au plus [`LIGNES_PAR_REQUETE`] lignes, est gardé).
pub struct ImportLieux<'a> {
    ecr: Ecriture<'a>,
    source: String,
    maintenant: String,
    /// Lieux de la source avant l'import (le bilan se calcule par différence).
    avant: i64,
    backend: Backend,
    en_attente: Vec<Ligne>,
    ecrits: usize,
    /// Lignes déjà envoyées à la base (pour situer un doublon).
    envoyes: usize,
    /// Auteur des lignes d'historique (l'acteur tel qu'écrit au journal).
    auteur: String,
    /// Champs tenus dans Repères des lieux de la source, chargés au début (peu nombreux).
    locaux: HashMap<String, Vec<ChampLocal>>,
    /// Conflits relevés par l'import (rapport).
    conflits: Vec<ConflitLieu>,
}

impl Store {
    /// Commence un import de lieux pour `source` : transaction ouverte, verrou du journal pris.
    pub async fn commencer_import_lieux<'a>(
        &self,
        acteur: &'a Acteur,
        source: &str,
    ) -> Result<ImportLieux<'a>, ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        // Horodatage de l'import, strictement plus grand que le dernier (même si l'horloge recule) :
        // c'est ce qui distingue une ligne déjà écrite par cet import (voir ImportLieux).
        let (dernier,): (Option<String>,) =
            sqlx::query_as("SELECT dernier_import FROM lieux_version WHERE id = 1")
                .fetch_one(ecr.conn())
                .await?;
        let mut maintenant = Utc::now();
        if let Some(d) = dernier.as_deref() {
            let d: DateTime<Utc> = lire_horodatage(d)?;
            if maintenant <= d {
                maintenant = d + Duration::microseconds(1);
            }
        }
        let avant = compter_source(ecr.conn(), source).await?;
        let locaux = champs_locaux_de_la_source(ecr.conn(), source).await?;
        Ok(ImportLieux {
            ecr,
            source: source.to_string(),
            maintenant: horodatage(maintenant),
            avant,
            backend: self.backend,
            en_attente: Vec::with_capacity(LIGNES_PAR_REQUETE),
            ecrits: 0,
            envoyes: 0,
            auteur: acteur.journal(),
            locaux,
            conflits: Vec::new(),
        })
    }

    /// Enregistre des lieux déjà validés, dans une seule transaction (tout ou rien), avec une
    /// entrée de journal pour l'import. `progres(fait, total)` est appelé après chaque lot écrit.
    /// Enveloppe de [`Store::commencer_import_lieux`] pour un lot déjà en mémoire.
    pub async fn importer_lieux(
        &self,
        acteur: &Acteur,
        source: &str,
        lieux: &[Enregistrement],
        progres: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> Result<BilanImport, ErreurStore> {
        let mut import = self.commencer_import_lieux(acteur, source).await?;
        for lot in lieux.chunks(PAR_LOT) {
            import.ecrire(lot).await?;
            progres(import.ecrits(), lieux.len());
        }
        import.terminer().await
    }
}

async fn compter_source(conn: &mut AnyConnection, source: &str) -> Result<i64, ErreurStore> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM lieux WHERE source = $1")
        .bind(source)
        .fetch_one(conn)
        .await?;
    Ok(n)
}

/// Texte de la requête qui écrit `n` lignes. La mise à jour n'a lieu que si le lieu n'a pas
/// déjà été écrit par cet import (même `importe_le`) : un doublon n'est pas compté par la base.
///
/// - PostgreSQL : `$1` est la source, `$2` l'horodatage de l'import, puis 8 paramètres par ligne.
/// - SQLite : paramètres anonymes `?`, 10 par ligne, liés dans l'ordre. Les paramètres nommés
///   (`$1`, `?1`) y coûtent une recherche linéaire dans la liste des noms pour chaque paramètre
///   lié (`sqlite3_bind_parameter_name`, appelé par sqlx) : quadratique, 68 % du temps mesuré
///   pour des requêtes de 8 000 paramètres.
fn sql_insertion(n: usize, backend: Backend) -> String {
    let mut sql = String::with_capacity(400 + n * 48);
    sql.push_str(
        "INSERT INTO lieux (source, id, nom, commune, code_postal, latitude, longitude, date_maj, donnees, importe_le) VALUES ",
    );
    for i in 0..n {
        if i > 0 {
            sql.push(',');
        }
        match backend {
            Backend::Sqlite => sql.push_str("(?,?,?,?,?,?,?,?,?,?)"),
            Backend::Postgres => {
                let b = 3 + i * 8;
                let _ = write!(
                    sql,
                    "($1,${},${},${},${},${},${},${},${},$2)",
                    b,
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7
                );
            }
        }
    }
    sql.push_str(
        " ON CONFLICT (source, id) DO UPDATE SET nom = excluded.nom, commune = excluded.commune, \
         code_postal = excluded.code_postal, latitude = excluded.latitude, longitude = excluded.longitude, \
         date_maj = excluded.date_maj, donnees = excluded.donnees, importe_le = excluded.importe_le, \
         version = CASE WHEN lieux.donnees = excluded.donnees THEN lieux.version ELSE lieux.version + 1 END \
         WHERE lieux.importe_le <> excluded.importe_le",
    );
    sql
}

/// Lignes d'une requête groupée : pleine ([`LIGNES_PAR_REQUETE`]), sinon la plus grande puissance
/// de deux (au plus 11 textes SQL différents, tous gardés en cache par la connexion).
fn taille_de_requete(reste: usize) -> usize {
    if reste >= LIGNES_PAR_REQUETE {
        LIGNES_PAR_REQUETE
    } else {
        1 << reste.ilog2()
    }
}

/// Texte de la requête qui lit `n` lieux existants d'une source (`$1` ou premier `?` : la source,
/// puis les identifiants).
fn sql_lieux_existants(n: usize, backend: Backend) -> String {
    let mut sql = String::with_capacity(80 + n * 6);
    sql.push_str("SELECT id, donnees, version FROM lieux WHERE source = ");
    sql.push_str(match backend {
        Backend::Sqlite => "?",
        Backend::Postgres => "$1",
    });
    sql.push_str(" AND id IN (");
    for i in 0..n {
        if i > 0 {
            sql.push(',');
        }
        match backend {
            Backend::Sqlite => sql.push('?'),
            Backend::Postgres => {
                let _ = write!(sql, "${}", i + 2);
            }
        }
    }
    sql.push(')');
    sql
}

/// Texte de la requête qui écrit `n` lignes d'historique d'import. PostgreSQL : `$1` source,
/// `$2` horodatage, `$3` auteur, puis 4 paramètres par ligne ; SQLite : 8 `?` par ligne.
fn sql_historique(n: usize, backend: Backend) -> String {
    let mut sql = String::with_capacity(200 + n * 40);
    sql.push_str(
        "INSERT INTO lieux_historique (source, lieu_id, version, cree_le, origine, origine_detail, auteur, organisation_id, creation, changements) VALUES ",
    );
    for i in 0..n {
        if i > 0 {
            sql.push(',');
        }
        match backend {
            Backend::Sqlite => sql.push_str("(?,?,?,?,'import',?,?,NULL,?,?)"),
            Backend::Postgres => {
                let b = 4 + i * 4;
                let _ = write!(
                    sql,
                    "($1,${},${},$2,'import',$1,$3,NULL,${},${})",
                    b,
                    b + 1,
                    b + 2,
                    b + 3
                );
            }
        }
    }
    sql
}

/// Incrémente la version des lieux, dans la transaction de l'écriture (module à part, sans
/// dépendance : les modules qui écrivent des versions de lieux s'en servent sans dépendre de
/// celui-ci, que l'import appelle).
pub(crate) use crate::lieux_compteur::incrementer_version;

impl ImportLieux<'_> {
    /// Écrit un paquet de lieux déjà validés (les lignes sont envoyées à la base par requêtes de
    /// [`LIGNES_PAR_REQUETE`] ; le reste part avec le paquet suivant ou à la fin). Un identifiant
    /// vu deux fois dans le même import est une erreur ([`ErreurStore::Corrompue`]) ; l'import
    /// est alors à abandonner (le lâcher annule tout).
    pub async fn ecrire(&mut self, lot: &[Enregistrement]) -> Result<(), ErreurStore> {
        for e in lot {
            self.en_attente.push(Ligne::depuis(e)?);
            self.ecrits += 1;
            if self.en_attente.len() == LIGNES_PAR_REQUETE {
                self.envoyer().await?;
            }
        }
        Ok(())
    }

    /// Lieux reçus par [`ecrire`](ImportLieux::ecrire) depuis le début de l'import.
    pub fn ecrits(&self) -> usize {
        self.ecrits
    }

    /// Envoie les lignes en attente : par requêtes pleines, puis le reste par puissances de deux
    /// (au plus 11 textes SQL différents, tous gardés en cache par la connexion).
    async fn envoyer(&mut self) -> Result<(), ErreurStore> {
        let mut lignes = std::mem::take(&mut self.en_attente);
        let mut reste = &mut lignes[..];
        while !reste.is_empty() {
            let n = taille_de_requete(reste.len());
            let (paquet, suite) = reste.split_at_mut(n);
            self.envoyer_paquet(paquet).await?;
            reste = suite;
        }
        self.en_attente = lignes;
        self.en_attente.clear();
        Ok(())
    }

    async fn envoyer_paquet(&mut self, paquet: &mut [Ligne]) -> Result<(), ErreurStore> {
        // Un doublon dans une même requête : PostgreSQL refuserait la requête entière (« ON
        // CONFLICT DO UPDATE cannot affect row a second time ») ; on le nomme avant.
        let mut ids = HashSet::with_capacity(paquet.len());
        for l in paquet.iter() {
            if !ids.insert(l.id.as_str()) {
                return Err(doublon(&format!(" : {}", l.id)));
            }
        }
        drop(ids);
        let (historique, preseances) = self.versions_du_paquet(paquet).await?;
        let sql = sql_insertion(paquet.len(), self.backend);
        let (source, maintenant) = (self.source.as_str(), self.maintenant.as_str());
        let mut q = sqlx::query(&sql);
        if self.backend == Backend::Postgres {
            q = q.bind(source).bind(maintenant);
        }
        for l in paquet.iter() {
            if self.backend == Backend::Sqlite {
                q = q.bind(source);
            }
            q = q
                .bind(l.id.as_str())
                .bind(l.nom.as_str())
                .bind(l.commune.as_str())
                .bind(l.code_postal.as_str())
                .bind(l.latitude.as_deref())
                .bind(l.longitude.as_deref())
                .bind(l.date_maj.as_str())
                .bind(l.donnees.as_str());
            if self.backend == Backend::Sqlite {
                q = q.bind(maintenant);
            }
        }
        let n = q.execute(self.ecr.conn()).await?.rows_affected() as usize;
        if n != paquet.len() {
            return Err(doublon(&format!(
                " : {} des fiches n° {} à {} l'avaient déjà été plus haut",
                paquet.len() - n,
                self.envoyes + 1,
                self.envoyes + paquet.len()
            )));
        }
        self.envoyes += paquet.len();
        self.ecrire_historique(&historique).await?;
        for (id, d) in preseances {
            let c =
                ecrire_preseance(self.ecr.conn(), &self.source, &id, &self.maintenant, &d).await?;
            self.conflits.extend(c);
        }
        Ok(())
    }

    /// Versions d'un paquet, avant son écriture : les lieux existants du paquet sont lus en une
    /// requête (`donnees`, `version`). Un lieu nouveau : ligne d'historique `creation` ; un lieu
    /// qui a des champs tenus dans Repères : règles de préséance (la ligne à écrire change) ; un
    /// lieu dont un champ change : ligne d'historique avec les changements, version + 1 (la
    /// requête d'insertion l'incrémente quand `donnees` change) ; rien de changé : on réécrit le
    /// texte déjà en base, pour que la version ne bouge pas.
    async fn versions_du_paquet(
        &mut self,
        paquet: &mut [Ligne],
    ) -> Result<(Vec<LigneHistorique>, Vec<(String, Decision)>), ErreurStore> {
        // Source sans lieu en base avant l'import : tous sont nouveaux (un identifiant en double
        // est refusé par l'écriture du paquet), rien à lire.
        let existants: HashMap<String, (String, i64)> = if self.avant == 0 {
            HashMap::new()
        } else {
            let sql = sql_lieux_existants(paquet.len(), self.backend);
            let mut q = sqlx::query_as::<_, (String, String, i64)>(&sql).bind(self.source.as_str());
            for l in paquet.iter() {
                q = q.bind(l.id.as_str());
            }
            q.fetch_all(self.ecr.conn())
                .await?
                .into_iter()
                .map(|(id, d, v)| (id, (d, v)))
                .collect()
        };
        let mut historique = Vec::new();
        let mut preseances = Vec::new();
        for l in paquet.iter_mut() {
            let Some((donnees_avant, version)) = existants.get(&l.id) else {
                historique.push(LigneHistorique {
                    lieu_id: l.id.clone(),
                    version: 1,
                    creation: true,
                    changements: "[]".into(),
                });
                continue;
            };
            let locaux = self.locaux.get(&l.id);
            if locaux.is_none() && *donnees_avant == l.donnees {
                continue;
            }
            let avant: Enregistrement = serde_json::from_str(donnees_avant)?;
            let mut nouveau: Enregistrement = serde_json::from_str(&l.donnees)?;
            if let Some(locaux) = locaux {
                let d = preseance(&nouveau, &avant, locaux);
                nouveau = d.enregistrement.clone();
                *l = Ligne::depuis(&nouveau)?;
                preseances.push((l.id.clone(), d));
            }
            let changements = versions::differences(&avant, &nouveau);
            if changements.is_empty() {
                l.donnees.clone_from(donnees_avant);
                continue;
            }
            historique.push(LigneHistorique {
                lieu_id: l.id.clone(),
                version: version + 1,
                creation: false,
                changements: serde_json::to_string(&changements)?,
            });
        }
        Ok((historique, preseances))
    }

    /// Écrit les lignes d'historique d'un paquet par requêtes groupées.
    async fn ecrire_historique(&mut self, lignes: &[LigneHistorique]) -> Result<(), ErreurStore> {
        let mut reste = lignes;
        while !reste.is_empty() {
            let n = taille_de_requete(reste.len());
            let (paquet, suite) = reste.split_at(n);
            let sql = sql_historique(n, self.backend);
            let (source, maintenant, auteur) = (
                self.source.as_str(),
                self.maintenant.as_str(),
                self.auteur.as_str(),
            );
            let mut q = sqlx::query(&sql);
            if self.backend == Backend::Postgres {
                q = q.bind(source).bind(maintenant).bind(auteur);
            }
            for l in paquet {
                if self.backend == Backend::Sqlite {
                    q = q.bind(source);
                }
                q = q.bind(l.lieu_id.as_str()).bind(l.version);
                if self.backend == Backend::Sqlite {
                    q = q.bind(maintenant).bind(source).bind(auteur);
                }
                q = q.bind(i64::from(l.creation)).bind(l.changements.as_str());
            }
            q.execute(self.ecr.conn()).await?;
            reste = suite;
        }
        Ok(())
    }

    /// Envoie le reste, écrit l'entrée du journal d'audit (source, créés, mis à jour), incrémente
    /// la version des lieux et valide la transaction.
    pub async fn terminer(self) -> Result<BilanImport, ErreurStore> {
        Ok(self.terminer_avec_conflits().await?.0)
    }

    /// Comme [`terminer`](ImportLieux::terminer), et rend aussi les conflits relevés entre la
    /// source et les champs tenus dans Repères (rapport d'import).
    pub async fn terminer_avec_conflits(
        mut self,
    ) -> Result<(BilanImport, Vec<ConflitLieu>), ErreurStore> {
        self.envoyer().await?;
        let apres = compter_source(self.ecr.conn(), &self.source).await?;
        let crees = (apres - self.avant).max(0) as usize;
        let bilan = BilanImport {
            crees,
            mis_a_jour: self.ecrits.saturating_sub(crees),
        };
        #[derive(serde::Serialize)]
        struct Resume<'a> {
            source: &'a str,
            crees: usize,
            mis_a_jour: usize,
        }
        let r = Resume {
            source: &self.source,
            crees: bilan.crees,
            mis_a_jour: bilan.mis_a_jour,
        };
        crate::lieux_fusions::propager_fusions(&mut self.ecr, &self.source, &self.maintenant)
            .await?;
        self.ecr
            .journal("importer_lieux")
            .objet("source_lieux", &self.source)
            .apres(&r)
            .ecrire()
            .await?;
        incrementer_version(self.ecr.conn(), crees as i64, Some(&self.maintenant)).await?;
        self.ecr.valider().await?;
        Ok((bilan, self.conflits))
    }
}

fn doublon(detail: &str) -> ErreurStore {
    ErreurStore::Corrompue(format!(
        "identifiant de lieu en double dans l'import{detail}"
    ))
}

impl Store {
    /// Tous les lieux (données complètes), triés par source et identifiant.
    pub async fn lieux(&self) -> Result<Vec<(String, Enregistrement)>, ErreurStore> {
        let v: Vec<(String, String)> = sqlx::query_as(
            "SELECT source, donnees FROM lieux WHERE masque IS NULL ORDER BY source, id",
        )
        .fetch_all(&self.pool)
        .await?;
        v.into_iter()
            .map(|(s, d)| Ok((s, serde_json::from_str(&d)?)))
            .collect()
    }

    /// Un lieu, avec sa date d'import.
    pub async fn lieu(
        &self,
        source: &str,
        id: &str,
    ) -> Result<Option<(Enregistrement, String)>, ErreurStore> {
        let v: Option<(String, String)> =
            sqlx::query_as("SELECT donnees, importe_le FROM lieux WHERE source = $1 AND id = $2")
                .bind(source)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        v.map(|(d, i)| Ok((serde_json::from_str(&d)?, i)))
            .transpose()
    }

    pub async fn nombre_de_lieux(&self) -> Result<i64, ErreurStore> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM lieux")
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    /// Version de la table des lieux : une ligne lue (O(1)), incrémentée par chaque écriture.
    pub async fn version_lieux(&self) -> Result<VersionLieux, ErreurStore> {
        let (numero, nombre, dernier_import): (i64, i64, Option<String>) = sqlx::query_as(
            "SELECT version, nombre, dernier_import FROM lieux_version WHERE id = 1",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(VersionLieux {
            numero,
            nombre,
            dernier_import,
        })
    }

    /// Parcourt tous les lieux, triés par source et identifiant, par paquets d'au plus `taille`
    /// `(source, importe_le, enregistrement)` passés à `rappel`, sans tout charger : pagination
    /// par clé (`(source, id) > dernier vu`, index de la clé primaire). Chaque paquet est lu par
    /// une requête à part : un import validé entre deux paquets peut y être vu à moitié (la
    /// version des lieux, relue avant et après, le dit).
    pub async fn parcourir_lieux(
        &self,
        taille: usize,
        rappel: &mut (dyn FnMut(Vec<(String, String, Enregistrement)>) + Send),
    ) -> Result<(), ErreurStore> {
        let taille = taille.max(1);
        let mut dernier: Option<(String, String)> = None;
        loop {
            let lignes: Vec<(String, String, String, String)> = match &dernier {
                None => {
                    sqlx::query_as(
                        "SELECT source, id, importe_le, donnees FROM lieux WHERE masque IS NULL ORDER BY source, id LIMIT $1",
                    )
                    .bind(taille as i64)
                    .fetch_all(&self.pool)
                    .await?
                }
                Some((source, id)) => {
                    sqlx::query_as(
                        "SELECT source, id, importe_le, donnees FROM lieux WHERE (source, id) > ($1, $2) \
                         AND masque IS NULL ORDER BY source, id LIMIT $3",
                    )
                    .bind(source.as_str())
                    .bind(id.as_str())
                    .bind(taille as i64)
                    .fetch_all(&self.pool)
                    .await?
                }
            };
            let fin = lignes.len() < taille;
            if let Some((s, i, _, _)) = lignes.last() {
                dernier = Some((s.clone(), i.clone()));
            }
            let paquet = lignes
                .into_iter()
                .map(|(s, _, importe_le, d)| Ok((s, importe_le, serde_json::from_str(&d)?)))
                .collect::<Result<Vec<_>, ErreurStore>>()?;
            if !paquet.is_empty() {
                rappel(paquet);
            }
            if fin {
                return Ok(());
            }
        }
    }

    /// Déclare qu'un lieu utilise un dispositif (idempotent, journalisé).
    pub async fn lier_lieu_dispositif(
        &self,
        acteur: &Acteur,
        source: &str,
        lieu_id: &str,
        dispositif_id: &str,
    ) -> Result<bool, ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        let existe: Option<(String,)> = sqlx::query_as(
            "SELECT dispositif_id FROM lieux_dispositifs WHERE source = $1 AND lieu_id = $2 AND dispositif_id = $3",
        )
        .bind(source)
        .bind(lieu_id)
        .bind(dispositif_id)
        .fetch_optional(ecr.conn())
        .await?;
        if existe.is_some() {
            ecr.abandonner().await?;
            return Ok(false);
        }
        let lien = LienLieu {
            source: source.into(),
            lieu_id: lieu_id.into(),
            dispositif_id: dispositif_id.into(),
            declare_par: acteur.journal(),
            declare_le: horodatage(Utc::now()),
        };
        sqlx::query(
            "INSERT INTO lieux_dispositifs (source, lieu_id, dispositif_id, declare_par, declare_le) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&lien.source)
        .bind(&lien.lieu_id)
        .bind(&lien.dispositif_id)
        .bind(&lien.declare_par)
        .bind(&lien.declare_le)
        .execute(ecr.conn())
        .await?;
        incrementer_version(ecr.conn(), 0, None).await?;
        ecr.journal("lier_lieu_dispositif")
            .objet("lieu", &format!("{source}/{lieu_id}"))
            .apres(&lien)
            .ecrire()
            .await?;
        ecr.valider().await?;
        Ok(true)
    }

    /// Retire un lien (journalisé).
    pub async fn delier_lieu_dispositif(
        &self,
        acteur: &Acteur,
        source: &str,
        lieu_id: &str,
        dispositif_id: &str,
    ) -> Result<bool, ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        let n = sqlx::query(
            "DELETE FROM lieux_dispositifs WHERE source = $1 AND lieu_id = $2 AND dispositif_id = $3",
        )
        .bind(source)
        .bind(lieu_id)
        .bind(dispositif_id)
        .execute(ecr.conn())
        .await?
        .rows_affected();
        if n == 0 {
            ecr.abandonner().await?;
            return Ok(false);
        }
        incrementer_version(ecr.conn(), 0, None).await?;
        ecr.journal("delier_lieu_dispositif")
            .objet("lieu", &format!("{source}/{lieu_id}"))
            .avant(dispositif_id)
            .ecrire()
            .await?;
        ecr.valider().await?;
        Ok(true)
    }

    /// Dispositifs déclarés par un lieu.
    pub async fn liens_du_lieu(
        &self,
        source: &str,
        lieu_id: &str,
    ) -> Result<Vec<LienLieu>, ErreurStore> {
        Ok(sqlx::query_as::<_, (String, String, String, String, String)>(
            "SELECT source, lieu_id, dispositif_id, declare_par, declare_le FROM lieux_dispositifs \
             WHERE source = $1 AND lieu_id = $2 ORDER BY declare_le",
        )
        .bind(source)
        .bind(lieu_id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(lien)
        .collect())
    }

    /// Lieux qui déclarent utiliser un dispositif.
    pub async fn liens_du_dispositif(
        &self,
        dispositif_id: &str,
    ) -> Result<Vec<LienLieu>, ErreurStore> {
        Ok(sqlx::query_as::<_, (String, String, String, String, String)>(
            "SELECT source, lieu_id, dispositif_id, declare_par, declare_le FROM lieux_dispositifs \
             WHERE dispositif_id = $1 ORDER BY source, lieu_id",
        )
        .bind(dispositif_id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(lien)
        .collect())
    }

    /// Reconnaît deux lieux comme distincts (doublon probable écarté), journalisé. Les clés sont
    /// `source/id` ; l'ordre n'importe pas.
    pub async fn declarer_distincts(
        &self,
        acteur: &Acteur,
        a: &str,
        b: &str,
    ) -> Result<(), ErreurStore> {
        let (a, b) = if a <= b { (a, b) } else { (b, a) };
        let mut ecr = self.ecriture(acteur).await?;
        sqlx::query(
            "INSERT INTO lieux_distincts (cle_a, cle_b, decide_par, decide_le) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (cle_a, cle_b) DO NOTHING",
        )
        .bind(a)
        .bind(b)
        .bind(acteur.journal())
        .bind(horodatage(Utc::now()))
        .execute(ecr.conn())
        .await?;
        incrementer_version(ecr.conn(), 0, None).await?;
        ecr.journal("declarer_lieux_distincts")
            .objet("lieu", a)
            .apres(b)
            .ecrire()
            .await?;
        ecr.valider().await
    }

    /// Paires reconnues distinctes (clés `source/id`, ordonnées).
    pub async fn lieux_distincts(&self) -> Result<HashSet<(String, String)>, ErreurStore> {
        Ok(
            sqlx::query_as::<_, (String, String)>("SELECT cle_a, cle_b FROM lieux_distincts")
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .collect(),
        )
    }
}

fn lien(
    (source, lieu_id, dispositif_id, declare_par, declare_le): (
        String,
        String,
        String,
        String,
        String,
    ),
) -> LienLieu {
    LienLieu {
        source,
        lieu_id,
        dispositif_id,
        declare_par,
        declare_le,
    }
}
