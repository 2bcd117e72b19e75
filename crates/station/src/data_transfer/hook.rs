//! The DataTransferResponder's external command: a program asked for the answer to one
//! DataTransfer.req.
//!
//! The program is started without arguments and without a shell, with an empty environment
//! but `PATH` (nothing of the station's environment, which may hold secrets, reaches it), its
//! standard error discarded. It reads the request as one line of JSON on standard input, the
//! DataTransfer.req as OCPP writes it (`{"vendorId": ..., "messageId": ..., "data": ...}`),
//! and writes the DataTransfer.conf as OCPP writes it (`{"status": "Accepted", "data": ...}`)
//! on standard output, then exits 0. Anything else is no answer ([`HookError`]): more than
//! [`OUTPUT_MAX`] bytes of output (reading stops there), output that is not exactly a
//! DataTransfer.conf (unknown fields or statuses included), another exit status, or no exit
//! within the timeout (the program is killed then). The station never waits for it: each run
//! is its own task, and at most [`RUNNING_MAX`] run at once.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use ocpp_types::core::{DataTransferRequest, DataTransferResponse};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

/// The most output read from the program; more is refused.
pub const OUTPUT_MAX: usize = 64 * 1024;

/// The most programs running at once; a request beyond gets no answer from the command.
pub const RUNNING_MAX: usize = 4;

/// Why the command gave no answer.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HookError {
    /// It could not be started.
    #[error("the command could not be started: {0}")]
    Start(String),
    /// It did not exit within the timeout.
    #[error("the command did not answer within {0} s")]
    Timeout(u64),
    /// It wrote too much.
    #[error("the command wrote more than {OUTPUT_MAX} bytes")]
    TooLong,
    /// It exited with a failure.
    #[error("the command failed ({0})")]
    Failed(String),
    /// Its output is not a DataTransfer.conf.
    #[error("the command's output is not a DataTransfer.conf: {0}")]
    BadAnswer(String),
    /// [`RUNNING_MAX`] commands are running already.
    #[error("{RUNNING_MAX} commands are running already")]
    Busy,
}

/// Runs `program` for `request`; its answer, or why there is none, within `timeout`.
pub async fn run(
    program: &Path,
    request: &DataTransferRequest,
    timeout: Duration,
) -> Result<DataTransferResponse, HookError> {
    match tokio::time::timeout(timeout, run_to_end(program, request)).await {
        Ok(result) => result,
        // Dropping the future drops the child, which kill_on_drop kills.
        Err(_) => Err(HookError::Timeout(timeout.as_secs())),
    }
}

async fn run_to_end(
    program: &Path,
    request: &DataTransferRequest,
) -> Result<DataTransferResponse, HookError> {
    let mut command = Command::new(program);
    command
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    let mut child = command
        .spawn()
        .map_err(|e| HookError::Start(e.to_string()))?;
    let mut line = serde_json::to_vec(request).map_err(|e| HookError::Start(e.to_string()))?;
    line.push(b'\n');
    if let Some(mut stdin) = child.stdin.take() {
        // A program that does not read its input may close it: that is its business.
        let _ = stdin.write_all(&line).await;
    }
    let mut output = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        let limit = u64::try_from(OUTPUT_MAX).unwrap_or(u64::MAX) + 1;
        stdout
            .take(limit)
            .read_to_end(&mut output)
            .await
            .map_err(|e| HookError::Failed(e.to_string()))?;
    }
    if output.len() > OUTPUT_MAX {
        return Err(HookError::TooLong);
    }
    let status = child
        .wait()
        .await
        .map_err(|e| HookError::Failed(e.to_string()))?;
    if !status.success() {
        return Err(HookError::Failed(status.to_string()));
    }
    serde_json::from_slice::<DataTransferResponse>(&output)
        .map_err(|e| HookError::BadAnswer(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocpp_types::core::DataTransferStatus;
    use ocpp_types::{CiString255, CiString50};
    use std::os::unix::fs::PermissionsExt;

    fn script(dir: &tempfile::TempDir, body: &str) -> std::path::PathBuf {
        let path = dir.path().join("hook.sh");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700)).unwrap();
        path
    }

    fn request() -> DataTransferRequest {
        DataTransferRequest {
            vendor_id: CiString255::truncating("com.example"),
            message_id: Some(CiString50::truncating("Echo")),
            data: Some("hello".to_owned()),
        }
    }

    async fn answer(body: &str, timeout: Duration) -> Result<DataTransferResponse, HookError> {
        let dir = tempfile::tempdir().unwrap();
        let program = script(&dir, body);
        run(&program, &request(), timeout).await
    }

    #[tokio::test]
    async fn the_command_reads_the_request_and_its_answer_is_the_conf() {
        // Echoes the request's line back as the data, so the input is checked too.
        let body = r#"read -r line
line=$(printf '%s' "$line" | sed 's/"/\\"/g')
printf '{"status":"Accepted","data":"%s"}' "$line""#;
        assert_eq!(
            answer(body, Duration::from_secs(10)).await,
            Ok(DataTransferResponse {
                status: DataTransferStatus::Accepted,
                data: Some(
                    r#"{"vendorId":"com.example","messageId":"Echo","data":"hello"}"#.to_owned()
                ),
            })
        );
    }

    #[tokio::test]
    async fn the_environment_is_not_passed_on() {
        // cargo runs the tests with CARGO_MANIFEST_DIR set: the command must not see it.
        assert!(std::env::var_os("CARGO_MANIFEST_DIR").is_some());
        let body = r#"printf '{"status":"Rejected","data":"%s"}' "${CARGO_MANIFEST_DIR:-none}""#;
        assert_eq!(
            answer(body, Duration::from_secs(10)).await,
            Ok(DataTransferResponse {
                status: DataTransferStatus::Rejected,
                data: Some("none".to_owned()),
            })
        );
    }

    #[tokio::test]
    async fn hostile_or_broken_commands_give_no_answer_and_say_why() {
        let t = Duration::from_secs(10);
        assert_eq!(
            answer("head -c 70000 /dev/zero", t).await,
            Err(HookError::TooLong)
        );
        // Endless output: reading stops at the bound, the program is killed.
        assert_eq!(answer("yes", t).await, Err(HookError::TooLong));
        assert_eq!(
            answer(r#"printf '{"status":"Accepted"}'; exit 3"#, t).await,
            Err(HookError::Failed("exit status: 3".to_owned()))
        );
        assert!(matches!(
            answer(r#"printf '{"status":"Maybe"}'"#, t).await,
            Err(HookError::BadAnswer(_))
        ));
        assert!(matches!(
            answer(r#"printf '{"status":"Accepted","extra":1}'"#, t).await,
            Err(HookError::BadAnswer(m)) if m.contains("unknown field `extra`")
        ));
        assert!(matches!(
            run(Path::new("/nonexistent/hook"), &request(), t).await,
            Err(HookError::Start(_))
        ));
    }

    #[tokio::test]
    async fn a_command_that_does_not_answer_in_time_is_cut_off() {
        assert_eq!(
            answer("exec sleep 30", Duration::from_secs(1)).await,
            Err(HookError::Timeout(1))
        );
    }
}
