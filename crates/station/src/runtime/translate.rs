//! The translation between the simulation's session events and the charge-point core's
//! station events (what everest-core's OCPP module does with EvseManager's session events).

use chargepoint::charge_point::{EnergyFlow, MeasuredValue, MeterReading, StationEvent};
use ocpp_types::id_tag::IdToken;
use ocpp_types::meter::{Location, Measurand, Phase};

use crate::sim::{SessionEvent, SimulatedEvse};

/// Wh as OCPP's integer meterStart / meterStop: rounded down, as the register shows whole Wh;
/// clamped to i32 (2 TWh, far beyond any station).
pub fn wh(energy_wh: f64) -> i32 {
    energy_wh.floor().clamp(0.0, f64::from(i32::MAX)) as i32
}

/// An idTag the core can carry; `None` (logged) for one longer than OCPP's 20 characters, which
/// the control API and the core refuse before it reaches the simulation.
pub fn id_token(id_tag: &str) -> Option<IdToken> {
    IdToken::new(id_tag)
        .map_err(|e| tracing::warn!(id_tag, error = %e, "idTag not usable in OCPP"))
        .ok()
}

/// The core's event for a session event of `connector`, if it has one. Plug-in and unplug are
/// not here: they come from the pilot (the EvseManager ignores a car while it waits for the
/// OCPP boot, the core must still see it).
pub fn station_event(connector: u32, event: &SessionEvent) -> Option<StationEvent> {
    let flow = |state| Some(StationEvent::EnergyFlow { connector, state });
    match event {
        SessionEvent::TransactionStarted {
            id_tag,
            meter_start_wh,
        } => Some(StationEvent::TransactionStarted {
            connector,
            id_tag: id_token(id_tag)?,
            meter_start_wh: wh(*meter_start_wh),
            reservation_id: None,
        }),
        SessionEvent::TransactionFinished {
            reason,
            meter_stop_wh,
            id_tag,
        } => Some(StationEvent::TransactionStopped {
            connector,
            meter_stop_wh: wh(*meter_stop_wh),
            reason: reason.to_ocpp(),
            id_tag: id_tag.as_deref().and_then(id_token),
        }),
        SessionEvent::ChargingStarted | SessionEvent::ChargingResumed => flow(EnergyFlow::Charging),
        SessionEvent::ChargingPausedEV => flow(EnergyFlow::SuspendedEV),
        SessionEvent::ChargingPausedEVSE { .. } => flow(EnergyFlow::SuspendedEVSE),
        // Each hardware error by its EVerest name, so that clearing one leaves the others
        // active; an error that lets charging go on (a warning, derating) is not a fault.
        SessionEvent::Error { error } => {
            let ocpp = error.ocpp();
            Some(StationEvent::ErrorRaised {
                connector,
                id: error.name().to_owned(),
                error_code: ocpp.error_code,
                info: ocpp.info.or_else(|| Some(error.name().to_owned())),
                vendor_id: ocpp.vendor_id.map(str::to_owned),
                vendor_error_code: ocpp.vendor_error_code.map(str::to_owned),
                is_fault: error.blocks_charging(),
            })
        }
        SessionEvent::ErrorCleared { error } => Some(StationEvent::ErrorCleared {
            connector,
            id: error.name().to_owned(),
        }),
        // Like everest-core's OCPP module: the core shows Charging from the transaction's start
        // (libocpp's default); a car that does not draw shows as SuspendedEV once it pauses.
        SessionEvent::PrepareCharging
        | SessionEvent::Enabled
        | SessionEvent::Disabled
        | SessionEvent::SessionStarted { .. }
        | SessionEvent::AuthRequired
        | SessionEvent::SessionFinished => None,
    }
}

/// The meter reading of an EVSE as the core samples it: the energy register, active power,
/// current per phase, voltage per phase, the current offered and the car's SoC.
pub fn meter_reading(evse: &SimulatedEvse) -> MeterReading {
    let meter = evse.board().meter().reading();
    let value = |measurand, phase, value| MeasuredValue {
        measurand,
        phase,
        value,
        location: None,
    };
    // Currents per line; voltages line to neutral, as the simulated meter measures them.
    let phases = [
        (Phase::L1, Phase::L1N),
        (Phase::L2, Phase::L2N),
        (Phase::L3, Phase::L3N),
    ];
    // What is offered to the car, at the outlet as libocpp reports it (its
    // `get_latest_meter_value` sets location Outlet for both): the current per phase, and the
    // power that current makes on every phase the EVSE has at its nominal voltage (everest-core's
    // EvseManager limits, which the OCPP module hands libocpp as `max_power_offered`).
    let offered_a = evse.evse_manager().offered_current_a();
    let board = evse.board().config();
    let offered_w = offered_a * board.nominal_voltage_v * f64::from(board.max_phases);
    let at_outlet = |measurand, value| MeasuredValue {
        measurand,
        phase: None,
        value,
        location: Some(Location::Outlet),
    };
    let mut values = vec![
        value(Measurand::EnergyActiveImportRegister, None, meter.energy_wh),
        value(Measurand::PowerActiveImport, None, meter.power_w),
        at_outlet(Measurand::CurrentOffered, offered_a),
        at_outlet(Measurand::PowerOffered, offered_w),
        value(Measurand::SoC, None, evse.car().soc_percent()),
    ];
    for (i, (line, to_neutral)) in phases.into_iter().enumerate() {
        values.push(value(
            Measurand::CurrentImport,
            Some(line),
            meter.current_a[i],
        ));
        values.push(value(
            Measurand::Voltage,
            Some(to_neutral),
            meter.voltage_v[i],
        ));
    }
    MeterReading { values }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{HardwareError, PauseReason, StopTransactionReason};
    use ocpp_types::core::{ChargePointErrorCode, Reason};

    #[test]
    fn transactions_carry_whole_watt_hours_and_the_ocpp_reason() {
        let started = station_event(
            1,
            &SessionEvent::TransactionStarted {
                id_tag: "DEADBEEF".into(),
                meter_start_wh: 10.9,
            },
        );
        assert!(matches!(
            started,
            Some(StationEvent::TransactionStarted { connector: 1, meter_start_wh: 10, ref id_tag, .. })
                if id_tag.as_str() == "DEADBEEF"
        ));
        let stopped = station_event(
            2,
            &SessionEvent::TransactionFinished {
                reason: StopTransactionReason::EVDisconnected,
                meter_stop_wh: 25.2,
                id_tag: None,
            },
        );
        assert_eq!(
            stopped,
            Some(StationEvent::TransactionStopped {
                connector: 2,
                meter_stop_wh: 25,
                reason: Reason::EVDisconnected,
                id_tag: None,
            })
        );
    }

    #[test]
    fn charging_states_become_energy_flow() {
        let flow = |e| match station_event(1, &e) {
            Some(StationEvent::EnergyFlow { state, .. }) => Some(state),
            _ => None,
        };
        assert_eq!(
            flow(SessionEvent::ChargingStarted),
            Some(EnergyFlow::Charging)
        );
        assert_eq!(
            flow(SessionEvent::ChargingResumed),
            Some(EnergyFlow::Charging)
        );
        assert_eq!(
            flow(SessionEvent::ChargingPausedEV),
            Some(EnergyFlow::SuspendedEV)
        );
        assert_eq!(
            flow(SessionEvent::ChargingPausedEVSE {
                reasons: vec![PauseReason::UserPause]
            }),
            Some(EnergyFlow::SuspendedEVSE)
        );
        assert_eq!(flow(SessionEvent::PrepareCharging), None);
    }

    #[test]
    fn hardware_errors_become_faults() {
        let fault = station_event(
            1,
            &SessionEvent::Error {
                error: HardwareError::DIODE_FAULT,
            },
        );
        assert!(matches!(
            fault,
            Some(StationEvent::ErrorRaised { connector: 1, ref id, error_code, is_fault: true, .. })
                if error_code != ChargePointErrorCode::NoError && id == "evse_board_support/DiodeFault"
        ));
        assert_eq!(
            station_event(
                1,
                &SessionEvent::ErrorCleared {
                    error: HardwareError::DIODE_FAULT
                }
            ),
            Some(StationEvent::ErrorCleared {
                connector: 1,
                id: "evse_board_support/DiodeFault".to_owned()
            })
        );
    }

    #[test]
    fn the_meter_reading_has_every_measurand_the_core_samples() {
        let evse = SimulatedEvse::new(Default::default());
        let reading = meter_reading(&evse);
        for m in [
            Measurand::EnergyActiveImportRegister,
            Measurand::PowerActiveImport,
            Measurand::CurrentImport,
            Measurand::Voltage,
            Measurand::CurrentOffered,
            Measurand::PowerOffered,
            Measurand::SoC,
        ] {
            assert!(reading.values.iter().any(|v| v.measurand == m), "{m:?}");
        }
        assert_eq!(wh(-1.0), 0);
    }
}
