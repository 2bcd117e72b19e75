//! EVerest's external MQTT API (docs/mqtt.md lists every topic): the station connects to the
//! broker of `settings.mqtt` ([`client`]) and serves the topics its modules serve in EVerest:
//!
//! - the OCPP module's `everest_api/ocpp/cmd/connect`, `disconnect` (and `restart`) when
//!   `EnableExternalWebsocketControl` is set;
//! - each DummyTokenProviderManual's `mqtt_topic` (default `everest_api/<module_id>/cmd/provide`);
//! - each EvManager's `everest_external/nodered/<connector_id>/carsim/cmd/enable`,
//!   `execute_charging_session` and `modify_charging_session`;
//! - each YetiSimulator's `everest_external/nodered/<connector_id>/carsim/error`;
//! - the API module's `everest_api/<evse_manager>/cmd/...` ([`api_commands`]) and its
//!   variables, with EvAPI's ([`publish`], payloads in [`vars`]).
//!
//! Every command is carried out by the station's own commands ([`StationControl`], what the
//! control API calls too): [`commands`] parses the payload and calls them, nothing more. The
//! commands of one connection are carried out one after the other, in the order they arrive.
//! Topics get `settings.mqtt_external_prefix` in front, as EVerest's external topics do.

pub mod api_commands;
pub mod client;
pub mod commands;
pub mod publish;
pub mod vars;

use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use api_commands::{ApiCommand, ApiTopic};
pub use client::{MqttClient, Publisher, Received};
pub use commands::{Command, PayloadError, Route};
pub use vars::{EvseVars, SessionTracker, StationVars};

use crate::config::MqttBroker;
use crate::control_api::StationControl;
use crate::{module_types, ModuleInstance, StationConfig};

/// The station's MQTT side: its client and the task carrying out its commands.
#[derive(Debug)]
pub struct Mqtt {
    client: MqttClient,
    broker: String,
    commands: JoinHandle<()>,
    publish: Option<JoinHandle<()>>,
}

impl Mqtt {
    /// Connects the station of `config` to its broker as `client_id`, when it has one
    /// ([`StationConfig::mqtt_broker`]), carrying out what arrives with `control` and
    /// publishing from `vars`.
    pub fn start(
        config: &StationConfig,
        client_id: &str,
        control: Arc<dyn StationControl>,
        vars: watch::Receiver<StationVars>,
        errors: Option<crate::error_history::SharedErrorHistory>,
    ) -> Option<Mqtt> {
        let broker = config.mqtt_broker()?;
        Some(Self::connect(
            broker, config, client_id, control, vars, errors,
        ))
    }

    /// [`Mqtt::start`] with a broker. Never inlined: a station without a broker runs none of
    /// it, and inlined it was 19 kB of the code every station keeps resident.
    #[inline(never)]
    fn connect(
        broker: MqttBroker,
        config: &StationConfig,
        client_id: &str,
        control: Arc<dyn StationControl>,
        vars: watch::Receiver<StationVars>,
        errors: Option<crate::error_history::SharedErrorHistory>,
    ) -> Mqtt {
        let routes = routes(config);
        let topics: Vec<String> = routes.iter().map(|(topic, _)| topic.clone()).collect();
        tracing::info!(%broker, client_id, topics = topics.len(), "MQTT: connecting");
        let (client, inbox) = MqttClient::start(&broker, client_id, topics);
        let commands = tokio::spawn(serve_commands(inbox, routes, control));
        let mut plan = publish::Plan::of(config);
        // API's active_errors, only with its error_history connection (as EVerest's).
        plan.errors = errors.filter(|_| {
            config
                .modules_of_type(module_types::API.name)
                .any(|api| !api.connections("error_history").is_empty())
        });
        let publish =
            (!plan.is_empty()).then(|| tokio::spawn(publish::run(plan, client.publisher(), vars)));
        Mqtt {
            client,
            broker: broker.to_string(),
            commands,
            publish,
        }
    }

    /// The broker, `host:port`.
    pub fn broker(&self) -> &str {
        &self.broker
    }

    /// Whether the broker is connected, to wait on.
    pub fn connected(&self) -> watch::Receiver<bool> {
        self.client.connected()
    }

    /// Disconnects; commands not taken yet are dropped with the connection (the broker keeps
    /// what it did not deliver for the next start, the session being persistent).
    pub async fn stop(self) {
        self.commands.abort();
        if let Some(publish) = self.publish {
            publish.abort();
        }
        self.client.stop().await;
    }
}

/// Every command topic of `config`'s modules with what it does, in module order; a topic
/// two modules serve appears twice (both get the message, as both would subscribe in EVerest).
pub fn routes(config: &StationConfig) -> Vec<(String, Route)> {
    let prefix = &config.settings.mqtt_external_prefix;
    let mut routes = Vec::new();
    for module in &config.modules {
        let name = module.type_name();
        if name == module_types::OCPP.name
            && module.parameters.bool("EnableExternalWebsocketControl") == Some(true)
        {
            for (cmd, route) in [
                ("connect", Route::OcppConnect),
                ("disconnect", Route::OcppDisconnect),
                ("restart", Route::OcppRestart),
            ] {
                routes.push((format!("{prefix}everest_api/ocpp/cmd/{cmd}"), route));
            }
        } else if name == module_types::DUMMY_TOKEN_PROVIDER_MANUAL.name {
            let topic = module
                .implementation("main")
                .and_then(|main| main.parameters.str("mqtt_topic"))
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .unwrap_or_else(|| format!("everest_api/{}/cmd/provide", module.id));
            routes.push((
                format!("{prefix}{topic}"),
                Route::ProvideToken {
                    provider: module.id.clone(),
                },
            ));
        } else if name == module_types::EV_MANAGER.name {
            let (Some(connector), Some(evse)) = (topic_id(module), car_evse(config, module)) else {
                continue;
            };
            let base = format!("{prefix}everest_external/nodered/{connector}/carsim/cmd/");
            routes.push((format!("{base}enable"), Route::CarEnable(evse)));
            routes.push((
                format!("{base}execute_charging_session"),
                Route::CarExecute(evse),
            ));
            routes.push((
                format!("{base}modify_charging_session"),
                Route::CarModify(evse),
            ));
        } else if name == module_types::API.name {
            api_routes(config, module, prefix, &mut routes);
        } else if name == module_types::YETI_SIMULATOR.name {
            let (Some(connector), Some(evse)) = (topic_id(module), board_evse(config, &module.id))
            else {
                continue;
            };
            routes.push((
                format!("{prefix}everest_external/nodered/{connector}/carsim/error"),
                Route::BoardError(evse),
            ));
        }
    }
    routes
}

/// The API module's command topics, for each EVSE of its `evse_manager` connections; the
/// limit topics only for an EVSE with an `evse_energy_sink` (as EVerest's API module).
fn api_routes(
    config: &StationConfig,
    api: &ModuleInstance,
    prefix: &str,
    routes: &mut Vec<(String, Route)>,
) {
    let sink_evses: Vec<u32> = api
        .connections("evse_energy_sink")
        .iter()
        .filter_map(|c| {
            let node = config.module(&c.module_id)?;
            Some(node.mapping_of(c.implementation_id)?.evse)
        })
        .collect();
    // EVerest serves the random delay's topics of an EVSE only when a `random_delay`
    // connection names its EvseManager.
    let delay_managers: Vec<&str> = api
        .connections("random_delay")
        .iter()
        .map(|c| c.module_id.as_str())
        .collect();
    for c in api.connections("evse_manager") {
        let Some(evse) = config.evses.iter().find(|e| e.evse_manager == c.module_id) else {
            continue;
        };
        let has_sink = sink_evses.contains(&evse.id);
        if !has_sink {
            tracing::warn!(
                evse = evse.id,
                "API: no evse_energy_sink for this EVSE: its limit topics are not served"
            );
        }
        for (name, topic) in ApiTopic::ALL {
            if topic.needs_sink() && !has_sink {
                continue;
            }
            if topic.needs_random_delay() && !delay_managers.contains(&c.module_id.as_str()) {
                continue;
            }
            routes.push((
                format!("{prefix}everest_api/{}/cmd/{name}", c.module_id),
                Route::Api(evse.id, topic),
            ));
        }
    }
}

/// The `connector_id` parameter that EvManager and YetiSimulator name their topics by.
fn topic_id(module: &ModuleInstance) -> Option<i64> {
    module.parameters.int("connector_id")
}

/// The EVSE (connector) whose EvseManager's `bsp` is the board `board`.
fn board_evse(config: &StationConfig, board: &str) -> Option<u32> {
    config
        .evses
        .iter()
        .find(|e| {
            config
                .connected_module(&e.evse_manager, "bsp")
                .is_some_and(|b| b.id == board)
        })
        .map(|e| e.id)
}

/// The EVSE whose board the EvManager `car` is plugged into (its `ev_board_support`).
pub(crate) fn car_evse(config: &StationConfig, car: &ModuleInstance) -> Option<u32> {
    let board = car.connections("ev_board_support").first()?;
    board_evse(config, &board.module_id)
}

/// Carries out the commands arriving in `inbox`, one after the other.
async fn serve_commands(
    mut inbox: tokio::sync::mpsc::Receiver<Received>,
    routes: Vec<(String, Route)>,
    control: Arc<dyn StationControl>,
) {
    while let Some(message) = inbox.recv().await {
        for (_, route) in routes.iter().filter(|(t, _)| *t == message.topic) {
            let command = match commands::parse(route, &message.payload) {
                Ok(command) => command,
                Err(e) => {
                    tracing::error!(topic = %message.topic, error = %e, "MQTT: command ignored");
                    continue;
                }
            };
            tracing::info!(topic = %message.topic, ?command, "MQTT: command");
            match commands::execute(command, control.as_ref()).await {
                Ok(outcome) => {
                    tracing::debug!(topic = %message.topic, ?outcome, "MQTT: command carried out")
                }
                Err(e) => {
                    tracing::warn!(topic = %message.topic, error = %e, "MQTT: command refused")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(settings: &str, edit: impl Fn(String) -> String) -> StationConfig {
        let text = crate::config::shipped::SIL_OCPP
            .text
            .replace("settings:\n", &format!("settings:\n{settings}"));
        StationConfig::from_yaml(&edit(text), "station.yaml").unwrap()
    }

    #[test]
    fn the_shipped_sil_station_opens_no_connection_unless_settings_name_a_broker() {
        let shipped = config("", |t| t);
        assert!(shipped.serves_mqtt());
        assert!(!shipped.needs_mqtt());
        assert_eq!(shipped.mqtt_broker(), None);
        let named = config("  mqtt: localhost:18830\n", |t| t);
        assert_eq!(
            named.mqtt_broker().map(|b| b.to_string()).as_deref(),
            Some("localhost:18830")
        );
        let everest = config(
            "  mqtt_broker_host: 10.0.0.2\n  mqtt_broker_port: 1884\n",
            |t| t,
        );
        assert_eq!(
            everest.mqtt_broker().map(|b| b.to_string()).as_deref(),
            Some("10.0.0.2:1884")
        );
    }

    #[test]
    fn external_websocket_control_needs_the_default_broker_unless_mqtt_is_off() {
        let edit = |t: String| {
            t.replace(
                "      DatabasePath: ocpp\n",
                "      DatabasePath: ocpp\n      EnableExternalWebsocketControl: true\n",
            )
        };
        let on = config("", edit);
        assert!(on.needs_mqtt());
        assert_eq!(
            on.mqtt_broker().map(|b| b.to_string()).as_deref(),
            Some("127.0.0.1:1883")
        );
        assert_eq!(config("  mqtt: \"\"\n", edit).mqtt_broker(), None);
    }

    #[test]
    fn every_module_serves_its_everest_topics_with_the_external_prefix() {
        let c = config(
            "  mqtt: 127.0.0.1:1883\n  mqtt_external_prefix: \"site7/\"\n",
            |t| {
                t.replace(
                    "      DatabasePath: ocpp\n",
                    "      DatabasePath: ocpp\n      EnableExternalWebsocketControl: true\n",
                )
            },
        );
        let topics: Vec<(String, Route)> = routes(&c);
        let expect = |topic: &str, route: Route| (format!("site7/{topic}"), route);
        assert_eq!(
            topics,
            vec![
                expect(
                    "everest_external/nodered/1/carsim/error",
                    Route::BoardError(1)
                ),
                expect(
                    "everest_external/nodered/2/carsim/error",
                    Route::BoardError(2)
                ),
                expect(
                    "everest_external/nodered/1/carsim/cmd/enable",
                    Route::CarEnable(1)
                ),
                expect(
                    "everest_external/nodered/1/carsim/cmd/execute_charging_session",
                    Route::CarExecute(1)
                ),
                expect(
                    "everest_external/nodered/1/carsim/cmd/modify_charging_session",
                    Route::CarModify(1)
                ),
                expect(
                    "everest_external/nodered/2/carsim/cmd/enable",
                    Route::CarEnable(2)
                ),
                expect(
                    "everest_external/nodered/2/carsim/cmd/execute_charging_session",
                    Route::CarExecute(2)
                ),
                expect(
                    "everest_external/nodered/2/carsim/cmd/modify_charging_session",
                    Route::CarModify(2)
                ),
                expect("everest_api/ocpp/cmd/connect", Route::OcppConnect),
                expect("everest_api/ocpp/cmd/disconnect", Route::OcppDisconnect),
                expect("everest_api/ocpp/cmd/restart", Route::OcppRestart),
                expect(
                    "everest_api/dummy_token_provider/cmd/provide",
                    Route::ProvideToken {
                        provider: "token_provider_1".into()
                    }
                ),
            ]
        );
    }
}
