//! L'accessibilité de Repères lui-même (issue 18) : l'état de conformité au RGAA 4.1 que
//! chaque pied de page affiche (« Accessibilité : partiellement conforme »), calculé à partir
//! de l'audit versionné dans le dépôt.
//!
//! Règle (modèle de déclaration d'accessibilité, DINUM) : **totalement conforme** si tous les
//! critères applicables sont respectés (taux de 100 %), **partiellement conforme** si au moins
//! 50 % le sont, **non conforme** en dessous de 50 % ou sans audit.

/// État de conformité d'un site au RGAA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conformite {
    Totale,
    Partielle,
    Non,
}

impl Conformite {
    /// L'état qui correspond à un taux de conformité (en %), ou à l'absence d'audit.
    pub fn selon_le_taux(taux: Option<f64>) -> Conformite {
        match taux {
            Some(t) if t >= 100.0 => Conformite::Totale,
            Some(t) if t >= 50.0 => Conformite::Partielle,
            _ => Conformite::Non,
        }
    }

    /// « totalement conforme », « partiellement conforme », « non conforme ».
    pub fn libelle(self) -> &'static str {
        match self {
            Conformite::Totale => "totalement conforme",
            Conformite::Partielle => "partiellement conforme",
            Conformite::Non => "non conforme",
        }
    }
}

/// L'état de conformité du site, tel que l'audit versionné le donne.
// Issue 18, partie « rgaa » : calculé à partir de l'audit (taux de conformité).
pub fn conformite_du_site() -> Conformite {
    Conformite::selon_le_taux(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seuils_du_modele_de_declaration() {
        assert_eq!(Conformite::selon_le_taux(Some(100.0)), Conformite::Totale);
        assert_eq!(Conformite::selon_le_taux(Some(99.9)), Conformite::Partielle);
        assert_eq!(Conformite::selon_le_taux(Some(50.0)), Conformite::Partielle);
        assert_eq!(Conformite::selon_le_taux(Some(49.99)), Conformite::Non);
        assert_eq!(Conformite::selon_le_taux(None), Conformite::Non);
        assert_eq!(Conformite::Partielle.libelle(), "partiellement conforme");
    }
}
