//! The Auth module's part of the station (everest-core's Auth with FindFirst selection): a
//! token a provider read goes to the core, which validates it (Authorize.req, local list,
//! cache, or prevalidated) and answers with an [`StationCommand::AuthorizationResult`]; an
//! accepted token then goes to the connector asked for, else to the first EVSE with a car
//! waiting for authorization, else to the first idle EVSE (swipe first, plug in later), among
//! the connectors the token may use, in the core's order. The station view records each step
//! (pending, accepted where, refused why) for the control API's state.
//!
//! [`StationCommand::AuthorizationResult`]: chargepoint::charge_point::StationCommand::AuthorizationResult

use std::collections::HashMap;

use chargepoint::charge_point::StationEvent as CoreEvent;
use ocpp_types::id_tag::IdTagInfo;

use super::evse::Evse;
use super::orders::Accepted;
use super::replies::Until;
use super::{translate, Station};
use crate::control_api::{ControlError, Outcome, Token};
use crate::sim::EvseState;

/// Tokens presented and waiting for the core's authorization result: idTag → the connectors
/// the token may use (`None`: every one).
#[derive(Debug, Default)]
pub(super) struct PendingTokens(HashMap<String, Option<Vec<u32>>>);

impl PendingTokens {
    /// `id_tag` was presented for `connectors`.
    pub(super) fn presented(&mut self, id_tag: String, connectors: Option<Vec<u32>>) {
        self.0.insert(id_tag, connectors);
    }

    /// Takes the connectors `id_tag` was presented for (`None`: every one, or not presented).
    fn take(&mut self, id_tag: &str) -> Option<Vec<u32>> {
        self.0.remove(id_tag).flatten()
    }
}

/// Auth's FindFirst selection: among the connectors a token may use (in the order given: the
/// core puts one reserved for it first), the first with a car waiting for authorization, else
/// the first free one (swipe first, plug in later).
fn select_evse(evses: &[Evse], allowed: Option<&[u32]>) -> Option<u32> {
    let candidates = || -> Box<dyn Iterator<Item = &Evse>> {
        match allowed {
            Some(order) => Box::new(
                order
                    .iter()
                    .filter_map(|c| evses.iter().find(|e| e.connector == *c)),
            ),
            None => Box::new(evses.iter()),
        }
    };
    let state = |e: &&Evse| e.sim.evse_manager().state();
    candidates()
        .find(|e| state(e) == EvseState::WaitingForAuthentication)
        .or_else(|| candidates().find(|e| state(e) == EvseState::Idle))
        .map(|e| e.connector)
}

/// Authorizes the EVSE of `connector`, or the one Auth selects among `allowed`; returns the
/// connector that took it.
fn authorize(
    evses: &mut [Evse],
    connector: Option<u32>,
    allowed: Option<&[u32]>,
    id_tag: &str,
) -> Option<u32> {
    let Some(connector) = connector.or_else(|| select_evse(evses, allowed)) else {
        tracing::warn!(id_tag, "authorized, but no connector can use it");
        return None;
    };
    let evse = evses.iter_mut().find(|e| e.connector == connector)?;
    match evse.sim.evse_manager_mut().authorize(id_tag) {
        Ok(()) => {
            tracing::info!(connector, id_tag, "authorized");
            Some(connector)
        }
        Err(e) => {
            tracing::warn!(connector, id_tag, error = %e, "authorization not used");
            None
        }
    }
}

/// Where the core's answer for a presented token goes: an accepted token is taken at
/// `connector` when the core names one, else at the EVSE Auth selects among the connectors
/// the core says it may use now (`usable`, in the core's order) that are also the token's
/// own (`own`, `None`: every one). Returns the connector that took it; a refused token, and
/// an accepted one with no usable connector (a remote start, whose RemoteStart command names
/// the connector), go nowhere.
fn take_result(
    evses: &mut [Evse],
    id_tag: &str,
    accepted: bool,
    connector: Option<u32>,
    usable: Vec<u32>,
    own: Option<&[u32]>,
) -> Option<u32> {
    if !accepted {
        return None;
    }
    if usable.is_empty() {
        tracing::debug!(id_tag, "remote start authorized");
        return None;
    }
    let allowed: Vec<u32> = usable
        .into_iter()
        .filter(|c| own.is_none_or(|own| own.contains(c)))
        .collect();
    authorize(evses, connector, Some(&allowed), id_tag)
}

impl Station {
    /// A token a provider read goes to the core for its connector when it names one, else
    /// for the station. A prevalidated one is not validated again, but the core still
    /// applies reservations and the group rules to it.
    pub(super) fn token(&mut self, token: Token) -> Result<Accepted, ControlError> {
        let single = match token.connectors.as_deref() {
            Some([one]) => Some(*one),
            _ => None,
        };
        // The handle filled it in (the provider's own token when the request named none).
        let tag = token.id_tag.clone().unwrap_or_default();
        let id_tag = translate::id_token(&tag).ok_or_else(|| {
            ControlError::Invalid(format!(
                "id_tag: '{tag}' is not an OCPP idTag (1 to 20 printable ASCII characters)"
            ))
        })?;
        tracing::info!(
            id_tag = tag.as_str(),
            provider = token.provider.as_deref().unwrap_or("-"),
            prevalidated = token.prevalidated,
            "token provided"
        );
        let connectors: Vec<u32> = match &token.connectors {
            Some(list) => list.clone(),
            None => self.evses.iter().map(|e| e.connector).collect(),
        };
        self.view.token_presented(&tag, &connectors);
        self.tokens.presented(tag.clone(), token.connectors);
        self.tell_core(if token.prevalidated {
            CoreEvent::PrevalidatedTokenPresented {
                id_tag,
                connector: single,
            }
        } else {
            CoreEvent::TokenPresented {
                id_tag,
                connector: single,
            }
        });
        Ok((
            Until::Identified {
                id_tag: tag,
                connectors,
            },
            Outcome::done(),
        ))
    }

    /// The core's answer for a token ([`take_result`]), and what the view shows of it.
    #[inline(never)]
    pub(super) fn authorization_result(
        &mut self,
        id_tag: &str,
        connector: Option<u32>,
        usable_connectors: Vec<u32>,
        accepted: bool,
        id_tag_info: Option<&IdTagInfo>,
    ) {
        let own = self.tokens.take(id_tag);
        let chosen = take_result(
            &mut self.evses,
            id_tag,
            accepted,
            connector,
            usable_connectors,
            own.as_deref(),
        );
        if !accepted {
            tracing::info!(id_tag, status = ?id_tag_info.map(|i| i.status), "not authorized");
        }
        self.view
            .authorization_result(id_tag, accepted, id_tag_info, chosen, self.core.connected);
    }

    /// The token stops the transaction at `connector` (its own, or its group's) instead of
    /// starting one.
    #[inline(never)]
    pub(super) fn identifier_stops_transaction(&mut self, id_tag: &str, connector: u32) {
        self.tokens.take(id_tag);
        self.view.stopped_transaction(id_tag, connector);
    }

    /// A RemoteStartTransaction: the CSMS's idTag is taken at its connector.
    #[inline(never)]
    pub(super) fn remote_start(&mut self, id_tag: &str, connector: u32) {
        self.view.remote_start(id_tag, connector);
        authorize(&mut self.evses, Some(connector), None, id_tag);
    }

    /// ConnectionTimeOut passed without a car: the EVSE of `connector` forgets the
    /// authorization.
    #[inline(never)]
    pub(super) fn authorization_expired(&mut self, connector: u32) {
        self.view.authorization_expired(connector);
        if let Some(evse) = self.evse_mut(connector) {
            let _ = evse.sim.evse_manager_mut().withdraw_authorization();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::control_api::PlugIn;
    use crate::sim::car::LOOP_INTERVAL;
    use crate::sim::{SimulatedEvse, SimulatedEvseConfig};

    /// EVSEs 1..=n, idle, but for a car plugged in at `car_at` that waits for its
    /// authorization.
    fn station(n: u32, car_at: Option<u32>) -> Vec<Evse> {
        let t0 = Instant::now();
        let mut evses: Vec<Evse> = (1..=n)
            .map(|c| Evse::new(c, SimulatedEvse::new(SimulatedEvseConfig::default())))
            .collect();
        for evse in &mut evses {
            if Some(evse.connector) == car_at {
                evse.plug_in(&PlugIn::default()).unwrap();
            }
            for step in 0..=4 {
                evse.step(t0 + LOOP_INTERVAL * step);
            }
        }
        for evse in &evses {
            let expected = match Some(evse.connector) == car_at {
                true => EvseState::WaitingForAuthentication,
                false => EvseState::Idle,
            };
            assert_eq!(evse.sim.evse_manager().state(), expected);
        }
        evses
    }

    fn state(evses: &[Evse], connector: u32) -> EvseState {
        evses[connector as usize - 1].sim.evse_manager().state()
    }

    #[test]
    fn a_car_waiting_for_authentication_is_selected_before_an_idle_evse() {
        assert_eq!(
            select_evse(&station(3, None), None),
            Some(1),
            "the first idle EVSE"
        );
        let evses = station(3, Some(2));
        assert_eq!(select_evse(&evses, None), Some(2));
        assert_eq!(select_evse(&evses, Some(&[3, 1, 2])), Some(2));
    }

    #[test]
    fn selection_keeps_to_the_allowed_connectors_in_the_cores_order() {
        assert_eq!(select_evse(&station(3, None), Some(&[3, 1])), Some(3));
        let evses = station(3, Some(2));
        assert_eq!(
            select_evse(&evses, Some(&[3, 1])),
            Some(3),
            "the waiting car at 2 is not allowed"
        );
        assert_eq!(select_evse(&evses, Some(&[])), None);
        assert_eq!(select_evse(&evses, Some(&[7])), None, "no such connector");
    }

    #[test]
    fn an_accepted_token_is_taken_at_the_chosen_connector() {
        let mut evses = station(2, Some(2));
        let chosen = take_result(&mut evses, "TAG1", true, None, vec![1, 2], None);
        assert_eq!(chosen, Some(2));
        assert_eq!(state(&evses, 2), EvseState::PrepareCharging);
        assert_eq!(state(&evses, 1), EvseState::Idle);
    }

    #[test]
    fn an_accepted_token_keeps_to_its_own_connectors_and_the_named_one() {
        let mut evses = station(2, Some(2));
        let chosen = take_result(&mut evses, "TAG1", true, None, vec![1, 2], Some(&[1]));
        assert_eq!(chosen, Some(1), "swipe first at its own connector");
        assert_eq!(state(&evses, 1), EvseState::WaitingForPlugIn);
        assert_eq!(state(&evses, 2), EvseState::WaitingForAuthentication);

        let mut evses = station(2, Some(1));
        let chosen = take_result(&mut evses, "TAG1", true, Some(2), vec![2], None);
        assert_eq!(chosen, Some(2), "the connector the core names");
        assert_eq!(state(&evses, 1), EvseState::WaitingForAuthentication);
    }

    #[test]
    fn a_refused_token_is_taken_nowhere() {
        let mut evses = station(2, Some(1));
        assert_eq!(
            take_result(&mut evses, "TAG1", false, Some(1), vec![], None),
            None
        );
        assert_eq!(
            take_result(&mut evses, "TAG1", false, None, vec![1, 2], None),
            None
        );
        assert_eq!(state(&evses, 1), EvseState::WaitingForAuthentication);
        assert_eq!(state(&evses, 2), EvseState::Idle);
    }

    #[test]
    fn an_accepted_remote_start_waits_for_its_remote_start_command() {
        let mut evses = station(1, Some(1));
        assert_eq!(
            take_result(&mut evses, "TAG1", true, None, vec![], None),
            None
        );
        assert_eq!(state(&evses, 1), EvseState::WaitingForAuthentication);
    }

    #[test]
    fn no_usable_connector_takes_nothing() {
        let mut evses = station(2, None);
        let chosen = take_result(&mut evses, "TAG1", true, None, vec![1], Some(&[2]));
        assert_eq!(chosen, None);
        assert_eq!(state(&evses, 1), EvseState::Idle);
        assert_eq!(state(&evses, 2), EvseState::Idle);
    }

    #[test]
    fn pending_tokens_give_their_connectors_once() {
        let mut tokens = PendingTokens::default();
        tokens.presented("TAG1".into(), Some(vec![2]));
        tokens.presented("TAG2".into(), None);
        assert_eq!(tokens.take("TAG1"), Some(vec![2]));
        assert_eq!(tokens.take("TAG1"), None);
        assert_eq!(tokens.take("TAG2"), None);
        assert_eq!(tokens.take("UNKNOWN"), None);
    }
}
