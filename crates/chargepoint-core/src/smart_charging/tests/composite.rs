//! Composite schedules on a fake clock, GetCompositeSchedule, and the limit in force now.

use ocpp_types::charging_profile::{
    ChargingProfile, ChargingRateUnit, ChargingSchedulePeriod, RecurrencyKind,
};
use ocpp_types::smart_charging::{GetCompositeScheduleRequest, GetCompositeScheduleStatus};
use ocpp_types::DateTime;

use super::*;
use crate::smart_charging::{ActiveLimit, CompositeQuery};

struct Case {
    name: &'static str,
    profiles: Vec<(i32, ChargingProfile)>,
    /// The transaction on connector 1 at the time of the query.
    transaction: Option<ActiveTransaction>,
    connector: i32,
    start: DateTime,
    duration: i32,
    unit: ChargingRateUnit,
    /// (startPeriod, limit, numberPhases).
    want: Vec<(i32, f64, Option<i32>)>,
}

fn case(name: &'static str, profiles: Vec<(i32, ChargingProfile)>, want: &[(i32, f64)]) -> Case {
    Case {
        name,
        profiles,
        transaction: Some(tx7()),
        connector: 1,
        start: t(T0),
        duration: 3600,
        unit: A,
        want: want.iter().map(|&(s, l)| (s, l, None)).collect(),
    }
}

fn with(mut p: ChargingProfile, f: impl FnOnce(&mut ChargingProfile)) -> ChargingProfile {
    f(&mut p);
    p
}

fn phases(mut p: ChargingProfile, n: i32) -> ChargingProfile {
    for period in &mut p.charging_schedule.charging_schedule_period {
        period.number_phases = Some(n);
    }
    p
}

fn watts(p: ChargingProfile) -> ChargingProfile {
    with(p, |p| p.charging_schedule.charging_rate_unit = W)
}

fn recurring(p: ChargingProfile, kind: RecurrencyKind, start: &str) -> ChargingProfile {
    with(p, |p| {
        p.charging_profile_kind = Recurring;
        p.recurrency_kind = Some(kind);
        p.charging_schedule.start_schedule = Some(t(start));
    })
}

fn relative(p: ChargingProfile) -> ChargingProfile {
    with(p, |p| {
        p.charging_profile_kind = Relative;
        p.charging_schedule.start_schedule = None;
    })
}

fn cases() -> Vec<Case> {
    let txd = |id, level, limit| profile(id, TxDefaultProfile, level, limit);
    vec![
        case("nothing installed: the default limit", vec![], &[(0, 48.0)]),
        Case {
            unit: W,
            ..case("nothing installed, in watts", vec![], &[(0, 33_120.0)])
        },
        case(
            "the higher stack level wins while it runs",
            vec![
                (1, txd(1, 0, 32.0)),
                (
                    1,
                    with(txd(2, 1, 10.0), |p| {
                        p.charging_schedule.start_schedule = Some(t0(600));
                        p.charging_schedule.duration = Some(1200);
                    }),
                ),
            ],
            &[(0, 32.0), (600, 10.0), (1800, 32.0)],
        ),
        case(
            "TxProfile over TxDefaultProfile, which fills its gaps",
            vec![
                (1, txd(1, 5, 20.0)),
                (
                    1,
                    with(profile(2, TxProfile, 0, 10.0), |p| {
                        p.charging_schedule.duration = Some(600)
                    }),
                ),
            ],
            &[(0, 10.0), (600, 20.0)],
        ),
        case(
            "ChargePointMaxProfile caps",
            vec![
                (0, profile(1, ChargePointMaxProfile, 0, 16.0)),
                (1, txd(2, 0, 32.0)),
            ],
            &[(0, 16.0)],
        ),
        case(
            "below the ChargePointMaxProfile the Tx limit stays",
            vec![
                (0, profile(1, ChargePointMaxProfile, 0, 40.0)),
                (1, txd(2, 0, 32.0)),
            ],
            &[(0, 32.0)],
        ),
        case(
            "ChargePointMaxProfile alone",
            vec![(0, profile(1, ChargePointMaxProfile, 0, 16.0))],
            &[(0, 16.0)],
        ),
        Case {
            unit: W,
            ..case(
                "A to W, 3 phases",
                vec![(1, txd(1, 0, 16.0))],
                &[(0, 11_040.0)],
            )
        },
        Case {
            unit: W,
            want: vec![(0, 3680.0, Some(1))],
            ..case(
                "A to W, 1 phase",
                vec![(1, phases(txd(1, 0, 16.0), 1))],
                &[],
            )
        },
        case(
            "W to A, 3 phases",
            vec![(1, watts(txd(1, 0, 11_040.0)))],
            &[(0, 16.0)],
        ),
        Case {
            want: vec![(0, 16.0, Some(1))],
            ..case(
                "W to A, 1 phase",
                vec![(1, phases(watts(txd(1, 0, 3680.0)), 1))],
                &[],
            )
        },
        Case {
            want: vec![(0, 32.0, Some(1))],
            ..case(
                "ChargePointMaxProfile in W against a 1-phase TxDefaultProfile in A",
                vec![
                    (0, watts(profile(1, ChargePointMaxProfile, 0, 11_040.0))),
                    (1, phases(txd(2, 0, 32.0), 1)),
                ],
                &[],
            )
        },
        Case {
            unit: W,
            want: vec![(0, 7360.0, Some(1))],
            ..case(
                "the same in W: the ampere limit on 1 phase is lower",
                vec![
                    (0, watts(profile(1, ChargePointMaxProfile, 0, 11_040.0))),
                    (1, phases(txd(2, 0, 32.0), 1)),
                ],
                &[],
            )
        },
        Case {
            start: t("2026-11-24T21:00:00Z"),
            duration: 6 * 3600,
            ..case(
                "daily recurrence across midnight",
                vec![(
                    1,
                    recurring(
                        periods(txd(1, 0, 0.0), &[(0, 6.0), (14_400, 32.0)]),
                        RecurrencyKind::Daily,
                        "2026-11-23T22:00:00Z",
                    ),
                )],
                &[(0, 32.0), (3600, 6.0), (18_000, 32.0)],
            )
        },
        Case {
            duration: 14 * 3600,
            ..case(
                "daily recurrence with a duration: default outside it",
                vec![(
                    1,
                    with(
                        recurring(
                            txd(1, 0, 32.0),
                            RecurrencyKind::Daily,
                            "2026-11-24T08:00:00Z",
                        ),
                        |p| p.charging_schedule.duration = Some(36_000),
                    ),
                )],
                &[(0, 48.0), (7200, 32.0), (43_200, 48.0)],
            )
        },
        Case {
            start: t("2026-11-29T23:00:00Z"),
            duration: 2 * 3600,
            ..case(
                "weekly recurrence across the week boundary",
                vec![(
                    1,
                    recurring(
                        periods(txd(1, 0, 0.0), &[(0, 10.0), (6 * 86_400, 32.0)]),
                        RecurrencyKind::Weekly,
                        "2026-11-23T00:00:00Z",
                    ),
                )],
                &[(0, 32.0), (3600, 10.0)],
            )
        },
        Case {
            start: t("2026-11-24T10:00:00Z"),
            duration: 2 * 86_400,
            ..case(
                "a recurrence extends before startSchedule, validFrom bounds it",
                vec![(
                    1,
                    with(
                        recurring(
                            periods(txd(1, 0, 0.0), &[(0, 10.0), (3600, 20.0)]),
                            RecurrencyKind::Daily,
                            "2026-11-25T12:00:00Z",
                        ),
                        |p| p.valid_from = Some(t("2026-11-25T00:00:00Z")),
                    ),
                )],
                // 14:00 to 12:00 the next day: before validFrom, the default; then 20 A.
                &[
                    (0, 48.0),
                    (14 * 3600, 20.0),
                    (26 * 3600, 10.0),
                    (27 * 3600, 20.0),
                ],
            )
        },
        case(
            "Relative from the start of the transaction",
            vec![(
                1,
                with(
                    relative(periods(
                        profile(1, TxProfile, 0, 0.0),
                        &[(0, 6.0), (1200, 16.0)],
                    )),
                    |p| p.transaction_id = Some(7),
                ),
            )],
            &[(0, 6.0), (600, 16.0)],
        ),
        Case {
            transaction: None,
            ..case(
                "Relative without a transaction starts with the composite",
                vec![(
                    1,
                    relative(periods(txd(1, 0, 0.0), &[(0, 6.0), (1200, 16.0)])),
                )],
                &[(0, 6.0), (1200, 16.0)],
            )
        },
        case(
            "validFrom and validTo bound a profile",
            vec![
                (1, txd(1, 0, 20.0)),
                (
                    1,
                    with(txd(2, 1, 10.0), |p| {
                        p.valid_from = Some(t0(300));
                        p.valid_to = Some(t0(900));
                    }),
                ),
            ],
            &[(0, 20.0), (300, 10.0), (900, 20.0)],
        ),
        case(
            "validTo at the start: over",
            vec![
                (1, txd(1, 0, 20.0)),
                (1, with(txd(2, 1, 10.0), |p| p.valid_to = Some(t(T0)))),
            ],
            &[(0, 20.0)],
        ),
        case(
            "validFrom at the start: in force",
            vec![
                (1, txd(1, 0, 20.0)),
                (1, with(txd(2, 1, 10.0), |p| p.valid_from = Some(t(T0)))),
            ],
            &[(0, 10.0)],
        ),
        Case {
            transaction: Some(ActiveTransaction {
                transaction_id: Some(8),
                started: t(T0),
            }),
            ..case(
                "a TxProfile of another transaction does not count",
                vec![
                    (1, txd(1, 0, 20.0)),
                    (
                        1,
                        with(profile(2, TxProfile, 0, 10.0), |p| {
                            p.transaction_id = Some(7)
                        }),
                    ),
                ],
                &[(0, 20.0)],
            )
        },
        Case {
            connector: 0,
            ..case(
                "connector 0 sums the connectors, the default for one without a limit",
                vec![(1, txd(1, 0, 16.0))],
                &[(0, 64.0)],
            )
        },
        Case {
            connector: 0,
            unit: W,
            ..case(
                "the same in W",
                vec![(1, txd(1, 0, 16.0))],
                &[(0, 44_160.0)],
            )
        },
        Case {
            connector: 0,
            ..case(
                "connector 0 capped by the ChargePointMaxProfile",
                vec![
                    (0, profile(1, ChargePointMaxProfile, 0, 40.0)),
                    (1, txd(2, 0, 16.0)),
                ],
                &[(0, 40.0)],
            )
        },
        Case {
            connector: 0,
            ..case(
                "a TxDefaultProfile on 0 limits every connector",
                vec![(0, txd(1, 0, 10.0))],
                &[(0, 20.0)],
            )
        },
        case(
            "a connector's own TxDefaultProfile over the station's at the same level",
            vec![(0, txd(1, 1, 20.0)), (1, txd(2, 1, 10.0))],
            &[(0, 10.0)],
        ),
        Case {
            connector: 2,
            ..case(
                "... which still limits the other connector",
                vec![(0, txd(1, 1, 20.0)), (1, txd(2, 1, 10.0))],
                &[(0, 20.0)],
            )
        },
        case(
            "adjacent equal periods merge",
            vec![
                (
                    1,
                    with(txd(1, 1, 10.0), |p| {
                        p.charging_schedule.duration = Some(600)
                    }),
                ),
                (1, txd(2, 0, 10.0)),
            ],
            &[(0, 10.0)],
        ),
    ]
}

fn composite(
    profiles: &ChargingProfiles,
    connector: i32,
    start: DateTime,
    duration: i32,
    unit: ChargingRateUnit,
    transactions: &dyn Fn(i32) -> Option<ActiveTransaction>,
) -> Vec<(i32, f64, Option<i32>)> {
    let query = CompositeQuery {
        connector_id: connector,
        start,
        duration,
        unit,
        ignored_purposes: &[],
    };
    let schedule =
        profiles.composite_schedule(&query, &SmartChargingSettings::default(), transactions);
    assert_eq!(schedule.duration, Some(duration));
    assert_eq!(schedule.start_schedule, Some(start));
    assert_eq!(schedule.charging_rate_unit, unit);
    assert_eq!(schedule.min_charging_rate, None);
    schedule
        .charging_schedule_period
        .iter()
        .map(|p| {
            (
                p.start_period,
                (p.limit * 1000.0).round() / 1000.0,
                p.number_phases,
            )
        })
        .collect()
}

#[test]
fn composite_schedules() {
    for c in cases() {
        let profiles = station(&c.profiles);
        let transaction = c.transaction;
        let transactions = move |n: i32| (n == 1).then_some(transaction).flatten();
        let got = composite(
            &profiles,
            c.connector,
            c.start,
            c.duration,
            c.unit,
            &transactions,
        );
        assert_eq!(got, c.want, "{}", c.name);
    }
}

#[test]
fn ignored_purposes_apply_only_offline() {
    let profiles = station(&[
        (0, profile(1, ChargePointMaxProfile, 0, 10.0)),
        (1, profile(2, TxDefaultProfile, 0, 20.0)),
    ]);
    let settings = SmartChargingSettings {
        ignored_purposes_offline: vec![ChargePointMaxProfile],
        ..Default::default()
    };
    let limit = |offline| {
        profiles
            .active_limit(1, t(T0), offline, &settings, &none)
            .amps
    };
    assert_eq!((limit(false), limit(true)), (10.0, 20.0));
}

#[test]
fn get_composite_schedule_answers_as_libocpp() {
    let profiles = station(&[(1, profile(1, TxDefaultProfile, 0, 16.0))]);
    let settings = SmartChargingSettings {
        allowed_rate_units: vec![W],
        max_composite_duration: 600,
        ..Default::default()
    };
    let request = |connector_id, unit| GetCompositeScheduleRequest {
        connector_id,
        duration: 3600,
        charging_rate_unit: unit,
    };
    let now = t("2026-11-24T06:00:00.750Z");
    let answer = |r| profiles.get_composite_schedule(&r, now, false, &settings, &none);

    for refused in [request(3, None), request(-1, None), request(1, Some(A))] {
        let got = answer(refused);
        assert_eq!(got.status, GetCompositeScheduleStatus::Rejected);
        assert_eq!((got.connector_id, got.charging_schedule), (None, None));
    }
    let got = answer(request(1, None));
    assert_eq!(got.status, GetCompositeScheduleStatus::Accepted);
    assert_eq!(got.connector_id, Some(1));
    assert_eq!(
        got.schedule_start,
        Some(t(T0)),
        "rounded down to the second"
    );
    let schedule = got.charging_schedule.unwrap();
    assert_eq!(schedule.charging_rate_unit, W, "the first allowed unit");
    assert_eq!(
        schedule.duration,
        Some(600),
        "cut to MaxCompositeScheduleDuration"
    );
    assert_eq!(schedule.charging_schedule_period, vec![period(0, 11_040.0)]);
    let got = answer(GetCompositeScheduleRequest {
        duration: -5,
        ..request(1, None)
    });
    assert_eq!(got.charging_schedule.unwrap().duration, Some(0));
}

#[test]
fn active_limit_and_its_next_change() {
    let settings = SmartChargingSettings::default();
    let nothing = ChargingProfiles::new(2).active_limit(1, t(T0), false, &settings, &none);
    assert_eq!(
        nothing,
        ActiveLimit {
            amps: 48.0,
            watts: 33_120.0,
            number_phases: None,
            limited: false,
            min_charging_rate_amps: None,
            min_charging_rate_watts: None,
            next_change: None,
        }
    );

    let profiles = station(&[
        (0, profile(1, ChargePointMaxProfile, 0, 32.0)),
        (
            1,
            with(
                periods(
                    profile(2, TxDefaultProfile, 0, 0.0),
                    &[(0, 10.0), (1800, 40.0)],
                ),
                |p| {
                    p.charging_schedule.min_charging_rate = Some(6.0);
                },
            ),
        ),
    ]);
    let at = |s| profiles.active_limit(1, t0(s), false, &settings, &none);
    let now = at(0);
    assert_eq!((now.amps, now.watts, now.limited), (10.0, 6900.0, true));
    assert_eq!(
        (now.min_charging_rate_amps, now.min_charging_rate_watts),
        (Some(6.0), Some(4140.0))
    );
    assert_eq!(now.next_change, Some(t0(1800)));
    let later = at(1799);
    assert_eq!(later.next_change, Some(t0(1800)));
    let capped = at(1800);
    assert_eq!((capped.amps, capped.watts), (32.0, 22_080.0));
    assert_eq!(
        capped.next_change,
        Some(t0(1800 + 8 * 86_400)),
        "no change: ask again in 8 days"
    );

    // Connector 0: the sum of both connectors (10 + 48 A) under the ChargePointMaxProfile.
    let station_limit = profiles.active_limit(0, t(T0), false, &settings, &none);
    assert_eq!(station_limit.amps, 32.0);
    assert_eq!(station_limit.min_charging_rate_amps, None);
}

#[test]
fn active_limit_sees_the_next_recurrence() {
    let settings = SmartChargingSettings::default();
    let profiles = station(&[(
        1,
        with(
            recurring(
                profile(1, TxDefaultProfile, 0, 16.0),
                RecurrencyKind::Weekly,
                "2026-11-30T00:00:00Z",
            ),
            |p| p.charging_schedule.duration = Some(3600),
        ),
    )]);
    let limit = profiles.active_limit(1, t(T0), false, &settings, &none);
    assert_eq!((limit.amps, limit.limited), (48.0, false));
    assert_eq!(limit.next_change, Some(t("2026-11-30T00:00:00Z")));
}

/// (name, profile on connector 1, transaction start, window start, expected periods).
type LibocppCase = (
    &'static str,
    ChargingProfile,
    Option<&'static str>,
    &'static str,
    &'static [(i32, f64)],
);

/// libocpp's tests/lib/ocpp/v16/profile_testsC.cpp `DailyRecurring*`, `DailyRecurringAlt*` and
/// `Minimum*`: a daily TxDefaultProfile from 08:00 (32 A, 7 A after 10 h; or 32 A for a 10 h
/// duration), valid from Monday 2024-01-01 12:00 to Friday 12:00, seen through 10-minute windows.
#[test]
fn libocpp_profile_tests_c() {
    let recurring = |alt: bool| {
        let mut p = recurring(
            profile(301, TxDefaultProfile, 5, 32.0),
            RecurrencyKind::Daily,
            "2024-01-01T08:00:00Z",
        );
        if alt {
            p.charging_schedule.duration = Some(36_000);
        } else {
            p = periods(p, &[(0, 32.0), (36_000, 7.0)]);
        }
        p.valid_from = Some(t("2024-01-01T12:00:00Z"));
        p.valid_to = Some(t("2024-01-05T12:00:00Z"));
        p
    };
    let minimum = relative(profile(200, TxDefaultProfile, 1, 6.0));
    #[rustfmt::skip]
    let cases: [LibocppCase; 16] = [
        ("DailyRecurringNotValidYet", recurring(false), Some("2024-01-01T07:00:00Z"), "2024-01-01T07:55:00Z", &[(0, 48.0)]),
        ("DailyRecurringAlmostValid", recurring(false), Some("2024-01-01T07:00:00Z"), "2024-01-01T11:55:00Z", &[(0, 48.0), (300, 32.0)]),
        ("DailyRecurringDuring", recurring(false), Some("2024-01-01T07:00:00Z"), "2024-01-01T15:00:00Z", &[(0, 32.0)]),
        ("DailyRecurringApproachingEnd", recurring(false), Some("2024-01-01T07:00:00Z"), "2024-01-01T17:55:00Z", &[(0, 32.0), (300, 7.0)]),
        ("DailyRecurringNextDay", recurring(false), Some("2024-01-01T07:00:00Z"), "2024-01-01T07:30:00Z", &[(0, 48.0)]),
        ("DailyRecurringNextDayStart", recurring(false), Some("2024-01-02T07:00:00Z"), "2024-01-02T07:55:00Z", &[(0, 7.0), (300, 32.0)]),
        ("DailyRecurringApproachingInvalid", recurring(false), Some("2024-01-05T07:00:00Z"), "2024-01-05T11:55:00Z", &[(0, 32.0), (300, 48.0)]),
        ("DailyRecurringAltNotValidYet", recurring(true), Some("2024-01-01T07:00:00Z"), "2024-01-01T07:55:00Z", &[(0, 48.0)]),
        ("DailyRecurringAltAlmostValid", recurring(true), Some("2024-01-01T07:00:00Z"), "2024-01-01T11:55:00Z", &[(0, 48.0), (300, 32.0)]),
        ("DailyRecurringAltDuring", recurring(true), Some("2024-01-01T07:00:00Z"), "2024-01-01T15:00:00Z", &[(0, 32.0)]),
        ("DailyRecurringAltApproachingEnd", recurring(true), Some("2024-01-01T07:00:00Z"), "2024-01-01T17:55:00Z", &[(0, 32.0), (300, 48.0)]),
        ("DailyRecurringAltNextDay", recurring(true), Some("2024-01-01T07:00:00Z"), "2024-01-01T07:30:00Z", &[(0, 48.0)]),
        ("DailyRecurringAltNextDayStart", recurring(true), Some("2024-01-02T07:00:00Z"), "2024-01-02T07:55:00Z", &[(0, 48.0), (300, 32.0)]),
        ("DailyRecurringAltApproachingInvalid", recurring(true), Some("2024-01-05T07:00:00Z"), "2024-01-05T11:55:00Z", &[(0, 32.0), (300, 48.0)]),
        ("MinimumSession", minimum.clone(), Some("2024-01-05T07:00:00Z"), "2024-01-05T11:55:00Z", &[(0, 6.0)]),
        ("MinimumNoSession", minimum.clone(), None, "2024-01-05T11:55:00Z", &[(0, 6.0)]),
    ];
    for (name, p, session, start, want) in cases {
        let profiles = station(&[(1, p)]);
        let session = session.map(|s| ActiveTransaction {
            transaction_id: None,
            started: t(s),
        });
        let transactions = move |c: i32| (c == 1).then_some(session).flatten();
        let got = composite(&profiles, 1, t(start), 600, A, &transactions);
        let want: Vec<_> = want.iter().map(|&(s, l)| (s, l, None)).collect();
        assert_eq!(got, want, "{name}");
    }
}

/// libocpp's profile_testsC.cpp `ChargeRateW` and `ChargeRateA`: a W TxDefaultProfile then an A
/// one, both on connector 0, with 1, 2, 3 and unspecified phases, seen in both units. (libocpp
/// gives both chargingProfileId 1, which works there only because the test bypasses the
/// replacement of the SetChargingProfile handler.)
#[test]
fn libocpp_charge_rate_w_and_a() {
    let phased = |p: ChargingProfile, list: [(i32, f64, Option<i32>); 4]| {
        with(p, |p| {
            p.charging_schedule.charging_schedule_period = list
                .iter()
                .map(|&(s, l, n)| ChargingSchedulePeriod {
                    start_period: s,
                    limit: l,
                    number_phases: n,
                })
                .collect();
            p.charging_schedule.min_charging_rate = Some(0.0);
        })
    };
    let w = phased(
        with(watts(profile(1, TxDefaultProfile, 1, 0.0)), |p| {
            p.charging_schedule.start_schedule = Some(t("2024-01-01T12:00:00Z"));
            p.charging_schedule.duration = Some(3500);
        }),
        [
            (0, 2000.0, Some(1)),
            (300, 1800.0, Some(2)),
            (600, 1600.0, Some(3)),
            (900, 1200.0, None),
        ],
    );
    let a = phased(
        with(profile(2, TxDefaultProfile, 2, 0.0), |p| {
            p.charging_schedule.start_schedule = Some(t("2024-01-01T13:00:00Z"));
            p.charging_schedule.duration = Some(3600);
        }),
        [
            (0, 32.0, Some(3)),
            (300, 24.0, Some(2)),
            (600, 12.0, Some(1)),
            (900, 10.0, None),
        ],
    );
    let profiles = station(&[(0, w), (0, a)]);
    let start = t("2024-01-01T12:00:00Z");
    let in_w = composite(&profiles, 1, start, 7200, W, &none);
    #[rustfmt::skip]
    assert_eq!(in_w, vec![
        (0, 2000.0, Some(1)), (300, 1800.0, Some(2)), (600, 1600.0, Some(3)), (900, 1200.0, None),
        (3500, 33_120.0, None),
        (3600, 22_080.0, Some(3)), (3900, 11_040.0, Some(2)), (4200, 2760.0, Some(1)), (4500, 6900.0, None),
    ]);
    let in_a = composite(&profiles, 1, start, 7200, A, &none);
    #[rustfmt::skip]
    assert_eq!(in_a, vec![
        (0, 8.696, Some(1)), (300, 3.913, Some(2)), (600, 2.319, Some(3)), (900, 1.739, None),
        (3500, 48.0, None),
        (3600, 32.0, Some(3)), (3900, 24.0, Some(2)), (4200, 12.0, Some(1)), (4500, 10.0, None),
    ]);
}
