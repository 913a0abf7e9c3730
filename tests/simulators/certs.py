"""Self-signed TLS material for the printer simulators.

Real Bambu printers present a certificate whose CN is the printer serial, issued by Bambu's
private CA. For tests a self-signed certificate with the same CN is enough: clients either
pin its SHA-256 fingerprint (what the integration stores in ``tls_fingerprint``) or trust it
as a CA. EC P-256 keeps generation fast enough to run inside the event loop.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
from pathlib import Path
import ssl
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

__all__ = ["fingerprint_of_pem", "make_self_signed_cert", "server_ssl_context"]


def make_self_signed_cert(common_name: str) -> tuple[bytes, bytes]:
    """Return ``(cert_pem, key_pem)`` for a 10-year self-signed EC P-256 cert with CN=common_name.

    The cert is also marked as a CA with a SAN for the CN and 127.0.0.1, so a client may
    trust it directly (``cadata=cert_pem``) even under Python 3.13's VERIFY_X509_STRICT.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    public_key = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName(common_name),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert_pem, key_pem


def fingerprint_of_pem(cert_pem: bytes) -> str:
    """SHA-256 of the DER certificate as lowercase hex without colons (``tls_fingerprint`` format)."""
    cert = x509.load_pem_x509_certificate(cert_pem)
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def server_ssl_context(cert_pem: bytes, key_pem: bytes) -> ssl.SSLContext:
    """Build a server-side stdlib SSL context from PEM bytes.

    ``load_cert_chain`` only reads files, so this writes them to a temporary directory:
    blocking I/O, call it in an executor.
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory(prefix="printernizer-sim-") as tmp:
        cert_file = Path(tmp, "cert.pem")
        key_file = Path(tmp, "key.pem")
        cert_file.write_bytes(cert_pem)
        key_file.write_bytes(key_pem)
        ctx.load_cert_chain(cert_file, key_file)
    return ctx
