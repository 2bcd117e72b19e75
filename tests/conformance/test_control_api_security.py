"""The control API refuses what a hostile web page can send it (docs/control-api.md, "Security"),
against the real station: a request naming another Host (DNS rebinding) is 421, a command from
another origin 403, a form or text/plain post 415, and with settings.control_api_token every
request without the token 401; none of them reaches the station (no Authorize goes to the CSMS,
the station keeps running). The web UI's own requests and a script with the token pass. A station
told to listen off loopback without a token does not start."""

from __future__ import annotations

import http.client
import json
import re

from core_steps import booted

TOKEN = "conformance-token-0123456789"


def raw(station, method: str, path: str, headers: dict, body: bytes | None = None):
    """One request with exactly `headers` (urllib would add its own Host and Content-Type);
    returns (status, headers, parsed JSON body or the text)."""
    host, port = station.addr.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        text = resp.read().decode()
        try:
            answer = json.loads(text)
        except ValueError:
            answer = text
        return resp.status, dict(resp.getheaders()), answer
    finally:
        conn.close()


def refused(answer: dict, text: str) -> None:
    assert set(answer) == {"error"} and text in answer["error"], answer


def test_a_web_page_cannot_drive_the_station(make_station, csms):
    station = make_station()
    booted(csms, station)
    host = station.addr
    port = host.rsplit(":", 1)[1]
    card = json.dumps({"id_tag": "RFID1"}).encode()
    n = csms.index()

    # DNS rebinding: the page's own name reaches the socket.
    for path in ["/api/v1/state", "/", "/api/v1/events"]:
        status, _, answer = raw(station, "GET", path, {"Host": f"evil.example:{port}"})
        assert status == 421, (path, answer)
        refused(answer, "is not this control API's address")
    status, _, answer = raw(station, "POST", "/api/v1/tokens",
                            {"Host": "evil.example", "Content-Type": "application/json"}, card)
    assert status == 421, answer

    # A script on another page: fetch() with its own Origin.
    status, _, answer = raw(station, "POST", "/api/v1/tokens",
                            {"Host": host, "Origin": "http://evil.example",
                             "Content-Type": "application/json"}, card)
    assert status == 403, answer
    refused(answer, "Origin http://evil.example")
    status, _, answer = raw(station, "POST", "/api/v1/station/stop",
                            {"Host": host, "Origin": "null"})
    assert status == 403, answer
    # Its Origin stripped, but the browser's fetch metadata says where it comes from.
    status, _, answer = raw(station, "POST", "/api/v1/station/stop",
                            {"Host": host, "Sec-Fetch-Site": "cross-site"})
    assert status == 403, answer
    refused(answer, "Sec-Fetch-Site cross-site")

    # A form on another page, and a text/plain fetch without preflight (an old browser or a
    # privacy setting may leave the Origin out).
    for content_type in ["text/plain;charset=UTF-8", "application/x-www-form-urlencoded"]:
        status, _, answer = raw(station, "POST", "/api/v1/tokens",
                                {"Host": host, "Content-Type": content_type}, card)
        assert status == 415, answer
        refused(answer, "is not application/json")
        status, _, answer = raw(station, "POST", "/api/v1/station/stop",
                                {"Host": host, "Content-Type": content_type}, b"")
        assert status == 415, answer

    # None of it reached the station: no card was read, it still runs.
    assert station.state()["connectors"][0]["authorization"] is None
    assert csms.find("Authorize", after=n) == []
    assert station.proc.poll() is None

    # The page's own requests, by any of the names of loopback.
    for name in [host, f"localhost:{port}"]:
        status, _, answer = raw(station, "POST", "/api/v1/connectors/1/plug-in",
                                {"Host": name, "Origin": f"http://{name}",
                                 "Content-Type": "application/json"}, b"{}")
        assert status == 200, answer
        station.api("POST", "/connectors/1/unplug")
    # A script without a body needs no type.
    status, _, answer = raw(station, "POST", "/api/v1/connectors/1/plug-in", {"Host": host})
    assert (status, answer) == (200, {"ok": True})


def with_token(yaml: str) -> str:
    return re.sub(r"(\n  control_api: [^\n]*)", rf"\1\n  control_api_token: {TOKEN}", yaml, count=1)


def test_with_a_token_nothing_happens_without_it(make_station, csms):
    station = make_station(wait=False, yaml_edit=with_token)
    station.token = TOKEN
    station.wait_api()
    booted(csms, station)
    host = station.addr
    n = csms.index()
    card = json.dumps({"id_tag": "RFID1"}).encode()
    for headers in [{}, {"Authorization": "Bearer wrong-token-0123456789"},
                    {"Cookie": "ferrocharge_token=wrong-token-0123456789"}]:
        for method, path, body in [("GET", "/api/v1/state", None),
                                   ("GET", "/api/v1/events", None),
                                   ("GET", "/api/v1/frames", None),
                                   ("POST", "/api/v1/tokens", card),
                                   ("POST", "/api/v1/station/stop", b"")]:
            status, got, answer = raw(station, method, path,
                                      {"Host": host, "Content-Type": "application/json", **headers},
                                      body)
            assert status == 401, (method, path, headers, answer)
            refused(answer, "token")
            assert got["www-authenticate"] == 'Bearer realm="ferrocharge"'
    assert csms.find("Authorize", after=n) == []
    assert station.proc.poll() is None

    # The page without the cookie is the login form, with nothing of the station on it.
    status, _, page = raw(station, "GET", "/", {"Host": host})
    assert status == 200 and "control_api_token" in page and "cp001" not in page
    status, _, answer = raw(station, "POST", "/api/v1/session",
                            {"Host": host, "Content-Type": "application/json"},
                            json.dumps({"token": "wrong-token-0123456789"}).encode())
    assert status == 401, answer
    status, got, answer = raw(station, "POST", "/api/v1/session",
                              {"Host": host, "Content-Type": "application/json"},
                              json.dumps({"token": TOKEN}).encode())
    assert (status, answer) == (200, {"ok": True})
    cookie = got["set-cookie"]
    assert cookie == f"ferrocharge_token={TOKEN}; Path=/; HttpOnly; SameSite=Strict"
    status, _, page = raw(station, "GET", "/", {"Host": host, "Cookie": cookie.split(";")[0]})
    assert status == 200 and "cp001" in page

    # A script with the bearer token drives it.
    answer = station.api("POST", "/tokens", {"id_tag": "RFID1"})
    assert answer["ok"] is True
    csms.wait_for("Authorize", lambda p: p["idTag"] == "RFID1", after=n)
    # The token appears in no output of the station.
    assert TOKEN not in station.log()


def test_off_loopback_the_station_needs_a_token(make_station):
    def everywhere(yaml: str) -> str:
        return re.sub(r"\n  control_api: 127\.0\.0\.1:", "\n  control_api: 0.0.0.0:", yaml, count=1)

    station = make_station(wait=False, yaml_edit=everywhere)
    assert station.proc.wait(15) == 2
    log = station.log()
    assert "settings: control_api_token: required when control_api (0.0.0.0:" in log, log
