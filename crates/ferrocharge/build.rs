//! Link options for the release build of the `ferrocharge` binary (docs/performance.md,
//! "Fourth pass: the code a station runs, together").
//!
//! - `--symbol-ordering-file=link/hot-functions.txt`: the functions an idle, connected station
//!   and its round trips run (recorded by `scripts/hot-functions`) are placed together at the
//!   start of `.text`. The kernel maps a binary's code 64 KiB around each page touched; with
//!   those functions spread over the 7.8 MB of code, nearly all of it became resident.
//!   A name the build no longer has is skipped, so an outdated list costs memory, not a
//!   failed link.
//! - `-z pack-relative-relocs` (DT_RELR, glibc 2.36 or later): the position-independent
//!   binary's relative relocations in a few kB instead of 660 kB, all of which the loader
//!   reads at every start.
//!
//! - `FERROCHARGE_SYMBOL_ORDER=FILE` links with another list: `scripts/lean-build`'s, recorded
//!   for its own profile-guided build (docs/performance.md, "Sixth pass").
//!
//! Only for x86_64-unknown-linux-gnu, whose default linker (rustc's own lld) has both;
//! `FERROCHARGE_PLAIN_LINK=1` builds without them (another linker, an older glibc).

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=link/hot-functions.txt");
    println!("cargo:rerun-if-env-changed=FERROCHARGE_PLAIN_LINK");
    println!("cargo:rerun-if-env-changed=FERROCHARGE_SYMBOL_ORDER");
    let release = std::env::var("PROFILE").is_ok_and(|p| p == "release");
    let target = std::env::var("TARGET").unwrap_or_default();
    let plain = std::env::var_os("FERROCHARGE_PLAIN_LINK").is_some_and(|v| !v.is_empty());
    if !release || target != "x86_64-unknown-linux-gnu" || plain {
        return;
    }
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    // scripts/lean-build links with the list it recorded for its own build.
    let order = match std::env::var_os("FERROCHARGE_SYMBOL_ORDER") {
        Some(path) if !path.is_empty() => {
            println!("cargo:rerun-if-changed={}", Path::new(&path).display());
            Path::new(&path).to_path_buf()
        }
        _ => Path::new(&manifest_dir).join("link/hot-functions.txt"),
    };
    if order.is_file() {
        println!(
            "cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
            order.display()
        );
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
    println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
}
