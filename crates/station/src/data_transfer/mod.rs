//! The DataTransferResponder module: answers the central system's DataTransfer.req that the
//! OCPP core hands to the station's data_transfer module (the OCPP module's `data_transfer`
//! requirement, connected to it).
//!
//! Its answer is chosen as libocpp's `ChargePointImpl::handleDataTransferRequest` chooses
//! among its callbacks: first the table (`answers`), keyed by vendorId and messageId as
//! libocpp's `data_transfer_callbacks[vendorId][messageId]` (exact strings, a request without
//! a messageId matching an entry without one): a vendorId the table has not got is
//! UnknownVendorId, a messageId it has not got for a known vendorId UnknownMessageId. Only
//! then, as libocpp tries its general `data_transfer_callback` for those two statuses, the
//! external command (`command`, [`hook`]) is asked, when there is one.
//!
//! A command that does not answer in `cfg_request_reply_to_s`, fails or answers something
//! that is not a DataTransfer.conf gets the answer everest-core gives for a responder that
//! does not answer: ocpp_consumer_API then returns its default response (status `Offline`),
//! which the OCPP module turns into UnknownVendorId (`conversions::to_ocpp_data_transfer_status`).

pub mod hook;

use std::path::PathBuf;
use std::time::Duration;

use ocpp_types::core::{DataTransferRequest, DataTransferResponse, DataTransferStatus};
use serde::Deserialize;

use crate::{module_types, StationConfig};

/// The longest `answers` text taken (the table is read at start; a mistake should not eat
/// memory).
const ANSWERS_MAX: usize = 256 * 1024;

/// Why the module's configuration is refused (the station does not start).
#[derive(Debug, thiserror::Error)]
pub enum ResponderError {
    /// `answers` is not a list of answers.
    #[error("DataTransferResponder '{module}': answers: {message}")]
    Answers {
        /// The module id.
        module: String,
        /// What is wrong.
        message: String,
    },
    /// `command` names no file.
    #[error("DataTransferResponder '{module}': command: {message}")]
    Command {
        /// The module id.
        module: String,
        /// What is wrong.
        message: String,
    },
}

/// One entry of `answers`, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerEntry {
    vendor_id: String,
    #[serde(default)]
    message_id: Option<String>,
    status: DataTransferStatus,
    #[serde(default)]
    data: Option<String>,
}

/// A configured answer: for a vendorId and messageId ("" for a request without one).
#[derive(Debug, Clone, PartialEq)]
struct Answer {
    vendor_id: String,
    message_id: String,
    response: DataTransferResponse,
}

/// What the responder does with a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// This is the DataTransfer.conf.
    Answer(DataTransferResponse),
    /// The external command decides ([`hook::run`]).
    AskCommand,
}

/// The DataTransferResponder module connected to the OCPP module.
#[derive(Debug, Clone)]
pub struct Responder {
    /// Its module id (for the logs).
    pub module: String,
    answers: Vec<Answer>,
    /// The external command, if any.
    pub command: Option<PathBuf>,
    /// How long the command may take: `cfg_request_reply_to_s`.
    pub timeout: Duration,
}

/// The answer when the responder does not answer: everest-core's `Offline`, which its OCPP
/// module sends as UnknownVendorId.
pub fn no_answer() -> DataTransferResponse {
    DataTransferResponse {
        status: DataTransferStatus::UnknownVendorId,
        data: None,
    }
}

impl Responder {
    /// The DataTransferResponder connected to the OCPP module `ocpp_module`'s `data_transfer`
    /// requirement, if one is.
    pub fn of(config: &StationConfig, ocpp_module: &str) -> Result<Option<Self>, ResponderError> {
        let Some(module) = config
            .connected_module(ocpp_module, "data_transfer")
            .filter(|m| m.type_name() == module_types::DATA_TRANSFER_RESPONDER.name)
        else {
            return Ok(None);
        };
        let answers =
            parse_answers(module.parameters.str("answers").unwrap_or("")).map_err(|message| {
                ResponderError::Answers {
                    module: module.id.clone(),
                    message,
                }
            })?;
        let command = match module.parameters.str("command").unwrap_or("") {
            "" => None,
            value => {
                let file = config.resolve(value);
                let path =
                    file.path()
                        .map(PathBuf::from)
                        .ok_or_else(|| ResponderError::Command {
                            module: module.id.clone(),
                            message: format!(
                                "'{value}' names a file built into ferrocharge, not a program"
                            ),
                        })?;
                if !path.is_file() {
                    return Err(ResponderError::Command {
                        module: module.id.clone(),
                        message: format!("{} is not a file", path.display()),
                    });
                }
                Some(path)
            }
        };
        let seconds = module
            .parameters
            .int("cfg_request_reply_to_s")
            .and_then(|s| u64::try_from(s).ok())
            .unwrap_or(10);
        Ok(Some(Responder {
            module: module.id.clone(),
            answers,
            command,
            timeout: Duration::from_secs(seconds),
        }))
    }

    /// A responder with this table and command (for tests and tools).
    pub fn new(
        module: &str,
        answers: &str,
        command: Option<PathBuf>,
        timeout: Duration,
    ) -> Result<Self, String> {
        Ok(Responder {
            module: module.to_owned(),
            answers: parse_answers(answers)?,
            command,
            timeout,
        })
    }

    /// What to answer `request`: the table's answer, its UnknownVendorId / UnknownMessageId
    /// when there is no command, else the command's.
    pub fn decide(&self, request: &DataTransferRequest) -> Decision {
        let vendor = request.vendor_id.as_str();
        let message = request.message_id.as_ref().map_or("", |m| m.as_str());
        let mut status = DataTransferStatus::UnknownVendorId;
        for answer in self.answers.iter().filter(|a| a.vendor_id == vendor) {
            if answer.message_id == message {
                return Decision::Answer(answer.response.clone());
            }
            status = DataTransferStatus::UnknownMessageId;
        }
        if self.command.is_some() {
            return Decision::AskCommand;
        }
        Decision::Answer(DataTransferResponse { status, data: None })
    }
}

/// The `answers` parameter: a YAML (or JSON) list of `{vendor_id, message_id, status, data}`;
/// empty for none.
fn parse_answers(text: &str) -> Result<Vec<Answer>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    if text.len() > ANSWERS_MAX {
        return Err(format!(
            "{} bytes, at most {ANSWERS_MAX} are taken",
            text.len()
        ));
    }
    let entries: Vec<AnswerEntry> = serde_yaml_ng::from_str(text)
        .map_err(|e| format!("not a list of {{vendor_id, message_id, status, data}}: {e}"))?;
    let mut answers: Vec<Answer> = Vec::with_capacity(entries.len());
    for (i, entry) in entries.into_iter().enumerate() {
        let n = i + 1;
        let vendor_len = entry.vendor_id.chars().count();
        if vendor_len == 0 || vendor_len > 255 {
            return Err(format!(
                "answer {n}: vendor_id must have 1 to 255 characters (OCPP's CiString255), it has {vendor_len}"
            ));
        }
        let message_id = entry.message_id.unwrap_or_default();
        let message_len = message_id.chars().count();
        if message_len > 50 {
            return Err(format!(
                "answer {n}: message_id must have at most 50 characters (OCPP's CiString50), it has {message_len}"
            ));
        }
        if answers
            .iter()
            .any(|a| a.vendor_id == entry.vendor_id && a.message_id == message_id)
        {
            return Err(format!(
                "answer {n}: vendor_id '{}' with message_id '{message_id}' is answered twice",
                entry.vendor_id
            ));
        }
        answers.push(Answer {
            vendor_id: entry.vendor_id,
            message_id,
            response: DataTransferResponse {
                status: entry.status,
                data: entry.data,
            },
        });
    }
    Ok(answers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocpp_types::{CiString255, CiString50};

    const TABLE: &str = r#"
- vendor_id: com.example
  message_id: Price
  status: Accepted
  data: '{"price": 0.25}'
- vendor_id: com.example
  status: Rejected
- vendor_id: org.other
  message_id: Ping
  status: UnknownMessageId
"#;

    fn request(vendor: &str, message: Option<&str>) -> DataTransferRequest {
        DataTransferRequest {
            vendor_id: CiString255::truncating(vendor),
            message_id: message.map(CiString50::truncating),
            data: None,
        }
    }

    fn answer(status: DataTransferStatus, data: Option<&str>) -> Decision {
        Decision::Answer(DataTransferResponse {
            status,
            data: data.map(str::to_owned),
        })
    }

    #[test]
    fn the_table_answers_by_vendor_and_message_as_libocpp_picks_its_callbacks() {
        let r = Responder::new("dt", TABLE, None, Duration::from_secs(1)).unwrap();
        assert_eq!(
            r.decide(&request("com.example", Some("Price"))),
            answer(DataTransferStatus::Accepted, Some(r#"{"price": 0.25}"#))
        );
        // No messageId: the entry without one.
        assert_eq!(
            r.decide(&request("com.example", None)),
            answer(DataTransferStatus::Rejected, None)
        );
        assert_eq!(
            r.decide(&request("com.example", Some("Other"))),
            answer(DataTransferStatus::UnknownMessageId, None)
        );
        assert_eq!(
            r.decide(&request("org.unknown", Some("Price"))),
            answer(DataTransferStatus::UnknownVendorId, None)
        );
        // Exact strings, as libocpp's std::map keys.
        assert_eq!(
            r.decide(&request("COM.EXAMPLE", Some("Price"))),
            answer(DataTransferStatus::UnknownVendorId, None)
        );
        // An entry may give an UnknownMessageId on purpose.
        assert_eq!(
            r.decide(&request("org.other", Some("Ping"))),
            answer(DataTransferStatus::UnknownMessageId, None)
        );
    }

    #[test]
    fn the_command_is_asked_only_what_the_table_does_not_know() {
        let r = Responder::new(
            "dt",
            TABLE,
            Some(PathBuf::from("/bin/true")),
            Duration::from_secs(1),
        )
        .unwrap();
        assert_eq!(
            r.decide(&request("com.example", Some("Price"))),
            answer(DataTransferStatus::Accepted, Some(r#"{"price": 0.25}"#))
        );
        assert_eq!(
            r.decide(&request("com.example", Some("Other"))),
            Decision::AskCommand
        );
        assert_eq!(
            r.decide(&request("org.unknown", None)),
            Decision::AskCommand
        );
        let empty = Responder::new("dt", "", None, Duration::from_secs(1)).unwrap();
        assert_eq!(
            empty.decide(&request("com.example", None)),
            answer(DataTransferStatus::UnknownVendorId, None)
        );
    }

    /// The shipped one-EVSE station with a DataTransferResponder (`config_module` lines),
    /// connected to the OCPP module's data_transfer requirement or not.
    fn station(module: &str, connected: bool) -> (tempfile::TempDir, StationConfig) {
        let dir = tempfile::tempdir().unwrap();
        let mut yaml = crate::config::shipped::SIL_ONE_EVSE.text.replace(
            "  ocpp:\n    module: OCPP\n",
            &format!("  dt:\n    module: DataTransferResponder\n    config_module:\n{module}  ocpp:\n    module: OCPP\n"),
        );
        if connected {
            yaml = yaml.replace(
                "    connections:\n      evse_manager:\n        - module_id: evse_manager_1\n          implementation_id: evse\n      reservation:",
                "    connections:\n      data_transfer:\n        - module_id: dt\n          implementation_id: main\n      evse_manager:\n        - module_id: evse_manager_1\n          implementation_id: evse\n      reservation:",
            );
        }
        let path = dir.path().join("station.yaml");
        std::fs::write(&path, yaml).unwrap();
        let config = StationConfig::load(&path).unwrap();
        (dir, config)
    }

    #[test]
    fn the_responder_is_the_one_connected_to_the_ocpp_module() {
        let answers = "      answers: '[{vendor_id: v, status: Accepted}]'\n";
        let (_dir, config) = station(answers, false);
        assert!(Responder::of(&config, "ocpp").unwrap().is_none());
        let (_dir, config) = station(answers, true);
        let r = Responder::of(&config, "ocpp").unwrap().unwrap();
        assert_eq!(
            (r.module.as_str(), r.command.clone(), r.timeout),
            ("dt", None, Duration::from_secs(10))
        );
        assert_eq!(
            r.decide(&request("v", None)),
            answer(DataTransferStatus::Accepted, None)
        );
        // The command resolves beside the station YAML, and must be there.
        let (dir, config) = station(
            "      command: hook.sh\n      cfg_request_reply_to_s: 3\n",
            true,
        );
        assert_eq!(
            Responder::of(&config, "ocpp").unwrap_err().to_string(),
            format!(
                "DataTransferResponder 'dt': command: {} is not a file",
                dir.path().join("hook.sh").display()
            )
        );
        std::fs::write(dir.path().join("hook.sh"), "#!/bin/sh\n").unwrap();
        let r = Responder::of(&config, "ocpp").unwrap().unwrap();
        assert_eq!(
            (r.command, r.timeout),
            (Some(dir.path().join("hook.sh")), Duration::from_secs(3))
        );
        let (_dir, config) = station("      answers: '[{vendor_id: v}]'\n", true);
        assert_eq!(
            Responder::of(&config, "ocpp").unwrap_err().to_string(),
            "DataTransferResponder 'dt': answers: not a list of {vendor_id, message_id, status, data}: .[0]: missing field `status` at line 1 column 2"
        );
    }

    #[test]
    fn a_broken_table_is_refused_naming_the_entry() {
        let refused =
            |text: &str| Responder::new("dt", text, None, Duration::from_secs(1)).unwrap_err();
        assert!(refused("vendor_id: x")
            .starts_with("not a list of {vendor_id, message_id, status, data}: "));
        assert!(refused("- vendor_id: x\n  status: Maybe\n").starts_with("not a list of"));
        assert!(refused("- vendor_id: x\n  status: Accepted\n  extra: 1\n")
            .contains("unknown field `extra`"));
        assert_eq!(
            refused("- vendor_id: ''\n  status: Accepted\n"),
            "answer 1: vendor_id must have 1 to 255 characters (OCPP's CiString255), it has 0"
        );
        assert_eq!(
            refused(&format!(
                "- vendor_id: v\n  message_id: {}\n  status: Accepted\n",
                "m".repeat(51)
            )),
            "answer 1: message_id must have at most 50 characters (OCPP's CiString50), it has 51"
        );
        assert_eq!(
            refused("- vendor_id: v\n  status: Accepted\n- vendor_id: v\n  status: Rejected\n"),
            "answer 2: vendor_id 'v' with message_id '' is answered twice"
        );
        assert_eq!(
            refused(&"a".repeat(ANSWERS_MAX + 1)),
            format!("{} bytes, at most {ANSWERS_MAX} are taken", ANSWERS_MAX + 1)
        );
    }
}
