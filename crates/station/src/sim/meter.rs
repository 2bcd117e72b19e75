//! The simulated power meter of the board (YetiSimulator's `powermeter`): per-phase voltage,
//! current and power, and an energy register that integrates power over simulated time.
//!
//! The register counts milliwatt-nanoseconds in an integer, and power is held constant
//! between two [`PowerMeter::advance`] calls, so integration is exact: no floating-point sum
//! drifts however many ticks there are (11 kW for one hour reads exactly 11000 Wh).

use std::time::Instant;

/// Milliwatt-nanoseconds in one watt-hour.
const MWNS_PER_WH: f64 = 1000.0 * 3600.0 * 1e9;

/// A snapshot of the meter, for meter values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeterReading {
    /// Imported energy, Wh (the register).
    pub energy_wh: f64,
    /// Imported energy per phase L1-L3, Wh.
    pub energy_wh_phase: [f64; 3],
    /// Active power, W.
    pub power_w: f64,
    /// Active power per phase, W.
    pub power_w_phase: [f64; 3],
    /// Voltage per phase (to neutral), V.
    pub voltage_v: [f64; 3],
    /// Current per phase, A.
    pub current_a: [f64; 3],
}

/// The power meter. See the module docs.
#[derive(Debug, Clone)]
pub struct PowerMeter {
    voltage_v: [f64; 3],
    current_a: [f64; 3],
    power_override_w: Option<f64>,
    /// Energy per phase, mW·ns (for the per-phase readings).
    energy: [i128; 3],
    /// Total energy, mW·ns: integrated from the total power, so a total that is a whole
    /// number of milliwatts integrates exactly even when a third of it is not.
    total: i128,
    /// Energy set by hand on top of the phases (an override), mW·ns.
    offset: i128,
    last: Option<Instant>,
}

impl PowerMeter {
    /// A meter reading `nominal_voltage_v` on every phase, no current, an empty register.
    pub fn new(nominal_voltage_v: f64) -> Self {
        PowerMeter {
            voltage_v: [nominal_voltage_v; 3],
            current_a: [0.0; 3],
            power_override_w: None,
            energy: [0; 3],
            total: 0,
            offset: 0,
            last: None,
        }
    }

    /// Integrates the power that flowed since the last call up to `now`. The first call only
    /// starts the clock; a `now` earlier than the last one counts as no time.
    pub fn advance(&mut self, now: Instant) {
        if let Some(last) = self.last {
            let ns = now.saturating_duration_since(last).as_nanos() as i128;
            let power = self.power_w_phase();
            for (register, watts) in self.energy.iter_mut().zip(power) {
                // Power is rounded to the milliwatt once per interval, then multiplied
                // exactly: the only error is that rounding, never an accumulated one.
                *register += (watts * 1000.0).round() as i128 * ns;
            }
            self.total += (power.iter().sum::<f64>() * 1000.0).round() as i128 * ns;
        }
        self.last = Some(now);
    }

    /// Sets the per-phase currents that flow from now on (call [`Self::advance`] first so the
    /// old currents are integrated up to now).
    pub fn set_currents(&mut self, current_a: [f64; 3]) {
        self.current_a = current_a.map(|a| if a.is_finite() { a.max(0.0) } else { 0.0 });
    }

    /// Sets the voltage of every phase.
    pub fn set_voltage(&mut self, voltage_v: f64) {
        if voltage_v.is_finite() {
            self.voltage_v = [voltage_v.max(0.0); 3];
        }
    }

    /// Reports `power_w` (spread evenly over the three phases) instead of what the currents
    /// make, and integrates it, until called with `None` (the control API's meter override).
    pub fn override_power_w(&mut self, power_w: Option<f64>) {
        self.power_override_w = power_w.filter(|p| p.is_finite()).map(|p| p.max(0.0));
    }

    /// Sets the register to `energy_wh` (the control API's meter override); it counts on from
    /// there.
    pub fn set_energy_wh(&mut self, energy_wh: f64) {
        if energy_wh.is_finite() {
            let target = (energy_wh * MWNS_PER_WH).round() as i128;
            self.offset = target - self.total;
        }
    }

    /// Empties the register (YetiSimulator's `reset_powermeter_on_session_start`).
    pub fn reset(&mut self) {
        self.energy = [0; 3];
        self.total = 0;
        self.offset = 0;
    }

    /// Power per phase, W.
    pub fn power_w_phase(&self) -> [f64; 3] {
        match self.power_override_w {
            Some(total) => [total / 3.0; 3],
            None => [0, 1, 2].map(|i| self.voltage_v[i] * self.current_a[i]),
        }
    }

    /// Total active power, W.
    pub fn power_w(&self) -> f64 {
        self.power_w_phase().iter().sum()
    }

    /// The register, Wh.
    pub fn energy_wh(&self) -> f64 {
        (self.total + self.offset) as f64 / MWNS_PER_WH
    }

    /// A snapshot of every value.
    pub fn reading(&self) -> MeterReading {
        MeterReading {
            energy_wh: self.energy_wh(),
            energy_wh_phase: self.energy.map(|e| e as f64 / MWNS_PER_WH),
            power_w: self.power_w(),
            power_w_phase: self.power_w_phase(),
            voltage_v: self.voltage_v,
            current_a: self.current_a,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn eleven_kw_for_one_hour_is_11000_wh_exactly() {
        let t0 = Instant::now();
        let mut meter = PowerMeter::new(230.0);
        meter.advance(t0);
        meter.set_currents([11000.0 / 690.0; 3]);
        // 14400 ticks of 250 ms: a float accumulator would drift; the integer one does not.
        for k in 1..=14_400u32 {
            meter.advance(t0 + Duration::from_millis(250) * k);
        }
        assert_eq!(meter.energy_wh(), 11000.0);
        assert!((meter.power_w() - 11000.0).abs() < 1e-9);
    }

    #[test]
    fn uneven_ticks_integrate_the_same() {
        let t0 = Instant::now();
        let mut meter = PowerMeter::new(230.0);
        meter.advance(t0);
        meter.set_currents([16.0, 16.0, 16.0]);
        let mut t = t0;
        for ms in [1u64, 249, 333, 17, 3600 * 1000 - 600] {
            t += Duration::from_millis(ms);
            meter.advance(t);
        }
        assert_eq!(meter.energy_wh(), 11040.0);
        assert_eq!(meter.reading().energy_wh_phase, [3680.0; 3]);
    }

    #[test]
    fn overrides_and_reset() {
        let t0 = Instant::now();
        let mut meter = PowerMeter::new(230.0);
        meter.advance(t0);
        meter.set_energy_wh(1234.5);
        meter.override_power_w(Some(3600.0));
        meter.advance(t0 + Duration::from_secs(1));
        assert!((meter.energy_wh() - 1235.5).abs() < 1e-9);
        meter.override_power_w(None);
        assert_eq!(meter.power_w(), 0.0);
        meter.reset();
        assert_eq!(meter.energy_wh(), 0.0);
        // Time going backwards adds nothing.
        meter.set_currents([10.0, 0.0, 0.0]);
        meter.advance(t0);
        assert_eq!(meter.energy_wh(), 0.0);
    }
}
