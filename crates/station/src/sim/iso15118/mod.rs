//! ISO 15118-2 AC high-level communication, simulated at the level of EVerest's interfaces
//! (`slac` / `ev_slac`, `ISO15118_charger`, `ISO15118_ev`), not of the wire: no HomePlug
//! frames, no SDP, no TLS, no EXI. What the EvseManager, Auth, the OCPP module and the car see
//! of a session is what EVerest's modules show them.
//!
//! - [`slac`]: SlacSimulator, the link between the car and the EVSE.
//! - [`charger`]: EvseV2G, the SECC: payment options, the Plug&Charge token, power ready.
//! - [`ev`]: PyEvJosev, the car's stack: its contract and payment choice.
//!
//! [`Iso15118`] holds the three for one EVSE, as its station config connects them; the car's
//! `iso_` commands ([`crate::sim::script`]) call it through [`EvCall`]s and read
//! [`EvFeedback`]; the station takes its [`ChargerRequest`]s (a contract to authorize) and
//! answers with [`Iso15118::authorization_response`].

pub mod charger;
pub mod ev;
pub mod slac;

pub use charger::{ChargerRequest, EvseView, Secc, SeccConfig, SessionState, TlsSecurity};
pub use ev::{Contract, EvCall, EvConfig, EvFeedback};
pub use slac::Slac;

/// What of ISO 15118 one EVSE has, from its station config.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Iso15118Config {
    /// The car and the EvseManager are connected to the same SlacSimulator.
    pub slac: bool,
    /// The EvseManager's `hlc` is an EvseV2G: its parameters.
    pub secc: Option<SeccConfig>,
    /// The car's `ev` is a PyEvJosev: its parameters.
    pub ev: Option<EvConfig>,
}

impl Iso15118Config {
    /// Whether any ISO 15118 part is there.
    pub fn any(&self) -> bool {
        self.slac || self.secc.is_some() || self.ev.is_some()
    }
}

/// The ISO 15118 parts of one EVSE. See the module docs.
#[derive(Debug, Clone, Default)]
pub struct Iso15118 {
    slac: Option<Slac>,
    secc: Option<Secc>,
    ev: Option<EvConfig>,
}

impl Iso15118 {
    /// The parts `config` names, idle.
    pub fn new(config: Iso15118Config) -> Self {
        Iso15118 {
            slac: config.slac.then(Slac::default),
            secc: config.secc.map(Secc::new),
            ev: config.ev,
        }
    }

    /// One loop step: the car's calls since the last one, then the link and the session,
    /// seeing the EVSE as `view` says (its `slac_matched` is filled in here). Returns what the
    /// car hears.
    pub fn step(&mut self, calls: Vec<EvCall>, mut view: EvseView) -> EvFeedback {
        for call in &calls {
            if *call == EvCall::TriggerSlacMatching {
                if let Some(slac) = &mut self.slac {
                    slac.trigger_matching();
                }
            }
        }
        if let Some(slac) = &mut self.slac {
            slac.step(view.plugged);
        }
        view.slac_matched = self.slac.as_ref().is_some_and(Slac::matched);
        if let Some(secc) = &mut self.secc {
            // Without PyEvJosev the car has no stack to call the SECC with.
            if let Some(ev) = &self.ev {
                for call in &calls {
                    secc.ev_call(call, ev, view);
                }
            }
            secc.step(view);
        }
        let secc = self.secc.as_mut();
        EvFeedback {
            slac_matched: view.slac_matched,
            power_ready: secc.as_ref().is_some_and(|s| s.power_ready()),
            stopped_by_charger: secc.as_ref().is_some_and(|s| s.stopped_by_charger()),
            v2g_finished: secc.is_some_and(|s| s.take_v2g_finished()),
        }
    }

    /// What the SECC asks of the station since the last call.
    pub fn take_requests(&mut self) -> Vec<ChargerRequest> {
        self.secc
            .as_mut()
            .map(Secc::take_requests)
            .unwrap_or_default()
    }

    /// Auth's answer to the SECC's Plug&Charge token.
    pub fn authorization_response(&mut self, accepted: bool) {
        if let Some(secc) = &mut self.secc {
            secc.authorization_response(accepted);
        }
    }

    /// The central system's answer to the SECC's certificate installation request.
    pub fn certificate_response(&mut self, installed: bool) {
        if let Some(secc) = &mut self.secc {
            secc.certificate_response(installed);
        }
    }

    /// The SECC, if the EVSE has one.
    pub fn secc(&self) -> Option<&Secc> {
        self.secc.as_ref()
    }

    /// The SLAC link, if there is one.
    pub fn slac(&self) -> Option<&Slac> {
        self.slac.as_ref()
    }

    /// The car's stack configuration, if it has one.
    pub fn ev(&self) -> Option<&EvConfig> {
        self.ev.as_ref()
    }

    /// Whether the EVSE has a SECC (`hlc` connected to an EvseV2G).
    pub fn has_secc(&self) -> bool {
        self.secc.is_some()
    }
}

#[cfg(test)]
mod tests;
