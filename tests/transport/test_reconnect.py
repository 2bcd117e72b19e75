"""Reconnecting: the CSMS dies mid-session and comes back; the CSMS stops answering pings.
Either way the charge point reconnects and sends no second BootNotification."""

from __future__ import annotations

PROBE = '[2,"probe-{n}","ClearCache",{{}}]'


def no_second_boot(station, csms, n: int) -> None:
    """The CSMS sends a CALL on the new connection; once the station reports it, anything the
    station did on reconnecting (a BootNotification would be the first) is already out."""
    csms.send_to_all(PROBE.format(n=n))
    station.wait("call", action="ClearCache", after=0)
    assert station.count("boot_notification_sent") == 1
    assert len(csms.record.boot_notifications) == 1


def test_csms_killed_and_restarted(make_csms, make_station):
    csms = make_csms()
    station = make_station("--uri", csms.uri(), "--security-profile", "0")
    assert station.wait("connected")["id"] == 1
    station.wait("response", action="BootNotification")
    csms.wait(lambda r: len(r.boot_notifications) == 1)

    csms.kill()
    station.wait("disconnected")
    station.wait("connect_failed", error="tcp")
    csms.start()  # same port
    assert station.wait("connected", id=2)["url"].endswith("/ocpp/cp001")
    csms.wait(lambda r: len(r.handshakes) == 2)
    no_second_boot(station, csms, 1)


def test_unanswered_pings(make_csms, make_station):
    csms = make_csms()
    station = make_station(
        "--uri", csms.uri(), "--security-profile", "0", "--ping-interval", "0.3", "--pong-timeout", "0.5"
    )
    station.wait("connected", id=1)
    station.wait("response", action="BootNotification")

    csms.stop_answering_pings()
    disconnected = station.wait("disconnected")
    assert "pong" in disconnected["reason"].lower(), disconnected
    station.wait("connected", id=2)
    csms.wait(lambda r: len(r.handshakes) == 2)
    no_second_boot(station, csms, 1)
