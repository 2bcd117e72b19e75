//! OCPP 1.6J websocket transport (being written).
