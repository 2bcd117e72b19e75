"""Plug&Charge certificate management over OCPP 1.6 DataTransfer (vendorId
org.openchargealliance.iso15118pnc, docs/plug-and-charge.md) against the real station, with a
V2G / MO PKI made at test time with `cryptography`: every answer checked as it went over the
wire, hash data against what `cryptography` computes for an OCSP request (RFC 6960's CertID).

- with ISO15118CertificateManagementEnabled off: UnknownVendorId;
- InstallCertificate of V2G and MO roots, GetInstalledCertificateIds by type, DeleteCertificate,
  malformed data (Rejected) and an unknown messageId (UnknownMessageId);
- TriggerMessage(SignV2GCertificate) -> the station's SignCertificate DataTransfer with a CSR
  for its SECC certificate -> CertificateSigned with the chain a CPO sub-CA of the V2G root
  signed -> Accepted, the chain listed as V2GCertificateChain, and a GetCertificateStatus for
  each certificate of it that names an OCSP responder; a chain of another root is Rejected."""

from __future__ import annotations

import datetime as dt
import itertools
import json

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from conformance_csms import Csms
from core_steps import booted
from pki import Ca

VENDOR = "org.openchargealliance.iso15118pnc"
# As EVerest's libocpp-config-iso-pnc.json: SupportedFeatureProfiles does not list PnC, the PnC
# section brings it.
PNC = {
    "Security": {"CpoName": "ExampleCPO"},
    "PnC": {"ISO15118PnCEnabled": True, "ISO15118CertificateManagementEnabled": True,
            "ContractValidationOffline": True},
}
NOW = dt.datetime.now(dt.timezone.utc)
_ids = itertools.count(1)


def data_transfer(csms: Csms, message_id: str, data: dict | str | None) -> dict:
    """The central system's PnC DataTransfer; the station's DataTransfer.conf as it came."""
    call_id = f"pnc-{next(_ids)}"
    payload = {"vendorId": VENDOR, "messageId": message_id}
    if data is not None:
        payload["data"] = data if isinstance(data, str) else json.dumps(data)
    index = csms.send_raw([2, call_id, "DataTransfer", payload])
    _, frame = csms.answer_to(call_id, after=index)
    assert frame[0] == 3, frame
    return frame[2]


def inner(answer: dict) -> dict:
    assert answer["status"] == "Accepted", answer
    return json.loads(answer["data"])


def station_pnc(csms: Csms, message_id: str, after: int) -> tuple[int, dict]:
    """The station's next PnC DataTransfer `message_id` (frame index >= after): its frame index
    and its data, parsed."""
    index, frame = csms.wait_frame(
        lambda f: isinstance(f, list) and len(f) == 4 and f[0] == 2 and f[2] == "DataTransfer"
        and f[3].get("vendorId") == VENDOR and f[3].get("messageId") == message_id,
        after=after)
    return index, json.loads(frame[3]["data"])


def hash_data(cert: x509.Certificate, issuer: x509.Certificate) -> dict:
    request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA256()).build()
    return {"hashAlgorithm": "SHA256",
            "issuerNameHash": request.issuer_name_hash.hex(),
            "issuerKeyHash": request.issuer_key_hash.hex(),
            "serialNumber": format(request.serial_number, "x")}


def aia(url: str) -> x509.AuthorityInformationAccess:
    return x509.AuthorityInformationAccess(
        [x509.AccessDescription(AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(url))])


def sub_ca(root: Ca, cn: str, ocsp_url: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
            .issuer_name(root.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW - dt.timedelta(days=1))
            .not_valid_after(NOW + dt.timedelta(days=1000))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(aia(ocsp_url), critical=False)
            .sign(root.key, hashes.SHA256()))
    return cert, key


def secc_certificate(csr_pem: str, issuer: x509.Certificate, issuer_key, ocsp_url: str) -> x509.Certificate:
    csr = x509.load_pem_x509_csr(csr_pem.encode())
    assert csr.is_signature_valid
    return (x509.CertificateBuilder()
            .subject_name(csr.subject)
            .issuer_name(issuer.subject)
            .public_key(csr.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW - dt.timedelta(days=1))
            .not_valid_after(NOW + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(aia(ocsp_url), critical=False)
            .sign(issuer_key, hashes.SHA256()))


def pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def test_without_certificate_management_pnc_is_an_unknown_vendor(make_station, csms):
    station = make_station()
    booted(csms, station)
    answer = data_transfer(csms, "GetInstalledCertificateIds", {})
    assert answer == {"status": "UnknownVendorId"}


def test_install_list_delete_and_refusals(make_station, csms):
    """Mirrors EVerest: plug_and_charge_tests.py::test_pnc_delete_certificate,
    plug_and_charge_tests.py::test_pnc_get_installed_certificate_ids,
    plug_and_charge_tests.py::test_pnc_install_certificate."""
    station = make_station(ocpp_overrides=PNC)
    booted(csms, station)
    assert data_transfer(csms, "GetInstalledCertificateIds",
                         {"certificateType": ["V2GRootCertificate"]}) == {
        "status": "Accepted", "data": json.dumps({"status": "NotFound"}, separators=(",", ":"))}

    v2g, mo = Ca("V2G Root"), Ca("MO Root")
    for kind, ca in (("V2GRootCertificate", v2g), ("MORootCertificate", mo)):
        answer = data_transfer(csms, "InstallCertificate",
                               {"certificateType": kind, "certificate": ca.cert_pem.decode()})
        assert inner(answer) == {"status": "Accepted"}
    refused = data_transfer(csms, "InstallCertificate",
                            {"certificateType": "V2GRootCertificate", "certificate": "InvalidCertificate"})
    assert inner(refused) == {"status": "Rejected"}
    certs = station.dir / "data" / "certs"
    assert (certs / "ca/v2g/V2G_ROOT_CA.pem").read_bytes() == v2g.cert_pem
    assert (certs / "ca/mo/MO_ROOT_CA.pem").read_bytes() == mo.cert_pem

    listed = data_transfer(csms, "GetInstalledCertificateIds",
                           {"certificateType": ["MORootCertificate", "V2GRootCertificate"]})
    assert inner(listed) == {"status": "Accepted", "certificateHashDataChain": [
        {"certificateHashData": hash_data(mo.cert, mo.cert), "certificateType": "MORootCertificate"},
        {"certificateHashData": hash_data(v2g.cert, v2g.cert), "certificateType": "V2GRootCertificate"},
    ]}

    # Malformed data and an unknown messageId.
    assert data_transfer(csms, "InstallCertificate", "{not json") == {"status": "Rejected"}
    assert data_transfer(csms, "DeleteCertificate", None) == {"status": "Rejected"}
    assert data_transfer(csms, "DeleteCertificate", {"certificateHashData": {
        **hash_data(mo.cert, mo.cert), "hashAlgorithm": "SHA_Invalid"}}) == {"status": "Rejected"}
    assert data_transfer(csms, "Frobnicate", {}) == {"status": "UnknownMessageId"}

    deleted = data_transfer(csms, "DeleteCertificate", {"certificateHashData": hash_data(mo.cert, mo.cert)})
    assert inner(deleted) == {"status": "Accepted"}
    again = data_transfer(csms, "DeleteCertificate", {"certificateHashData": hash_data(mo.cert, mo.cert)})
    assert inner(again) == {"status": "NotFound"}
    # The bundle file stays, empty, as libevse-security leaves it.
    assert (certs / "ca/mo/MO_ROOT_CA.pem").read_bytes() == b""
    assert inner(data_transfer(csms, "GetInstalledCertificateIds", {"certificateType": ["MORootCertificate"]})) == {
        "status": "NotFound"}


def test_sign_v2g_certificate_and_certificate_signed(make_station, csms):
    """Mirrors EVerest: plug_and_charge_tests.py::test_pnc_certificate_signed_01."""
    station = make_station(ocpp_overrides=PNC)
    booted(csms, station)
    v2g = Ca("V2G Root")
    answer = data_transfer(csms, "InstallCertificate",
                           {"certificateType": "V2GRootCertificate", "certificate": v2g.cert_pem.decode()})
    assert inner(answer) == {"status": "Accepted"}

    after = csms.frame_count()
    assert inner(data_transfer(csms, "TriggerMessage", {"requestedMessage": "SignV2GCertificate"})) == {
        "status": "Accepted"}
    _, sign = station_pnc(csms, "SignCertificate", after)
    assert sign["certificateType"] == "V2GCertificate"
    csr = x509.load_pem_x509_csr(sign["csr"].encode())
    assert csr.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "ExampleCPO"
    assert csr.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "DE"

    cpo, cpo_key = sub_ca(v2g, "CPO Sub-CA", "http://ocsp.cpo.example/sub")
    leaf = secc_certificate(sign["csr"], cpo, cpo_key, "http://ocsp.cpo.example/leaf")

    # A chain of another V2G root is refused.
    stranger, stranger_key = sub_ca(Ca("Other V2G Root"), "Stranger Sub-CA", "http://ocsp.example/x")
    foreign = secc_certificate(sign["csr"], stranger, stranger_key, "http://ocsp.example/y")
    refused = data_transfer(csms, "CertificateSigned",
                            {"certificateChain": pem(foreign) + pem(stranger), "certificateType": "V2GCertificate"})
    assert inner(refused) == {"status": "Rejected"}
    assert inner(data_transfer(csms, "CertificateSigned", {"certificateChain": "InvalidCertificateChain"})) == {
        "status": "Rejected"}

    after = csms.frame_count()
    signed = data_transfer(csms, "CertificateSigned",
                           {"certificateChain": pem(leaf) + pem(cpo), "certificateType": "V2GCertificate"})
    assert inner(signed) == {"status": "Accepted"}
    # At once: the OCSP status of each certificate of the new chain that names a responder.
    index, status_leaf = station_pnc(csms, "GetCertificateStatus", after)
    assert status_leaf == {"ocspRequestData": {**hash_data(leaf, cpo),
                                               "responderURL": "http://ocsp.cpo.example/leaf"}}
    _, status_sub = station_pnc(csms, "GetCertificateStatus", index + 1)
    assert status_sub == {"ocspRequestData": {**hash_data(cpo, v2g.cert),
                                              "responderURL": "http://ocsp.cpo.example/sub"}}

    chain = data_transfer(csms, "GetInstalledCertificateIds", {"certificateType": ["V2GCertificateChain"]})
    assert inner(chain) == {"status": "Accepted", "certificateHashDataChain": [
        {"certificateHashData": hash_data(leaf, cpo), "certificateType": "V2GCertificateChain",
         "childCertificateHashData": [hash_data(cpo, v2g.cert)]},
    ]}
    stored = list((station.dir / "data" / "certs" / "client" / "cso").glob("*.pem"))
    assert [p.read_text() for p in stored] == [pem(leaf) + pem(cpo)]
