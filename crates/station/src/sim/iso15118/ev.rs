//! everest-core's PyEvJosev, the car's ISO 15118-2 stack, at the level of its `ISO15118_ev`
//! interface: what the car's `iso_` commands call (`start_charging` with a payment option,
//! `stop_charging`, `pause_charging`) and what the stack reports back (`ev_power_ready`,
//! `stop_from_charger`, `v2g_session_finished`). What it holds for Plug&Charge is the car's
//! contract certificate chain (PEM, the leaf first, then its sub-CAs) and its eMAID.

use crate::sim::script::PaymentChoice;

/// The car stack's configuration (PyEvJosev's parameters that change what is simulated, and
/// the contract it holds).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EvConfig {
    /// `tls_active`: the car connects with TLS, without which ISO 15118-2 offers no contract
    /// payment.
    pub tls_active: bool,
    /// `enforce_tls`: the car refuses a session without TLS (with `tls_security: prohibit`).
    pub enforce_tls: bool,
    /// `is_cert_install_needed`: before paying with its contract the car asks for it to be
    /// installed (CertificateInstallationReq through the SECC to the central system), in
    /// every session that selects the contract.
    pub cert_install_needed: bool,
    /// The car's contract: its eMAID and certificate chain.
    pub contract: Option<Contract>,
}

/// A contract certificate the car holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Contract {
    /// The eMAID (the contract certificate's CN).
    pub emaid: String,
    /// The contract certificate and its sub-CAs, PEM, the leaf first.
    pub chain_pem: String,
}

/// The ISO 15118-2 message namespace the car speaks (the `iso15118SchemaVersion` of its
/// Get15118EVCertificate, as EVerest's EvseV2G fills it in).
pub const ISO15118_2_SCHEMA: &str = "urn:iso:15118:2:2013:MsgDef";

/// The car's CertificateInstallationReq as the station forwards it, base64.
///
/// The simulation encodes no EXI: this is a stand-in, the ASCII text
/// `ferrocharge simulated CertificateInstallationReq eMAID=<eMAID>` (deterministic, naming the
/// contract the car wants installed), base64 (standard alphabet, padded). A central system
/// decoding it as EXI finds no ISO 15118 message.
pub fn certificate_installation_request(contract: &Contract) -> String {
    use base64::Engine as _;
    let text = format!(
        "ferrocharge simulated CertificateInstallationReq eMAID={}",
        contract.emaid
    );
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// What the car's commands ask of its ISO 15118 stack and SLAC (EvManager's calls on `ev` and
/// `slac`).
#[derive(Debug, Clone, PartialEq)]
pub enum EvCall {
    /// `slac.reset` + `slac.trigger_matching`.
    TriggerSlacMatching,
    /// `ev.start_charging`: a V2G session (AC) with this payment option.
    StartCharging {
        /// The payment option asked for.
        payment: PaymentChoice,
        /// Departure time, s (`None`: EvManager's default).
        departure_s: Option<i64>,
        /// Energy wanted, Wh (`None`: EvManager's default).
        e_amount_wh: Option<i64>,
    },
    /// `ev.stop_charging`.
    StopCharging,
    /// `ev.pause_charging`.
    PauseCharging,
}

/// What the stack tells the car (EvManager's subscriptions to `ev` and `slac`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EvFeedback {
    /// `slac` state MATCHED.
    pub slac_matched: bool,
    /// `ev_power_ready`: the charger is ready to deliver energy.
    pub power_ready: bool,
    /// `stop_from_charger`: the charger ended the charging.
    pub stopped_by_charger: bool,
    /// `v2g_session_finished`: the V2G session is over (EvManager clears it when it read it).
    pub v2g_finished: bool,
}

/// The payment option the car selects among those the SECC offers (ISO 15118-2
/// ServicePaymentSelection, as Josev: the one asked for when offered; otherwise, and for
/// `auto`, the contract when offered and the car holds one, else external payment).
pub fn select_payment(
    asked: PaymentChoice,
    contract_offered: bool,
    has_contract: bool,
) -> PaymentChoice {
    let contract_possible = contract_offered && has_contract;
    match asked {
        PaymentChoice::ExternalPayment => PaymentChoice::ExternalPayment,
        PaymentChoice::Contract | PaymentChoice::Auto if contract_possible => {
            PaymentChoice::Contract
        }
        _ => PaymentChoice::ExternalPayment,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_selection_follows_the_offer_and_the_contract() {
        use PaymentChoice::*;
        assert_eq!(select_payment(Contract, true, true), Contract);
        assert_eq!(select_payment(Auto, true, true), Contract);
        assert_eq!(select_payment(Auto, true, false), ExternalPayment);
        assert_eq!(select_payment(Contract, false, true), ExternalPayment);
        assert_eq!(select_payment(ExternalPayment, true, true), ExternalPayment);
    }
}
