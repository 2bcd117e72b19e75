"""A PKI made at test time with `cryptography`: CSMS root CAs, CSMS server certificates,
charge point client certificates, and the charge point's certificate store in EVerest's layout
(ca/csms/CSMS_ROOT_CA.pem, client/csms/*.pem + *.key). No key material is committed."""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = dt.datetime.now(dt.timezone.utc)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@dataclass
class Leaf:
    cert_pem: bytes
    key_pem: bytes

    def write(self, directory: Path, name: str) -> tuple[Path, Path]:
        directory.mkdir(parents=True, exist_ok=True)
        cert, key = directory / f"{name}.pem", directory / f"{name}.key"
        cert.write_bytes(self.cert_pem)
        key.write_bytes(self.key_pem)
        return cert, key


class Ca:
    """A self-signed root CA that issues leaves."""

    def __init__(self, cn: str) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(_name(cn))
            .issuer_name(_name(cn))
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW - dt.timedelta(days=1))
            .not_valid_after(NOW + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True, key_cert_sign=True, crl_sign=True,
                    content_commitment=False, key_encipherment=False, data_encipherment=False,
                    key_agreement=False, encipher_only=False, decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def certify(self, other: "Ca") -> bytes:
        """`other`'s subject and key as a CA certificate issued by this root (PEM): a new root
        signed by the old one, as the Security whitepaper's AdditionalRootCertificateCheck
        asks of a new CSMS root."""
        cert = (
            x509.CertificateBuilder()
            .subject_name(other.cert.subject)
            .issuer_name(self.cert.subject)
            .public_key(other.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW - dt.timedelta(days=1))
            .not_valid_after(NOW + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True, key_cert_sign=True, crl_sign=True,
                    content_commitment=False, key_encipherment=False, data_encipherment=False,
                    key_agreement=False, encipher_only=False, decipher_only=False,
                ),
                critical=True,
            )
            .sign(self.key, hashes.SHA256())
        )
        return cert.public_bytes(serialization.Encoding.PEM)

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.cert_pem)
        return path

    def _leaf(self, cn: str, names: list[str], usage, expired: bool) -> Leaf:
        key = ec.generate_private_key(ec.SECP256R1())
        if expired:
            before, after = NOW - dt.timedelta(days=30), NOW - dt.timedelta(days=1)
        else:
            before, after = NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=365)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(cn))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(before)
            .not_valid_after(after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False
            )
        )
        if names:
            sans: list[x509.GeneralName] = []
            for n in names:
                try:
                    sans.append(x509.IPAddress(ipaddress.ip_address(n)))
                except ValueError:
                    sans.append(x509.DNSName(n))
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        cert = builder.sign(self.key, hashes.SHA256())
        return Leaf(cert.public_bytes(serialization.Encoding.PEM), _pem_key(key))

    def server(self, names: list[str], expired: bool = False) -> Leaf:
        """A CSMS server certificate for these IP addresses / DNS names."""
        return self._leaf("csms", names, ExtendedKeyUsageOID.SERVER_AUTH, expired)

    def client(self, charge_point_id: str) -> Leaf:
        """A charge point certificate (CN = ChargePointId, as the Security whitepaper asks)."""
        return self._leaf(charge_point_id, [], ExtendedKeyUsageOID.CLIENT_AUTH, False)


def certificate_store(root: Path, csms_ca: Ca | None, client: Leaf | None = None) -> Path:
    """The charge point's certificate store in EVerest's layout."""
    root.mkdir(parents=True, exist_ok=True)
    if csms_ca is not None:
        csms_ca.write(root / "ca" / "csms" / "CSMS_ROOT_CA.pem")
    if client is not None:
        client.write(root / "client" / "csms", "CSMS_LEAF")
    return root
