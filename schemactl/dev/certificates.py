"""Development aid for the test bed: a CA made on the spot and a server certificate it signs, for
the loopback TLS servers (the hosted-API impersonation, the TLS proxy). Not part of schemactl."""
from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass


@dataclass(frozen=True)
class Issued:
    """PEM bytes: the CA's certificate, the server's certificate and its private key."""

    ca: bytes
    certificate: bytes
    key: bytes


def issue(ca_name: str, common_name: str, hosts: tuple[str, ...] = (), addresses: tuple[str, ...] = (),
          days: int = 7) -> Issued:
    """A CA called `ca_name` and a server certificate for `hosts` (DNS names) and `addresses` (IPs)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(hours=1), now + datetime.timedelta(days=days)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ca_name)])
    ca = (x509.CertificateBuilder().subject_name(issuer).issuer_name(issuer).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = [x509.DNSName(h) for h in hosts]
    names += [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]
    leaf = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
            .issuer_name(issuer).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    return Issued(ca.public_bytes(pem), leaf.public_bytes(pem),
                  key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
