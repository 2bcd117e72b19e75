//! The System module's errors. Locations in them are redacted: no password reaches a log.

use std::path::PathBuf;

/// Why one transfer (download or upload) failed.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// The location is not an ftp://, http:// or https:// URL we can use.
    #[error("bad location '{location}': {problem}")]
    BadLocation {
        /// The location, password redacted.
        location: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The location's scheme is not one the station is configured to use
    /// (SupportedFileTransferProtocols).
    #[error("'{location}': {protocol} is not among the station's SupportedFileTransferProtocols ({supported})")]
    UnsupportedProtocol {
        /// The location, password redacted.
        location: String,
        /// Its protocol, as SupportedFileTransferProtocols names them (`FILE` for file://).
        protocol: String,
        /// The protocols the station uses.
        supported: String,
    },
    /// A local path a transfer would read or write is outside the data dir (through `..`, an
    /// absolute path or a symbolic link).
    #[error("{path}: outside the data dir {data_dir}; transfers read and write only there")]
    OutsideDataDir {
        /// The path the location or the data dir's folders lead to.
        path: PathBuf,
        /// The data dir.
        data_dir: PathBuf,
    },
    /// Connecting, reading or writing the network failed.
    #[error("{location}: {source}")]
    Network {
        /// The location, password redacted.
        location: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The connection or the transfer took longer than allowed.
    #[error("{location}: timed out after {seconds} s")]
    Timeout {
        /// The location, password redacted.
        location: String,
        /// The limit that was hit.
        seconds: u64,
    },
    /// The TLS setup or handshake failed (an untrusted certificate lands here).
    #[error("{location}: TLS: {message}")]
    Tls {
        /// The location, password redacted.
        location: String,
        /// What rustls said.
        message: String,
    },
    /// The HTTP exchange failed below the status line (bad response, connection closed).
    #[error("{location}: HTTP: {message}")]
    Http {
        /// The location, password redacted.
        location: String,
        /// What hyper said.
        message: String,
    },
    /// The HTTP server answered with a status other than 2xx.
    #[error("{location}: HTTP status {status}")]
    HttpStatus {
        /// The location, password redacted.
        location: String,
        /// The status code.
        status: u16,
    },
    /// The FTP server answered a command with an unexpected reply.
    #[error("{location}: FTP {command}: {reply}")]
    Ftp {
        /// The location, password redacted.
        location: String,
        /// The command (never PASS's argument).
        command: String,
        /// The server's reply line.
        reply: String,
    },
    /// A local file could not be read or written.
    #[error("{path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// Why a firmware update failed (after its statuses were reported).
#[derive(Debug, thiserror::Error)]
pub enum FirmwareError {
    /// Every download attempt failed; the last error.
    #[error("firmware download failed after {attempts} attempt(s): {last}")]
    Download {
        /// How many attempts were made.
        attempts: u32,
        /// The last attempt's error.
        #[source]
        last: TransferError,
    },
    /// The downloaded file is not installable.
    #[error("firmware installation failed: {0}")]
    Install(#[from] InstallError),
}

/// Why the simulated installation refused a downloaded file.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// The downloaded file is empty.
    #[error("{0}: the firmware file is empty")]
    Empty(PathBuf),
    /// Neither a `.version` sidecar nor the file name gives a version.
    #[error("{0}: no firmware version in the file name (e.g. ferrocharge-1.2.3.bin) and no .version file beside it")]
    NoVersion(PathBuf),
    /// The version is longer than BootNotification's firmwareVersion allows (CiString50).
    #[error("firmware version '{0}' is longer than 50 characters")]
    VersionTooLong(String),
    /// Reading the firmware or writing the installed version failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// Why a diagnostics upload failed.
#[derive(Debug, thiserror::Error)]
pub enum DiagnosticsError {
    /// Building the archive failed.
    #[error("building diagnostics archive {path}: {source}")]
    Archive {
        /// The archive being written.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Every upload attempt failed; the last error.
    #[error("diagnostics upload failed after {attempts} attempt(s): {last}")]
    Upload {
        /// How many attempts were made.
        attempts: u32,
        /// The last attempt's error.
        #[source]
        last: TransferError,
    },
    /// The archive task was cancelled or panicked.
    #[error("diagnostics task: {0}")]
    Task(String),
}

/// Why the System module could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The extra CA file could not be read or holds no certificate.
    #[error("CA file {path}: {problem}")]
    CaFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// rustls refused the configuration.
    #[error("TLS configuration: {0}")]
    Tls(String),
}
