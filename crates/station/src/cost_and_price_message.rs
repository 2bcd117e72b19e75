//! The TerminalCostAndPriceMessage module: EVerest's example consumer of the `session_cost`
//! interface (everest-core `modules/Examples/CppExamples/TerminalCostAndPriceMessage`), which
//! subscribes to `tariff_message` and `session_cost` and logs what it gets, line for line as
//! its `init` does:
//!
//! ```text
//! Charging price message (en): GBP 0.12/kWh, no idle fee
//! Session cost status for session id 6f1f...: Running
//! Session cost until now: 1.345
//! Charging price for category Energy: 0.123
//! ```
//!
//! It does not subscribe to `default_price` (neither does EVerest's); the station shows the
//! default price in its state and on its display.

use crate::display::MessageContent;
use crate::session_cost::{CostCategory, SessionCost, SessionStatus, TariffMessage};

/// A price as a number of major units, as the module prints it (`value / 10^decimals`,
/// written like C++'s `operator<<` for a double: no trailing zeros).
fn major(value: i64, decimals: u32) -> f64 {
    value as f64 / 10f64.powi(decimals as i32)
}

fn message_lines(messages: &[MessageContent], lines: &mut Vec<String>) {
    for m in messages {
        let language = m
            .language
            .as_deref()
            .map(|l| format!(" ({l})"))
            .unwrap_or_default();
        lines.push(format!("Charging price message{language}: {}", m.content));
    }
}

/// The lines a tariff message is logged with.
pub fn tariff_lines(message: &TariffMessage) -> Vec<String> {
    let mut lines = Vec::new();
    message_lines(&message.messages, &mut lines);
    lines
}

/// The lines a session cost is logged with; a cost without chunks is one warning line
/// (`Err`), as the module logs it and stops.
pub fn session_cost_lines(cost: &SessionCost) -> Result<Vec<String>, String> {
    let Some(chunks) = &cost.cost_chunks else {
        return Err("No session cost chunks provided in session cost.".to_owned());
    };
    let decimals = cost.currency.decimals.unwrap_or(0);
    let status = match cost.status {
        SessionStatus::Running => "Running",
        SessionStatus::Idle => "Idle",
        SessionStatus::Finished => "Finished",
    };
    let mut lines = vec![format!(
        "Session cost status for session id {}: {status}",
        cost.session_id
    )];
    for chunk in chunks {
        if let Some(amount) = &chunk.cost {
            lines.push(format!(
                "Session cost until now: {}",
                major(amount.value, decimals)
            ));
        }
    }
    for component in cost.charging_price.iter().flatten() {
        let category = match component.category {
            Some(CostCategory::Energy) => "Energy",
            Some(CostCategory::Time) => "Time",
            Some(CostCategory::FlatFee) => "FlatFee",
            Some(CostCategory::Other) => "Other",
            None => "",
        };
        let price = component.price.as_ref().map_or(0.0, |p| {
            major(p.value.value, p.currency.decimals.unwrap_or(0))
        });
        lines.push(format!("Charging price for category {category}: {price}"));
    }
    message_lines(cost.message.as_deref().unwrap_or_default(), &mut lines);
    Ok(lines)
}

/// Logs a tariff message as module `module_id` (target `cost_and_price`).
pub fn log_tariff(module_id: &str, message: &TariffMessage) {
    for line in tariff_lines(message) {
        tracing::info!(target: "cost_and_price", module = module_id, "{line}");
    }
}

/// Logs a session cost as module `module_id` (target `cost_and_price`).
pub fn log_session_cost(module_id: &str, cost: &SessionCost) {
    match session_cost_lines(cost) {
        Ok(lines) => {
            for line in lines {
                tracing::info!(target: "cost_and_price", module = module_id, "{line}");
            }
        }
        Err(warning) => tracing::warn!(target: "cost_and_price", module = module_id, "{warning}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session_cost::{
        ChargingPriceComponent, Currency, MoneyAmount, Price, SessionCostChunk,
    };

    #[test]
    fn lines_are_those_of_everests_module() {
        let tariff = TariffMessage {
            ocpp_transaction_id: None,
            identifier_id: Some("RFID1".into()),
            identifier_type: None,
            messages: vec![
                MessageContent {
                    content: "GBP 0.12/kWh".into(),
                    format: None,
                    language: Some("en".into()),
                },
                MessageContent {
                    content: "no language".into(),
                    format: None,
                    language: None,
                },
            ],
        };
        assert_eq!(
            tariff_lines(&tariff),
            [
                "Charging price message (en): GBP 0.12/kWh",
                "Charging price message: no language"
            ]
        );
        let price = |value| Price {
            currency: Currency {
                code: None,
                decimals: Some(4),
            },
            value: MoneyAmount { value },
        };
        let mut cost = SessionCost {
            session_id: "s-1".into(),
            currency: Currency {
                code: None,
                decimals: Some(4),
            },
            status: SessionStatus::Finished,
            cost_chunks: Some(vec![SessionCostChunk {
                timestamp_from: None,
                timestamp_to: None,
                metervalue_from: None,
                metervalue_to: None,
                cost: Some(MoneyAmount { value: 33100 }),
                category: None,
            }]),
            idle_price: None,
            charging_price: Some(vec![
                ChargingPriceComponent {
                    category: Some(CostCategory::Time),
                    price: Some(price(20000)),
                },
                ChargingPriceComponent {
                    category: Some(CostCategory::Energy),
                    price: Some(price(1230)),
                },
            ]),
            next_period: None,
            message: Some(vec![MessageContent {
                content: "TOTAL 3.31".into(),
                format: None,
                language: Some("en".into()),
            }]),
            qr_code: None,
        };
        assert_eq!(
            session_cost_lines(&cost).unwrap(),
            [
                "Session cost status for session id s-1: Finished",
                "Session cost until now: 3.31",
                "Charging price for category Time: 2",
                "Charging price for category Energy: 0.123",
                "Charging price message (en): TOTAL 3.31",
            ]
        );
        cost.cost_chunks = None;
        assert_eq!(
            session_cost_lines(&cost),
            Err("No session cost chunks provided in session cost.".to_owned())
        );
    }
}
