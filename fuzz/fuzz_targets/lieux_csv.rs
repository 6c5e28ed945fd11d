#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|octets: &[u8]| {
    let _ = reperes_fuzz::domaine::lieux_csv(octets);
});
