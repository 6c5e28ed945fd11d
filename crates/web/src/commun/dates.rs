//! Les dates telles que les pages, les courriels et les PDF les écrivent : un seul format
//! français, « 06/12/2026 » pour un jour et « 06/12/2026 à 09:58 » pour un instant, à l'heure
//! de Paris (jamais « (UTC) ») ; en toutes lettres (« 1er mars 2027 ») là où un modèle officiel
//! l'écrit ainsi (déclaration d'accessibilité).
//!
//! Dans un gabarit : `{{ crate::commun::dates::jour(d) }}` ou
//! `{{ crate::commun::dates::instant(t) }}` ; en Rust : les mêmes fonctions.

use chrono::{DateTime, NaiveDate, Utc};

/// Ce qui a un jour du calendrier (à Paris pour un instant).
pub trait Jour {
    fn jour_a_paris(&self) -> NaiveDate;
}

impl Jour for NaiveDate {
    fn jour_a_paris(&self) -> NaiveDate {
        *self
    }
}

impl Jour for DateTime<Utc> {
    fn jour_a_paris(&self) -> NaiveDate {
        self.with_timezone(&chrono_tz::Europe::Paris).date_naive()
    }
}

impl<T: Jour> Jour for &T {
    fn jour_a_paris(&self) -> NaiveDate {
        (**self).jour_a_paris()
    }
}

/// « 06/12/2026 ».
pub fn jour(d: impl Jour) -> String {
    d.jour_a_paris().format("%d/%m/%Y").to_string()
}

/// « 7 décembre 2026 », « 1er mars 2027 ».
pub fn jour_en_lettres(d: impl Jour) -> String {
    use chrono::Datelike;
    const MOIS: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    let d = d.jour_a_paris();
    let jour = if d.day() == 1 {
        "1er".to_string()
    } else {
        d.day().to_string()
    };
    format!("{jour} {} {}", MOIS[d.month0() as usize], d.year())
}

/// « 06/12/2026 à 09:58 », heure de Paris (heure d'été comprise).
pub fn instant(t: impl std::borrow::Borrow<DateTime<Utc>>) -> String {
    t.borrow()
        .with_timezone(&chrono_tz::Europe::Paris)
        .format("%d/%m/%Y à %H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn un_instant_est_ecrit_a_l_heure_de_paris() {
        // Hiver : UTC+1 ; été : UTC+2.
        let hiver = Utc.with_ymd_and_hms(2026, 12, 6, 8, 58, 0).unwrap();
        assert_eq!(instant(hiver), "06/12/2026 à 09:58");
        let ete = Utc.with_ymd_and_hms(2026, 7, 14, 22, 30, 0).unwrap();
        assert_eq!(instant(ete), "15/07/2026 à 00:30");
    }

    #[test]
    fn un_jour_est_ecrit_jj_mm_aaaa() {
        let d = NaiveDate::from_ymd_opt(2027, 1, 5).unwrap();
        assert_eq!(jour(d), "05/01/2027");
        // 23:30 UTC le 31 décembre : déjà le 1er janvier à Paris.
        let t = Utc.with_ymd_and_hms(2026, 12, 31, 23, 30, 0).unwrap();
        assert_eq!(jour(t), "01/01/2027");
    }

    #[test]
    fn un_jour_en_toutes_lettres() {
        let d = |a, m, j| NaiveDate::from_ymd_opt(a, m, j).unwrap();
        assert_eq!(jour_en_lettres(d(2026, 12, 7)), "7 décembre 2026");
        assert_eq!(jour_en_lettres(d(2027, 3, 1)), "1er mars 2027");
        assert_eq!(jour_en_lettres(d(2027, 8, 15)), "15 août 2027");
    }
}
