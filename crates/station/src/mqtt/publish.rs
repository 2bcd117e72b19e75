//! The variables the API and EvAPI modules publish, every second as EVerest's do
//! (`NOTIFICATION_PERIOD`), from the station's [`StationVars`]:
//!
//! | topic | from |
//! |---|---|
//! | `everest_api/connectors` | the API's `evse_manager` connections |
//! | `everest_api/<evse_manager>/var/datetime` | now, RFC 3339 |
//! | `.../var/session_info`, `hardware_capabilities`, `limits`, `telemetry`, `powermeter`, `selected_protocol` | [`super::vars`] |
//! | `everest_api/ocpp/var/connection_status` | `connected` / `disconnected`; `unknown` without an `ocpp` connection |
//! | `everest_api/info/var/info` | `charger_information_file`, as JSON, when set |
//! | `everest_api/ev_connectors`, `everest_api/<ev_manager>/var/datetime`, `.../var/session_info` | EvAPI |
//!
//! | `everest_api/errors/var/active_errors` | ErrorHistory's active errors, with the API's `error_history` connection |

use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;

use super::client::Publisher;
use super::vars::{self, StationVars};
use crate::{module_types, StationConfig};

/// EVerest's `NOTIFICATION_PERIOD`.
pub const PERIOD: Duration = Duration::from_secs(1);

/// What the station publishes, from its config.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// `settings.mqtt_external_prefix`.
    pub prefix: String,
    /// The API module's EVSEs: (connector, EvseManager module id), in connection order.
    pub api_evses: Option<Vec<(u32, String)>>,
    /// Whether the API module has an `ocpp` connection.
    pub api_ocpp: bool,
    /// The EvseManagers the API module's `random_delay` connections name: their
    /// `session_info` shows a running UK random delay.
    pub api_random_delay: Vec<String>,
    /// The charger information (`charger_information_file` as JSON).
    pub charger_info: Option<String>,
    /// EvAPI's cars: (connector, EvManager module id), in connection order.
    pub ev_api: Option<Vec<(u32, String)>>,
    /// The error history, when the API module is connected to one (`active_errors`).
    pub errors: Option<crate::error_history::SharedErrorHistory>,
}

impl Plan {
    /// What `config`'s API and EvAPI modules publish.
    pub fn of(config: &StationConfig) -> Plan {
        let evse_of = |module_id: &str| {
            config
                .evses
                .iter()
                .find(|e| e.evse_manager == module_id)
                .map(|e| e.id)
        };
        let api = config.modules_of_type(module_types::API.name).next();
        let api_evses = api.map(|api| {
            api.connections("evse_manager")
                .iter()
                .filter_map(|c| Some((evse_of(&c.module_id)?, c.module_id.clone())))
                .collect()
        });
        let charger_info = api
            .and_then(|api| api.parameters.str("charger_information_file"))
            .filter(|f| !f.is_empty())
            .and_then(|file| charger_information(config, file));
        let ev_api = config
            .modules_of_type(module_types::EV_API.name)
            .next()
            .map(|ev_api| {
                ev_api
                    .connections("ev_manager")
                    .iter()
                    .filter_map(|c| {
                        let car = config.module(&c.module_id)?;
                        Some((super::car_evse(config, car)?, c.module_id.clone()))
                    })
                    .collect()
            });
        Plan {
            prefix: config.settings.mqtt_external_prefix.clone(),
            api_evses,
            api_ocpp: api.is_some_and(|a| !a.connections("ocpp").is_empty()),
            api_random_delay: api
                .map(|a| {
                    a.connections("random_delay")
                        .iter()
                        .map(|c| c.module_id.clone())
                        .collect()
                })
                .unwrap_or_default(),
            charger_info,
            ev_api,
            errors: None,
        }
    }

    /// Every topic and payload to publish now.
    pub fn messages(&self, vars: &StationVars) -> Vec<(String, String)> {
        let now = Utc::now();
        let datetime = vars::rfc3339(now);
        let p = &self.prefix;
        let mut out = Vec::new();
        if let Some(evses) = &self.api_evses {
            let names: Vec<&str> = evses.iter().map(|(_, m)| m.as_str()).collect();
            out.push((
                format!("{p}everest_api/connectors"),
                serde_json::json!(names).to_string(),
            ));
            if let Some(info) = &self.charger_info {
                out.push((format!("{p}everest_api/info/var/info"), info.clone()));
            }
            let status = match (self.api_ocpp, vars.ocpp_connected) {
                (false, _) => "unknown",
                (true, true) => "connected",
                (true, false) => "disconnected",
            };
            out.push((
                format!("{p}everest_api/ocpp/var/connection_status"),
                status.to_owned(),
            ));
            for (connector, module) in evses {
                let Some(e) = vars.evses.iter().find(|e| e.connector == *connector) else {
                    continue;
                };
                let var = |name: &str| format!("{p}everest_api/{module}/var/{name}");
                out.push((var("datetime"), datetime.clone()));
                let delay = e
                    .random_delay
                    .as_ref()
                    .filter(|_| self.api_random_delay.contains(module));
                out.push((
                    var("session_info"),
                    vars::session_info(&e.session, delay, now),
                ));
                out.push((
                    var("hardware_capabilities"),
                    vars::hardware_capabilities(e.max_current_a),
                ));
                // Basic charging only: EvseManager's protocol name for it.
                out.push((var("selected_protocol"), "IEC61851-1".to_owned()));
                out.push((var("limits"), vars::limits(module, e.offered_a, e.phases)));
                out.push((
                    var("telemetry"),
                    vars::telemetry(e.relais_on, e.meter.power_w),
                ));
                out.push((var("powermeter"), vars::powermeter(&e.meter, now)));
            }
        }
        if let Some(history) = &self.errors {
            let filter = crate::error_history::ErrorFilter {
                state_filter: Some(crate::error_history::ErrorState::Active),
                ..Default::default()
            };
            match crate::error_history::lock(history).errors(&filter) {
                Ok(active) => out.push((
                    format!("{p}everest_api/errors/var/active_errors"),
                    serde_json::to_string(&active).unwrap_or_else(|_| "[]".to_owned()),
                )),
                Err(e) => tracing::error!(error = %e, "API: active errors not read"),
            }
        }
        if let Some(cars) = &self.ev_api {
            let names: Vec<&str> = cars.iter().map(|(_, m)| m.as_str()).collect();
            out.push((
                format!("{p}everest_api/ev_connectors"),
                serde_json::json!(names).to_string(),
            ));
            for (connector, module) in cars {
                let event = vars
                    .evses
                    .iter()
                    .find(|e| e.connector == *connector)
                    .and_then(|e| e.car.as_ref())
                    .map_or("Unknown", |c| c.bsp_event);
                let var = |name: &str| format!("{p}everest_api/{module}/var/{name}");
                out.push((var("datetime"), datetime.clone()));
                out.push((var("session_info"), vars::ev_session_info(event, now)));
            }
        }
        out
    }

    /// Whether there is anything to publish.
    pub fn is_empty(&self) -> bool {
        self.api_evses.is_none() && self.ev_api.is_none()
    }
}

/// The charger information file as JSON (EVerest loads it as YAML); `None` (logged) when it
/// cannot be read, as EVerest logs and publishes nothing.
fn charger_information(config: &StationConfig, file: &str) -> Option<String> {
    let path = match config.resolve(file) {
        crate::ConfigFile::Path(path) => path,
        crate::ConfigFile::Shipped(_) => return None,
    };
    let read = std::fs::read_to_string(&path)
        .map_err(|e| e.to_string())
        .and_then(|text| {
            serde_yaml_ng::from_str::<serde_json::Value>(&text).map_err(|e| e.to_string())
        });
    match read {
        Ok(value) => Some(value.to_string()),
        Err(e) => {
            tracing::error!(file = %path.display(), error = %e, "API: charger_information_file not read");
            None
        }
    }
}

/// Publishes `plan`'s messages every [`PERIOD`] while connected, with the newest `vars`.
pub async fn run(plan: Plan, publisher: Publisher, vars: watch::Receiver<StationVars>) {
    let mut tick = tokio::time::interval(PERIOD);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if !publisher.is_connected() {
            continue;
        }
        let messages = plan.messages(&vars.borrow());
        for (topic, payload) in messages {
            publisher.publish(&topic, payload);
        }
    }
}
