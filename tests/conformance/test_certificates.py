"""Certificate management of the Security whitepaper (edition 2) against the real station:
InstallCertificate, GetInstalledCertificateIds and DeleteCertificate over the station's
certificate store (docs/certificate-store.md), with a PKI made at test time with `cryptography`
(tests/transport/pki.py). Every answer is checked as it went over the wire; hash data against
what `cryptography` computes for an OCSP request (RFC 6960's CertID).

- Install -> GetInstalledCertificateIds -> Delete, the files in EVerest's layout, the state
  document; every refusal (not PEM, not a CA, expired, CertificateStoreMaxLength) Rejected with
  InvalidCentralSystemCertificate in the security log and not sent;
- the installed roots survive a restart;
- the web UI's Certificates panel shows them (type, subject, expiry, the fallback);
- at security profile 2 over wss: the last CSMS root is not deleted; a newly installed root is
  what the next connection trusts;
- AdditionalRootCertificateCheck: a new root must be signed by the old one, which stays as the
  fallback (and verifies the CSMS while it still shows the old chain) until the new root
  verified a connection."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import ssl
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID

from chromium import Browser, chromium
from conformance_csms import Csms
from conformance_station import Station, write_config
from core_steps import FAST_RECONNECT, booted
from pki import Ca, certificate_store

CSMS_ROOT = "CentralSystemRootCertificate"
MF_ROOT = "ManufacturerRootCertificate"
KEY = "0123456789abcdef0123"  # AuthorizationKey of the profile 2 scenarios: 20 bytes
_ids = itertools.count(1)


def ask(csms: Csms, action: str, payload: dict) -> dict:
    """Sends the CALL as it goes on the wire; the station's CALLRESULT payload as it came."""
    message_id = f"cert-{next(_ids)}"
    index = csms.send_raw([2, message_id, action, payload])
    _, frame = csms.answer_to(message_id, after=index)
    assert frame[0] == 3, frame
    return frame[2]


def install(csms: Csms, certificate_type: str, pem: bytes | str) -> dict:
    text = pem.decode() if isinstance(pem, bytes) else pem
    return ask(csms, "InstallCertificate", {"certificateType": certificate_type, "certificate": text})


def installed(csms: Csms, certificate_type: str) -> dict:
    return ask(csms, "GetInstalledCertificateIds", {"certificateType": certificate_type})


def delete(csms: Csms, hash_data: dict) -> dict:
    return ask(csms, "DeleteCertificate", {"certificateHashData": hash_data})


def hash_data(cert_pem: bytes, issuer_pem: bytes) -> dict:
    """The certificate's CertID as `cryptography` builds it for an OCSP request, written as the
    whitepaper asks (hex; the serial number without leading zeros)."""
    cert = x509.load_pem_x509_certificate(cert_pem)
    issuer = x509.load_pem_x509_certificate(issuer_pem)
    request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA256()).build()
    return {"hashAlgorithm": "SHA256",
            "issuerNameHash": request.issuer_name_hash.hex(),
            "issuerKeyHash": request.issuer_key_hash.hex(),
            "serialNumber": format(request.serial_number, "x")}


def upper(hash_data: dict) -> dict:
    """The same hash data as a CSMS may write it: upper case, the serial number in whole bytes
    as openssl prints it (with a leading zero when its digits are odd)."""
    serial = hash_data["serialNumber"].upper()
    return {**{k: v.upper() for k, v in hash_data.items()},
            "serialNumber": "0" * (len(serial) % 2) + serial}


def expired_ca(cn: str) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=30)).not_valid_after(now - dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


def shown(state: dict) -> list[tuple[str, str, bool]]:
    return [(c["type"], c["subject"], c["fallback"]) for c in state["certificates"]]


def security_log(station: Station, kind: str, count: int, timeout: float = 15) -> list[dict]:
    """Waits until the station's security log holds `count` events of `kind`; returns them."""
    deadline = time.monotonic() + timeout
    while True:
        events = []
        for path in (station.dir / "logs").glob("*.security.log"):
            events += [json.loads(line) for line in path.read_text().splitlines() if line]
        found = [e for e in events if e["type"] == kind]
        if len(found) >= count or time.monotonic() > deadline:
            assert len(found) == count, events
            return found
        time.sleep(0.1)


def test_install_list_delete_and_every_refusal(make_station, csms):
    """Mirrors EVerest: ocpp_compliance_tests.py::test_chargepoint_install_certificate,
    ocpp_compliance_tests.py::test_chargepoint_delete_certificate,
    ocpp_compliance_tests.py::test_chargepoint_invalid_central_system_security_event."""
    station = make_station(ocpp_overrides={"Security": {"CertificateStoreMaxLength": 3}})
    booted(csms, station)
    assert installed(csms, CSMS_ROOT) == {"status": "NotFound"}
    assert installed(csms, MF_ROOT) == {"status": "NotFound"}

    a, mf = Ca("CSMS Root A"), Ca("Manufacturer Root")
    assert install(csms, CSMS_ROOT, a.cert_pem) == {"status": "Accepted"}
    assert install(csms, MF_ROOT, mf.cert_pem) == {"status": "Accepted"}
    # Once more: installed already, still Accepted, nothing added.
    assert install(csms, CSMS_ROOT, a.cert_pem) == {"status": "Accepted"}
    assert installed(csms, CSMS_ROOT) == {"status": "Accepted",
                                          "certificateHashData": [hash_data(a.cert_pem, a.cert_pem)]}
    assert installed(csms, MF_ROOT) == {"status": "Accepted",
                                        "certificateHashData": [hash_data(mf.cert_pem, mf.cert_pem)]}

    # EVerest's layout under the data dir, and the state document.
    certs = station.dir / "data" / "certs"
    assert (certs / "ca/csms/CSMS_ROOT_CA.pem").read_bytes() == a.cert_pem
    assert (certs / "ca/mf/MF_ROOT_CA.pem").read_bytes() == mf.cert_pem
    state = station.wait_state(lambda s: len(s["certificates"]) == 2)
    assert state["certificates"] == [
        {"type": CSMS_ROOT, "subject": "CN=CSMS Root A",
         "expiry": a.cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
         "serial_number": format(a.cert.serial_number, "x"), "fallback": False},
        {"type": MF_ROOT, "subject": "CN=Manufacturer Root",
         "expiry": mf.cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
         "serial_number": format(mf.cert.serial_number, "x"), "fallback": False},
    ]

    # Every refusal is Rejected, and logged as InvalidCentralSystemCertificate with why.
    leaf = a.server(["127.0.0.1"]).cert_pem
    refusals = [("not a certificate", "InvalidFormat"),
                (a.cert_pem + mf.cert_pem, "InvalidFormat"),
                (leaf, "NotACertificateAuthority"),
                (expired_ca("Old Root"), "Expired")]
    for pem, _ in refusals:
        assert install(csms, CSMS_ROOT, pem) == {"status": "Rejected"}
    assert install(csms, CSMS_ROOT, Ca("CSMS Root B").cert_pem) == {"status": "Accepted"}
    assert install(csms, MF_ROOT, Ca("One Too Many").cert_pem) == {"status": "Rejected"}
    events = security_log(station, "InvalidCentralSystemCertificate", 5)
    assert [e["techInfo"] for e in events] == [
        *(why for _, why in refusals), "CertificateStoreMaxLengthExceeded"]
    # libocpp logs it without sending it (critical = false).
    csms.wait_quiet()
    assert csms.find("SecurityEventNotification",
                     lambda p: p["type"] == "InvalidCentralSystemCertificate") == []
    assert [c for _, c, _ in shown(station.state())] == [
        "CN=CSMS Root A", "CN=CSMS Root B", "CN=Manufacturer Root"]

    # Delete: as the CSMS writes the hash data, then NotFound.
    assert delete(csms, upper(hash_data(mf.cert_pem, mf.cert_pem))) == {"status": "Accepted"}
    assert delete(csms, hash_data(mf.cert_pem, mf.cert_pem)) == {"status": "NotFound"}
    assert installed(csms, MF_ROOT) == {"status": "NotFound"}
    assert delete(csms, hash_data(a.cert_pem, a.cert_pem)) == {"status": "Accepted"}
    state = station.wait_state(lambda s: len(s["certificates"]) == 1)
    assert shown(state) == [(CSMS_ROOT, "CN=CSMS Root B", False)]


def test_installed_roots_survive_a_restart(make_station, csms):
    station = make_station()
    booted(csms, station)
    a, mf = Ca("CSMS Root A"), Ca("Manufacturer Root")
    assert install(csms, CSMS_ROOT, a.cert_pem) == {"status": "Accepted"}
    assert install(csms, MF_ROOT, mf.cert_pem) == {"status": "Accepted"}
    station.kill()
    after = csms.index()
    station.restart()
    # The control API answers from the start; the core's first snapshot, with the store read,
    # comes a moment later.
    state = station.wait_state(lambda s: len(s["certificates"]) == 2)
    assert shown(state) == [(CSMS_ROOT, "CN=CSMS Root A", False),
                            (MF_ROOT, "CN=Manufacturer Root", False)]
    booted(csms, station, after=after)
    assert installed(csms, CSMS_ROOT) == {"status": "Accepted",
                                          "certificateHashData": [hash_data(a.cert_pem, a.cert_pem)]}
    assert installed(csms, MF_ROOT) == {"status": "Accepted",
                                        "certificateHashData": [hash_data(mf.cert_pem, mf.cert_pem)]}


def test_the_web_ui_lists_the_installed_certificates(make_station, csms, tmp_path):
    binary = chromium()
    if binary is None:
        pytest.skip("no chromium (.ci/run installs it)")
    station = make_station()
    booted(csms, station)
    a, mf = Ca("CSMS Root A"), Ca("Manufacturer Root")
    page = Browser(binary, tmp_path / "browser")
    try:
        page.send("Page.navigate", url=f"http://{station.addr}/")
        rows = "[...document.querySelectorAll('#certs tbody tr')].map((r) => r.textContent)"
        assert page.wait_for(f"{rows}.join('|')") == "no certificate installed"
        assert install(csms, CSMS_ROOT, a.cert_pem) == {"status": "Accepted"}
        assert install(csms, MF_ROOT, mf.cert_pem) == {"status": "Accepted"}
        page.wait_for(f"{rows}.length === 2")
        expiry = lambda ca: ca.cert.not_valid_after_utc.strftime("%Y-%m-%d %H:%M UTC")  # noqa: E731
        assert page.evaluate(rows) == [f"CSMS rootCN=CSMS Root A{expiry(a)}",
                                       f"Manufacturer rootCN=Manufacturer Root{expiry(mf)}"]
        assert page.evaluate("document.getElementById('certcount').textContent") == "2 installed"
    finally:
        page.close()


# ---- security profile 2, over wss ----------------------------------------------------------


class Tls:
    """A wss CSMS whose server certificate can be changed, and its root A."""

    def __init__(self, dir: Path) -> None:
        self.dir = dir
        self.root_a = Ca("CSMS Root A")
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.minimum_version = ssl.TLSVersion.TLSv1_2
        self.show_chain_of(self.root_a, "a")
        self.csms = Csms(ssl_context=self.context).start()

    def show_chain_of(self, ca: Ca, name: str) -> None:
        """The next connections get a server certificate for 127.0.0.1 issued by `ca`."""
        cert, key = ca.server(["127.0.0.1"]).write(self.dir / "server", name)
        self.context.load_cert_chain(cert, key)


@pytest.fixture
def tls(tmp_path):
    made = Tls(tmp_path)
    yield made
    made.csms.close()


@pytest.fixture
def tls_station(ferrocharge_bin, tls, tmp_path):
    """A station at security profile 2 whose store holds root A and a charge point certificate
    issued by A, against the wss CSMS."""
    made: list[Station] = []

    def make(security: dict | None = None) -> Station:
        dir = tmp_path / f"station{len(made)}"
        dir.mkdir()
        certificate_store(dir / "data" / "certs", tls.root_a, tls.root_a.client("cp001"))
        config, api = write_config(dir, tls.csms.uri(), ocpp_overrides={
            "Security": {"SecurityProfile": 2, "AuthorizationKey": KEY, **(security or {})},
            "Internal": {"UseSslDefaultVerifyPaths": False, **FAST_RECONNECT}})
        station = Station(ferrocharge_bin, config, api, dir)
        made.append(station)
        station.wait_api()
        booted(tls.csms, station)
        return station

    yield make
    for station in made:
        station.stop()


def reconnect(station: Station, csms: Csms) -> None:
    """The station closes its connection and connects again (a new TLS handshake)."""
    connections = csms.connections()
    station.api("POST", "/ocpp/disconnect")
    station.wait_state(lambda s: not s["ocpp"]["connected"])
    station.api("POST", "/ocpp/connect")
    csms.wait_connections(connections + 1)
    station.wait_state(lambda s: s["ocpp"]["connected"])


def test_profile_2_keeps_its_last_root_and_trusts_a_new_one_from_the_next_connection(
        tls, tls_station):
    csms, a = tls.csms, tls.root_a
    station = tls_station()
    assert shown(station.state()) == [(CSMS_ROOT, "CN=CSMS Root A", False),
                                      ("ChargePointCertificate", "CN=cp001", False)]
    # The only CSMS root: without it the station could not verify the CSMS again.
    assert delete(csms, hash_data(a.cert_pem, a.cert_pem)) == {"status": "Failed"}
    assert installed(csms, CSMS_ROOT) == {"status": "Accepted",
                                          "certificateHashData": [hash_data(a.cert_pem, a.cert_pem)]}

    b = Ca("CSMS Root B")
    assert install(csms, CSMS_ROOT, b.cert_pem) == {"status": "Accepted"}
    # The CSMS moves to a certificate of B, and drops A: the next connection trusts B.
    tls.show_chain_of(b, "b")
    assert delete(csms, hash_data(a.cert_pem, a.cert_pem)) == {"status": "Accepted"}
    reconnect(station, csms)
    assert installed(csms, CSMS_ROOT) == {"status": "Accepted",
                                          "certificateHashData": [hash_data(b.cert_pem, b.cert_pem)]}
    assert delete(csms, hash_data(b.cert_pem, b.cert_pem)) == {"status": "Failed"}
    # The charge point's own certificate is not the CSMS's to delete.
    client = (station.dir / "data/certs/client/csms/CSMS_LEAF.pem").read_bytes()
    assert delete(csms, hash_data(client, a.cert_pem)) == {"status": "Failed"}


def test_additional_root_certificate_check_keeps_the_old_root_until_the_new_one_connected(
        tls, tls_station):
    csms, a = tls.csms, tls.root_a
    station = tls_station({"AdditionalRootCertificateCheck": True})
    certs = station.dir / "data" / "certs" / "ca" / "csms"

    # A new root not signed by the installed one is refused.
    assert install(csms, CSMS_ROOT, Ca("Unrelated Root").cert_pem) == {"status": "Rejected"}
    [event] = security_log(station, "InvalidCentralSystemCertificate", 1)
    assert event["techInfo"] == "InvalidSignature"

    # B, signed by A, replaces it; A stays as the fallback, listed after B.
    b = Ca("CSMS Root B")
    b_by_a = a.certify(b)
    assert install(csms, CSMS_ROOT, b_by_a) == {"status": "Accepted"}
    both = {"status": "Accepted", "certificateHashData": [hash_data(b_by_a, a.cert_pem),
                                                           hash_data(a.cert_pem, a.cert_pem)]}
    assert installed(csms, CSMS_ROOT) == both
    assert (certs / "CSMS_ROOT_CA.pem").read_bytes() == b_by_a
    assert (certs / "CSMS_ROOT_CA.pem.fallback").read_bytes() == a.cert_pem
    own = ("ChargePointCertificate", "CN=cp001", False)
    assert shown(station.wait_state(lambda s: len(s["certificates"]) == 3)) == [
        (CSMS_ROOT, "CN=CSMS Root B", False), (CSMS_ROOT, "CN=CSMS Root A", True), own]

    # The CSMS still shows A's chain: the fallback verifies it, and stays.
    reconnect(station, csms)
    assert installed(csms, CSMS_ROOT) == both

    # The CSMS moves to B's chain: B verifies it, and the fallback goes.
    tls.show_chain_of(b, "b")
    reconnect(station, csms)
    state = station.wait_state(lambda s: len(s["certificates"]) == 2)
    assert shown(state) == [(CSMS_ROOT, "CN=CSMS Root B", False), own]
    # Still named as issued by A (A is kept, untrusted, only to identify B).
    assert installed(csms, CSMS_ROOT) == {"status": "Accepted",
                                          "certificateHashData": [hash_data(b_by_a, a.cert_pem)]}
    assert not (certs / "CSMS_ROOT_CA.pem.fallback").exists()
    assert (certs / "CSMS_ROOT_CA.pem.retired").read_bytes() == a.cert_pem
    # B is the last CSMS root now.
    assert delete(csms, hash_data(b_by_a, a.cert_pem)) == {"status": "Failed"}
