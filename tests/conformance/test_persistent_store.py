"""The PersistentStore module and its users across a power loss (kill -9 of the station, started
again on the same data dir): with `keep_cross_boot_plugin_state` and the EvManager's `kvs`
connected to a PersistentStore, a car plugged in when the power went is plugged in again after
the restart, as EVerest's EvManager does (car_simulatorImpl.cpp); without it the connector comes
back Available. The EvseManager's `store` remembers the session of a running transaction, so the
restart knows it was interrupted (EvseManager's PersistentStore.cpp). Checked on the exact OCPP
messages the test CSMS receives; every wait is on a message or a state, bounded by a timeout."""

from __future__ import annotations

from core_steps import booted, session, status, statuses


def with_store(keep: bool, session_store: bool = False):
    """A yaml_edit for config-sil-one-evse.yaml: a PersistentStore module, the EvManager's
    `kvs` connected to it with keep_cross_boot_plugin_state `keep`, and the EvseManager's
    `store` too when `session_store`."""

    def edit(yaml: str) -> str:
        def replace(text: str, old: str, new: str) -> str:
            assert old in text, old
            return text.replace(old, new, 1)

        yaml = replace(yaml, "active_modules:\n",
                       "active_modules:\n"
                       "  persistent_store:\n"
                       "    module: PersistentStore\n"
                       "    config_module:\n"
                       "      sqlite_db_file_path: store/kvs.db\n")
        yaml = replace(yaml, "      auto_exec: false\n    connections:\n",
                       "      auto_exec: false\n"
                       f"      keep_cross_boot_plugin_state: {'true' if keep else 'false'}\n"
                       "    connections:\n"
                       "      kvs:\n"
                       "        - module_id: persistent_store\n"
                       "          implementation_id: main\n")
        if session_store:
            yaml = replace(yaml, "    connections:\n      bsp:\n",
                           "    connections:\n"
                           "      store:\n"
                           "        - module_id: persistent_store\n"
                           "          implementation_id: main\n"
                           "      bsp:\n")
        return yaml

    return edit


def plug_in(csms, station, connector: int = 1) -> None:
    n = csms.index()
    station.api("POST", f"/connectors/{connector}/plug-in")
    csms.wait_for("StatusNotification", status(connector, "Preparing"), after=n)


def power_loss(csms, station) -> int:
    """kill -9 and start again on the same data dir; returns the message index of the new
    BootNotification."""
    station.kill()
    m = csms.index()
    station.restart()
    return csms.wait_index("BootNotification", after=m)


def first_status(csms, connector: int, after: int) -> dict:
    """The first StatusNotification of `connector` after message index `after`, without its
    optional timestamp."""
    payload = csms.wait_for("StatusNotification", lambda p: p["connectorId"] == connector,
                            after=after)
    return {k: v for k, v in payload.items() if k != "timestamp"}


def test_a_car_plugged_in_at_power_loss_is_plugged_in_again(make_station, csms):
    station = make_station(yaml_edit=with_store(keep=True))
    booted(csms, station)
    plug_in(csms, station)
    boot = power_loss(csms, station)
    # The first status after the boot is the car's: the cable is still in.
    assert first_status(csms, 1, boot) == {
        "connectorId": 1, "errorCode": "NoError", "status": "Preparing"}
    assert first_status(csms, 0, boot)["status"] == "Available"
    station.wait_state(lambda s: s["connectors"][0]["plugged"])
    assert (station.dir / "data" / "store" / "kvs.db").exists()
    # The restored car runs the script of its plug-in: it charges once authorized.
    n = csms.index()
    station.api("POST", "/tokens", {"id_tag": "RFID1", "connectors": [1]})
    csms.wait_for("StartTransaction", lambda p: p["connectorId"] == 1, after=n)
    csms.wait_for("StatusNotification", status(1, "Charging"), after=n)

    # Unplugged before the next power loss: it comes back without a car.
    n = csms.index()
    station.api("POST", "/connectors/1/unplug")
    csms.wait_for("StatusNotification", status(1, "Available"), after=n)
    boot = power_loss(csms, station)
    assert first_status(csms, 1, boot) == {
        "connectorId": 1, "errorCode": "NoError", "status": "Available"}
    booted(csms, station, after=boot)
    assert not station.state()["connectors"][0]["plugged"]
    assert statuses(csms, 1, after=boot) == ["Available"]


def test_without_keep_cross_boot_plugin_state_the_connector_comes_back_available(
        make_station, csms):
    station = make_station(yaml_edit=with_store(keep=False))
    booted(csms, station)
    plug_in(csms, station)
    boot = power_loss(csms, station)
    assert first_status(csms, 1, boot) == {
        "connectorId": 1, "errorCode": "NoError", "status": "Available"}
    booted(csms, station, after=boot)
    assert not station.state()["connectors"][0]["plugged"]
    assert statuses(csms, 1, after=boot) == ["Available"]


def test_a_transaction_interrupted_by_power_loss_is_stopped_and_the_car_still_plugged(
        make_station, csms):
    """With the EvseManager's store connected too: the interrupted session is found (and
    logged) at start, the OCPP core stops its transaction with reason PowerLoss, and the car,
    still plugged in, makes the connector Preparing again."""
    station = make_station(yaml_edit=with_store(keep=True, session_store=True))
    booted(csms, station)
    _, tx_id = session(csms, station)
    boot = power_loss(csms, station)
    stop = csms.wait_for("StopTransaction", after=boot)
    assert (stop["transactionId"], stop["reason"]) == (tx_id, "PowerLoss")
    assert first_status(csms, 1, boot) == {
        "connectorId": 1, "errorCode": "NoError", "status": "Preparing"}
    station.wait_state(lambda s: s["connectors"][0]["plugged"]
                       and s["connectors"][0]["transaction_id"] is None)
    assert "a transaction of the previous run was interrupted" in station.log()


def test_an_unusable_store_path_stops_the_start_naming_the_file(make_station, csms):
    """A database that cannot be opened stops the start, with a message naming its folder."""
    station = make_station(yaml_edit=lambda y: with_store(keep=True)(y).replace(
        "sqlite_db_file_path: store/kvs.db", "sqlite_db_file_path: /dev/null/kvs.db"),
        wait=False)
    assert station.proc.wait(15) != 0
    assert "the PersistentStore folder /dev/null cannot be created" in station.log()
