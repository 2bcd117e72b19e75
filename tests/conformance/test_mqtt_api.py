"""EVerest's external MQTT API against a real broker (Debian's mosquitto, started per test on a
free loopback port; skipped when the binary is missing here): a whole session driven only over
MQTT (EvManager's car-simulator topics, DummyTokenProviderManual's token topic, the API's
pause/resume, limit and stop), checked on the exact OCPP messages the CSMS receives and on the
API's variables; enable / disable by priority against ChangeAvailability. docs/mqtt.md lists
every topic."""

from __future__ import annotations

import json
import queue
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conformance_station import free_port
from core_steps import booted, status

paho = pytest.importorskip("paho.mqtt.client")

MOSQUITTO = shutil.which("mosquitto") or (
    "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None)

pytestmark = pytest.mark.skipif(
    MOSQUITTO is None, reason="mosquitto is not installed (apt-get install mosquitto; .ci/run does)")


class Broker:
    """mosquitto on 127.0.0.1:`port`, with persistence, so that a restart keeps the station's
    session and what was published for it meanwhile."""

    def __init__(self, dir: Path):
        self.port = free_port()
        self.dir = dir
        self.conf = dir / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\n"
            f"persistence true\npersistence_location {dir}/\n"
            # Started as root, mosquitto would become user `mosquitto`, who cannot write its
            # persistence file into the test's directory: it stays who it was started as.
            "user root\n")
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Broker":
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError("mosquitto did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # saves the persistence file
            self.proc.wait(timeout=10)
        self.proc = None


class Client:
    """A paho client subscribed to `everest_api/#`, with a persistent session (QoS 1)."""

    def __init__(self, port: int):
        self.messages: queue.Queue = queue.Queue()
        self.client = paho.Client(callback_api_version=paho.CallbackAPIVersion.VERSION2,
                                  client_id=f"test-{port}", clean_session=False)
        self.client.on_message = lambda c, u, m: self.messages.put((m.topic, m.payload.decode()))
        self.client.on_connect = lambda c, u, f, rc, p=None: c.subscribe("everest_api/#", qos=1)
        self.client.reconnect_delay_set(0.1, 0.5)
        # The message ids the broker acknowledged (PUBACK).
        self.acked: set[int] = set()
        self.acked_changed = threading.Condition()
        self.client.on_publish = self._on_publish
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _on_publish(self, client, userdata, mid, reason_code=None, properties=None) -> None:
        with self.acked_changed:
            self.acked.add(mid)
            self.acked_changed.notify_all()

    def publish(self, topic: str, payload: str) -> int:
        """Publishes with QoS 1 (held while the broker is away); the message id."""
        return self.client.publish(topic, payload, qos=1).mid

    def wait_acked(self, mid: int, timeout: float = 15) -> None:
        """Waits until the broker has acknowledged message `mid`."""
        with self.acked_changed:
            if not self.acked_changed.wait_for(lambda: mid in self.acked, timeout):
                raise AssertionError(f"the broker did not acknowledge message {mid} in {timeout} s")

    def wait(self, topic: str, predicate=lambda payload: True, timeout: float = 15) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                t, payload = self.messages.get(timeout=0.2)
            except queue.Empty:
                continue
            if t == topic and predicate(payload):
                return payload
        raise AssertionError(f"no {topic} as expected within {timeout} s")

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def with_mqtt(port: int):
    """The one-EVSE SIL station with the broker, EVerest's API module (its energy sink between
    the grid and the OCPP sink, as in EVerest's SIL config) and EvAPI."""

    def edit(yaml: str) -> str:
        yaml = yaml.replace("settings:\n", f"settings:\n  mqtt: 127.0.0.1:{port}\n", 1)
        yaml = yaml.replace(
            "      energy_consumer:\n        - module_id: evse_manager_1_ocpp_sink\n",
            "      energy_consumer:\n        - module_id: evse_manager_1_api_sink\n")
        return yaml.replace("  system:\n    module: System\n", """  system:
    module: System
  evse_manager_1_api_sink:
    module: EnergyNode
    mapping:
      module:
        evse: 1
    config_module:
      fuse_limit_A: 32.0
      phase_count: 3
    connections:
      energy_consumer:
        - module_id: evse_manager_1_ocpp_sink
          implementation_id: energy_grid
  api:
    module: API
    connections:
      evse_manager:
        - module_id: evse_manager_1
          implementation_id: evse
      ocpp:
        - module_id: ocpp
          implementation_id: ocpp_generic
      evse_energy_sink:
        - module_id: evse_manager_1_api_sink
          implementation_id: external_limits
  ev_api:
    module: EvAPI
    connections:
      ev_manager:
        - module_id: ev_manager_1
          implementation_id: ev_manager
""")
    return edit


TOKEN = json.dumps({"id_token": {"value": "RFID1", "type": "ISO14443"},
                    "authorization_type": "RFID", "connectors": [1]})
CARSIM = "everest_external/nodered/1/carsim/cmd/"
CMD = "everest_api/evse_manager_1/cmd/"
VAR = "everest_api/evse_manager_1/var/"


def session_state(state: str):
    return lambda payload: json.loads(payload)["state"] == state


@pytest.fixture
def broker(tmp_path):
    b = Broker(tmp_path).start()
    yield b
    b.stop()


def start_session_over_mqtt(csms, station, mqtt: Client) -> int:
    booted(csms, station)
    mqtt.wait(VAR + "session_info", session_state("Unplugged"))
    assert json.loads(mqtt.wait("everest_api/connectors")) == ["evse_manager_1"]
    assert mqtt.wait("everest_api/ocpp/var/connection_status") == "connected"
    n = csms.index()
    mqtt.publish(CARSIM + "execute_charging_session",
                 "sleep 1;iec_wait_pwr_ready;sleep 1;draw_power_regulated 16,3;sleep 300;unplug")
    csms.wait_for("StatusNotification", status(1, "Preparing"), after=n)
    # The one-EVSE config names no mqtt_topic: the module's default topic.
    mqtt.publish("everest_api/token_provider_1/cmd/provide", TOKEN)
    start = csms.wait_for("StartTransaction", lambda p: p["connectorId"] == 1, after=n)
    assert start["idTag"] == "RFID1"
    csms.wait_for("StatusNotification", status(1, "Charging"), after=n)
    mqtt.wait(VAR + "session_info", session_state("Charging"))
    # The CSMS's id (positive), not the placeholder the station shows until the answer.
    return station.wait_state(lambda s: (s["connectors"][0]["transaction_id"] or 0) > 0)[
        "connectors"][0]["transaction_id"]


def test_a_whole_session_driven_only_over_mqtt(make_station, csms, broker):
    """Plug-in (EvManager's execute_charging_session), the token (DummyTokenProviderManual's
    mqtt_topic), pause / resume and a limit (API), unplug (modify_charging_session): the CSMS
    sees the transaction's messages in order, the API's variables follow."""
    mqtt = Client(broker.port)
    try:
        station = make_station(yaml_edit=with_mqtt(broker.port))
        tx_id = start_session_over_mqtt(csms, station, mqtt)
        assert mqtt.wait("everest_api/ev_manager_1/var/session_info",
                         lambda p: json.loads(p)["state"] == "C")

        m = csms.index()
        mqtt.publish(CMD + "pause_charging", "now")
        csms.wait_for("StatusNotification", status(1, "SuspendedEVSE"), after=m)
        mqtt.wait(VAR + "session_info", session_state("ChargingPausedEVSE"))
        mqtt.publish(CMD + "resume_charging", "now")
        csms.wait_for("StatusNotification", status(1, "Charging"), after=m)

        mqtt.publish(CMD + "set_limit_amps", "10")
        limits = mqtt.wait(VAR + "limits", lambda p: json.loads(p)["max_current"] == 10.0)
        assert limits == '{"uuid":"evse_manager_1","nr_of_phases_available":3,"max_current":10.00}'
        state = station.wait_state(lambda s: s["connectors"][0]["limit_a"] == 10.0)
        assert state["connectors"][0]["limit_source"] == "api"

        mqtt.publish(CARSIM + "modify_charging_session", "unplug")
        stop = csms.wait_for("StopTransaction", after=m)
        assert (stop["transactionId"], stop["reason"]) == (tx_id, "EVDisconnected")
        csms.wait_for("StatusNotification", status(1, "Available"), after=m)
        assert [p["status"] for p in csms.find("StatusNotification", after=m)
                if p["connectorId"] == 1] == ["SuspendedEVSE", "Charging", "Finishing", "Available"]
        mqtt.wait(VAR + "session_info", session_state("Unplugged"))
    finally:
        mqtt.close()


def test_enable_disable_by_priority_and_the_broker_flag(make_station, csms, broker):
    """A disable of the local API at priority 42 makes the connector Unavailable; the CSMS's
    ChangeAvailability Operative (priority 5000) does not override it; the API's unassigned
    entry gives the decision back. The state shows the broker connected."""
    from ocpp.v16 import call
    mqtt = Client(broker.port)
    try:
        station = make_station(yaml_edit=with_mqtt(broker.port))
        booted(csms, station)
        state = station.wait_state(lambda s: s["mqtt"] and s["mqtt"]["connected"])
        assert state["mqtt"] == {"broker": f"127.0.0.1:{broker.port}", "connected": True}
        m = csms.index()
        mqtt.publish(CMD + "enable_disable",
                     '{"connector_id": 0, "source": "LocalAPI", "state": "disable", "priority": 42}')
        csms.wait_for("StatusNotification", status(1, "Unavailable"), after=m)
        info = json.loads(mqtt.wait(VAR + "session_info", session_state("Disabled")))
        assert info["active_enable_disable_source"] == {
            "priority": 42, "source": "LocalAPI", "state": "Disable"}
        assert csms.call(call.ChangeAvailability(connector_id=1, type="Operative")) == {
            "status": "Accepted"}
        mqtt.publish(CMD + "enable_disable",
                     '{"connector_id": 0, "source": "LocalAPI", "state": "unassigned", "priority": 42}')
        csms.wait_for("StatusNotification", status(1, "Available"), after=m)
        assert [p["status"] for p in csms.find("StatusNotification", after=m)
                if p["connectorId"] == 1] == ["Unavailable", "Available"]
    finally:
        mqtt.close()


def test_a_broker_restart_mid_session_loses_no_command_and_no_ocpp_message(
        make_station, csms, broker):
    """The broker goes away in the middle of a session and comes back (with its persistence,
    as mosquitto keeps sessions across a restart). Meanwhile the station goes on charging and
    the CSMS gets its MeterValues; the state flag says the broker is gone. A pause published
    while the broker is away (the tool's client keeps it, QoS 1) and a resume published once
    the broker has the pause (while the station is usually still away: the broker keeps it for
    the station's persistent session), are both carried out, in order."""
    mqtt = Client(broker.port)
    try:
        station = make_station(yaml_edit=with_mqtt(broker.port))
        tx_id = start_session_over_mqtt(csms, station, mqtt)
        m = csms.index()
        broker.stop()
        station.wait_state(lambda s: s["mqtt"]["connected"] is False)
        # The station charges on without its broker: its sampled meter values keep coming.
        csms.wait_for("MeterValues", lambda p: p.get("transactionId") == tx_id, after=m)
        csms.wait_for("MeterValues", lambda p: p.get("transactionId") == tx_id,
                      after=csms.index())
        pause = mqtt.publish(CMD + "pause_charging", "now")  # held by the tool's client
        broker.start()
        # paho sends the message it held when it is connected again, but a message published
        # meanwhile from this thread can overtake it: the broker then had resume before pause,
        # and the station (rightly, in that order) refused the resume and paused. So the
        # resume goes once the broker has acknowledged the pause.
        mqtt.wait_acked(pause)
        mqtt.publish(CMD + "resume_charging", "now")  # held by the broker for the station
        csms.wait_for("StatusNotification", status(1, "SuspendedEVSE"), after=m)
        csms.wait_for("StatusNotification", status(1, "Charging"), after=m)
        station.wait_state(lambda s: s["mqtt"]["connected"] is True)
        mqtt.publish(CARSIM + "modify_charging_session", "unplug")
        stop = csms.wait_for("StopTransaction", after=m)
        assert (stop["transactionId"], stop["reason"]) == (tx_id, "EVDisconnected")
        csms.wait_for("StatusNotification", status(1, "Available"), after=m)
        assert [p["status"] for p in csms.find("StatusNotification", after=m)
                if p["connectorId"] == 1] == ["SuspendedEVSE", "Charging", "Finishing", "Available"]
        # Every OCPP message of the session reached the CSMS once: the meter values of the
        # transaction are in time order with no gap the sample interval does not explain.
        stamps = [mv["timestamp"] for p in csms.find("MeterValues", after=m)
                  if p.get("transactionId") == tx_id for mv in p["meterValue"]]
        assert stamps == sorted(stamps) and len(stamps) == len(set(stamps))
    finally:
        mqtt.close()


def with_random_delay(port: int):
    """with_mqtt, the EVSE's UK random delay on (EvseManager's parameters, at most 600 s) and
    the API's `random_delay` connection to it, as EVerest's config-sil-ocpp-API.yaml has it."""
    mqtt_edit = with_mqtt(port)

    def edit(yaml: str) -> str:
        yaml = mqtt_edit(yaml)
        yaml = yaml.replace(
            "      request_zero_power_in_idle: true\n",
            "      request_zero_power_in_idle: true\n"
            "      uk_smartcharging_random_delay_enable: true\n"
            "      uk_smartcharging_random_delay_max_duration: 600\n", 1)
        return yaml.replace(
            "      evse_energy_sink:\n        - module_id: evse_manager_1_api_sink\n",
            "      random_delay:\n        - module_id: evse_manager_1\n"
            "          implementation_id: random_delay\n"
            "      evse_energy_sink:\n        - module_id: evse_manager_1_api_sink\n", 1)
    return edit


def test_the_uk_random_delay_holds_the_start_back_until_it_ends_or_is_cancelled(
        make_station, csms, broker):
    """EVerest's random delay (EvseManager uk_smartcharging_random_delay_*, API
    cmd/uk_random_delay): a session's start waits at 0 A (SuspendedEVSE right after the
    transaction started) while the delay runs,
    and the API's session_info and the state show the countdown; cancel over MQTT ends it:
    the EVSE offers its current (Charging). A longest delay of 0 s, set over MQTT, means no
    delay at the next change; disable turns it off (the state's random_delay is null)."""
    mqtt = Client(broker.port)
    try:
        station = make_station(yaml_edit=with_random_delay(broker.port))
        booted(csms, station)
        mqtt.wait(VAR + "session_info", session_state("Unplugged"))
        n = csms.index()
        mqtt.publish(CARSIM + "execute_charging_session",
                     "sleep 1;iec_wait_pwr_ready;sleep 1;draw_power_regulated 16,3;sleep 300;unplug")
        mqtt.publish("everest_api/token_provider_1/cmd/provide", TOKEN)
        csms.wait_for("StartTransaction", lambda p: p["connectorId"] == 1, after=n)
        state = station.wait_state(
            lambda s: (s["connectors"][0]["random_delay"] or {}).get("countdown_s", 0) > 0)
        delay = state["connectors"][0]["random_delay"]
        assert delay["max_duration_s"] == 600 and 0 < delay["countdown_s"] < 600
        assert (delay["limit_during_a"], delay["limit_after_a"]) == (0.0, 32.0)
        info = json.loads(mqtt.wait(VAR + "session_info",
                                    lambda p: "uk_random_delay" in json.loads(p)))
        assert set(info["uk_random_delay"]) == {"remaining_s", "current_limit_after_delay_A",
                                                "current_limit_during_delay_A", "start_time"}
        assert info["uk_random_delay"]["current_limit_during_delay_A"] == 0.0
        assert 0 < info["uk_random_delay"]["remaining_s"] < 600
        # Held back: the transaction starts (Charging, as any start) and at once waits without
        # energy, suspended by the EVSE, until the delay is over.
        csms.wait_for("StatusNotification", status(1, "SuspendedEVSE"), after=n)
        assert [p["status"] for p in csms.find("StatusNotification", after=n)
                if p["connectorId"] == 1] == ["Preparing", "Charging", "SuspendedEVSE"]

        m = csms.index()
        mqtt.publish(CMD + "uk_random_delay", "cancel")
        csms.wait_for("StatusNotification", status(1, "Charging"), after=m)
        state = station.wait_state(lambda s: s["connectors"][0]["random_delay"]["countdown_s"] == 0)
        assert state["connectors"][0]["limit_a"] == 32.0
        mqtt.wait(VAR + "session_info", lambda p: "uk_random_delay" not in json.loads(p)
                  and json.loads(p)["state"] == "Charging")

        # No delay with a longest delay of 0 s: a limit change applies at once.
        mqtt.publish(CMD + "uk_random_delay_set_max_duration_s", "0")
        station.wait_state(lambda s: s["connectors"][0]["random_delay"]["max_duration_s"] == 0)
        mqtt.publish(CMD + "set_limit_amps", "10")
        mqtt.wait(VAR + "limits", lambda p: json.loads(p)["max_current"] == 10.0)
        mqtt.publish(CMD + "uk_random_delay", "disable")
        station.wait_state(lambda s: s["connectors"][0]["random_delay"] is None)
    finally:
        mqtt.close()


def test_a_command_over_the_packet_limit_is_dropped_by_the_broker_and_the_rest_go_on(
        make_station, csms, broker):
    """A 100 kB QoS 1 command (over the station's 64 KiB limit, which it declares in its MQTT 5
    CONNECT) never reaches the station: the broker discards it for this client. The connection
    stays up and the next command works. (With MQTT 3.1.1 the client could only drop the
    connection, and the broker redelivered the message at every reconnection, for ever.)"""
    mqtt = Client(broker.port)
    try:
        station = make_station(yaml_edit=with_mqtt(broker.port))
        booted(csms, station)
        station.wait_state(lambda s: s["mqtt"] and s["mqtt"]["connected"])
        m = csms.index()
        huge = json.dumps({"connector_id": 0, "source": "LocalAPI", "state": "enable",
                           "priority": 42, "padding": "x" * 100_000})
        mqtt.publish(CMD + "enable_disable", huge)
        mqtt.publish(CMD + "enable_disable",
                     '{"connector_id": 0, "source": "LocalAPI", "state": "disable", "priority": 42}')
        csms.wait_for("StatusNotification", status(1, "Unavailable"), after=m)
        info = json.loads(mqtt.wait(VAR + "session_info", session_state("Disabled")))
        assert info["active_enable_disable_source"] == {
            "priority": 42, "source": "LocalAPI", "state": "Disable"}
        assert station.state()["mqtt"]["connected"] is True
        assert "MQTT: the broker is not reachable" not in station.log()
    finally:
        mqtt.close()
