"""SignCertificate / CertificateSigned of the Security whitepaper (edition 2) against the real
station, with a PKI made at test time with `cryptography` (tests/transport/pki.py):

- ExtendedTriggerMessage SignChargePointCertificate is answered Accepted, then SignCertificate
  carries a PKCS#10 CSR signed by a new ECDSA P-256 key, subject CN = ChargeBoxSerialNumber,
  O = CpoName, C = DE (libocpp's), the key kept in client/csms with mode 0600;
- at SecurityProfile 3 against a wss CSMS that requires client certificates: the CSMS's root
  signs the CSR, CertificateSigned is Accepted, the chain is stored beside its key, and the
  station reconnects by itself presenting the new certificate; a factory certificate that ends
  within 30 days makes the station send SignCertificate by itself (60 s after registration);
- a chain the station cannot verify (another CA), one for a key it did not make, and one longer
  than CertificateSignedMaxChainSize are Rejected, each with a SecurityEventNotification
  InvalidChargePointCertificate (sent, and in the security log) and nothing stored."""

from __future__ import annotations

import datetime as dt
import ssl
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from conformance_csms import Csms
from conformance_station import Station, write_config
from core_steps import FAST_RECONNECT, booted
from pki import Ca, Leaf, certificate_store
from test_certificates import ask, install, security_log

SERIAL = "SN-4711"
CPO = "Conformance CPO"
IDENTITY = {"Security": {"CpoName": CPO}, "Internal": {"ChargeBoxSerialNumber": SERIAL}}


def requested_csr(csms: Csms) -> x509.CertificateSigningRequest:
    """Triggers SignChargePointCertificate; the CSR of the SignCertificate that follows the
    Accepted answer."""
    index = csms.index()
    assert ask(csms, "ExtendedTriggerMessage",
               {"requestedMessage": "SignChargePointCertificate"}) == {"status": "Accepted"}
    payload = csms.wait_for("SignCertificate", after=index)
    assert list(payload) == ["csr"]
    return x509.load_pem_x509_csr(payload["csr"].encode())


def check_csr(csr: x509.CertificateSigningRequest) -> None:
    assert csr.is_signature_valid
    assert csr.subject.rfc4514_string() == f"CN={SERIAL},O={CPO},C=DE"
    key = csr.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1"
    assert isinstance(csr.signature_hash_algorithm, hashes.SHA256)


def signed(ca: Ca, csr: x509.CertificateSigningRequest, days: int = 365) -> bytes:
    """The charge point certificate `ca` issues for `csr`, as a CSMS's CA would: the CSR's
    subject and key, TLS client authentication."""
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(csr.subject).issuer_name(ca.cert.subject)
            .public_key(csr.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=1))
            .not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
                           critical=False)
            .sign(ca.key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


def certificate_signed(csms: Csms, chain: bytes) -> dict:
    return ask(csms, "CertificateSigned", {"certificateChain": chain.decode()})


def leaf_files(station: Station) -> tuple[list, list]:
    directory = station.dir / "data" / "certs" / "client" / "csms"
    return (sorted(directory.glob("CSMS_LEAF_*.key")), sorted(directory.glob("CSMS_LEAF_*.pem")))


class MutualTls:
    """A wss CSMS with a server certificate of root A that requires a client certificate issued
    by A (SecurityProfile 3)."""

    def __init__(self, dir) -> None:
        self.root_a = Ca("CSMS Root A")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        cert, key = self.root_a.server(["127.0.0.1"]).write(dir / "server", "a")
        context.load_cert_chain(cert, key)
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cadata=self.root_a.cert_pem.decode())
        self.csms = Csms(ssl_context=context).start()


@pytest.fixture
def mutual_tls(tmp_path):
    made = MutualTls(tmp_path)
    yield made
    made.csms.close()


def client_until(ca: Ca, days: int) -> Leaf:
    """A factory charge point certificate issued by `ca` that ends in `days` days."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cp001")]))
            .issuer_name(ca.cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=300))
            .not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(ca.key, hashes.SHA256()))
    return Leaf(cert.public_bytes(serialization.Encoding.PEM),
                key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))


def profile_3_station(ferrocharge_bin, tls: MutualTls, dir, first: Leaf,
                      internal: dict | None = None) -> Station:
    """A station at SecurityProfile 3 whose store holds root A and the factory certificate
    `first`, registered at the CSMS, which saw `first` presented; `internal`: more Internal
    keys."""
    dir.mkdir()
    certificate_store(dir / "data" / "certs", tls.root_a, first)
    config, api = write_config(dir, tls.csms.uri(), ocpp_overrides={
        "Security": {"SecurityProfile": 3, "CpoName": CPO},
        "Internal": {"ChargeBoxSerialNumber": SERIAL, "UseSslDefaultVerifyPaths": False,
                     **FAST_RECONNECT, **(internal or {})}})
    station = Station(ferrocharge_bin, config, api, dir)
    station.wait_api()
    booted(tls.csms, station)
    first_der = x509.load_pem_x509_certificate(first.cert_pem).public_bytes(
        serialization.Encoding.DER)
    assert tls.csms.client_certificates == [first_der]
    return station


def sign_and_see_it_presented(station: Station, csms: Csms, a: Ca,
                              csr: x509.CertificateSigningRequest) -> None:
    """The CSMS's root signs `csr`; CertificateSigned is Accepted, the chain stored beside its
    key, and the station reconnects by itself presenting it."""
    [key], _ = leaf_files(station)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    chain = signed(a, csr)
    connections = csms.connections()
    assert certificate_signed(csms, chain) == {"status": "Accepted"}
    new = x509.load_pem_x509_certificate(chain)
    [stored] = leaf_files(station)[1]
    assert stored.name == f"CSMS_LEAF_{new.serial_number:x}.pem"
    assert stored.read_bytes() == chain
    # libocpp reconnects 1 s after the answer; the new handshake presents the new certificate.
    csms.wait_connections(connections + 1)
    assert csms.client_certificates[-1] == new.public_bytes(serialization.Encoding.DER)
    station.wait_state(lambda s: s["ocpp"]["connected"])
    assert csms.find("SecurityEventNotification",
                     lambda p: p["type"] == "InvalidChargePointCertificate") == []


def test_profile_3_reconnects_with_the_certificate_signed_for_its_csr(
        ferrocharge_bin, mutual_tls, tmp_path):
    """Mirrors EVerest: ocpp_compliance_tests.py::test_chargepoint_update_certificate."""
    a = mutual_tls.root_a
    station = profile_3_station(ferrocharge_bin, mutual_tls, tmp_path / "station", a.client("cp001"))
    try:
        csr = requested_csr(mutual_tls.csms)
        check_csr(csr)
        sign_and_see_it_presented(station, mutual_tls.csms, a, csr)
    finally:
        station.stop()


def test_an_rsa_2048_key_by_config_gives_a_csr_and_a_certificate_the_next_connection_presents(
        ferrocharge_bin, mutual_tls, tmp_path):
    """Internal.CertificateSigningKeyType RSA_2048: the CSR carries a 2048-bit RSA key and is
    signed with it (PKCS#1 v1.5, SHA-256); the certificate signed for it is presented at the
    next profile-3 handshake."""
    a = mutual_tls.root_a
    station = profile_3_station(ferrocharge_bin, mutual_tls, tmp_path / "station",
                                a.client("cp001"),
                                internal={"CertificateSigningKeyType": "RSA_2048"})
    try:
        csr = requested_csr(mutual_tls.csms)
        assert csr.is_signature_valid
        assert csr.subject.rfc4514_string() == f"CN={SERIAL},O={CPO},C=DE"
        key = csr.public_key()
        assert isinstance(key, rsa.RSAPublicKey) and key.key_size == 2048
        assert isinstance(csr.signature_hash_algorithm, hashes.SHA256)
        sign_and_see_it_presented(station, mutual_tls.csms, a, csr)
    finally:
        station.stop()


def test_a_certificate_ending_within_30_days_is_renewed_by_the_station_itself(
        ferrocharge_bin, mutual_tls, tmp_path):
    """libocpp's check 60 s after registration: 10 days left, so SignCertificate goes unasked."""
    csms, a = mutual_tls.csms, mutual_tls.root_a
    station = profile_3_station(ferrocharge_bin, mutual_tls, tmp_path / "station",
                                client_until(a, 10))
    try:
        payload = csms.wait_for("SignCertificate", timeout=90)
        # Unasked: the CSMS sent no trigger.
        assert not any('"ExtendedTriggerMessage"' in text for way, text in csms.frames
                       if way == "out")
        csr = x509.load_pem_x509_csr(payload["csr"].encode())
        check_csr(csr)
        sign_and_see_it_presented(station, csms, a, csr)
    finally:
        station.stop()


def test_a_chain_the_station_cannot_accept_is_rejected_with_invalid_charge_point_certificate(
        make_station, csms):
    """Mirrors EVerest:
    ocpp_compliance_tests.py::test_chargepoint_invalid_certificate_security_event."""
    station = make_station(ocpp_overrides={
        **IDENTITY, "Security": {"CpoName": CPO, "CertificateSignedMaxChainSize": 2000}})
    booted(csms, station)
    a = Ca("CSMS Root A")
    assert install(csms, "CentralSystemRootCertificate", a.cert_pem) == {"status": "Accepted"}
    csr = requested_csr(csms)
    check_csr(csr)

    # Issued by a CA the station does not trust.
    assert certificate_signed(csms, signed(Ca("Unknown CA"), csr)) == {"status": "Rejected"}
    # Issued by A, but for a key the station never made.
    other_key = ec.generate_private_key(ec.SECP256R1())
    other_csr = (x509.CertificateSigningRequestBuilder()
                 .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SERIAL)]))
                 .sign(other_key, hashes.SHA256()))
    assert certificate_signed(csms, signed(a, other_csr)) == {"status": "Rejected"}
    # The right certificate, with more than CertificateSignedMaxChainSize characters.
    good = signed(a, csr)
    too_long = good + a.cert_pem * 3
    assert len(too_long) > 2000
    assert certificate_signed(csms, too_long) == {"status": "Rejected"}

    # The store's reasons (libocpp's InstallCertificateResult names) and the core's own.
    reasons = ["NoRootCertificateInstalled", "InvalidCertificateChain",
               f"certificateChain of {len(too_long)} characters is longer than "
               "CertificateSignedMaxChainSize (2000)"]
    csms.wait_count("SecurityEventNotification", 3,
                    lambda p: p["type"] == "InvalidChargePointCertificate")
    sent = csms.find("SecurityEventNotification",
                     lambda p: p["type"] == "InvalidChargePointCertificate")
    assert [p["techInfo"] for p in sent] == reasons
    logged = security_log(station, "InvalidChargePointCertificate", 3)
    assert [e["techInfo"] for e in logged] == reasons
    # Nothing stored; the key waits for its certificate.
    keys, certs = leaf_files(station)
    assert len(keys) == 1 and certs == []

    # The good one is still accepted afterwards.
    assert certificate_signed(csms, good) == {"status": "Accepted"}
    state = station.wait_state(lambda s: any(c["type"] == "ChargePointCertificate"
                                             for c in s["certificates"]))
    assert [c["subject"] for c in state["certificates"] if c["type"] == "ChargePointCertificate"] \
        == [f"CN={SERIAL},O={CPO},C=DE"]
