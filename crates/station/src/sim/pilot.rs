//! The IEC 61851-1 control pilot: the CP states as the EVSE measures them, what the EVSE drives
//! on the pilot, and the rule between PWM duty cycle and offered current (Annex A).

use std::fmt;

/// The lowest current a basic-charging PWM may offer (IEC 61851-1 Table A.8).
pub const MIN_CURRENT_A: f64 = 6.0;
/// The highest current a basic-charging PWM can express.
pub const MAX_CURRENT_A: f64 = 80.0;

/// A control pilot state as the EVSE measures it (IEC 61851-1 Table A.3; EVerest's
/// `board_support_common/BspEvent` A-F).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CpState {
    /// +12 V: no vehicle connected.
    A,
    /// +9 V: vehicle connected, not ready (S2 open).
    B,
    /// +6 V: vehicle ready, S2 closed, no ventilation needed.
    C,
    /// +3 V: vehicle ready, ventilation needed.
    D,
    /// 0 V: pilot shorted to PE, or the EV signals an error.
    E,
    /// -12 V: the EVSE is not available (the EVSE drives it).
    F,
}

impl CpState {
    /// Whether this state says a vehicle is connected: `Some(false)` for A, `Some(true)` for
    /// B, C and D, `None` for E and F, which say nothing about the plug (the EVSE itself may be
    /// holding the pilot at -12 V with a car behind it).
    pub fn plugged(self) -> Option<bool> {
        match self {
            CpState::A => Some(false),
            CpState::B | CpState::C | CpState::D => Some(true),
            CpState::E | CpState::F => None,
        }
    }

    /// Whether the vehicle asks for power (C or D).
    pub fn requests_power(self) -> bool {
        matches!(self, CpState::C | CpState::D)
    }
}

impl fmt::Display for CpState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            CpState::A => "A",
            CpState::B => "B",
            CpState::C => "C",
            CpState::D => "D",
            CpState::E => "E",
            CpState::F => "F",
        };
        f.write_str(s)
    }
}

/// What the EVSE drives on the pilot (EVerest's `evse_board_support` commands `pwm_on`,
/// `cp_state_X1`, `cp_state_F`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PwmOutput {
    /// Steady +12 V, no PWM (state X1): connected but no energy offered.
    Off,
    /// 1 kHz PWM with this duty cycle in percent (state X2): energy offered.
    On(f64),
    /// Steady -12 V (state F): the EVSE is not available.
    F,
}

impl PwmOutput {
    /// The duty cycle the vehicle measures, in percent: 100 when no PWM runs (a steady
    /// level), as EVerest's board support reports it.
    pub fn duty_percent(self) -> f64 {
        match self {
            PwmOutput::On(duty) => duty,
            PwmOutput::Off | PwmOutput::F => 100.0,
        }
    }

    /// Whether a PWM runs.
    pub fn is_running(self) -> bool {
        matches!(self, PwmOutput::On(_))
    }

    /// The PWM that offers `amps`, or [`PwmOutput::Off`] below [`MIN_CURRENT_A`] (a basic
    /// charger cannot offer less; it pauses instead).
    pub fn offering(amps: f64) -> Self {
        duty_from_current(amps).map_or(PwmOutput::Off, PwmOutput::On)
    }
}

/// The duty cycle in percent that offers `amps` (IEC 61851-1 Table A.8: 6-51 A → A / 0.6,
/// 52.5-80 A → A / 2.5 + 64, 51-52.5 A → 85 %, i.e. 51 A); above 80 A it offers 80 A.
/// `None` below 6 A (or NaN).
pub fn duty_from_current(amps: f64) -> Option<f64> {
    if amps.is_nan() || amps < MIN_CURRENT_A {
        return None;
    }
    let amps = amps.min(MAX_CURRENT_A);
    Some(if amps <= 51.0 {
        amps / 0.6
    } else if amps <= 52.5 {
        // The two formulas leave a gap: A / 2.5 + 64 for 51-52.5 A gives less than 85 %,
        // which a car reads with the first formula (less than 51 A). Offer 51 A: never more
        // than the limit, and what the car reads is what was meant.
        85.0
    } else {
        amps / 2.5 + 64.0
    })
}

/// The current in A a vehicle may draw at duty cycle `duty` percent (IEC 61851-1 Table A.7):
/// below 8 % (or above 97 %) none; 8-10 % 6 A; 10-85 % duty × 0.6; 85-96 % (duty - 64) × 2.5;
/// 96-97 % 80 A. (3-7 % asks for digital communication, which offers nothing to a basic car.)
pub fn current_from_duty(duty: f64) -> f64 {
    if duty.is_nan() || !(8.0..=97.0).contains(&duty) {
        0.0
    } else if duty < 10.0 {
        MIN_CURRENT_A
    } else if duty <= 85.0 {
        duty * 0.6
    } else if duty <= 96.0 {
        (duty - 64.0) * 2.5
    } else {
        MAX_CURRENT_A
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn duty_and_current_are_inverse_over_the_whole_range() {
        for tenth_amps in 60..=800 {
            let amps = f64::from(tenth_amps) / 10.0;
            let duty = duty_from_current(amps).unwrap_or(f64::NAN);
            let back = current_from_duty(duty);
            if amps > 51.0 && amps <= 52.5 {
                assert!(close(back, 51.0), "{amps} A → {duty} % → {back} A");
            } else {
                assert!(close(back, amps), "{amps} A ↔ {duty} %");
            }
        }
    }

    #[test]
    fn iec_table_points() {
        assert_eq!(duty_from_current(5.9), None);
        assert!(close(duty_from_current(6.0).unwrap_or(0.0), 10.0));
        assert!(close(duty_from_current(16.0).unwrap_or(0.0), 16.0 / 0.6));
        assert!(close(
            duty_from_current(32.0).unwrap_or(0.0),
            53.333_333_333_333_336
        ));
        assert!(close(duty_from_current(51.0).unwrap_or(0.0), 85.0));
        assert!(close(duty_from_current(63.0).unwrap_or(0.0), 89.2));
        assert!(close(duty_from_current(100.0).unwrap_or(0.0), 96.0));
        assert!(
            close(current_from_duty(5.0), 0.0),
            "5 % is ISO 15118, no basic current"
        );
        assert!(close(current_from_duty(9.0), 6.0));
        assert!(close(current_from_duty(96.5), 80.0));
        assert!(close(current_from_duty(100.0), 0.0));
    }

    #[test]
    fn output_and_states() {
        assert_eq!(PwmOutput::offering(4.0), PwmOutput::Off);
        assert!(PwmOutput::offering(16.0).is_running());
        assert!(close(PwmOutput::F.duty_percent(), 100.0));
        assert_eq!(CpState::E.plugged(), None);
        assert_eq!(CpState::A.plugged(), Some(false));
        assert!(CpState::D.requests_power());
        assert_eq!(CpState::C.to_string(), "C");
    }
}
