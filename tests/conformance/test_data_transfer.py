"""DataTransfer both ways through the OCPP module's `data_transfer` requirement and command
(issue 22, item 2): the central system's DataTransfer.req answered by a DataTransferResponder
module configured in the station YAML (its table, then its external command, answered
UnknownVendorId when the command does not answer in time), and the control API's
DataTransfer to the central system. Checked on the exact DataTransfer.conf the test CSMS gets
and the exact HTTP answers; every wait is on a message or a state, bounded by a timeout."""

from __future__ import annotations

import os
import textwrap

from ocpp.v16 import call

from core_steps import booted

ANSWERS = """
- vendor_id: com.example
  message_id: Price
  status: Accepted
  data: '{"price": 0.25}'
- vendor_id: com.example
  status: Rejected
"""


def _with_responder(command: str = "", timeout_s: int = 10):
    """A yaml_edit connecting a DataTransferResponder with ANSWERS (and `command`) to the OCPP
    module's data_transfer requirement."""
    def edit(yaml: str) -> str:
        answers = textwrap.indent(ANSWERS.strip("\n"), " " * 8)
        module = (
            "  data_transfer_responder:\n"
            "    module: DataTransferResponder\n"
            "    config_module:\n"
            f"      answers: |\n{answers}\n"
            f"      command: '{command}'\n"
            f"      cfg_request_reply_to_s: {timeout_s}\n"
        )
        old = "  ocpp:\n    module: OCPP\n"
        assert old in yaml
        yaml = yaml.replace(old, module + old, 1)
        old = "    connections:\n      evse_manager:\n        - module_id: evse_manager_1\n          implementation_id: evse\n      reservation:"
        assert old in yaml
        return yaml.replace(old, (
            "    connections:\n      data_transfer:\n"
            "        - module_id: data_transfer_responder\n          implementation_id: main\n"
            "      evse_manager:\n        - module_id: evse_manager_1\n          implementation_id: evse\n"
            "      reservation:"), 1)
    return edit


def _script(station_dir, name: str, body: str) -> str:
    path = station_dir / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    os.chmod(path, 0o700)
    return str(path)


def _transfer(csms, vendor_id: str, message_id: str | None = None, data: str | None = None):
    return csms.call(call.DataTransfer(vendor_id=vendor_id, message_id=message_id, data=data),
                     timeout=20)


def test_the_responder_answers_the_central_system(make_station, csms, tmp_path):
    """Mirrors ocpp_compliance_tests.py::test_data_transfer_to_chargepoint, with a module that
    knows the vendor: its configured answer, its UnknownMessageId for another messageId of a
    vendor it knows, UnknownVendorId for a vendor it does not know (libocpp's
    handleDataTransferRequest statuses); without a command nothing else is asked."""
    station = make_station(yaml_edit=_with_responder())
    booted(csms, station)
    assert _transfer(csms, "com.example", "Price", "{}") == {
        "status": "Accepted", "data": '{"price": 0.25}'}
    assert _transfer(csms, "com.example") == {"status": "Rejected", "data": None}
    assert _transfer(csms, "com.example", "Other") == {"status": "UnknownMessageId", "data": None}
    assert _transfer(csms, "VENID", "MSGID", "Data1") == {"status": "UnknownVendorId", "data": None}


def test_without_a_responder_every_vendor_is_unknown(make_station, csms):
    """Mirrors ocpp_compliance_tests.py::test_data_transfer_to_chargepoint as EVerest's SIL
    config runs it (nothing on the data_transfer requirement): UnknownVendorId."""
    station = make_station()
    booted(csms, station)
    assert _transfer(csms, "VENID", "MSGID", "Data1") == {"status": "UnknownVendorId", "data": None}


def test_the_command_answers_what_the_table_does_not_know(make_station, csms, tmp_path):
    """The external command gets the request as JSON on stdin and its DataTransfer.conf on
    stdout is the answer; the table still answers what it knows without it. A command that
    does not answer within cfg_request_reply_to_s, or answers what is not a DataTransfer.conf,
    gives UnknownVendorId: everest-core's answer for a data_transfer module that does not
    answer (ocpp_consumer_API's Offline default, which the OCPP module sends as
    UnknownVendorId)."""
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    command = _script(scripts, "answer.sh", textwrap.dedent(r"""
        read -r line
        case "$line" in
          *'"messageId":"Slow"'*) exec sleep 60 ;;
          *'"messageId":"Garbage"'*) printf 'not json' ; exit 0 ;;
        esac
        line=$(printf '%s' "$line" | sed 's/"/\\"/g')
        printf '{"status":"Accepted","data":"%s"}' "$line"
    """))
    station = make_station(yaml_edit=_with_responder(command=command, timeout_s=1))
    booted(csms, station)
    assert _transfer(csms, "org.other", "Echo", "x") == {
        "status": "Accepted",
        "data": '{"vendorId":"org.other","messageId":"Echo","data":"x"}'}
    assert _transfer(csms, "com.example", "Price") == {
        "status": "Accepted", "data": '{"price": 0.25}'}
    assert _transfer(csms, "org.other", "Slow") == {"status": "UnknownVendorId", "data": None}
    assert "the command did not answer within 1 s" in station.log()
    assert _transfer(csms, "org.other", "Garbage") == {"status": "UnknownVendorId", "data": None}
    assert "the command's output is not a DataTransfer.conf" in station.log()


def test_the_control_api_sends_a_data_transfer_and_answers_the_csms_answer(make_station, csms):
    """Mirrors broken.py::test_data_transfer_with_probe_module (the OCPP module's
    data_transfer command): the DataTransfer.req reaches the CSMS as asked, its answer
    (status and data) is the route's; offline it is not sent (libocpp queues no DataTransfer
    offline: EVerest answers Offline, the route 503); a CALLERROR is no answer (504)."""
    station = make_station()
    booted(csms, station)
    csms.data_transfer_status = "Accepted"
    csms.data_transfer_data = "Hello there"
    m = csms.index()
    answer = station.api("POST", "/ocpp/data-transfer",
                         {"vendor_id": "PIONIX", "message_id": "test_message", "data": "test"})
    assert answer == {"status": "Accepted", "data": "Hello there"}
    assert csms.find("DataTransfer", after=m) == [
        {"vendorId": "PIONIX", "messageId": "test_message", "data": "test"}]
    csms.data_transfer_status = "UnknownMessageId"
    csms.data_transfer_data = None
    assert station.api("POST", "/ocpp/data-transfer", {"vendor_id": "PIONIX"}) == {
        "status": "UnknownMessageId"}
    # A CALLERROR is no DataTransfer.conf: 504 (EVerest's command answers Offline).
    csms.fail("DataTransfer", code="InternalError")
    assert station.api("POST", "/ocpp/data-transfer", {"vendor_id": "PIONIX"}, expect=504) == {
        "error": "the CSMS sent no DataTransfer.conf: a CALLERROR, no answer in time, or the "
                 "connection dropped first"}
    # Checked before anything is sent.
    assert station.api("POST", "/ocpp/data-transfer", {"vendor_id": ""}, expect=400) == {
        "error": "vendor_id: must not be empty"}
    assert "message_id" in station.api("POST", "/ocpp/data-transfer",
                                       {"vendor_id": "v", "message_id": "m" * 51},
                                       expect=400)["error"]
    assert "unknown field `vendorId`" in station.api(
        "POST", "/ocpp/data-transfer", {"vendorId": "v"}, expect=400)["error"]
    m = csms.index()
    station.api("POST", "/ocpp/disconnect")
    station.wait_state(lambda s: not s["ocpp"]["connected"])
    assert station.api("POST", "/ocpp/data-transfer", {"vendor_id": "PIONIX"}, expect=503) == {
        "error": "offline: the DataTransfer is not sent (the station queues no DataTransfer "
                 "while offline, as libocpp)"}
    station.api("POST", "/ocpp/connect")
    station.wait_state(lambda s: s["ocpp"]["connected"])
    csms.wait_quiet()
    # Not queued: nothing reaches the CSMS once online again.
    assert csms.find("DataTransfer", after=m) == []
