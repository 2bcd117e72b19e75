//! The Core profile's charge-point actions: booting, liveness, authorization, transactions,
//! meter values, connector status and vendor data.

use ocpp_types::core::{
    AuthorizeRequest, AuthorizeResponse, BootNotificationRequest, BootNotificationResponse,
    DataTransferRequest, DataTransferResponse, DataTransferStatus, HeartbeatRequest,
    HeartbeatResponse, MeterValuesRequest, MeterValuesResponse, StartTransactionRequest,
    StartTransactionResponse, StatusNotificationRequest, StatusNotificationResponse,
    StopTransactionRequest, StopTransactionResponse,
};
use ocpp_types::id_tag::{AuthorizationStatus, IdTagInfo};
use ocpp_types::meter::MeterValue;
use ocpp_types::{CiString20, DateTime};

use super::Ctx;
use crate::state::{Notification, State, Transaction, TransactionStop};

/// BootNotification: registers the charge point with its registration answer (the CSMS's
/// default status and interval unless one is set for it), and our time.
pub(crate) fn on_boot_notification(
    ctx: &mut Ctx<'_>,
    request: BootNotificationRequest,
) -> BootNotificationResponse {
    let answer = ctx
        .state
        .charge_points
        .get(ctx.cp)
        .and_then(|cp| cp.registration_answer);
    let (status, interval) = match answer {
        Some(answer) => (answer.status, answer.interval),
        None => (
            ctx.options.registration_status,
            ctx.options.heartbeat_interval_s,
        ),
    };
    tracing::info!(
        "{} → BootNotification {} {} firmware {} ⇒ {status:?}, interval {interval} s",
        ctx.cp,
        request.charge_point_vendor,
        request.charge_point_model,
        request
            .firmware_version
            .as_ref()
            .map_or("-", |v| v.as_str()),
    );
    let cp = ctx.state.charge_point_mut(ctx.cp);
    cp.boot = Some(request);
    cp.registration = Some(status);
    BootNotificationResponse {
        status,
        current_time: ctx.now,
        interval,
    }
}

/// Heartbeat: our time.
pub(crate) fn on_heartbeat(ctx: &mut Ctx<'_>, _request: HeartbeatRequest) -> HeartbeatResponse {
    tracing::info!("{} → Heartbeat ⇒ {}", ctx.cp, ctx.now);
    ctx.state.charge_point_mut(ctx.cp).last_heartbeat = Some(ctx.now);
    HeartbeatResponse {
        current_time: ctx.now,
    }
}

/// Authorize: the tag's status (Expired once its expiry date has passed) with its parentIdTag
/// and expiry date for a known tag, Invalid otherwise.
pub(crate) fn on_authorize(ctx: &mut Ctx<'_>, request: AuthorizeRequest) -> AuthorizeResponse {
    let id_tag_info = id_tag_info(ctx.state, request.id_tag.as_str(), ctx.now);
    tracing::info!(
        "{} → Authorize idTag {} ⇒ {}",
        ctx.cp,
        request.id_tag,
        describe(&id_tag_info)
    );
    AuthorizeResponse { id_tag_info }
}

/// StartTransaction: hands out the next transactionId (even for an unknown tag, as OCPP 1.6
/// requires one in every answer; the charge point then stops the transaction) and records it.
pub(crate) fn on_start_transaction(
    ctx: &mut Ctx<'_>,
    request: StartTransactionRequest,
) -> StartTransactionResponse {
    let id_tag_info = id_tag_info(ctx.state, request.id_tag.as_str(), ctx.now);
    let transaction_id = ctx.state.allocate_transaction_id();
    tracing::info!(
        "{} → StartTransaction connector {} idTag {} meterStart {} Wh ⇒ transactionId {transaction_id}, {}",
        ctx.cp,
        request.connector_id,
        request.id_tag,
        request.meter_start,
        describe(&id_tag_info)
    );
    let transaction = Transaction {
        id: transaction_id,
        charge_point_id: ctx.cp.to_owned(),
        connector_id: request.connector_id,
        id_tag: request.id_tag.into_string(),
        id_tag_status: id_tag_info.status,
        meter_start: request.meter_start,
        started: request.timestamp,
        reservation_id: request.reservation_id,
        meter_values: Vec::new(),
        stop: None,
    };
    if let Err(e) = ctx.store.insert_transaction(&transaction) {
        tracing::warn!("transaction {transaction_id} is not saved: {e}");
    }
    ctx.state.transactions.insert(transaction_id, transaction);
    StartTransactionResponse {
        id_tag_info,
        transaction_id,
    }
}

/// StopTransaction: records the end and the transactionData; answers the idTag's status if one
/// is given. An unknown transactionId is answered all the same (the charge point must be able to
/// get rid of it) and logged.
pub(crate) fn on_stop_transaction(
    ctx: &mut Ctx<'_>,
    request: StopTransactionRequest,
) -> StopTransactionResponse {
    let id_tag_info = request
        .id_tag
        .as_ref()
        .map(|tag| id_tag_info(ctx.state, tag.as_str(), ctx.now));
    let data = request.transaction_data.unwrap_or_default();
    let transaction_id = request.transaction_id;
    let Some(transaction) = ctx
        .state
        .transactions
        .get_mut(&transaction_id)
        .filter(|t| t.charge_point_id == ctx.cp)
    else {
        tracing::warn!(
            "{} → StopTransaction of unknown transactionId {transaction_id} meterStop {} Wh",
            ctx.cp,
            request.meter_stop
        );
        return StopTransactionResponse { id_tag_info };
    };
    if transaction.stop.is_some() {
        tracing::warn!(
            "{} → StopTransaction {transaction_id} again; the last one wins",
            ctx.cp
        );
    }
    let stop = TransactionStop {
        meter_stop: request.meter_stop,
        timestamp: request.timestamp,
        reason: request.reason,
        id_tag: request.id_tag.map(|t| t.into_string()),
    };
    let saved = ctx
        .store
        .add_meter_values(transaction_id, &data)
        .and_then(|()| ctx.store.stop_transaction(transaction_id, &stop));
    if let Err(e) = saved {
        tracing::warn!("the stop of transaction {transaction_id} is not saved: {e}");
    }
    transaction.meter_values.extend(data);
    transaction.stop = Some(stop);
    let energy = transaction.energy_wh().unwrap_or_default();
    tracing::info!(
        "{} → StopTransaction {transaction_id} connector {} meterStop {} Wh reason {:?} ({energy} Wh charged, {} meter values){}",
        ctx.cp,
        transaction.connector_id,
        request.meter_stop,
        request.reason.unwrap_or(ocpp_types::core::Reason::Local),
        transaction.meter_values.len(),
        id_tag_info
            .as_ref()
            .map(|i| format!(" ⇒ {}", describe(i)))
            .unwrap_or_default(),
    );
    StopTransactionResponse { id_tag_info }
}

/// MeterValues: appended to the transaction they name, or kept with the charge point.
pub(crate) fn on_meter_values(
    ctx: &mut Ctx<'_>,
    request: MeterValuesRequest,
) -> MeterValuesResponse {
    let connector = request.connector_id;
    let values = request.meter_value.into_vec();
    tracing::info!(
        "{} → MeterValues connector {connector}{}: {}",
        ctx.cp,
        request
            .transaction_id
            .map(|t| format!(" transaction {t}"))
            .unwrap_or_default(),
        summary(&values)
    );
    let transaction = request
        .transaction_id
        .and_then(|id| ctx.state.transactions.get_mut(&id))
        .filter(|t| t.charge_point_id == ctx.cp);
    match transaction {
        Some(t) => {
            if let Err(e) = ctx.store.add_meter_values(t.id, &values) {
                tracing::warn!("meter values of transaction {} are not saved: {e}", t.id);
            }
            t.meter_values.extend(values);
        }
        None => {
            if let Some(id) = request.transaction_id {
                tracing::warn!("{} sends meter values of unknown transaction {id}", ctx.cp);
            }
            let cp = ctx.state.charge_point_mut(ctx.cp);
            cp.meter_values
                .extend(values.into_iter().map(|v| (connector, v)));
        }
    }
    MeterValuesResponse {}
}

/// StatusNotification: the connector's last status.
pub(crate) fn on_status_notification(
    ctx: &mut Ctx<'_>,
    request: StatusNotificationRequest,
) -> StatusNotificationResponse {
    tracing::info!(
        "{} → StatusNotification connector {} {:?} {:?}{}",
        ctx.cp,
        request.connector_id,
        request.status,
        request.error_code,
        request
            .info
            .as_ref()
            .map(|i| format!(" ({i})"))
            .unwrap_or_default()
    );
    ctx.state
        .charge_point_mut(ctx.cp)
        .connectors
        .insert(request.connector_id, request);
    StatusNotificationResponse {}
}

/// DataTransfer: recorded and answered UnknownVendorId (the dev CSMS knows no vendor
/// extensions yet).
pub(crate) fn on_data_transfer(
    ctx: &mut Ctx<'_>,
    request: DataTransferRequest,
) -> DataTransferResponse {
    tracing::info!(
        "{} → DataTransfer vendorId {} messageId {} ⇒ UnknownVendorId",
        ctx.cp,
        request.vendor_id,
        request.message_id.as_ref().map_or("-", |m| m.as_str()),
    );
    ctx.state
        .charge_point_mut(ctx.cp)
        .notifications
        .push(Notification::DataTransfer(request));
    DataTransferResponse {
        status: DataTransferStatus::UnknownVendorId,
        data: None,
    }
}

/// The IdTagInfo of `id_tag` at `now`: a known tag's status (Expired once expired), parent
/// and expiry date; Invalid for any other.
pub(crate) fn id_tag_info(state: &State, id_tag: &str, now: DateTime) -> IdTagInfo {
    match state.tag(id_tag) {
        Some(entry) => IdTagInfo {
            expiry_date: entry.expiry_date,
            parent_id_tag: entry
                .parent_id_tag
                .as_deref()
                .and_then(|p| CiString20::new(p).ok()),
            status: entry.status_at(now),
        },
        None => IdTagInfo::with_status(AuthorizationStatus::Invalid),
    }
}

fn describe(info: &IdTagInfo) -> String {
    match &info.parent_id_tag {
        Some(parent) => format!("{:?} (parentIdTag {parent})", info.status),
        None => format!("{:?}", info.status),
    }
}

/// The sampled values of the last meter value, e.g.
/// `Energy.Active.Import.Register 1234 Wh, Power.Active.Import 7400 W`.
fn summary(values: &[MeterValue]) -> String {
    let Some(last) = values.last() else {
        return String::new();
    };
    let parts: Vec<String> = last
        .sampled_value
        .iter()
        .map(|s| {
            let measurand = s
                .measurand
                .map_or("Energy.Active.Import.Register", |m| m.as_str());
            let unit = s.unit.map_or("Wh", |u| u.as_str());
            let phase = s.phase.map(|p| format!(" {p}")).unwrap_or_default();
            format!("{measurand}{phase} {} {unit}", s.value)
        })
        .collect();
    let more = if values.len() > 1 {
        format!(" (+{} earlier samples)", values.len() - 1)
    } else {
        String::new()
    };
    format!("{}{more}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handlers::test_util::{req, with_ctx};
    use crate::state::State;

    use crate::options::CsmsOptions;

    #[test]
    fn boot_notification_answers_the_configured_status_and_interval() {
        let options = CsmsOptions {
            registration_status: ocpp_types::core::RegistrationStatus::Pending,
            heartbeat_interval_s: 42,
            ..CsmsOptions::default()
        };
        let mut state = State::default();
        let resp = with_ctx(&options, &mut state, |ctx| {
            on_boot_notification(
                ctx,
                req(r#"{"chargePointVendor":"V","chargePointModel":"M"}"#),
            )
        });
        assert_eq!(resp.status, ocpp_types::core::RegistrationStatus::Pending);
        assert_eq!(resp.interval, 42);
        let cp = &state.charge_points["cp001"];
        assert_eq!(
            cp.registration,
            Some(ocpp_types::core::RegistrationStatus::Pending)
        );
        assert!(cp.boot.is_some());
    }

    #[test]
    fn a_charge_points_own_registration_answer_wins() {
        use crate::state::RegistrationAnswer;
        use ocpp_types::core::RegistrationStatus;
        let options = CsmsOptions::default();
        let mut state = State::default();
        state.charge_point_mut("cp001").registration_answer = Some(RegistrationAnswer {
            status: RegistrationStatus::Rejected,
            interval: 9,
        });
        let resp = with_ctx(&options, &mut state, |ctx| {
            on_boot_notification(
                ctx,
                req(r#"{"chargePointVendor":"V","chargePointModel":"M"}"#),
            )
        });
        assert_eq!(
            (resp.status, resp.interval),
            (RegistrationStatus::Rejected, 9)
        );
    }

    #[test]
    fn tags_are_answered_their_status_parent_and_expiry() {
        let options = CsmsOptions::default();
        let mut state = State::default();
        let mut blocked = crate::TagEntry::with_parent("BLOCKED1", "GROUP");
        blocked.status = AuthorizationStatus::Blocked;
        state.put_tag(blocked);
        let mut old = crate::TagEntry::new("OLD");
        old.expiry_date = DateTime::from_unix_millis(1_000);
        state.put_tag(old);
        let answer = |state: &mut State, tag: &str| {
            with_ctx(&options, state, |ctx| {
                on_authorize(ctx, req(&format!(r#"{{"idTag":"{tag}"}}"#)))
            })
            .id_tag_info
        };
        let blocked = answer(&mut state, "blocked1");
        assert_eq!(blocked.status, AuthorizationStatus::Blocked);
        assert_eq!(
            blocked.parent_id_tag.as_ref().map(|p| p.as_str()),
            Some("GROUP")
        );
        let old = answer(&mut state, "OLD");
        assert_eq!(old.status, AuthorizationStatus::Expired);
        assert_eq!(old.expiry_date, DateTime::from_unix_millis(1_000));
        assert_eq!(
            answer(&mut state, "NOBODY").status,
            AuthorizationStatus::Invalid
        );
    }

    #[test]
    fn stop_transaction_records_meter_values_and_energy() {
        let options = CsmsOptions::default();
        let mut state = State::default();
        state.put_tag(crate::TagEntry::with_parent("RFID_VALID1", "RFID_PARENT"));
        let start = with_ctx(&options, &mut state, |ctx| {
            on_start_transaction(
                ctx,
                req(r#"{"connectorId":1,"idTag":"nobody","meterStart":100,
                        "timestamp":"2026-11-24T07:00:00Z"}"#),
            )
        });
        assert_eq!(start.transaction_id, 1);
        assert_eq!(start.id_tag_info.status, AuthorizationStatus::Invalid);
        let stop = with_ctx(&options, &mut state, |ctx| {
            on_stop_transaction(
                ctx,
                req(
                    r#"{"transactionId":1,"meterStop":1600,"idTag":"RFID_VALID1",
                        "timestamp":"2026-11-24T08:00:00Z","reason":"EVDisconnected",
                        "transactionData":[{"timestamp":"2026-11-24T08:00:00Z",
                            "sampledValue":[{"value":"1600"}]}]}"#,
                ),
            )
        });
        let info = stop.id_tag_info.unwrap_or_else(|| panic!("no idTagInfo"));
        assert_eq!(info.status, AuthorizationStatus::Accepted);
        assert_eq!(
            info.parent_id_tag.as_ref().map(|p| p.as_str()),
            Some("RFID_PARENT")
        );
        let t = &state.transactions[&1];
        assert_eq!(t.energy_wh(), Some(1500));
        assert_eq!(t.meter_values.len(), 1);
    }

    #[test]
    fn stop_of_unknown_transaction_is_answered() {
        let options = CsmsOptions::default();
        let mut state = State::default();
        let stop = with_ctx(&options, &mut state, |ctx| {
            on_stop_transaction(
                ctx,
                req(r#"{"transactionId":9,"meterStop":1,"timestamp":"2026-11-24T08:00:00Z"}"#),
            )
        });
        assert!(stop.id_tag_info.is_none());
        assert!(state.transactions.is_empty());
    }

    #[test]
    fn meter_values_without_a_known_transaction_stay_with_the_charge_point() {
        let options = CsmsOptions::default();
        let mut state = State::default();
        with_ctx(&options, &mut state, |ctx| {
            on_meter_values(
                ctx,
                req(
                    r#"{"connectorId":2,"meterValue":[{"timestamp":"2026-11-24T08:00:00Z",
                        "sampledValue":[{"value":"7400","measurand":"Power.Active.Import","unit":"W"}]}]}"#,
                ),
            )
        });
        assert_eq!(state.charge_points["cp001"].meter_values.len(), 1);
        assert_eq!(state.charge_points["cp001"].meter_values[0].0, 2);
    }

    #[test]
    fn summary_names_measurand_and_unit() {
        let values: Vec<MeterValue> = req(r#"[{"timestamp":"2026-11-24T08:00:00Z",
            "sampledValue":[{"value":"12"},{"value":"230.1","measurand":"Voltage","unit":"V","phase":"L1-N"}]}]"#);
        assert_eq!(
            summary(&values),
            "Energy.Active.Import.Register 12 Wh, Voltage L1-N 230.1 V"
        );
    }
}
