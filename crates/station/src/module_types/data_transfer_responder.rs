//! The DataTransferResponder module type: ferrocharge's own, not one of everest-core's. In
//! EVerest whatever module is connected to the OCPP module's `data_transfer` requirement
//! answers the central system's DataTransfers (its `ocpp_data_transfer` command
//! `data_transfer`); everest-core ships only API ones for it (ocpp_consumer_API hands the
//! request to an MQTT client and answers a default response when none comes in
//! `cfg_request_reply_to_s`). This type is such a responder configured in the station YAML:
//! a table of answers by vendorId and messageId, and an external command for the rest
//! (`crate::data_transfer`). Its timeout parameter keeps ocpp_consumer_API's name.

use super::{ModuleType, Param, Provide};

/// Answers the central system's DataTransfer.req from a table in its config, or through an
/// external command, when connected to the OCPP module's `data_transfer` requirement.
pub const DATA_TRANSFER_RESPONDER: ModuleType = ModuleType {
    name: "DataTransferResponder",
    provides: &[Provide::new("main", "ocpp_data_transfer")],
    requires: &[],
    parameters: &[
        // A YAML list of {vendor_id, message_id, status, data} (crate::data_transfer).
        Param::string("answers").default_str(""),
        // The external command asked what the table does not know ("": none).
        Param::string("command").default_str(""),
        // ocpp_consumer_API's bounds (1..550 s); its default of 550 s is longer than a
        // central system waits for an answer, so ferrocharge's is 10 s.
        Param::integer("cfg_request_reply_to_s")
            .default_int(10)
            .minimum(1.0)
            .maximum(550.0),
    ],
};
