"""TLS for the printer's MQTT, FTPS and camera services: encryption always, trust by pinning.

Bambu printers serve certificates from Bambu's private CA, sometimes X.509 v1, with CN = serial and
new per-model intermediates that break chain validation (reference §1.1). Instead of a CA bundle we
pin the SHA-256 fingerprint of the certificate seen at set-up (trust on first use) and compare it
right after every handshake, before any credential is sent. The handshake itself still proves that
the server holds the private key of the certificate it presents, so a pin cannot be replayed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import ipaddress
import pathlib
import ssl
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ..errors import (
    PrinterCertificateError,
    PrinterConnectionError,
    PrinterTimeoutError,
)


def fingerprint_of_der(der: bytes) -> str:
    """SHA-256 of the DER certificate, lowercase hex without colons (the stored pin format)."""
    return hashlib.sha256(der).hexdigest()


def normalize_fingerprint(fingerprint: str | None) -> str | None:
    """Accept `AB:CD:..` or spaced forms a user might paste; store one canonical form."""
    if not fingerprint:
        return None
    return fingerprint.replace(":", "").replace(" ", "").strip().lower() or None


def make_client_context() -> ssl.SSLContext:
    """A client context that encrypts but leaves trust to the fingerprint pin.

    Chain and hostname checks are off on purpose (see module docstring); callers must compare
    the peer with `check_pin()` before sending credentials. Plain function so it can run in
    an executor (context creation may touch the disk on some platforms).
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def peer_fingerprint(sock: ssl.SSLSocket | ssl.SSLObject) -> str:
    """Fingerprint of the certificate the peer presented in a completed handshake."""
    der = sock.getpeercert(binary_form=True)
    if not der:
        raise PrinterConnectionError("the printer presented no TLS certificate")
    return fingerprint_of_der(der)


def check_pin(sock: ssl.SSLSocket | ssl.SSLObject, pinned: str | None) -> str:
    """Return the peer's fingerprint, raising PrinterCertificateError when it differs from the pin."""
    actual = peer_fingerprint(sock)
    expected = normalize_fingerprint(pinned)
    if expected is not None and actual != expected:
        raise PrinterCertificateError(expected, actual)
    return actual


async def async_probe_fingerprint(host: str, port: int, *, timeout: float = 10.0) -> str:  # noqa: ASYNC109
    """Handshake without verification and without sending anything; return the fingerprint.

    Used at set-up to show and pin the certificate (trust on first use) before the access code
    ever leaves Home Assistant.
    """
    loop = asyncio.get_running_loop()
    context = await loop.run_in_executor(None, make_client_context)
    transport: asyncio.BaseTransport | None = None
    try:
        async with asyncio.timeout(timeout):
            transport, _protocol = await loop.create_connection(
                asyncio.Protocol, host, port, ssl=context, server_hostname=""
            )
            ssl_object = transport.get_extra_info("ssl_object")
            if ssl_object is None:
                raise PrinterConnectionError(f"no TLS on {host}:{port}")
            return peer_fingerprint(ssl_object)
    except TimeoutError as err:
        raise PrinterTimeoutError(f"TLS handshake with {host}:{port} timed out") from err
    except (OSError, ssl.SSLError) as err:
        raise PrinterConnectionError(f"TLS handshake with {host}:{port} failed: {err}") from err
    finally:
        if transport is not None:
            transport.close()


async def async_close_stream(writer: asyncio.StreamWriter) -> None:
    """Close a TLS stream without leaving its shutdown timer behind (a silent peer: abort)."""
    writer.close()
    try:
        async with asyncio.timeout(2):
            await writer.wait_closed()
    except (TimeoutError, OSError, ssl.SSLError):
        writer.transport.abort()


def make_loopback_server_context() -> ssl.SSLContext:
    """A server context with a fresh self-signed certificate for 127.0.0.1 (the RTSPS relay).

    Its key never leaves this process: it is written to a private temporary folder only
    because `load_cert_chain` reads files, and deleted at once. Blocking: run in an executor.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "printernizer loopback relay")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    with tempfile.TemporaryDirectory(prefix="printernizer-relay-") as folder:
        cert_file = pathlib.Path(folder, "cert.pem")
        key_file = pathlib.Path(folder, "key.pem")
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context.load_cert_chain(cert_file, key_file)
    return context
