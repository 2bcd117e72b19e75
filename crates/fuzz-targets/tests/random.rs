//! Each target fed random and mutated inputs: a few thousand per target, seeded so that a
//! failure repeats (the seed is in the message). The coverage-guided search is `scripts/fuzz`;
//! this keeps the targets honest in every `cargo test`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use fuzz_targets::TARGETS;

/// Inputs per target and run.
const CASES: usize = 1500;

/// `base` with a few random bytes changed, inserted or removed.
fn mutate(rng: &mut fastrand::Rng, base: &[u8]) -> Vec<u8> {
    let mut data = base.to_vec();
    for _ in 0..rng.usize(1..=4) {
        match rng.u8(0..4) {
            0 if !data.is_empty() => {
                let i = rng.usize(0..data.len());
                data[i] = rng.u8(..);
            }
            1 => {
                let i = rng.usize(0..=data.len());
                data.insert(
                    i,
                    *rng.choice(b"[]{}\",:0123456789-eE.ntfaulsr\\ \n").unwrap(),
                );
            }
            2 if !data.is_empty() => {
                let i = rng.usize(0..data.len());
                data.remove(i);
            }
            _ => {
                // Repeat a slice: deep nesting, long strings, many elements.
                if !data.is_empty() {
                    let a = rng.usize(0..data.len());
                    let b = rng.usize(a..=data.len().min(a + 16));
                    let piece = data[a..b].to_vec();
                    for _ in 0..rng.usize(1..64) {
                        data.splice(a..a, piece.iter().copied());
                    }
                }
            }
        }
    }
    data
}

#[test]
fn random_and_mutated_inputs_never_break_a_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    let seed = 0x5eed_f022_c4a6_u64;
    let mut rng = fastrand::Rng::with_seed(seed);
    for (name, target) in TARGETS {
        let seeds: Vec<Vec<u8>> = std::fs::read_dir(root.join(name))
            .map(|entries| {
                entries
                    .filter_map(|e| std::fs::read(e.ok()?.path()).ok())
                    .collect()
            })
            .unwrap_or_default();
        for case in 0..CASES {
            let data = if seeds.is_empty() || case % 5 == 0 {
                (0..rng.usize(0..256)).map(|_| rng.u8(..)).collect()
            } else {
                let base = rng.usize(0..seeds.len());
                mutate(&mut rng, &seeds[base])
            };
            let outcome = std::panic::catch_unwind(|| target(&data));
            assert!(
                outcome.is_ok(),
                "{name}: case {case} of seed {seed:#x} fails: {:?}",
                String::from_utf8_lossy(&data)
            );
        }
    }
}
