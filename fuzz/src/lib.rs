//! Cibles de fuzzing de Repères (voir `README.md`). Le code exercé est dans `domaine.rs` et
//! `web.rs`, que les tests de non-régression des crates incluent aussi.

pub mod domaine;
pub mod web;
