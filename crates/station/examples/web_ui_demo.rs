//! The control API and web UI in front of a toy station (no OCPP, no simulation): each command
//! changes the toy state and is echoed as a StatusNotification frame on the event stream, so the
//! page can be looked at, clicked through and screenshotted without the runtime.
//!
//!     cargo run -q -p station --example web_ui_demo -- 127.0.0.1:8849
//!
//! prints `listening on http://ADDR/` (port 0 picks a free one) and runs until
//! `POST /api/v1/station/stop`.

use std::sync::{Arc, Mutex};

use chrono::Utc;
use ocpp_types::core::{ChargePointErrorCode, ChargePointStatus, RegistrationStatus};
use station::control_api::{
    serve, CarScript, ConnectorState, ControlError, HardwareError, MeterOverride, OcppFrame,
    OcppState, PlugIn, StationControl, StationEvent, StationState, StopTransaction, Token,
};
use station::message_log::{Direction, MessageLog};
use tokio::sync::{broadcast, Notify};

struct Toy {
    state: Mutex<StationState>,
    log: Mutex<MessageLog>,
    events: broadcast::Sender<StationEvent>,
    stop: Notify,
    next_id: Mutex<u32>,
}

impl Toy {
    /// Applies `change` to connector `c` and tells the event stream.
    fn change(&self, c: u32, change: impl FnOnce(&mut ConnectorState)) -> Result<(), ControlError> {
        let (state, connector) = {
            let mut state = self.state.lock().map_err(|_| busy())?;
            let conn = state
                .connectors
                .iter_mut()
                .find(|x| x.id == c)
                .ok_or_else(|| ControlError::NotFound(format!("no connector {c}")))?;
            change(conn);
            let connector = conn.clone();
            (state.clone(), connector)
        };
        let id = {
            let mut next = self.next_id.lock().map_err(|_| busy())?;
            *next += 1;
            *next
        };
        let frame = format!(
            r#"[2,"{id}","StatusNotification",{{"connectorId":{c},"errorCode":"{:?}","status":"{:?}"}}]"#,
            connector.error_code, connector.status
        );
        let now = Utc::now();
        let direction = Direction::ChargePointToCentralSystem;
        let info = self
            .log
            .lock()
            .map_err(|_| busy())?
            .record(direction, now, &frame);
        // No subscriber is no error: nobody is looking.
        let _ = self.events.send(StationEvent::Ocpp(OcppFrame::new(
            direction, now, &info, &frame,
        )));
        let _ = self.events.send(StationEvent::State(state));
        Ok(())
    }
}

fn busy() -> ControlError {
    ControlError::Unavailable("the toy station's lock is poisoned".into())
}

impl StationControl for Toy {
    fn state(&self) -> StationState {
        self.state
            .lock()
            .map(|s| s.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }
    fn plug_in(&self, c: u32, _: PlugIn) -> Result<(), ControlError> {
        if self.state().connector(c).is_some_and(|x| x.plugged) {
            return Err(ControlError::Conflict(format!(
                "a car is plugged in at {c} already"
            )));
        }
        self.change(c, |x| {
            x.plugged = true;
            x.status = ChargePointStatus::Preparing;
        })
    }
    fn unplug(&self, c: u32) -> Result<(), ControlError> {
        self.change(c, |x| {
            x.plugged = false;
            x.status = ChargePointStatus::Available;
            x.transaction_id = None;
            x.id_tag = None;
            x.power_w = 0.0;
        })
    }
    fn ev_pause(&self, c: u32) -> Result<(), ControlError> {
        self.change(c, |x| {
            x.status = ChargePointStatus::SuspendedEV;
            x.power_w = 0.0;
        })
    }
    fn ev_resume(&self, c: u32) -> Result<(), ControlError> {
        self.change(c, |x| {
            x.status = ChargePointStatus::Charging;
            x.power_w = 11_000.0;
        })
    }
    fn car_script(&self, _: u32, _: CarScript) -> Result<(), ControlError> {
        Ok(())
    }
    fn hardware_error(&self, c: u32, e: HardwareError) -> Result<(), ControlError> {
        self.change(c, |x| {
            x.status = if e.raise {
                ChargePointStatus::Faulted
            } else {
                ChargePointStatus::Available
            };
            x.error_code = if e.raise {
                ChargePointErrorCode::OtherError
            } else {
                ChargePointErrorCode::NoError
            };
        })
    }
    fn meter(&self, c: u32, m: MeterOverride) -> Result<(), ControlError> {
        self.change(c, |x| {
            x.energy_wh = m.energy_wh.unwrap_or(x.energy_wh);
            x.power_w = m.power_w.unwrap_or(x.power_w);
        })
    }
    fn token(&self, t: Token) -> Result<(), ControlError> {
        let c = t
            .connectors
            .as_ref()
            .and_then(|c| c.first().copied())
            .unwrap_or(1);
        self.change(c, |x| {
            x.id_tag = Some(t.id_tag.clone().unwrap_or_else(|| "DEADBEEF".into()));
            if x.plugged {
                x.transaction_id = Some(1);
                x.status = ChargePointStatus::Charging;
                x.power_w = 11_000.0;
                x.limit_a = Some(16.0);
            }
        })
    }
    fn ocpp_disconnect(&self) -> Result<(), ControlError> {
        self.set_connected(false)
    }
    fn ocpp_connect(&self) -> Result<(), ControlError> {
        self.set_connected(true)
    }
    fn stop(&self) -> Result<(), ControlError> {
        self.stop.notify_one();
        Ok(())
    }
    fn stop_transaction(&self, c: u32, _: StopTransaction) -> Result<(), ControlError> {
        self.change(c, |x| {
            x.transaction_id = None;
            x.status = ChargePointStatus::Finishing;
            x.power_w = 0.0;
        })
    }
}

impl Toy {
    fn set_connected(&self, connected: bool) -> Result<(), ControlError> {
        let state = {
            let mut state = self.state.lock().map_err(|_| busy())?;
            state.ocpp.connected = connected;
            state.clone()
        };
        let _ = self.events.send(StationEvent::State(state));
        Ok(())
    }
}

fn connector(id: u32) -> ConnectorState {
    ConnectorState {
        id,
        status: ChargePointStatus::Available,
        error_code: ChargePointErrorCode::NoError,
        transaction_id: None,
        id_tag: None,
        session_id: None,
        power_w: 0.0,
        energy_wh: 0.0,
        plugged: false,
        limit_a: None,
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8849".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening on http://{}/", listener.local_addr()?);
    let (events, _) = broadcast::channel(256);
    let toy = Arc::new(Toy {
        state: Mutex::new(StationState {
            ocpp: OcppState {
                connected: true,
                registration: Some(RegistrationStatus::Accepted),
                charge_point_id: "cp001".into(),
            },
            connectors: vec![connector(1), connector(2)],
            display_messages: None,
        }),
        log: Mutex::new(MessageLog::disabled()),
        events: events.clone(),
        stop: Notify::new(),
        next_id: Mutex::new(0),
    });
    let stopper = toy.clone();
    serve(listener, toy, events, async move {
        stopper.stop.notified().await;
    })
    .await
}
