//! What the System module's test files share: a status recorder, requests, and reading an
//! archive back.

// Each test file uses some of these.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::Read as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use station::system::{DiagnosticsRequest, FirmwareRequest};

/// A status callback that records into a shared list.
pub fn recorder<S: Send + 'static>() -> (Arc<Mutex<Vec<S>>>, impl FnMut(S) + Send + 'static) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    (seen, move |s| sink.lock().unwrap().push(s))
}

/// An UpdateFirmware of `location` now, with `retries`, 20 ms apart.
pub fn firmware_request(location: String, retries: u32) -> FirmwareRequest {
    FirmwareRequest {
        location,
        retrieve_date: None,
        retries: Some(retries),
        retry_interval: Some(Duration::from_millis(20)),
    }
}

/// A GetDiagnostics into `location`, tried once, of every log.
pub fn diagnostics_request(location: String) -> DiagnosticsRequest {
    DiagnosticsRequest {
        location,
        retries: Some(0),
        retry_interval: None,
        start_time: None,
        stop_time: None,
    }
}

/// The files of a tar.gz, by path, as text.
pub fn unpack(archive: &[u8]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive));
    for entry in tar.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        let mut text = String::new();
        entry.read_to_string(&mut text).unwrap();
        out.insert(path, text);
    }
    out
}
