//! The OCPP brain of one charging station (being written).
