//! GetConfiguration (OCPP 1.6 §5.8) and ChangeConfiguration (§5.3), answered by the
//! configuration module; the core applies its own part of a change at once (HeartbeatInterval
//! restarts the heartbeat timer, MeterValueSampleInterval the sampling timers,
//! ClockAlignedDataInterval the clock-aligned timer, DefaultPrice and DefaultPriceText publish
//! the new default price, NextTimeOffsetTransitionDateTime re-arms the time offset transition)
//! and hands every
//! change to the runtime as [`StationCommand::ApplyConfigurationChange`]. A key set to the
//! value it already has is answered as usual but is no change: no timer restarts and the
//! runtime hears nothing (libocpp re-arms the timer and calls its key-changed callbacks even
//! then; nothing depends on that, and "changed 300 → 300" only misleads whoever reads the log).
//!
//! A change of a key of the Security section (SecurityProfile, AuthorizationKey, CpoName, ...)
//! raises the security event ReconfigurationOfSecurityParameters, naming the key, never its
//! value (logged only: not critical). libocpp's 1.6 ChargePoint raises it nowhere; its 2.0.1
//! one does for a new network profile and for certificates installed or deleted, which is
//! what this event is for (`security_events.rs` lists who raises what).

use ocpp_rpc::MessageId;
use ocpp_types::core::{
    ChangeConfigurationRequest, ChangeConfigurationResponse, GetConfigurationRequest,
};
use ocpp_types::AnyResponse;

use crate::config::{ChangeContext, Section};

use super::security_events::kind;
use super::{ChargePoint, Now, StationCommand};

impl ChargePoint {
    /// GetConfiguration.req; more keys than GetConfigurationMaxKeys get a CALLERROR
    /// OccurenceConstraintViolation.
    #[inline(never)]
    pub(crate) fn on_get_configuration(
        &mut self,
        id: &MessageId,
        request: &GetConfigurationRequest,
    ) {
        match self.config.get_configuration(request) {
            Ok(response) => self.respond(id, AnyResponse::GetConfiguration(response)),
            Err(e) => self.respond_error(id, e.call_error_code(), &e.to_string()),
        }
    }

    /// ChangeConfiguration.req.
    #[inline(never)]
    pub(crate) fn on_change_configuration(
        &mut self,
        id: &MessageId,
        request: &ChangeConfigurationRequest,
        now: Now,
    ) {
        let context = ChangeContext {
            now: self.clock(now).to_chrono(),
            security_profile: &*self.security_profile_gate,
        };
        let outcome = self.config.change_configuration(request, &context);
        self.respond(
            id,
            AnyResponse::ChangeConfiguration(ChangeConfigurationResponse {
                status: outcome.status,
            }),
        );
        let Some(change) = outcome.change else {
            return;
        };
        if change.section == Section::Security {
            let tech_info = format!("{} changed by ChangeConfiguration", change.ocpp_key);
            self.security_event(
                kind::RECONFIGURATION_OF_SECURITY_PARAMETERS,
                Some(&tech_info),
                now,
            );
        }
        if !change.reboot_required {
            if change.is("HeartbeatInterval") {
                self.restart_heartbeat(now);
            } else if change.is("MeterValueSampleInterval") {
                self.restart_sampling(now);
            } else if change.is("ClockAlignedDataInterval") {
                self.restart_clock_aligned(now);
            } else if change.is("DefaultPrice")
                || change.is("DefaultPriceText")
                || change.is("Language")
            {
                // As everest-core's libocpp's `ChargePointImpl::set_configuration_key_internal`
                // (DefaultPrice, DefaultPriceText): the
                // display shows the new default price at once; Language tags its text.
                self.publish_default_price(!self.connected);
            } else if change.is("NextTimeOffsetTransitionDateTime") {
                self.arm_time_offset_transition(now);
            }
        }
        self.commands
            .push_back(StationCommand::ApplyConfigurationChange(change));
    }
}
