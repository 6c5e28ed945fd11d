// Recompile quand les référentiels changent : ils sont embarqués dans le binaire (include_dir).
fn main() {
    println!("cargo:rerun-if-changed=../../referentiels");
}
