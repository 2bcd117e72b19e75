"""Each connection failure is refused with its own error and, where the
Security whitepaper asks for one, its security event; the CSMS never sees a BootNotification."""

from __future__ import annotations

from csms16 import KEY, server_tls
from pki import Ca, certificate_store


def refused(station, csms, error: str, security_event: str | None) -> dict:
    failed = station.wait("connect_failed")
    assert (failed["error"], failed["security_event"]) == (error, security_event), failed
    # It keeps trying (with back-off), and never gets through.
    station.wait("connect_failed", after=station.events.index(failed) + 1, error=error)
    assert station.count("connected") == 0
    assert csms.record.boot_notifications == []
    return failed


def tls_csms(make_csms, tmp_path, leaf, client_ca: Ca | None = None):
    cert, key = leaf.write(tmp_path / "csms", "server")
    ca_file = client_ca.write(tmp_path / "csms" / "client_ca.pem") if client_ca else None
    return make_csms(
        authorization_key=KEY,
        ssl_context=server_tls(str(cert), str(key), str(ca_file) if ca_file else None),
    )


def test_wrong_password(make_csms, make_station):
    csms = make_csms(authorization_key=KEY)
    station = make_station(
        "--uri", csms.uri(), "--security-profile", "1", "--authorization-key", "another key, 16+ bytes"
    )
    failed = refused(station, csms, "unauthorized", "FailedToAuthenticateAtCentralSystem")
    assert "HTTP 401" in failed["message"]
    assert csms.record.refused[0][0] == 401


def test_short_authorization_key_is_a_config_error(make_station):
    station = make_station(
        "--uri", "127.0.0.1:9/ocpp/", "--security-profile", "1", "--authorization-key", "15-bytes-only!!"
    )
    error = station.wait("config_error")
    assert "16" in error["message"]
    assert station.proc.wait(5) == 2


def test_untrusted_server_certificate(make_csms, make_station, csms_ca, tmp_path):
    csms = tls_csms(make_csms, tmp_path, Ca("Some Other CA").server(["127.0.0.1"]))
    store = certificate_store(tmp_path / "certs", csms_ca)
    station = make_station(
        "--uri", csms.uri(), "--security-profile", "2", "--authorization-key", KEY, "--certs-dir", str(store)
    )
    refused(station, csms, "csms_certificate_untrusted", "InvalidCentralSystemCertificate")


def test_expired_server_certificate(make_csms, make_station, csms_ca, tmp_path):
    csms = tls_csms(make_csms, tmp_path, csms_ca.server(["127.0.0.1"], expired=True))
    store = certificate_store(tmp_path / "certs", csms_ca)
    station = make_station(
        "--uri", csms.uri(), "--security-profile", "2", "--authorization-key", KEY, "--certs-dir", str(store)
    )
    refused(station, csms, "csms_certificate_expired", "InvalidCentralSystemCertificate")


def test_host_name_mismatch(make_csms, make_station, csms_ca, tmp_path):
    csms = tls_csms(make_csms, tmp_path, csms_ca.server(["csms.example.com"]))
    store = certificate_store(tmp_path / "certs", csms_ca)
    station = make_station(
        "--uri", csms.uri(), "--security-profile", "2", "--authorization-key", KEY, "--certs-dir", str(store)
    )
    failed = refused(station, csms, "csms_certificate_host_mismatch", "InvalidCentralSystemCertificate")
    assert "127.0.0.1" in failed["message"] and "csms.example.com" in failed["message"]


def test_missing_client_certificate(make_csms, make_station, csms_ca, tmp_path):
    cpo_ca = Ca("Test CPO CA")
    csms = tls_csms(make_csms, tmp_path, csms_ca.server(["127.0.0.1"]), client_ca=cpo_ca)
    store = certificate_store(tmp_path / "certs", csms_ca)  # no client certificate installed
    station = make_station("--uri", csms.uri(), "--security-profile", "3", "--certs-dir", str(store))
    refused(station, csms, "client_certificate_missing", "InvalidChargePointCertificate")
    assert csms.record.handshakes == []


def test_client_certificate_required_but_not_presented(make_csms, make_station, csms_ca, tmp_path):
    # A profile 2 charge point at a CSMS that requires client certificates (profile 3).
    cpo_ca = Ca("Test CPO CA")
    csms = tls_csms(make_csms, tmp_path, csms_ca.server(["127.0.0.1"]), client_ca=cpo_ca)
    store = certificate_store(tmp_path / "certs", csms_ca)
    station = make_station(
        "--uri", csms.uri(), "--security-profile", "2", "--authorization-key", KEY, "--certs-dir", str(store)
    )
    refused(station, csms, "client_certificate_rejected", "InvalidChargePointCertificate")


def test_client_certificate_of_an_unknown_ca(make_csms, make_station, csms_ca, tmp_path):
    cpo_ca = Ca("Test CPO CA")
    csms = tls_csms(make_csms, tmp_path, csms_ca.server(["127.0.0.1"]), client_ca=cpo_ca)
    store = certificate_store(tmp_path / "certs", csms_ca, Ca("Stranger").client("cp001"))
    station = make_station("--uri", csms.uri(), "--security-profile", "3", "--certs-dir", str(store))
    refused(station, csms, "client_certificate_rejected", "InvalidChargePointCertificate")


def test_csms_without_ocpp16_subprotocol(make_csms, make_station):
    csms = make_csms(accept_ocpp16=False)
    station = make_station("--uri", csms.uri(), "--security-profile", "0")
    failed = refused(station, csms, "subprotocol_refused", None)
    assert "ocpp1.6" in failed["message"]
    assert "does not speak OCPP 1.6J" in station.log()
