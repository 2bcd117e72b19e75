"""A hostile or broken CSMS (issue 15): what it sends is bounded before it is decoded, every CALL
with a readable id is answered, frames that cannot be OCPP-J get libocpp's GenericError to the
id "-1", and the connection stays. The memory of the station process (VmHWM, its peak RSS) stays
under 64 MB while a 62 MB SendLocalList and a 1 GiB frame go by. Every wait is on a frame, a
message or a state, bounded by a timeout."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time

from ocpp.v16 import call

from core_steps import booted

# Internal.MaxMessageSize's default, the limit the shipped config gives (the 1440 schedule
# periods of ChargingScheduleMaxPeriods would need more; MaxMessageSize caps).
LIMIT = 65000
PEAK_RSS_LIMIT_KB = 64 * 1024


def peak_rss_kb(station) -> int:
    """The station process's peak resident set size so far (VmHWM), in kB."""
    for line in open(f"/proc/{station.proc.pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def quiet_station(make_station, csms):
    # No heartbeat while a huge frame is streamed: nothing may come between its bytes.
    csms.heartbeat_interval = 3600
    station = make_station()
    booted(csms, station)
    csms.wait_quiet()
    return station


def still_talking(csms) -> None:
    """The same connection still answers a CALL."""
    answer = csms.call(call.GetLocalListVersion())
    assert answer == {"listVersion": 0}, answer
    assert csms.connections() == 1


def test_oversized_frames_are_refused_before_decoding_and_memory_stays_bounded(
        make_station, csms):
    station = quiet_station(make_station, csms)
    baseline = peak_rss_kb(station)

    # The probe's SendLocalList: 500k entries, 62 MB, where SendLocalListMaxLength is 100.
    entries = [{"idTag": f"TAG{n:017d}",
                "idTagInfo": {"status": "Accepted", "expiryDate": "2030-01-01T00:00:00.000Z",
                              "parentIdTag": "PARENT00000000000000"}}
               for n in range(500_000)]
    text = json.dumps([2, "sll-62mb", "SendLocalList",
                       {"listVersion": 1, "updateType": "Full",
                        "localAuthorizationList": entries}])
    del entries
    size = len(text.encode())
    assert size > 60_000_000, size
    f = csms.send_raw(text)
    del text
    _, answer = csms.answer_to("sll-62mb", after=f, timeout=60)
    assert answer == [4, "sll-62mb", "FormationViolation",
                      f"message of {size} bytes refused: at most {LIMIT} are read", {}]
    still_talking(csms)
    after_sll = peak_rss_kb(station)

    # One unfragmented frame of 1 GiB: answered from its start while the rest is read and
    # dropped.
    gib = 1 << 30
    f = csms.frame_count()
    csms.send_huge_frame('[2,"huge-1gib","DataTransfer",{"vendorId":"', gib)
    _, answer = csms.answer_to("huge-1gib", after=f)
    assert answer == [4, "huge-1gib", "FormationViolation",
                      f"message of {gib} bytes refused: at most {LIMIT} are read", {}]
    still_talking(csms)
    after_gib = peak_rss_kb(station)
    print(f"\npeak RSS (VmHWM) of the station: booted {baseline} kB, "
          f"after 62 MB SendLocalList {after_sll} kB, after 1 GiB frame {after_gib} kB")
    assert after_gib < PEAK_RSS_LIMIT_KB, (baseline, after_sll, after_gib)
    assert station.state()["ocpp"]["connected"]


def test_frames_that_are_not_text_get_generic_error_to_minus_one(make_station, csms):
    """EVerest's test_invalid_encoding_in_payload: b"\\xd8\\x00\\x00\\x00" gets a CALLERROR
    GenericError; libocpp's id for a frame it cannot read is "-1".
    Mirrors EVerest: broken.py::test_invalid_encoding_in_payload."""
    station = make_station()
    booted(csms, station)
    for text in (True, False):
        f = csms.frame_count()
        csms.send_bytes(b"\xd8\x00\x00\x00", text=text)
        _, answer = csms.answer_to("-1", after=f)
        assert answer[:3] == [4, "-1", "GenericError"], answer
        assert answer[4] == {}
        assert ("not UTF-8" if text else "binary message") in answer[3], answer
    still_talking(csms)


def test_calls_with_a_readable_id_are_answered(make_station, csms):
    station = make_station()
    booted(csms, station)
    # An id of 37 characters (OCPP-J 1.6 §4.1.3 allows 36): answered to that id.
    long_id = "x" * 37
    f = csms.send_raw([2, long_id, "GetLocalListVersion", {}])
    _, answer = csms.answer_to(long_id, after=f)
    assert answer[:3] == [4, long_id, "FormationViolation"], answer
    # 10,000 levels deep: answered from the frame's start.
    deep = ('[2,"deep-1","DataTransfer",{"vendorId":"v","data":'
            + "[" * 10_000 + "]" * 10_000 + "}]")
    f = csms.send_raw(deep)
    _, answer = csms.answer_to("deep-1", after=f)
    assert answer[:3] == [4, "deep-1", "FormationViolation"], answer
    still_talking(csms)


class _RefusingServer:
    """A TCP port that takes each connection and closes it at once, noting when: every
    download attempt of the station shows as one."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.times: list[float] = []
        self.cond = threading.Condition()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.close()
            with self.cond:
                self.times.append(time.monotonic())
                self.cond.notify_all()

    def wait_attempts(self, count: int, timeout: float = 15) -> list[float]:
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.times) >= count, timeout), self.times
            return list(self.times)

    def close(self) -> None:
        self.sock.close()


def test_file_transfer_retries_from_the_csms_are_bounded(make_station, csms):
    """UpdateFirmware with retries 2147483647 and retryInterval 0 (the probe: some 750 attempts
    a second, for ever): the station makes eleven attempts at the most (1 + 10 retries, the
    log says "of=11"), at least a second apart."""
    station = make_station()
    booted(csms, station)
    server = _RefusingServer()
    try:
        now = dt.datetime.now(dt.timezone.utc).isoformat()
        assert csms.call(call.UpdateFirmware(
            location=f"http://127.0.0.1:{server.port}/fw.bin", retrieve_date=now,
            retries=2147483647, retry_interval=0)) == {}
        times = server.wait_attempts(3)
        gaps = [b - a for a, b in zip(times, times[1:])]
        print(f"\nattempts {len(times)}, gaps {[round(g, 2) for g in gaps]} s")
        assert all(g >= 0.9 for g in gaps), gaps
        station.wait_state(lambda s: "of=11" in station.log())
    finally:
        server.close()
