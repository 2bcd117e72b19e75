//! Plain FTP transfers (RFC 959, passive mode, binary): RETR into a file and STOR from one, on
//! the maintained `suppaftp` client.
//!
//! suppaftp's blocking client runs on tokio's blocking pool rather than through its `tokio`
//! feature. Both are suppaftp 12, whose rust-version is 1.88. The blocking client adds 7 crates
//! to `cargo tree -p station -e normal` (suppaftp, lazy-regex, lazy-regex-proc_macros, regex,
//! regex-automata, regex-syntax, aho-corasick: 120 crates before, 127 after). The `tokio`
//! feature adds async-trait, pin-project and pin-project-internal on top (130), so it is the
//! heavier choice. No TLS feature is enabled: FTPS is out of scope. The `no-log` feature is on
//! because suppaftp traces every command line, PASS and its argument included, through `log`
//! (see Cargo.toml). suppaftp also refuses CR/LF in a command, so a percent-encoded newline
//! in a user name or password cannot smuggle in a second command.
//!
//! A blocking transfer must still stop when transfer.rs drops the attempt (its overall
//! timeout). Every socket is registered with a guard held by the async side; dropping the
//! guard shuts them all down, so the blocking thread's next read or write fails at once and
//! no thread is left waiting on a stalled server.
//!
//! Passive mode: EPSV (RFC 2428), and PASV when the server refuses EPSV. The data connection
//! goes to the control connection's peer whatever address PASV names (suppaftp's passive NAT
//! workaround, and curl's default too): servers behind NAT announce private addresses, and it
//! rules out FTP bounce. Paths follow RFC 1738 like curl does: the URL path is relative to the
//! login directory, one CWD per folder, then RETR/STOR of the file name.

use std::net::{Shutdown, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use suppaftp::types::FileType;
use suppaftp::{FtpError, FtpStream, ImplFtpStream, Mode, Status, TlsStream, TransferStream};

use super::error::TransferError;
use super::http::connect_tcp;
use super::location::{percent_decode, Location};

/// The password sent for anonymous logins (curl's choice).
const ANONYMOUS_PASSWORD: &str = "ftp@example.com";

/// Downloads `location` into `dest` (created or truncated); returns the bytes written.
pub(super) async fn download(
    location: &Location,
    dest: &Path,
    connect_timeout: Duration,
) -> Result<u64, TransferError> {
    let dest = dest.to_path_buf();
    run(location, connect_timeout, move |session, ftp, name| {
        session.download(ftp, name, &dest)
    })
    .await
}

/// Uploads `file` to `location` (its last path segment is the stored file's name).
pub(super) async fn upload(
    location: &Location,
    file: &Path,
    connect_timeout: Duration,
) -> Result<(), TransferError> {
    // Opened before connecting: a missing file fails without a network round trip.
    let source = tokio::fs::File::open(file)
        .await
        .map_err(|source| TransferError::File {
            path: file.to_path_buf(),
            source,
        })?;
    let mut source = source.into_std().await;
    run(location, connect_timeout, move |session, ftp, name| {
        session.upload(ftp, name, &mut source)
    })
    .await
}

/// Connects (on tokio, with the connect timeout), then logs in, changes into the URL's folder
/// and runs `work` on a blocking thread; QUIT after success.
async fn run<T, F>(
    location: &Location,
    connect_timeout: Duration,
    work: F,
) -> Result<T, TransferError>
where
    T: Send + 'static,
    F: FnOnce(&Session, &mut FtpStream, &str) -> Result<T, TransferError> + Send + 'static,
{
    let redacted = location.redacted();
    let session = Session {
        location: redacted.clone(),
        connect_timeout,
        sockets: Sockets::default(),
        passive_opened: Arc::new(AtomicBool::new(false)),
    };
    let stream = connect_tcp(location, connect_timeout).await?;
    let stream = stream
        .into_std()
        .and_then(|stream| stream.set_nonblocking(false).map(|()| stream))
        .map_err(|source| session.network(source))?;
    session.sockets.add(&stream);
    // Shuts the sockets down when this future ends, finished or dropped.
    let _guard = ShutdownOnDrop(session.sockets.clone());
    let location = location.clone();
    let task = tokio::task::spawn_blocking(move || {
        let (mut ftp, name) = session.open(stream, &location)?;
        let result = work(&session, &mut ftp, &name);
        if result.is_ok() {
            // Best effort: the transfer already succeeded.
            let _ = ftp.quit();
        }
        result
    });
    // A JoinError is a panic in the task (blocking tasks are never cancelled).
    task.await.unwrap_or_else(|e| {
        Err(TransferError::Network {
            location: redacted,
            source: std::io::Error::other(format!("FTP transfer task: {e}")),
        })
    })
}

/// One transfer's context, shared by its steps.
struct Session {
    /// The location, password redacted: what errors name.
    location: String,
    connect_timeout: Duration,
    sockets: Sockets,
    /// Set when suppaftp opens a passive data connection, i.e. after EPSV or PASV succeeded.
    passive_opened: Arc<AtomicBool>,
}

impl Session {
    /// Logs in, switches to binary and changes into the URL's folder; returns the client and
    /// the file name to RETR or STOR.
    fn open(
        &self,
        stream: TcpStream,
        location: &Location,
    ) -> Result<(FtpStream, String), TransferError> {
        let ftp = FtpStream::connect_with_stream(stream).map_err(|e| self.error("connect", e))?;
        let sockets = self.sockets.clone();
        let opened = Arc::clone(&self.passive_opened);
        let timeout = self.connect_timeout;
        let mut ftp = ftp.passive_stream_builder(move |address| {
            opened.store(true, Ordering::SeqCst);
            let stream =
                TcpStream::connect_timeout(&address, timeout).map_err(FtpError::ConnectionError)?;
            sockets.add(&stream);
            Ok(stream)
        });
        // PASV: connect to the control connection's peer, not to the announced address.
        ftp.set_passive_nat_workaround(true);

        // USER and PASS one by one (not `login`): errors name the refused command, and 332
        // (account needed) and 202 (PASS superfluous) are accepted as before.
        let user = location.user.as_deref().unwrap_or("anonymous");
        let reply = ftp
            .custom_command(
                format!("USER {user}"),
                &[
                    Status::LoggedIn,
                    Status::NeedPassword,
                    Status::LoginNeedAccount,
                ],
            )
            .map_err(|e| self.error("USER", e))?;
        if reply.status != Status::LoggedIn {
            let password = location.password.as_deref().unwrap_or(ANONYMOUS_PASSWORD);
            ftp.custom_command(
                format!("PASS {password}"),
                &[Status::LoggedIn, Status::CommandNotImplemented],
            )
            .map_err(|e| self.error("PASS", e))?;
        }
        ftp.transfer_type(FileType::Binary)
            .map_err(|e| self.error("TYPE I", e))?;

        let path = location.path.strip_prefix('/').unwrap_or(&location.path);
        let mut segments: Vec<&str> = path.split('/').collect();
        let name = percent_decode(segments.pop().unwrap_or_default());
        for dir in segments.into_iter().filter(|s| !s.is_empty()) {
            let dir = percent_decode(dir);
            ftp.cwd(&dir)
                .map_err(|e| self.error(&format!("CWD {dir}"), e))?;
        }
        if name.is_empty() {
            return Err(TransferError::BadLocation {
                location: self.location.clone(),
                problem: "no file name at the end of the path".into(),
            });
        }
        Ok((ftp, name))
    }

    /// RETR `name` into `dest`, streamed; a failed download removes its file.
    fn download(&self, ftp: &mut FtpStream, name: &str, dest: &Path) -> Result<u64, TransferError> {
        let mut data = self.open_data(ftp, "RETR", name, |ftp| ftp.retr_as_stream(name))?;
        let file_error = |source| TransferError::File {
            path: dest.to_path_buf(),
            source,
        };
        // A new file, mode 0600 (the caller removed what was there).
        let result = crate::private_files::new_file()
            .open(dest)
            .map_err(file_error)
            .and_then(|mut file| {
                // Streamed through a buffer, not gathered in memory; read and write errors are
                // one io::Error here, reported as the network's like before.
                let written = std::io::copy(&mut data, &mut file).map_err(|e| self.network(e))?;
                file.sync_all().map_err(file_error)?;
                Ok(written)
            })
            .and_then(|written| {
                data.finish().map_err(|e| self.error("RETR", e))?;
                Ok(written)
            });
        if result.is_err() {
            let _ = std::fs::remove_file(dest);
        }
        result
    }

    /// STOR `name` from `source`.
    fn upload(
        &self,
        ftp: &mut FtpStream,
        name: &str,
        source: &mut std::fs::File,
    ) -> Result<(), TransferError> {
        let mut data = self.open_data(ftp, "STOR", name, |ftp| ftp.put_with_stream(name))?;
        std::io::copy(source, &mut data).map_err(|e| self.network(e))?;
        // Closing the data connection is what tells the server the file is complete. The
        // shutdown guard holds a handle on the socket too, so dropping it would not close it.
        data.get_ref()
            .get_ref()
            .shutdown(Shutdown::Write)
            .map_err(|e| self.network(e))?;
        data.finish().map_err(|e| self.error("STOR", e))
    }

    /// Sends `command` (RETR or STOR, through `send`) over a passive data connection: EPSV
    /// first, PASV when the server refuses EPSV.
    fn open_data<T: TlsStream>(
        &self,
        ftp: &mut ImplFtpStream<T>,
        verb: &str,
        name: &str,
        send: impl Fn(&mut ImplFtpStream<T>) -> Result<TransferStream<T>, FtpError>,
    ) -> Result<TransferStream<T>, TransferError> {
        tracing::trace!(command = verb, name, "ftp");
        self.passive_opened.store(false, Ordering::SeqCst);
        ftp.set_mode(Mode::ExtendedPassive);
        match send(ftp) {
            // No data connection was attempted, so the server refused EPSV (or its reply had
            // no port): PASV instead.
            Err(FtpError::UnexpectedResponse(_) | FtpError::BadResponse)
                if !self.passive_opened.load(Ordering::SeqCst) =>
            {
                ftp.set_mode(Mode::Passive);
                send(ftp).map_err(|e| {
                    let refused = if self.passive_opened.load(Ordering::SeqCst) {
                        verb
                    } else {
                        "PASV"
                    };
                    self.error(refused, e)
                })
            }
            result => result.map_err(|e| self.error(verb, e)),
        }
    }

    /// Maps suppaftp's error for `command` (never PASS's argument).
    fn error(&self, command: &str, error: FtpError) -> TransferError {
        match error {
            // Only a data connection's connect has a timeout of its own (the control
            // connection's is tokio's, and reads have none: the attempt's deadline bounds them).
            FtpError::ConnectionError(source) if source.kind() == std::io::ErrorKind::TimedOut => {
                TransferError::Timeout {
                    location: self.location.clone(),
                    seconds: self.connect_timeout.as_secs(),
                }
            }
            FtpError::ConnectionError(source) => self.network(source),
            FtpError::UnexpectedResponse(response) => TransferError::Ftp {
                location: self.location.clone(),
                command: command.to_owned(),
                reply: String::from_utf8_lossy(&response.body)
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .trim_end()
                    .to_owned(),
            },
            other => TransferError::Ftp {
                location: self.location.clone(),
                command: command.to_owned(),
                reply: other.to_string(),
            },
        }
    }

    fn network(&self, source: std::io::Error) -> TransferError {
        TransferError::Network {
            location: self.location.clone(),
            source,
        }
    }
}

/// Handles on one transfer's sockets, control and data.
#[derive(Clone, Default)]
struct Sockets(Arc<Mutex<Vec<TcpStream>>>);

impl Sockets {
    /// Keeps a handle on `stream` (best effort: without one it cannot be shut down early).
    fn add(&self, stream: &TcpStream) {
        if let Ok(handle) = stream.try_clone() {
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(handle);
        }
    }
}

/// Shuts every registered socket down when dropped, ending a blocking transfer whose attempt
/// was dropped (timed out) or has finished.
struct ShutdownOnDrop(Sockets);

impl Drop for ShutdownOnDrop {
    fn drop(&mut self) {
        let sockets =
            std::mem::take(&mut *self.0 .0.lock().unwrap_or_else(PoisonError::into_inner));
        for socket in sockets {
            let _ = socket.shutdown(Shutdown::Both);
        }
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncReadExt as _;

    use super::*;

    /// A timed-out attempt (transfer.rs drops its future) must not leave the blocking thread
    /// holding the connection: the server sees it closed at once.
    #[tokio::test]
    async fn a_dropped_attempt_closes_its_connection() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // A server that accepts and never greets.
        let server = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 64];
            stream.read(&mut buf).await
        });
        let location = Location::parse(&format!("ftp://u:secret@{addr}/f.bin")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("f.bin");
        let attempt = download(&location, &dest, Duration::from_secs(5));
        assert!(tokio::time::timeout(Duration::from_millis(300), attempt)
            .await
            .is_err());
        let read = tokio::time::timeout(Duration::from_secs(5), server)
            .await
            .expect("the connection stays open after the attempt was dropped")
            .unwrap();
        assert_eq!(read.unwrap(), 0);
        assert!(!dest.exists());
    }

    #[test]
    fn ftp_errors_name_the_command_and_the_first_reply_line() {
        let session = Session {
            location: "ftp://u:***@h/f".into(),
            connect_timeout: Duration::from_secs(7),
            sockets: Sockets::default(),
            passive_opened: Arc::new(AtomicBool::new(false)),
        };
        let reply = suppaftp::types::Response::new(
            Status::NotLoggedIn,
            b"530-no\r\n530 really not\r\n".to_vec(),
        );
        match session.error("PASS", FtpError::UnexpectedResponse(reply)) {
            TransferError::Ftp { command, reply, .. } => {
                assert_eq!((command.as_str(), reply.as_str()), ("PASS", "530-no"));
            }
            other => panic!("{other}"),
        }
        let timed_out = FtpError::ConnectionError(std::io::ErrorKind::TimedOut.into());
        assert!(matches!(
            session.error("RETR", timed_out),
            TransferError::Timeout { seconds: 7, .. }
        ));
    }
}
