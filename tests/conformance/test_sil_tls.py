"""The development PKI and the SIL over wss (docs/dev-pki.md):

- `ferrocharge pki init` makes every file of the layout once (private keys 0600), and its chains
  verify with an independent X.509 implementation (PyPI `cryptography`): SECC leaf -> CPO sub-CA 2
  -> CPO sub-CA 1 -> V2G root; contract leaf (CN = the eMAID) -> MO sub-CA 2 -> MO sub-CA 1 -> MO
  root; the CSMS's server certificate and the charge point's client certificate -> CSMS root; the
  firmware signing certificate -> MF root. A second run changes nothing.
- `ferrocharge sil --security-profile 3` (on the PKI `pki init` made) boots over wss with a
  client certificate, `--security-profile 2` with TLS and Basic auth: the dev CSMS's API says how
  the station authenticated, and the station reports the SecurityProfile it runs at; the dev
  CSMS's SignedUpdateFirmware template carries the PKI's signing certificate.
- `ferrocharge csms --dev-pki DIR --require-client-certificate` with `ferrocharge run` pointed at
  DIR/station: the two-command way to profile 3.
- `ferrocharge pki sign-firmware FILE` prints a signature that verifies, with the signing
  certificate it names, over FILE's bytes (ECDSA P-256, SHA-256) and not over other bytes.
"""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conformance_station import Station, free_port, write_config
from dev_csms import Sil

EMAID = "DEFRCC00000001"

# Every file of the layout for charge point cp001, relative to the PKI's folder.
FILES = [
    "ca/CSMS_ROOT_CA.pem", "ca/CSMS_ROOT_CA.key", "station/ca/csms/CSMS_ROOT_CA.pem",
    "csms/server.pem", "csms/server.key",
    "station/client/csms/cp001.pem", "station/client/csms/cp001.key",
    "csms/cp001.authorization-key",
    "ca/MF_ROOT_CA.pem", "ca/MF_ROOT_CA.key", "station/ca/mf/MF_ROOT_CA.pem",
    "mf/FIRMWARE_SIGNING.pem", "mf/FIRMWARE_SIGNING.key",
    "ca/V2G_ROOT_CA.pem", "ca/V2G_ROOT_CA.key", "ca/CPO_SUB_CA1.pem", "ca/CPO_SUB_CA1.key",
    "ca/CPO_SUB_CA2.pem", "ca/CPO_SUB_CA2.key", "station/ca/v2g/V2G_ROOT_CA.pem",
    "station/ca/cso/CPO_SUB_CA1.pem", "station/ca/cso/CPO_SUB_CA2.pem",
    "station/client/cso/SECC_LEAF.pem", "station/client/cso/SECC_LEAF.key",
    "station/client/cso/CPO_CERT_CHAIN.pem",
    "ca/MO_ROOT_CA.pem", "ca/MO_ROOT_CA.key", "ca/MO_SUB_CA1.pem", "ca/MO_SUB_CA1.key",
    "ca/MO_SUB_CA2.pem", "ca/MO_SUB_CA2.key", "station/ca/mo/MO_ROOT_CA.pem",
    "car/MO_LEAF.pem", "car/MO_LEAF.key", "car/MO_CERT_CHAIN.pem",
    "car/INTERMEDIATE_MO_CA_CERTS.pem",
]


def pki(binary: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(binary), "pki", *args], capture_output=True, text=True, timeout=60)


def certs(path: Path) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(path.read_bytes())


def snapshot(dir: Path) -> dict[str, tuple[bytes, int]]:
    return {name: ((dir / name).read_bytes(), stat.S_IMODE((dir / name).stat().st_mode))
            for name in FILES}


def assert_chain(chain: list[x509.Certificate], root: x509.Certificate) -> None:
    """Each certificate is issued (name and signature) by the next; the last by `root`."""
    for cert, issuer in zip(chain, [*chain[1:], root]):
        cert.verify_directly_issued_by(issuer)


def common_name(cert: x509.Certificate) -> str:
    return cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value


@pytest.fixture
def pki_dir(ferrocharge_bin, tmp_path) -> Path:
    """A PKI made by `pki init` where `sil` keeps it for a station whose data dir is
    tmp_path/sil/data."""
    dir = tmp_path / "sil" / "data" / "pki"
    made = pki(ferrocharge_bin, "init", "--dir", str(dir))
    assert made.returncode == 0, made.stderr
    return dir


def test_pki_init_makes_every_file_once_with_chains_that_verify(ferrocharge_bin, pki_dir):
    files = snapshot(pki_dir)
    for name, (_, mode) in files.items():
        private = name.endswith(".key") or name.endswith(".authorization-key")
        assert mode == (0o600 if private else 0o644), name

    ca = pki_dir / "ca"
    v2g_root = certs(pki_dir / "station/ca/v2g/V2G_ROOT_CA.pem")[0]
    secc_chain = certs(pki_dir / "station/client/cso/CPO_CERT_CHAIN.pem")
    assert [common_name(c) for c in secc_chain] == ["SECCCert", "CPOSubCA2", "CPOSubCA1"]
    assert_chain(secc_chain, v2g_root)
    assert secc_chain[0] == certs(pki_dir / "station/client/cso/SECC_LEAF.pem")[0]
    path_lengths = [c.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length
                    for c in secc_chain[1:]]
    assert path_lengths == [0, 1]

    mo_root = certs(pki_dir / "station/ca/mo/MO_ROOT_CA.pem")[0]
    contract_chain = certs(pki_dir / "car/MO_CERT_CHAIN.pem")
    assert [common_name(c) for c in contract_chain] == [EMAID, "MOSubCA2", "MOSubCA1"]
    assert_chain(contract_chain, mo_root)
    with pytest.raises((ValueError, InvalidSignature)):
        contract_chain[-1].verify_directly_issued_by(v2g_root)

    csms_root = certs(ca / "CSMS_ROOT_CA.pem")[0]
    assert certs(pki_dir / "station/ca/csms/CSMS_ROOT_CA.pem") == [csms_root]
    server = certs(pki_dir / "csms/server.pem")
    assert server[1:] == [csms_root]
    assert_chain(server[:1], csms_root)
    names = server[0].extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1", "::1"]
    client = certs(pki_dir / "station/client/csms/cp001.pem")
    assert common_name(client[0]) == "cp001"
    assert_chain(client[:1], csms_root)
    assert_chain(certs(pki_dir / "mf/FIRMWARE_SIGNING.pem"),
                 certs(pki_dir / "station/ca/mf/MF_ROOT_CA.pem")[0])

    again = pki(ferrocharge_bin, "init", "--dir", str(pki_dir))
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0] == f"development PKI in {pki_dir}: complete, nothing made"
    assert snapshot(pki_dir) == files


@pytest.fixture
def make_sil(ferrocharge_bin, tmp_path):
    made: list[Sil] = []

    def make(profile: int) -> Sil:
        dir = tmp_path / "sil"
        dir.mkdir(exist_ok=True)
        sil = Sil(ferrocharge_bin, dir, sil_args=("--security-profile", str(profile)))
        made.append(sil)
        sil.wait_booted()
        return sil

    yield make
    for sil in made:
        sil.stop()


def security_of(sil: Sil) -> dict:
    cp = next(c for c in sil.csms("GET", "/charge-points") if c["id"] == "cp001")
    return cp["security"]


def security_profile_of_the_station(sil: Sil) -> str:
    answer = sil.call("GetConfiguration", {"key": ["SecurityProfile"]})
    assert answer["result"] == "answered", answer
    [key] = answer["payload"]["configurationKey"]
    return key["value"]


def test_sil_at_profile_3_boots_over_wss_with_the_client_certificate_of_the_pki(
        make_sil, pki_dir):
    made = snapshot(pki_dir)
    sil = make_sil(3)
    assert security_of(sil) == {"profile": 3, "tls": True, "basic_auth": False,
                                "client_certificate": True}
    assert security_profile_of_the_station(sil) == "3"
    assert "  CSMS         wss://127.0.0.1:" in sil.log()
    assert snapshot(pki_dir) == made, "sil used the PKI pki init made"
    # The web UI's SignedUpdateFirmware template carries the PKI's signing certificate.
    [action] = [a for a in sil.csms("GET", "/actions") if a["action"] == "SignedUpdateFirmware"]
    [template] = action["templates"]
    assert template["payload"]["firmware"]["signingCertificate"] == \
        (pki_dir / "mf/FIRMWARE_SIGNING.pem").read_text()


def test_sil_at_profile_2_boots_over_wss_with_basic_auth(make_sil, pki_dir):
    sil = make_sil(2)
    assert security_of(sil) == {"profile": 2, "tls": True, "basic_auth": True,
                                "client_certificate": False}
    assert security_profile_of_the_station(sil) == "2"
    key = (pki_dir / "csms/cp001.authorization-key").read_text()
    assert key not in sil.log(), "the AuthorizationKey is never logged"


class DevCsms:
    """`ferrocharge csms` in its own process, with its HTTP API."""

    def __init__(self, binary: Path, dir: Path, *args: str) -> None:
        self.port = free_port()
        self.http = f"127.0.0.1:{free_port()}"
        self.output = dir / "csms.log"
        self._out = open(self.output, "w")
        self.proc = subprocess.Popen(
            [str(binary), "csms", "--listen", f"127.0.0.1:{self.port}", "--http", self.http,
             "--data-dir", str(dir / "csms-data"), *args],
            stdin=subprocess.DEVNULL, stdout=self._out, stderr=subprocess.STDOUT,
            env={**os.environ, "RUST_LOG": "info"})

    def charge_points(self) -> list | None:
        try:
            with urllib.request.urlopen(f"http://{self.http}/api/v1/charge-points",
                                        timeout=10) as resp:
                return json.loads(resp.read())
        except (urllib.error.URLError, ConnectionError, OSError):
            return None

    def wait_accepted(self, charge_point: str, timeout: float = 20) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc.poll() is None, self.output.read_text()
            cp = next((c for c in self.charge_points() or [] if c["id"] == charge_point), None)
            if cp and cp["connected"] and cp["registration"] == "Accepted":
                return cp
            assert time.monotonic() < deadline, f"{cp}\n{self.output.read_text()}"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self._out.close()


def test_the_dev_csms_with_the_pki_and_a_station_pointed_at_its_store_at_profile_3(
        ferrocharge_bin, tmp_path, pki_dir):
    csms = DevCsms(ferrocharge_bin, tmp_path, "--dev-pki", str(pki_dir),
                   "--require-client-certificate")
    station_dir = tmp_path / "station"
    station_dir.mkdir()
    store = pki_dir / "station"

    def point_at_the_store(yaml: str) -> str:
        return yaml.replace(
            "    module: EvseSecurity\n",
            "    module: EvseSecurity\n    config_module:\n"
            f"      csms_ca_bundle: {store}/ca/csms/CSMS_ROOT_CA.pem\n"
            f"      csms_leaf_cert_directory: {store}/client/csms\n"
            f"      csms_leaf_key_directory: {store}/client/csms\n", 1)

    config, api = write_config(
        station_dir, f"127.0.0.1:{csms.port}/steve/websocket/CentralSystemService/",
        ocpp_overrides={"Security": {"SecurityProfile": 3}}, yaml_edit=point_at_the_store)
    station = Station(ferrocharge_bin, config, api, station_dir)
    try:
        cp = csms.wait_accepted("cp001")
        assert cp["security"] == {"profile": 3, "tls": True, "basic_auth": False,
                                  "client_certificate": True}
    finally:
        station.stop()
        csms.stop()


def test_sign_firmware_prints_a_signature_the_signing_certificate_verifies(
        ferrocharge_bin, tmp_path, pki_dir):
    firmware = tmp_path / "firmware.bin"
    firmware.write_bytes(os.urandom(70_000))
    signed = pki(ferrocharge_bin, "sign-firmware", str(firmware), "--dir", str(pki_dir))
    assert signed.returncode == 0, signed.stderr
    lines = signed.stdout.splitlines()
    assert len(lines) == 2, lines
    label, signature = lines[0].split()
    assert label == "signature"
    assert lines[1] == f"signingCertificate  {pki_dir / 'mf/FIRMWARE_SIGNING.pem'}"

    certificate = certs(pki_dir / "mf/FIRMWARE_SIGNING.pem")[0]
    key = certificate.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1"
    der = base64.b64decode(signature, validate=True)
    key.verify(der, firmware.read_bytes(), ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidSignature):
        key.verify(der, firmware.read_bytes() + b"\0", ec.ECDSA(hashes.SHA256()))

    as_json = pki(ferrocharge_bin, "sign-firmware", str(firmware), "--dir", str(pki_dir), "--json")
    fields = json.loads(as_json.stdout)
    assert fields["signingCertificate"] == (pki_dir / "mf/FIRMWARE_SIGNING.pem").read_text()
    key.verify(base64.b64decode(fields["signature"]), firmware.read_bytes(),
               ec.ECDSA(hashes.SHA256()))
