//! Helpers shared by the integration tests: a scratch directory that is removed afterwards,
//! and a child process killed in the middle of its work.

#![allow(dead_code, clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

/// A fresh directory under the system's temp dir, removed when dropped.
pub struct Scratch(PathBuf);

impl Scratch {
    /// A new, empty directory named after `label`.
    pub fn new(label: &str) -> Scratch {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "ferrocharge-{label}-{}-{n}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// A file in it.
    pub fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the test `child` of this test binary in a process of its own, with `path` in the
/// environment variable `env`; reads the lines it prints as `<prefix><number>` (each printed
/// once the work it counts is done) until the number reaches `until`, then kills it with
/// SIGKILL (no destructor, no checkpoint, maybe in the middle of a write). Returns the last
/// number read.
pub fn kill_child_after(
    child: &str,
    env: &str,
    path: &Path,
    prefix: &str,
    until: u64,
) -> Option<u64> {
    let mut process = Command::new(std::env::current_exe().unwrap())
        .args([child, "--exact", "--nocapture", "--test-threads=1"])
        .env(env, path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = process.stdout.take().unwrap();
    let mut last = None;
    for line in BufReader::new(stdout).lines() {
        if let Some(n) = line.unwrap().strip_prefix(prefix) {
            let n: u64 = n.parse().unwrap();
            last = Some(n);
            if n >= until {
                break;
            }
        }
    }
    process.kill().unwrap();
    process.wait().unwrap();
    last
}
