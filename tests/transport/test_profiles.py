"""Security profiles 0 to 3 accepted by a CSMS written with the PyPI `ocpp` package: the CSMS
checks the path, the subprotocol, the Authorization header and the client certificate."""

from __future__ import annotations

import base64

from csms16 import KEY, server_tls
from pki import certificate_store

BASIC = "Basic " + base64.b64encode(f"cp001:{KEY}".encode()).decode()


def booted(station, csms, profile: int, scheme: str) -> None:
    connected = station.wait("connected")
    assert connected["profile"] == profile
    assert connected["url"] == f"{scheme}://127.0.0.1:{csms.port}/ocpp/cp001"
    response = station.wait("response", action="BootNotification")
    assert response["payload"]["status"] == "Accepted"
    record = csms.wait(lambda r: len(r.boot_notifications) == 1)
    assert record.handshakes[0].path == "/ocpp/cp001"
    assert record.handshakes[0].subprotocol == "ocpp1.6"


def test_profile_0_plain_websocket(make_csms, make_station):
    csms = make_csms()
    # libocpp's scheme-less form: the profile picks ws://.
    station = make_station("--uri", csms.uri(), "--security-profile", "0")
    booted(station, csms, 0, "ws")
    assert csms.record.handshakes[0].authorization is None


def test_profile_1_basic_auth(make_csms, make_station):
    csms = make_csms(authorization_key=KEY)
    station = make_station(
        "--uri", csms.uri("ws"), "--security-profile", "1", "--authorization-key", KEY
    )
    booted(station, csms, 1, "ws")
    assert csms.record.handshakes[0].authorization == BASIC


def test_profile_2_tls_and_basic_auth(make_csms, make_station, csms_ca, tmp_path):
    leaf = csms_ca.server(["127.0.0.1"])
    cert, key = leaf.write(tmp_path / "csms", "server")
    store = certificate_store(tmp_path / "certs", csms_ca)
    csms = make_csms(authorization_key=KEY, ssl_context=server_tls(str(cert), str(key)))
    station = make_station(
        "--uri", csms.uri(), "--security-profile", "2", "--authorization-key", KEY,
        "--certs-dir", str(store),
    )
    booted(station, csms, 2, "wss")
    assert csms.record.handshakes[0].authorization == BASIC
    assert csms.record.handshakes[0].client_cn is None


def test_profile_3_client_certificate(make_csms, make_station, csms_ca, tmp_path):
    cpo_ca = type(csms_ca)("Test CPO CA")
    cert, key = csms_ca.server(["127.0.0.1"]).write(tmp_path / "csms", "server")
    cpo_ca_file = cpo_ca.write(tmp_path / "csms" / "cpo_ca.pem")
    store = certificate_store(tmp_path / "certs", csms_ca, cpo_ca.client("cp001"))
    csms = make_csms(ssl_context=server_tls(str(cert), str(key), client_ca=str(cpo_ca_file)))
    station = make_station(
        "--uri", csms.uri("wss"), "--security-profile", "3", "--certs-dir", str(store)
    )
    booted(station, csms, 3, "wss")
    assert csms.record.handshakes[0].client_cn == "cp001"
    assert csms.record.handshakes[0].authorization is None
