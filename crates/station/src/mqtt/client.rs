//! The station's MQTT connection (rumqttc): one client per station, connected to the broker of
//! [`StationConfig::mqtt_broker`](crate::StationConfig::mqtt_broker), subscribed to the
//! station's command topics, and publishing its variables.
//!
//! - **Reconnects with back-off**: a refused or lost connection is tried again after 0.5 s,
//!   then twice as long each time, at most [`MAX_BACKOFF`]. The first failure is a warning
//!   (the station goes on without MQTT), the following ones are debug lines; the state flag
//!   ([`MqttClient::connected`]) says whether the broker is there.
//! - **MQTT 5**, so that the broker knows the station's packet limit: a 3.1.1 client can only
//!   drop the connection on a packet over its limit, and the broker then delivers that QoS 1
//!   message again at every reconnection, for ever. With the CONNECT's Maximum Packet Size the
//!   broker discards such a message for this client instead (MQTT 5, 3.1.2.11.4); the
//!   connection and every other command live on. (Mosquitto speaks MQTT 5 since 1.6.)
//! - **Loses no command**: the session is persistent (clean start off, a session that never
//!   expires, the same client id on every connection) and every subscription is QoS 1, so a
//!   command published while the station was away is kept by the broker and delivered when it
//!   is back. After every
//!   connection the subscriptions are made again, for a broker that lost them (one restarted
//!   without persistence).
//! - **Publishes only while connected**: variables are published every second anyway, so one
//!   published while the broker is away would only arrive late, out of date.
//! - **Bounded**: a packet over [`MAX_PACKET`] is never sent to the station (see above);
//!   commands wait in a bounded queue ([`INBOX`]) for the station, which takes them in order.

use std::time::Duration;

use rumqttc::v5::mqttbytes::v5::{Filter, Packet};
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::{AsyncClient, Event, EventLoop, MqttOptions};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::config::MqttBroker;

/// The longest wait between two connection attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// The first wait after a failure.
pub const FIRST_BACKOFF: Duration = Duration::from_millis(500);
/// The largest MQTT packet the station takes or sends (EVerest's payloads are a few hundred
/// bytes; a token or car script a few kB).
pub const MAX_PACKET: usize = 64 * 1024;
/// [`MAX_PACKET`] as the CONNECT property takes it.
const MAX_PACKET_U32: u32 = 64 * 1024;
/// How many received messages may wait for the station.
pub const INBOX: usize = 1024;
/// The keep-alive: a broker that is gone is noticed within about this long.
const KEEP_ALIVE: Duration = Duration::from_secs(5);

/// A message received on a subscribed topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// Its topic, as published.
    pub topic: String,
    /// Its payload.
    pub payload: Vec<u8>,
}

/// The station's MQTT client: publish with [`Publisher::publish`], receive from the inbox
/// [`MqttClient::start`] returns.
#[derive(Debug)]
pub struct MqttClient {
    client: AsyncClient,
    connected: watch::Receiver<bool>,
    task: JoinHandle<()>,
}

impl MqttClient {
    /// Starts connecting to `broker` as `client_id`, subscribed to `topics`; returns the
    /// client and the inbox of received messages. Needs a tokio runtime.
    pub fn start(
        broker: &MqttBroker,
        client_id: &str,
        topics: Vec<String>,
    ) -> (MqttClient, mpsc::Receiver<Received>) {
        let mut options = MqttOptions::new(client_id, broker.host.clone(), broker.port);
        options
            .set_keep_alive(KEEP_ALIVE)
            .set_clean_start(false)
            // Never expires: what the broker keeps for the station waits however long it is
            // away (MQTT 3.1.1's clean session off).
            .set_session_expiry_interval(Some(u32::MAX))
            .set_max_packet_size(Some(MAX_PACKET_U32));
        let (client, eventloop) = AsyncClient::new(options, 256);
        let (inbox_tx, inbox) = mpsc::channel(INBOX);
        let (connected_tx, connected) = watch::channel(false);
        let task = tokio::spawn(run(
            eventloop,
            client.clone(),
            broker.to_string(),
            topics,
            inbox_tx,
            connected_tx,
        ));
        (
            MqttClient {
                client,
                connected,
                task,
            },
            inbox,
        )
    }

    /// Whether the broker is connected now.
    pub fn is_connected(&self) -> bool {
        *self.connected.borrow()
    }

    /// The connection state, to wait on.
    pub fn connected(&self) -> watch::Receiver<bool> {
        self.connected.clone()
    }

    /// A handle that publishes through this client.
    pub fn publisher(&self) -> Publisher {
        Publisher {
            client: self.client.clone(),
            connected: self.connected.clone(),
        }
    }

    /// Disconnects and ends the client.
    pub async fn stop(self) {
        // A client that never connected has nothing to say goodbye to.
        let _ = self.client.try_disconnect();
        // Give the DISCONNECT a moment to leave, then end the task either way.
        let mut task = self.task;
        if tokio::time::timeout(Duration::from_millis(500), &mut task)
            .await
            .is_err()
        {
            task.abort();
        }
    }
}

/// Publishes through an [`MqttClient`].
#[derive(Debug, Clone)]
pub struct Publisher {
    client: AsyncClient,
    connected: watch::Receiver<bool>,
}

impl Publisher {
    /// Publishes `payload` on `topic` (QoS 0, as EVerest publishes its variables), when
    /// connected; returns whether it was handed to the client.
    pub fn publish(&self, topic: &str, payload: impl Into<Vec<u8>>) -> bool {
        if !*self.connected.borrow() {
            return false;
        }
        // Full: the broker is slow; the next second's value follows.
        self.client
            .try_publish(topic, QoS::AtMostOnce, false, payload.into())
            .is_ok()
    }

    /// Whether the broker is connected now.
    pub fn is_connected(&self) -> bool {
        *self.connected.borrow()
    }
}

async fn run(
    mut eventloop: EventLoop,
    client: AsyncClient,
    broker: String,
    topics: Vec<String>,
    inbox: mpsc::Sender<Received>,
    connected: watch::Sender<bool>,
) {
    let mut backoff = FIRST_BACKOFF;
    let mut failures: u32 = 0;
    loop {
        match eventloop.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(ack))) => {
                tracing::info!(%broker, session_present = ack.session_present, "MQTT: connected");
                backoff = FIRST_BACKOFF;
                failures = 0;
                let subscriptions = topics
                    .iter()
                    .map(|t| Filter::new(t.clone(), QoS::AtLeastOnce));
                if !topics.is_empty() {
                    if let Err(e) = client.try_subscribe_many(subscriptions) {
                        tracing::error!(error = %e, "MQTT: cannot subscribe");
                    }
                }
                connected.send_replace(true);
            }
            Ok(Event::Incoming(Packet::Publish(publish))) => {
                let Ok(topic) = String::from_utf8(publish.topic.to_vec()) else {
                    // MQTT topics are UTF-8; a broker that sends anything else is ignored.
                    tracing::warn!("MQTT: a message with a topic that is not UTF-8; ignored");
                    continue;
                };
                let received = Received {
                    topic,
                    payload: publish.payload.to_vec(),
                };
                // Waits while the station is busy: back-pressure on the broker, nothing lost.
                if inbox.send(received).await.is_err() {
                    return; // the station is gone
                }
            }
            Ok(Event::Outgoing(rumqttc::Outgoing::Disconnect)) => {
                connected.send_replace(false);
                return;
            }
            Ok(_) => {}
            Err(e) => {
                let was_connected = connected.send_replace(false);
                failures = failures.saturating_add(1);
                if was_connected || failures == 1 {
                    tracing::warn!(%broker, error = %e,
                        "MQTT: the broker is not reachable; the station goes on without it and connects again when it is back");
                } else {
                    tracing::debug!(%broker, error = %e, failures, "MQTT: connection attempt failed");
                }
                if inbox.is_closed() {
                    return;
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}
