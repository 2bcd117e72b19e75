//! One AFL++ binary for every fuzz target: `FERROCHARGE_FUZZ_TARGET` names the target
//! (`frame`, `core`, ... see `fuzz_targets::TARGETS`). Run it through `scripts/fuzz`.

fn main() {
    let name = std::env::var("FERROCHARGE_FUZZ_TARGET").unwrap_or_default();
    let Some((_, target)) = fuzz_targets::TARGETS.iter().find(|(n, _)| *n == name) else {
        let names: Vec<&str> = fuzz_targets::TARGETS.iter().map(|(n, _)| *n).collect();
        eprintln!(
            "set FERROCHARGE_FUZZ_TARGET to one of: {}",
            names.join(", ")
        );
        std::process::exit(2);
    };
    afl::fuzz!(|data: &[u8]| {
        target(data);
    });
}
