//! Meter values (OCPP 1.6 §7.31 Measurand, §7.33 Location, §7.35 MeterValue, §7.39 Phase,
//! §7.40 ReadingContext, §7.43 SampledValue, §7.45 UnitOfMeasure, §7.46 ValueFormat), carried
//! by `MeterValues.meterValue` and `StopTransaction.transactionData`.
//!
//! The enumerations are spelled on the wire with dots and dashes (`Energy.Active.Import.Register`,
//! `L1-N`); each has [`as_str`](Measurand::as_str) for that spelling,
//! [`from_wire`](Measurand::from_wire) to parse it (as configuration keys such as
//! `MeterValuesSampledData` list them) and `ALL` with every value in schema order.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{DateTime, NonEmptyVec};

/// Defines an enumeration whose wire spellings differ from Rust identifiers, with `ALL`,
/// `as_str`, `from_wire` and `Display`, all generated from the same list so they cannot drift.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $wire)] $variant, )*
        }

        impl $name {
            /// Every value, in the order the schema lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The value as spelled on the wire.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)*
                }
            }

            /// Parses the wire spelling (exactly, case-sensitively); `None` for anything else.
            pub fn from_wire(s: &str) -> Option<$name> {
                match s {
                    $($wire => Some($name::$variant),)*
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum! {
    /// Why a value was sampled (OCPP 1.6 §7.40); absent means `Sample.Periodic`.
    pub enum ReadingContext {
        /// Value taken at the start of an interruption (e.g. of the supply).
        InterruptionBegin = "Interruption.Begin",
        /// Value taken when resuming after an interruption.
        InterruptionEnd = "Interruption.End",
        /// Clock-aligned value (ClockAlignedDataInterval).
        SampleClock = "Sample.Clock",
        /// Periodic sample during a transaction (MeterValueSampleInterval); the default.
        SamplePeriodic = "Sample.Periodic",
        /// Value taken at the start of a transaction.
        TransactionBegin = "Transaction.Begin",
        /// Value taken at the end of a transaction.
        TransactionEnd = "Transaction.End",
        /// Value taken in response to a TriggerMessage.
        Trigger = "Trigger",
        /// Any other reason.
        Other = "Other",
    }
}

wire_enum! {
    /// How `SampledValue.value` is encoded (OCPP 1.6 §7.46); absent means `Raw`.
    pub enum ValueFormat {
        /// A plain integer or decimal number.
        Raw = "Raw",
        /// A signed binary data block, hex-encoded.
        SignedData = "SignedData",
    }
}

wire_enum! {
    /// What quantity a value is (OCPP 1.6 §7.31); absent means `Energy.Active.Import.Register`.
    /// "Import" is energy flowing to the EV, "Export" energy flowing from it.
    pub enum Measurand {
        /// Energy exported by the EV, meter register (Wh or kWh).
        EnergyActiveExportRegister = "Energy.Active.Export.Register",
        /// Energy imported by the EV, meter register (Wh or kWh); the default.
        EnergyActiveImportRegister = "Energy.Active.Import.Register",
        /// Reactive energy exported by the EV, meter register (varh or kvarh).
        EnergyReactiveExportRegister = "Energy.Reactive.Export.Register",
        /// Reactive energy imported by the EV, meter register (varh or kvarh).
        EnergyReactiveImportRegister = "Energy.Reactive.Import.Register",
        /// Energy exported by the EV during the last interval (Wh or kWh).
        EnergyActiveExportInterval = "Energy.Active.Export.Interval",
        /// Energy imported by the EV during the last interval (Wh or kWh).
        EnergyActiveImportInterval = "Energy.Active.Import.Interval",
        /// Reactive energy exported by the EV during the last interval (varh or kvarh).
        EnergyReactiveExportInterval = "Energy.Reactive.Export.Interval",
        /// Reactive energy imported by the EV during the last interval (varh or kvarh).
        EnergyReactiveImportInterval = "Energy.Reactive.Import.Interval",
        /// Instantaneous active power exported by the EV (W or kW).
        PowerActiveExport = "Power.Active.Export",
        /// Instantaneous active power imported by the EV (W or kW).
        PowerActiveImport = "Power.Active.Import",
        /// Maximum power offered to the EV.
        PowerOffered = "Power.Offered",
        /// Instantaneous reactive power exported by the EV (var or kvar).
        PowerReactiveExport = "Power.Reactive.Export",
        /// Instantaneous reactive power imported by the EV (var or kvar).
        PowerReactiveImport = "Power.Reactive.Import",
        /// Instantaneous power factor of the total energy flow.
        PowerFactor = "Power.Factor",
        /// Instantaneous current flowing to the EV (A).
        CurrentImport = "Current.Import",
        /// Instantaneous current flowing from the EV (A).
        CurrentExport = "Current.Export",
        /// Maximum current offered to the EV (A).
        CurrentOffered = "Current.Offered",
        /// Instantaneous AC RMS supply voltage (V).
        Voltage = "Voltage",
        /// Instantaneous power-line frequency (Hertz).
        Frequency = "Frequency",
        /// Temperature reading inside the charge point.
        Temperature = "Temperature",
        /// State of charge of the EV, in percent.
        SoC = "SoC",
        /// Fan speed, in revolutions per minute.
        Rpm = "RPM",
    }
}

wire_enum! {
    /// The phase or phases a value was measured on (OCPP 1.6 §7.39).
    pub enum Phase {
        /// Measured on L1.
        L1 = "L1",
        /// Measured on L2.
        L2 = "L2",
        /// Measured on L3.
        L3 = "L3",
        /// Measured on the neutral conductor.
        N = "N",
        /// Measured between L1 and neutral.
        L1N = "L1-N",
        /// Measured between L2 and neutral.
        L2N = "L2-N",
        /// Measured between L3 and neutral.
        L3N = "L3-N",
        /// Measured between L1 and L2.
        L1L2 = "L1-L2",
        /// Measured between L2 and L3.
        L2L3 = "L2-L3",
        /// Measured between L3 and L1.
        L3L1 = "L3-L1",
    }
}

wire_enum! {
    /// Where a value was measured (OCPP 1.6 §7.33); absent means `Outlet`.
    pub enum Location {
        /// On the cable between the EV and the charge point.
        Cable = "Cable",
        /// By the EV.
        Ev = "EV",
        /// At the grid inlet of the charge point.
        Inlet = "Inlet",
        /// At a connector; the default.
        Outlet = "Outlet",
        /// Inside the body of the charge point (e.g. a temperature).
        Body = "Body",
    }
}

wire_enum! {
    /// The unit of a value (OCPP 1.6 §7.45); absent means `Wh`. Both the spec's misspelling
    /// `Celcius` and the correct `Celsius` are valid and are kept apart, so that what was
    /// received is sent on unchanged.
    pub enum UnitOfMeasure {
        /// Watt-hours (energy); the default.
        Wh = "Wh",
        /// Kilowatt-hours (energy).
        KWh = "kWh",
        /// Var-hours (reactive energy).
        Varh = "varh",
        /// Kilovar-hours (reactive energy).
        Kvarh = "kvarh",
        /// Watts (power).
        W = "W",
        /// Kilowatts (power).
        KW = "kW",
        /// Volt-amperes (apparent power).
        Va = "VA",
        /// Kilovolt-amperes (apparent power).
        Kva = "kVA",
        /// Vars (reactive power).
        Var = "var",
        /// Kilovars (reactive power).
        Kvar = "kvar",
        /// Amperes (current).
        A = "A",
        /// Volts (voltage, RMS).
        V = "V",
        /// Kelvin (temperature).
        K = "K",
        /// Degrees Celsius, as OCPP 1.6 misspells it.
        Celcius = "Celcius",
        /// Degrees Celsius.
        Celsius = "Celsius",
        /// Degrees Fahrenheit (temperature).
        Fahrenheit = "Fahrenheit",
        /// Percent (state of charge).
        Percent = "Percent",
        /// Hertz (frequency). Only MeterValues' schema lists it, StopTransaction's does not.
        Hertz = "Hertz",
    }
}

/// One measured value (OCPP 1.6 §7.43); every optional field has a default in the spec,
/// noted on its type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SampledValue {
    /// The value: a number for `Raw`, hex-encoded signed data for `SignedData`.
    pub value: String,
    /// Why it was sampled; absent means `Sample.Periodic`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<ReadingContext>,
    /// How `value` is encoded; absent means `Raw`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<ValueFormat>,
    /// What was measured; absent means `Energy.Active.Import.Register`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measurand: Option<Measurand>,
    /// The phase it was measured on; absent means not phase-specific (or all phases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,
    /// Where it was measured; absent means `Outlet`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// The unit of `value`; absent means `Wh`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<UnitOfMeasure>,
}

impl SampledValue {
    /// A value with every optional field absent (an energy import register reading in Wh).
    pub fn new(value: impl Into<String>) -> Self {
        SampledValue {
            value: value.into(),
            context: None,
            format: None,
            measurand: None,
            phase: None,
            location: None,
            unit: None,
        }
    }
}

/// The values sampled at one point in time (OCPP 1.6 §7.35).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MeterValue {
    /// When the values were sampled.
    pub timestamp: DateTime,
    /// The values, at least one.
    pub sampled_value: NonEmptyVec<SampledValue>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{encode, CallErrorCode, Violation};

    use crate::test_util::{ok, refused};

    const TYPICAL: &str = r#"{
        "timestamp": "2026-11-24T06:00:00.000Z",
        "sampledValue": [
            {"value": "1234567", "context": "Sample.Periodic", "format": "Raw",
             "measurand": "Energy.Active.Import.Register", "location": "Outlet", "unit": "Wh"},
            {"value": "15.8", "measurand": "Current.Import", "phase": "L1", "unit": "A"},
            {"value": "231.1", "measurand": "Voltage", "phase": "L1-N", "unit": "V"},
            {"value": "41", "measurand": "Temperature", "location": "Body", "unit": "Celcius"},
            {"value": "50.02", "measurand": "Frequency", "unit": "Hertz"},
            {"value": "80", "measurand": "SoC", "location": "EV", "unit": "Percent"}
        ]
    }"#;

    #[test]
    fn typical_meter_value_decodes_and_round_trips() {
        let mv: MeterValue = ok(TYPICAL);
        assert_eq!(mv.timestamp.to_string(), "2026-11-24T06:00:00.000Z");
        assert_eq!(mv.sampled_value.len(), 6);
        let energy = mv.sampled_value.first();
        assert_eq!(energy.value, "1234567");
        assert_eq!(energy.context, Some(ReadingContext::SamplePeriodic));
        assert_eq!(energy.format, Some(ValueFormat::Raw));
        assert_eq!(
            energy.measurand,
            Some(Measurand::EnergyActiveImportRegister)
        );
        assert_eq!(energy.location, Some(Location::Outlet));
        assert_eq!(energy.unit, Some(UnitOfMeasure::Wh));
        assert_eq!(energy.phase, None);
        assert_eq!(mv.sampled_value[2].phase, Some(Phase::L1N));
        assert_eq!(mv.sampled_value[3].unit, Some(UnitOfMeasure::Celcius));
        assert_eq!(mv.sampled_value[5].location, Some(Location::Ev));

        let want: serde_json::Value =
            serde_json::from_str(TYPICAL).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(encode(&mv), want);
    }

    #[test]
    fn absent_optionals_are_omitted_and_null_is_absent() {
        let sv: SampledValue = ok(r#"{"value":"0","unit":null}"#);
        assert_eq!(sv, SampledValue::new("0"));
        assert_eq!(encode(&sv), serde_json::json!({"value": "0"}));
    }

    #[test]
    fn every_enum_value_has_its_wire_spelling() {
        fn check<T>(all: &[T], as_str: fn(T) -> &'static str, parse: fn(&str) -> Option<T>)
        where
            T: Copy + PartialEq + fmt::Debug + Serialize + serde::de::DeserializeOwned,
        {
            for &v in all {
                let wire = as_str(v);
                assert_eq!(encode(&v), serde_json::Value::String(wire.to_owned()));
                assert_eq!(parse(wire), Some(v));
                assert_eq!(ok::<T>(&format!("\"{wire}\"")), v);
            }
            assert_eq!(parse("nonsense"), None);
        }
        check(
            ReadingContext::ALL,
            ReadingContext::as_str,
            ReadingContext::from_wire,
        );
        check(
            ValueFormat::ALL,
            ValueFormat::as_str,
            ValueFormat::from_wire,
        );
        check(Measurand::ALL, Measurand::as_str, Measurand::from_wire);
        check(Phase::ALL, Phase::as_str, Phase::from_wire);
        check(Location::ALL, Location::as_str, Location::from_wire);
        check(
            UnitOfMeasure::ALL,
            UnitOfMeasure::as_str,
            UnitOfMeasure::from_wire,
        );
        assert_eq!(ReadingContext::ALL.len(), 8);
        assert_eq!(Measurand::ALL.len(), 22);
        assert_eq!(Phase::ALL.len(), 10);
        assert_eq!(Location::ALL.len(), 5);
        assert_eq!(UnitOfMeasure::ALL.len(), 18);
        assert_eq!(Measurand::SoC.to_string(), "SoC");
        assert_eq!(Measurand::Rpm.as_str(), "RPM");
        assert_eq!(UnitOfMeasure::KWh.as_str(), "kWh");
        assert_eq!(UnitOfMeasure::Celsius.as_str(), "Celsius");
        assert_eq!(Measurand::from_wire("energy.active.import.register"), None);
    }

    #[test]
    fn unknown_enum_value_is_a_property_constraint_violation() {
        let err = refused::<MeterValue>(
            r#"{"timestamp":"2026-11-24T06:00:00Z","sampledValue":[{"value":"1","unit":"kelvin"}]}"#,
        );
        assert_eq!(err.violation, Violation::UnknownEnumValue);
        assert_eq!(err.code, CallErrorCode::PropertyConstraintViolation);
        assert_eq!(err.path, "sampledValue[0].unit");
    }

    #[test]
    fn empty_sampled_value_is_an_occurrence_violation() {
        let err =
            refused::<MeterValue>(r#"{"timestamp":"2026-11-24T06:00:00Z","sampledValue":[]}"#);
        assert_eq!(err.violation, Violation::Occurrence);
        assert_eq!(err.code, CallErrorCode::OccurenceConstraintViolation);
    }

    #[test]
    fn missing_value_unknown_field_and_bad_timestamp_are_formation_violations() {
        let missing = refused::<SampledValue>(r#"{"unit":"Wh"}"#);
        assert_eq!(missing.violation, Violation::MissingField);
        assert_eq!(missing.code, CallErrorCode::FormationViolation);

        let unknown = refused::<SampledValue>(r#"{"value":"1","scale":3}"#);
        assert_eq!(unknown.violation, Violation::UnknownField);
        assert_eq!(unknown.code, CallErrorCode::FormationViolation);

        let local_time = refused::<MeterValue>(
            r#"{"timestamp":"2026-11-24T06:00:00","sampledValue":[{"value":"1"}]}"#,
        );
        assert_eq!(local_time.violation, Violation::InvalidDateTime);
        assert_eq!(local_time.code, CallErrorCode::FormationViolation);

        let number = refused::<SampledValue>(r#"{"value":12}"#);
        assert_eq!(number.violation, Violation::WrongType);
        assert_eq!(number.code, CallErrorCode::FormationViolation);
    }
}
