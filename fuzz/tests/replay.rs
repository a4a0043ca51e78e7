//! Runs every file of each target's seed corpus (`corpus/<target>/`) through the target on
//! any toolchain: the smoke run of `scripts/fuzz.sh` where no nightly toolchain is to be had.

use std::path::Path;

#[test]
fn every_seed_passes_its_target() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for (name, target) in hv_fuzz::TARGETS {
        let dir = corpus.join(name);
        let mut seeds: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("a corpus entry").path())
            .collect();
        seeds.sort();
        assert!(!seeds.is_empty(), "{name} has no seeds");
        for seed in &seeds {
            println!("{name}: {}", seed.display());
            target(&std::fs::read(seed).expect("a seed"));
        }
        println!("{name}: {} seeds", seeds.len());
    }
}
