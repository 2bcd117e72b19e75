"""Secure firmware update of the Security whitepaper edition 2 (use case L01: SignedUpdateFirmware,
SignedFirmwareStatusNotification) against the real station, with a PKI made at test time with
`cryptography` (a manufacturer root installed with InstallCertificate, firmware signing
certificates it issues) and the firmware served over HTTP (file_servers.py). Checked on the exact
messages the test CSMS receives; every wait is on a message, bounded by a timeout.

- a valid signed file (ECDSA P-256, ECDSA P-384, RSA 2048; SHA-256): DownloadScheduled,
  Downloading, Downloaded, SignatureVerified, Installing, InstallRebooting with the requestId;
  the station restarts into the new version and then says Installed and FirmwareUpdated, even
  when the power goes before the new firmware's boot is accepted;
- a signature that is not the file's: InvalidSignature and the security event
  InvalidFirmwareSignature; nothing installed, no restart;
- a signing certificate no installed manufacturer root issued: InvalidCertificate and the
  security event InvalidFirmwareSigningCertificate; nothing downloaded;
- a second request while one waits for its retrieveDateTime: AcceptedCanceled, and only the
  second is downloaded; ExtendedTriggerMessage FirmwareStatusNotification tells the status of
  the update under way with its requestId;
- during a transaction: verified at once, installed only after the transaction ended."""

from __future__ import annotations

import base64
import datetime as dt
import itertools

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from ocpp.v16 import call

from core_steps import booted, session, status
from pki import Ca

# Download, verification, installation and the restart in one wait.
FLOW_TIMEOUT = 30
FIRMWARE = b"ferrocharge signed firmware image\n" * 64
MF_ROOT = "ManufacturerRootCertificate"
_ids = itertools.count(1)


def _at(seconds: float = 0) -> str:
    return (dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=seconds)).isoformat()


class Signer:
    """A firmware signing certificate issued by `ca` for a new key of `kind`."""

    def __init__(self, ca: Ca, kind: str) -> None:
        if kind == "rsa":
            self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        else:
            self.key = ec.generate_private_key(ec.SECP384R1() if kind == "p384" else ec.SECP256R1())
        now = dt.datetime.now(dt.timezone.utc)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "firmware signing")]))
            .issuer_name(ca.cert.subject)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
            .sign(ca.key, hashes.SHA256())
        )
        self.cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()

    def sign(self, data: bytes) -> str:
        """What `openssl dgst -sha256 -sign key.pem firmware | base64` makes."""
        if isinstance(self.key, rsa.RSAPrivateKey):
            signature = self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        else:
            signature = self.key.sign(data, ec.ECDSA(hashes.SHA256()))
        return base64.b64encode(signature).decode()


def ask(csms, action: str, payload: dict) -> dict:
    """Sends the CALL as it goes on the wire; the station's CALLRESULT payload."""
    message_id = f"sfw-{next(_ids)}"
    index = csms.send_raw([2, message_id, action, payload])
    _, frame = csms.answer_to(message_id, after=index)
    assert frame[0] == 3, frame
    return frame[2]


def signed_update(csms, request_id: int, location: str, signer: Signer, signature: str,
                  retrieve_in: float = -5) -> dict:
    """SignedUpdateFirmware; retrieveDateTime `retrieve_in` seconds from now: by default in the
    past, so that the download starts at once (one "now" could be a few milliseconds ahead of
    the station's clock, which the central system's currentTime set: then DownloadScheduled
    would come first)."""
    return ask(csms, "SignedUpdateFirmware", {
        "requestId": request_id, "retries": 1, "retryInterval": 1,
        "firmware": {"location": location, "retrieveDateTime": _at(retrieve_in),
                     "signingCertificate": signer.cert_pem, "signature": signature}})


def with_mf_root(csms, station) -> Ca:
    booted(csms, station)
    mf = Ca("Manufacturer Root")
    assert ask(csms, "InstallCertificate", {"certificateType": MF_ROOT,
                                            "certificate": mf.cert_pem.decode()}) == {"status": "Accepted"}
    return mf


def signed_statuses(csms, after: int, before: int | None = None) -> list[tuple[str, int | None]]:
    return [(p["status"], p.get("requestId")) for a, p in csms.messages[after:before]
            if a == "SignedFirmwareStatusNotification"]


@pytest.mark.parametrize("kind", ["p256", "p384", "rsa"])
def test_a_valid_signed_update_installs_and_reports_installed_after_the_restart(
        make_station, csms, http_server, kind):
    """Every status with the requestId, in order; the restart into the file's version; then
    Installed and the security event FirmwareUpdated. No plain FirmwareStatusNotification.
    Mirrors EVerest: ocpp_compliance_tests.py::test_signed_update_firmware."""
    station = make_station()
    mf = with_mf_root(csms, station)
    signer = Signer(mf, kind)
    (http_server.root / "ferrocharge-9.9.20.bin").write_bytes(FIRMWARE)
    pid = station.proc.pid
    m = csms.index()
    answer = signed_update(csms, 77, http_server.url("ferrocharge-9.9.20.bin"), signer,
                           signer.sign(FIRMWARE), retrieve_in=2)
    assert answer == {"status": "Accepted"}
    boot = csms.wait_index("BootNotification", after=m, timeout=FLOW_TIMEOUT)
    assert csms.messages[boot][1]["firmwareVersion"] == "9.9.20"
    assert signed_statuses(csms, m, boot) == [
        ("DownloadScheduled", 77), ("Downloading", 77), ("Downloaded", 77),
        ("SignatureVerified", 77), ("Installing", 77), ("InstallRebooting", 77)]
    installed = csms.wait_index("SignedFirmwareStatusNotification",
                                lambda p: p["status"] == "Installed", after=boot)
    assert csms.messages[installed][1] == {"status": "Installed", "requestId": 77}
    event = csms.wait_for("SecurityEventNotification",
                          lambda p: p["type"] == "FirmwareUpdated", after=boot)
    assert event["techInfo"] == "Charging Station rebooted due to firmware update!"
    booted(csms, station, after=boot)
    csms.wait_quiet()
    assert station.proc.poll() is None and station.proc.pid == pid
    assert signed_statuses(csms, boot) == [("Installed", 77)]
    assert csms.find("FirmwareStatusNotification", after=m) == []
    assert "/ferrocharge-9.9.20.bin" in http_server.requests


def test_a_power_cut_before_the_new_firmware_registers_still_reports_installed(
        make_station, csms, http_server):
    """The restart into the new firmware is answered Pending, and the power goes before the
    CSMS accepts it. The next boot is still the firmware update's: once Accepted the station
    says Installed with the requestId and raises FirmwareUpdated, not StartupOfTheDevice (the
    reason is recorded under the data dir before the restart, not kept in memory)."""
    station = make_station()
    mf = with_mf_root(csms, station)
    signer = Signer(mf, "p256")
    (http_server.root / "ferrocharge-9.9.21.bin").write_bytes(FIRMWARE)
    m = csms.index()
    # The restart's BootNotification is answered Pending, retried only after a long interval.
    csms.boot_statuses = ["Pending"]
    csms.boot_interval = 300
    assert signed_update(csms, 78, http_server.url("ferrocharge-9.9.21.bin"), signer,
                         signer.sign(FIRMWARE)) == {"status": "Accepted"}
    pending = csms.wait_index("BootNotification", after=m, timeout=FLOW_TIMEOUT)
    assert csms.messages[pending][1]["firmwareVersion"] == "9.9.21"
    csms.wait_quiet()
    assert signed_statuses(csms, pending) == []
    station.kill()
    cut = csms.index()
    station.restart()
    boot = csms.wait_index("BootNotification", after=cut)
    assert csms.messages[boot][1]["firmwareVersion"] == "9.9.21"
    installed = csms.wait_index("SignedFirmwareStatusNotification",
                                lambda p: p["status"] == "Installed", after=boot)
    assert csms.messages[installed][1] == {"status": "Installed", "requestId": 78}
    event = csms.wait_for("SecurityEventNotification",
                          lambda p: p["type"] == "FirmwareUpdated", after=boot)
    assert event["techInfo"] == "Charging Station rebooted due to firmware update!"
    csms.wait_quiet()
    assert [p["type"] for p in csms.find("SecurityEventNotification", after=boot)
            if p["type"] == "StartupOfTheDevice"] == []
    # Registered: the record is gone, so the next power cut is a plain power-up again.
    station.kill()
    again = csms.index()
    station.restart()
    boot = csms.wait_index("BootNotification", after=again)
    csms.wait_for("SecurityEventNotification", lambda p: p["type"] == "StartupOfTheDevice",
                  after=boot)
    csms.wait_quiet()
    assert signed_statuses(csms, boot) == []


def test_a_bad_signature_is_reported_and_nothing_is_installed(make_station, csms, http_server):
    """The file is downloaded, its signature (another file's) does not verify: InvalidSignature,
    the security event InvalidFirmwareSignature, no installation, no restart."""
    station = make_station()
    mf = with_mf_root(csms, station)
    signer = Signer(mf, "p256")
    (http_server.root / "ferrocharge-9.9.21.bin").write_bytes(FIRMWARE)
    m = csms.index()
    answer = signed_update(csms, 5, http_server.url("ferrocharge-9.9.21.bin"), signer,
                           signer.sign(b"another image"))
    assert answer == {"status": "Accepted"}
    failed = csms.wait_index("SignedFirmwareStatusNotification",
                             lambda p: p["status"] == "InvalidSignature", after=m,
                             timeout=FLOW_TIMEOUT)
    event = csms.wait_for("SecurityEventNotification",
                          lambda p: p["type"] == "InvalidFirmwareSignature", after=m)
    assert "techInfo" not in event
    csms.wait_quiet()
    assert signed_statuses(csms, m) == [
        ("Downloading", 5), ("Downloaded", 5), ("InvalidSignature", 5)]
    assert csms.index_of(event) > failed
    assert csms.find("BootNotification", after=m) == []
    assert "/ferrocharge-9.9.21.bin" in http_server.requests
    # Nothing was installed: the next boot would still run the old version.
    assert not (station.dir / "data" / "firmware_version").exists()
    assert [c["status"] for c in station.state()["connectors"]] == ["Available"]
    log = station.log()
    assert "firmware signature does not verify" in log


def test_a_certificate_not_from_the_manufacturer_root_downloads_nothing(
        make_station, csms, http_server):
    """A signing certificate issued by another CA: InvalidCertificate in the answer, the security
    event InvalidFirmwareSigningCertificate, no status, no download."""
    station = make_station()
    with_mf_root(csms, station)
    stranger = Signer(Ca("Not The Manufacturer"), "p256")
    (http_server.root / "ferrocharge-9.9.22.bin").write_bytes(FIRMWARE)
    m = csms.index()
    answer = signed_update(csms, 6, http_server.url("ferrocharge-9.9.22.bin"), stranger,
                           stranger.sign(FIRMWARE))
    assert answer == {"status": "InvalidCertificate"}
    event = csms.wait_for("SecurityEventNotification",
                          lambda p: p["type"] == "InvalidFirmwareSigningCertificate", after=m)
    assert event["techInfo"] == "Certificate is invalid: IssuerNotFound"
    csms.wait_quiet()
    assert signed_statuses(csms, m) == []
    assert http_server.requests == []


def test_a_second_request_cancels_the_first_and_the_trigger_tells_the_status(
        make_station, csms, http_server):
    """The first update waits an hour for its retrieveDateTime (DownloadScheduled); the trigger
    reports that with its requestId; a second request is AcceptedCanceled and is the one
    downloaded and verified; the first is never downloaded."""
    station = make_station()
    mf = with_mf_root(csms, station)
    signer = Signer(mf, "p256")
    (http_server.root / "first-9.9.23.bin").write_bytes(FIRMWARE)
    # Not installable (no version), so this test needs no restart: the signature is the point.
    (http_server.root / "second.bin").write_bytes(FIRMWARE)
    m = csms.index()
    assert signed_update(csms, 1, http_server.url("first-9.9.23.bin"), signer,
                         signer.sign(FIRMWARE), retrieve_in=3600) == {"status": "Accepted"}
    csms.wait_for("SignedFirmwareStatusNotification", after=m)
    csms.wait_quiet()
    t = csms.index()
    assert csms.call(call.ExtendedTriggerMessage(requested_message="FirmwareStatusNotification")) \
        == {"status": "Accepted"}
    triggered = csms.wait_for("SignedFirmwareStatusNotification", after=t)
    assert triggered == {"status": "DownloadScheduled", "requestId": 1}
    csms.wait_quiet()
    s = csms.index()
    assert signed_update(csms, 2, http_server.url("second.bin"), signer,
                         signer.sign(FIRMWARE)) == {"status": "AcceptedCanceled"}
    csms.wait_for("SignedFirmwareStatusNotification",
                  lambda p: p["status"] == "InstallationFailed", after=s, timeout=FLOW_TIMEOUT)
    csms.wait_quiet()
    assert signed_statuses(csms, m) == [
        ("DownloadScheduled", 1), ("DownloadScheduled", 1),
        ("Downloading", 2), ("Downloaded", 2), ("SignatureVerified", 2),
        ("Installing", 2), ("InstallationFailed", 2)]
    assert "/first-9.9.23.bin" not in http_server.requests
    assert "/second.bin" in http_server.requests
    assert csms.find("BootNotification", after=m) == []
    assert [c["status"] for c in station.state()["connectors"]] == ["Available"]


def test_the_installation_waits_for_the_running_transaction(make_station, csms, http_server):
    """A signed update during a transaction: downloaded and verified at once, the installation
    waits; the transaction charges on until the CSMS stops it; then the connector goes
    Unavailable, Installing follows, and the station reboots into the new version."""
    station = make_station()
    mf = with_mf_root(csms, station)
    _, tx_id = session(csms, station)
    signer = Signer(mf, "p256")
    (http_server.root / "ferrocharge-9.9.24.bin").write_bytes(FIRMWARE)
    m = csms.index()
    assert signed_update(csms, 9, http_server.url("ferrocharge-9.9.24.bin"), signer,
                         signer.sign(FIRMWARE)) == {"status": "Accepted"}
    verified = csms.wait_index("SignedFirmwareStatusNotification",
                               lambda p: p["status"] == "SignatureVerified", after=m)
    # The transaction goes on after the verification: a sample of it comes, and no Installing.
    csms.wait_for("MeterValues", lambda p: p.get("transactionId") == tx_id, after=verified + 1)
    assert signed_statuses(csms, m) == [("Downloading", 9), ("Downloaded", 9),
                                        ("SignatureVerified", 9)]
    assert station.state()["connectors"][0]["transaction_id"] == tx_id
    r = csms.index()
    assert csms.call(call.RemoteStopTransaction(transaction_id=tx_id)) == {"status": "Accepted"}
    stop = csms.wait_for("StopTransaction", after=r)
    unavailable = csms.wait_index("StatusNotification", status(1, "Unavailable"), after=r)
    installing = csms.wait_index("SignedFirmwareStatusNotification",
                                 lambda p: p["status"] == "Installing", after=m)
    assert csms.index_of(stop) < installing and csms.index_of(stop) < unavailable
    boot = csms.wait_index("BootNotification", after=r, timeout=FLOW_TIMEOUT)
    assert csms.messages[boot][1]["firmwareVersion"] == "9.9.24"
    assert unavailable < boot
    csms.wait_for("SignedFirmwareStatusNotification", lambda p: p["status"] == "Installed",
                  after=boot)
    assert signed_statuses(csms, m) == [
        ("Downloading", 9), ("Downloaded", 9), ("SignatureVerified", 9), ("Installing", 9),
        ("InstallRebooting", 9), ("Installed", 9)]
