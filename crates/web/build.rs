// Recompile quand les pages d'aide changent : elles sont embarquées dans le binaire
// (include_dir, `src/accueil/aide.rs`), que cargo ne suit pas seul.
fn main() {
    println!("cargo:rerun-if-changed=../../contenus/aide");
}
