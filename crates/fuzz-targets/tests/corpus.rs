//! Every file of the committed corpus (`fuzz/corpus/<target>/`) through its target: the seeds
//! and every input the fuzzer found worth keeping, including the ones that once failed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use fuzz_targets::TARGETS;

#[test]
fn the_committed_corpus_passes_every_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    let mut replayed = 0;
    for (name, target) in TARGETS {
        let dir = root.join(name);
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e} (every target has a corpus)", dir.display()));
        let mut files = 0;
        for entry in entries {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| target(&data));
            assert!(outcome.is_ok(), "{name}: {} fails", path.display());
            files += 1;
        }
        assert!(files > 0, "{name}: the corpus is empty");
        replayed += files;
    }
    println!("replayed {replayed} corpus files");
}
