//! ClearChargingProfile by id and by every combination of connector, purpose and stack level.

use ocpp_types::charging_profile::ChargingProfilePurpose;
use ocpp_types::smart_charging::ClearChargingProfileRequest;
use ocpp_types::smart_charging::ClearChargingProfileStatus::{Accepted, Unknown};

use super::*;

/// 1: ChargePointMax on 0 at level 0; 2: TxDefault on 0 at 0; 3: TxDefault on 1 at 1;
/// 4: TxProfile on 1 at 1; 5: TxDefault on 2 at 1.
fn installed() -> ChargingProfiles {
    station(&[
        (0, profile(1, ChargePointMaxProfile, 0, 32.0)),
        (0, profile(2, TxDefaultProfile, 0, 16.0)),
        (1, profile(3, TxDefaultProfile, 1, 16.0)),
        (1, profile(4, TxProfile, 1, 16.0)),
        (2, profile(5, TxDefaultProfile, 1, 16.0)),
    ])
}

fn request(
    id: Option<i32>,
    connector_id: Option<i32>,
    purpose: Option<ChargingProfilePurpose>,
    stack_level: Option<i32>,
) -> ClearChargingProfileRequest {
    ClearChargingProfileRequest {
        id,
        connector_id,
        charging_profile_purpose: purpose,
        stack_level,
    }
}

#[test]
fn clear_by_each_filter_combination() {
    #[rustfmt::skip]
    let cases = [
        ("everything", request(None, None, None, None), Accepted, vec![1, 2, 3, 4, 5]),
        ("by id", request(Some(3), None, None, None), Accepted, vec![3]),
        ("by unknown id", request(Some(99), None, None, None), Unknown, vec![]),
        ("an id ignores the other criteria", request(Some(3), Some(2), Some(TxProfile), Some(7)), Accepted, vec![3]),
        ("an unknown id does not fall back to them", request(Some(99), Some(1), None, None), Unknown, vec![]),
        ("connector 0: the station's", request(None, Some(0), None, None), Accepted, vec![1, 2]),
        ("connector 1", request(None, Some(1), None, None), Accepted, vec![3, 4]),
        ("connector without profiles", request(None, Some(3), None, None), Unknown, vec![]),
        ("purpose", request(None, None, Some(TxDefaultProfile), None), Accepted, vec![2, 3, 5]),
        ("purpose without profiles", request(None, None, Some(TxProfile), Some(0)), Unknown, vec![]),
        ("stack level", request(None, None, None, Some(1)), Accepted, vec![3, 4, 5]),
        ("stack level without profiles", request(None, None, None, Some(9)), Unknown, vec![]),
        ("connector and purpose", request(None, Some(1), Some(TxDefaultProfile), None), Accepted, vec![3]),
        ("connector and purpose, no match", request(None, Some(0), Some(TxProfile), None), Unknown, vec![]),
        ("connector and stack level", request(None, Some(0), None, Some(0)), Accepted, vec![1, 2]),
        ("connector and stack level, no match", request(None, Some(1), None, Some(0)), Unknown, vec![]),
        ("purpose and stack level", request(None, None, Some(TxDefaultProfile), Some(1)), Accepted, vec![3, 5]),
        ("purpose and stack level, no match", request(None, None, Some(ChargePointMaxProfile), Some(1)), Unknown, vec![]),
        ("all three", request(None, Some(2), Some(TxDefaultProfile), Some(1)), Accepted, vec![5]),
        ("all three, no match", request(None, Some(2), Some(TxDefaultProfile), Some(0)), Unknown, vec![]),
    ];
    for (name, req, status, mut removed) in cases {
        let mut profiles = installed();
        let got = profiles.clear(&req);
        let mut got_removed = got.removed.clone();
        got_removed.sort_unstable();
        removed.sort_unstable();
        assert_eq!((got.status, &got_removed), (status, &removed), "{name}");
        assert_eq!(profiles.len(), 5 - removed.len(), "{name}");
        for id in removed {
            assert!(profiles.get(id).is_none(), "{name}: {id} still there");
        }
    }
}

#[test]
fn clearing_everything_is_accepted_even_when_nothing_is_installed() {
    // libocpp's handleClearChargingProfileRequest answers Accepted to a request without
    // criteria unconditionally.
    let mut profiles = ChargingProfiles::new(2);
    let got = profiles.clear(&request(None, None, None, None));
    assert_eq!((got.status, got.removed), (Accepted, vec![]));
    let got = profiles.clear(&request(Some(1), None, None, None));
    assert_eq!(got.status, Unknown);
}
