//! SetChargingProfile: every rejection reason, replacement, the RemoteStart TxProfile, the end of
//! a transaction, expiry and persistence.

use ocpp_types::charging_profile::{ChargingProfile, RecurrencyKind};
use ocpp_types::smart_charging::ChargingProfileStatus;

use super::*;
use crate::smart_charging::{InstallError, InstalledProfile};

struct Rejection {
    name: &'static str,
    connector: i32,
    profile: ChargingProfile,
    settings: SmartChargingSettings,
    transaction: Option<ActiveTransaction>,
    want: InstallError,
}

fn case(
    name: &'static str,
    connector: i32,
    profile: ChargingProfile,
    want: InstallError,
) -> Rejection {
    Rejection {
        name,
        connector,
        profile,
        settings: SmartChargingSettings::default(),
        transaction: Some(tx7()),
        want,
    }
}

fn with(mut p: ChargingProfile, f: impl FnOnce(&mut ChargingProfile)) -> ChargingProfile {
    f(&mut p);
    p
}

fn rejections() -> Vec<Rejection> {
    let txd = || profile(1, TxDefaultProfile, 0, 16.0);
    vec![
        Rejection {
            settings: SmartChargingSettings {
                supported_purposes: vec![TxDefaultProfile, TxProfile],
                ..Default::default()
            },
            ..case(
                "purpose not in SupportedChargingProfilePurposeTypes",
                0,
                profile(1, ChargePointMaxProfile, 0, 16.0),
                InstallError::PurposeNotSupported(ChargePointMaxProfile),
            )
        },
        case(
            "connector above NumberOfConnectors",
            3,
            txd(),
            InstallError::InvalidConnector(3),
        ),
        case(
            "negative connector",
            -1,
            txd(),
            InstallError::InvalidConnector(-1),
        ),
        case(
            "negative stack level",
            1,
            with(txd(), |p| p.stack_level = -1),
            InstallError::InvalidStackLevel {
                stack_level: -1,
                max: 1000,
            },
        ),
        case(
            "stack level above ChargeProfileMaxStackLevel",
            1,
            with(txd(), |p| p.stack_level = 1001),
            InstallError::InvalidStackLevel {
                stack_level: 1001,
                max: 1000,
            },
        ),
        case(
            "Absolute without startSchedule",
            1,
            with(txd(), |p| p.charging_schedule.start_schedule = None),
            InstallError::MissingStartSchedule(Absolute),
        ),
        Rejection {
            settings: SmartChargingSettings {
                max_profiles_installed: 0,
                ..Default::default()
            },
            ..case(
                "MaxChargingProfilesInstalled reached",
                1,
                txd(),
                InstallError::TooManyProfiles { max: 0 },
            )
        },
        Rejection {
            settings: SmartChargingSettings {
                max_periods: 1,
                ..Default::default()
            },
            ..case(
                "more periods than ChargingScheduleMaxPeriods",
                1,
                periods(txd(), &[(0, 16.0), (60, 10.0)]),
                InstallError::TooManyPeriods { periods: 2, max: 1 },
            )
        },
        Rejection {
            settings: SmartChargingSettings {
                allowed_rate_units: vec![A],
                ..Default::default()
            },
            ..case(
                "unit not in ChargingScheduleAllowedChargingRateUnit",
                1,
                with(txd(), |p| p.charging_schedule.charging_rate_unit = W),
                InstallError::RateUnitNotAllowed(W),
            )
        },
        case(
            "numberPhases 0",
            1,
            with(txd(), |p| {
                p.charging_schedule.charging_schedule_period[0].number_phases = Some(0)
            }),
            InstallError::InvalidNumberPhases(0),
        ),
        case(
            "numberPhases 4",
            1,
            with(txd(), |p| {
                p.charging_schedule.charging_schedule_period[0].number_phases = Some(4)
            }),
            InstallError::InvalidNumberPhases(4),
        ),
        case(
            "negative limit",
            1,
            periods(txd(), &[(0, -1.0)]),
            InstallError::NegativeLimit(-1.0),
        ),
        case("no period", 1, periods(txd(), &[]), InstallError::NoPeriods),
        case(
            "first period not at 0",
            1,
            periods(txd(), &[(60, 16.0)]),
            InstallError::FirstPeriodNotAtZero(60),
        ),
        case(
            "periods at the same start",
            1,
            periods(txd(), &[(0, 16.0), (60, 10.0), (60, 8.0)]),
            InstallError::PeriodsNotIncreasing { index: 2 },
        ),
        case(
            "periods out of order",
            1,
            periods(txd(), &[(0, 16.0), (600, 10.0), (300, 8.0)]),
            InstallError::PeriodsNotIncreasing { index: 2 },
        ),
        case(
            "Recurring without recurrencyKind",
            1,
            with(txd(), |p| p.charging_profile_kind = Recurring),
            InstallError::MissingRecurrencyKind,
        ),
        case(
            "Recurring without startSchedule",
            1,
            with(txd(), |p| {
                p.charging_profile_kind = Recurring;
                p.recurrency_kind = Some(RecurrencyKind::Daily);
                p.charging_schedule.start_schedule = None;
            }),
            InstallError::MissingStartSchedule(Recurring),
        ),
        case(
            "ChargePointMaxProfile on a connector",
            1,
            profile(1, ChargePointMaxProfile, 0, 16.0),
            InstallError::ChargePointMaxNotOnConnectorZero(1),
        ),
        case(
            "ChargePointMaxProfile of kind Relative",
            0,
            with(profile(1, ChargePointMaxProfile, 0, 16.0), |p| {
                p.charging_profile_kind = Relative;
                p.charging_schedule.start_schedule = None;
            }),
            InstallError::ChargePointMaxRelative,
        ),
        case(
            "TxProfile on connector 0",
            0,
            profile(1, TxProfile, 0, 16.0),
            InstallError::TxProfileOnConnectorZero,
        ),
        Rejection {
            transaction: None,
            ..case(
                "TxProfile without a transaction",
                1,
                profile(1, TxProfile, 0, 16.0),
                InstallError::NoTransaction(1),
            )
        },
        case(
            "TxProfile for another transaction",
            1,
            with(profile(1, TxProfile, 0, 16.0), |p| {
                p.transaction_id = Some(8)
            }),
            InstallError::TransactionIdMismatch {
                given: 8,
                running: Some(7),
            },
        ),
        Rejection {
            transaction: Some(ActiveTransaction {
                transaction_id: None,
                started: t(T0),
            }),
            ..case(
                "TxProfile naming a transaction before StartTransaction.conf",
                1,
                with(profile(1, TxProfile, 0, 16.0), |p| {
                    p.transaction_id = Some(7)
                }),
                InstallError::TransactionIdMismatch {
                    given: 7,
                    running: None,
                },
            )
        },
    ]
}

#[test]
fn every_rejection_reason() {
    for r in rejections() {
        let mut profiles = ChargingProfiles::new(2);
        let transaction = r.transaction;
        let transactions = move |c: i32| (c == 1).then_some(transaction).flatten();
        let got = profiles.install(r.connector, r.profile, &r.settings, &transactions, t(T0));
        assert_eq!(got, Err(r.want.clone()), "{}", r.name);
        assert_eq!(r.want.status(), ChargingProfileStatus::Rejected);
        assert!(profiles.is_empty(), "{}", r.name);
    }
}

#[test]
fn accepted_profiles_of_every_purpose() {
    let profiles = station(&[
        (0, profile(1, ChargePointMaxProfile, 0, 32.0)),
        (0, profile(2, TxDefaultProfile, 0, 16.0)),
        (2, profile(3, TxDefaultProfile, 0, 10.0)),
        (
            1,
            with(profile(4, TxProfile, 0, 8.0), |p| {
                p.transaction_id = Some(7)
            }),
        ),
        (1, profile(5, TxProfile, 1, 6.0)),
    ]);
    assert_eq!(profiles.len(), 5);
    let on = |c| {
        profiles
            .on_connector(c)
            .map(|p| p.charging_profile_id)
            .collect::<Vec<_>>()
    };
    assert_eq!((on(0), on(1), on(2)), (vec![1, 2], vec![4, 5], vec![3]));
}

#[test]
fn missing_start_schedule_is_filled_in_when_allowed() {
    let settings = SmartChargingSettings {
        allow_without_start_schedule: true,
        ..Default::default()
    };
    for kind in [Absolute, Recurring] {
        let mut profiles = ChargingProfiles::new(1);
        let p = with(profile(1, TxDefaultProfile, 0, 16.0), |p| {
            p.charging_profile_kind = kind;
            p.recurrency_kind = (kind == Recurring).then_some(RecurrencyKind::Weekly);
            p.charging_schedule.start_schedule = None;
        });
        let installed = profiles.install(1, p, &settings, &none, t0(42)).unwrap();
        assert_eq!(
            installed.installed.profile.charging_schedule.start_schedule,
            Some(t0(42))
        );
    }
}

#[test]
fn recurring_duration_is_cut_to_the_recurrence() {
    let settings = SmartChargingSettings::default();
    for (kind, duration, want) in [
        (RecurrencyKind::Daily, 100_000, 86_400),
        (RecurrencyKind::Daily, 3600, 3600),
        (RecurrencyKind::Weekly, 700_000, 604_800),
    ] {
        let mut profiles = ChargingProfiles::new(1);
        let p = with(profile(1, TxDefaultProfile, 0, 16.0), |p| {
            p.charging_profile_kind = Recurring;
            p.recurrency_kind = Some(kind);
            p.charging_schedule.duration = Some(duration);
        });
        let installed = profiles.install(1, p, &settings, &none, t(T0)).unwrap();
        assert_eq!(
            installed.installed.profile.charging_schedule.duration,
            Some(want)
        );
    }
}

#[test]
fn same_id_replaces_wherever_it_is() {
    let mut profiles = station(&[(1, profile(1, TxDefaultProfile, 3, 16.0))]);
    let settings = SmartChargingSettings::default();
    let got = profiles
        .install(
            0,
            profile(1, ChargePointMaxProfile, 0, 20.0),
            &settings,
            &none,
            t(T0),
        )
        .unwrap();
    assert_eq!(got.replaced, vec![1]);
    assert_eq!(profiles.len(), 1);
    let p = profiles.get(1).unwrap();
    assert_eq!(
        (p.connector_id, p.profile.charging_profile_purpose),
        (0, ChargePointMaxProfile)
    );
}

#[test]
fn same_purpose_and_level_on_the_same_connector_replaces() {
    let mut profiles = station(&[
        (1, profile(1, TxDefaultProfile, 1, 16.0)),
        (2, profile(2, TxDefaultProfile, 1, 16.0)),
        (0, profile(3, TxDefaultProfile, 1, 16.0)),
        (1, profile(4, TxProfile, 1, 16.0)),
    ]);
    let settings = SmartChargingSettings::default();
    let got = profiles
        .install(
            1,
            profile(5, TxDefaultProfile, 1, 8.0),
            &settings,
            &none,
            t(T0),
        )
        .unwrap();
    assert_eq!(
        got.replaced,
        vec![1],
        "not connector 2's, not the station's, not the TxProfile"
    );
    let mut ids: Vec<i32> = profiles
        .iter()
        .map(|p| p.profile.charging_profile_id)
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, vec![2, 3, 4, 5]);
    // A different level adds.
    let got = profiles
        .install(
            1,
            profile(6, TxDefaultProfile, 2, 8.0),
            &settings,
            &none,
            t(T0),
        )
        .unwrap();
    assert!(got.replaced.is_empty());
    assert_eq!(profiles.len(), 5);
}

#[test]
fn a_replacement_fits_when_the_station_is_full() {
    let settings = SmartChargingSettings {
        max_profiles_installed: 1,
        ..Default::default()
    };
    let mut profiles = ChargingProfiles::new(1);
    profiles
        .install(
            1,
            profile(1, TxDefaultProfile, 0, 16.0),
            &settings,
            &none,
            t(T0),
        )
        .unwrap();
    let got = profiles.install(
        1,
        profile(1, TxDefaultProfile, 0, 8.0),
        &settings,
        &none,
        t(T0),
    );
    assert_eq!(got.unwrap().replaced, vec![1]);
    let got = profiles.install(
        1,
        profile(2, TxDefaultProfile, 0, 8.0),
        &settings,
        &none,
        t(T0),
    );
    assert_eq!(got.unwrap().replaced, vec![1], "same level replaces too");
    let got = profiles.install(
        1,
        profile(3, TxDefaultProfile, 1, 8.0),
        &settings,
        &none,
        t(T0),
    );
    assert_eq!(got, Err(InstallError::TooManyProfiles { max: 1 }));
}

#[test]
fn remote_start_tx_profile_needs_no_transaction_yet() {
    let settings = SmartChargingSettings::default();
    let mut profiles = ChargingProfiles::new(2);
    let p = profile(1, TxProfile, 0, 16.0);
    profiles
        .install_for_remote_start(1, p.clone(), &settings, &none, t(T0))
        .unwrap();
    assert_eq!(profiles.len(), 1);
    // ... but one naming a transaction does (libocpp test
    // ValidateProfile_AbsoluteTxProfileNoActiveTransactionIgnoreNoTransaction__ReturnsFalse).
    let named = with(profile(2, TxProfile, 1, 16.0), |p| {
        p.transaction_id = Some(7)
    });
    let got = profiles.install_for_remote_start(1, named, &settings, &none, t(T0));
    assert_eq!(got, Err(InstallError::NoTransaction(1)));
    let got = profiles.install_for_remote_start(0, p, &settings, &none, t(T0));
    assert_eq!(got, Err(InstallError::TxProfileOnConnectorZero));
}

#[test]
fn transaction_end_removes_the_connectors_tx_profiles_only() {
    let mut profiles = station(&[
        (1, profile(1, TxProfile, 0, 16.0)),
        (1, profile(2, TxProfile, 1, 16.0)),
        (1, profile(3, TxDefaultProfile, 0, 16.0)),
        (0, profile(4, ChargePointMaxProfile, 0, 16.0)),
    ]);
    assert_eq!(profiles.transaction_ended(2), Vec::<i32>::new());
    assert_eq!(profiles.transaction_ended(1), vec![1, 2]);
    assert_eq!(profiles.len(), 2);
}

#[test]
fn expired_profiles_are_removed() {
    let mut profiles = station(&[
        (
            1,
            with(profile(1, TxDefaultProfile, 0, 16.0), |p| {
                p.valid_to = Some(t0(3600))
            }),
        ),
        (
            1,
            with(profile(2, TxDefaultProfile, 1, 16.0), |p| {
                p.charging_schedule.duration = Some(600)
            }),
        ),
        (
            1,
            with(profile(3, TxDefaultProfile, 2, 16.0), |p| {
                p.charging_profile_kind = Recurring;
                p.recurrency_kind = Some(RecurrencyKind::Daily);
                p.charging_schedule.duration = Some(600);
            }),
        ),
        (1, profile(4, TxDefaultProfile, 3, 16.0)),
    ]);
    assert_eq!(
        profiles.remove_expired(t0(600)),
        Vec::<i32>::new(),
        "edges still valid"
    );
    assert_eq!(profiles.remove_expired(t0(601)), vec![2]);
    assert_eq!(profiles.remove_expired(t0(3601)), vec![1]);
    assert_eq!(profiles.len(), 2);
}

#[test]
fn restore_round_trips_and_drops_what_no_longer_validates() {
    let profiles = station(&[
        (0, profile(1, ChargePointMaxProfile, 0, 32.0)),
        (0, profile(2, TxDefaultProfile, 0, 16.0)),
        (1, profile(3, TxProfile, 0, 10.0)),
    ]);
    let stored: Vec<InstalledProfile> = profiles.iter().cloned().collect();
    let settings = SmartChargingSettings::default();
    let same = ChargingProfiles::restore(2, stored.clone(), &settings, &on_connector_1, t(T0));
    assert_eq!(same.profiles, profiles);
    assert!(same.dropped.is_empty());
    // After a reboot the transaction is gone, and so is its TxProfile.
    let after = ChargingProfiles::restore(2, stored, &settings, &none, t(T0));
    assert_eq!(after.dropped, vec![3]);
    assert_eq!(after.profiles.len(), 2);
}

#[test]
fn settings_come_from_the_configuration() {
    use crate::config::{Configuration, Document, MemoryOverlay, Registry, DEFAULT_CONFIG};
    let base = Document::parse("ocpp-config.json", DEFAULT_CONFIG).unwrap();
    let registry = Registry::embedded().unwrap().clone();
    let config = Configuration::load(registry, &base, Box::new(MemoryOverlay::default())).unwrap();
    let settings = SmartChargingSettings::from_config(config.typed());
    // config/ocpp-config.json sets these two; the rest are the schema defaults.
    assert_eq!(settings.max_stack_level, 42);
    assert!(settings.allow_without_start_schedule);
    assert_eq!(
        SmartChargingSettings {
            max_stack_level: 1000,
            allow_without_start_schedule: false,
            ..settings
        },
        SmartChargingSettings::default()
    );
}
