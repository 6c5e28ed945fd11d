#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|texte: &str| {
    let _ = reperes_fuzz::domaine::horaires(texte);
});
