"""TLS pinning edge cases: servers that present no certificate, over real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
import ssl

import pytest

from custom_components.printernizer.api.bambu.tls import (
    async_probe_fingerprint,
    check_pin,
    peer_fingerprint,
)
from custom_components.printernizer.api.errors import (
    PrinterCertificateError,
    PrinterConnectionError,
)

#: Anonymous (certificate-less) key exchange only; OpenSSL needs security level 0 for it.
ANONYMOUS_CIPHERS = "aNULL:@SECLEVEL=0"


def _anonymous_context(purpose: ssl.Purpose) -> ssl.SSLContext:
    """A TLS 1.2 context that only negotiates anonymous suites (no certificate at all)."""
    protocol = (
        ssl.PROTOCOL_TLS_SERVER if purpose is ssl.Purpose.CLIENT_AUTH else ssl.PROTOCOL_TLS_CLIENT
    )
    context = ssl.SSLContext(protocol)
    if protocol is ssl.PROTOCOL_TLS_CLIENT:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    context.maximum_version = ssl.TLSVersion.TLSv1_2  # TLS 1.3 has no anonymous suites
    context.set_ciphers(ANONYMOUS_CIPHERS)
    return context


@contextlib.asynccontextmanager
async def _anonymous_tls_server() -> AsyncIterator[int]:
    """A TLS server without a certificate (anonymous DH only) that keeps connections open."""
    writers: list[asyncio.StreamWriter] = []

    context = _anonymous_context(ssl.Purpose.CLIENT_AUTH)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        # Handshake in the handler, so a refused handshake is not an unhandled loop error.
        with contextlib.suppress(ConnectionError, ssl.SSLError):
            await writer.start_tls(context)
            await reader.read()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in writers:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_handshake_without_certificate_gives_no_pin(socket_enabled: None) -> None:
    """A completed TLS handshake in which the peer sent no certificate must not yield a pin.

    With nothing to hash, trust on first use would pin nothing and any later impostor would
    pass; both the fingerprint and the pin check (with or without a stored pin) must refuse.
    """
    async with _anonymous_tls_server() as port:
        _reader, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=_anonymous_context(ssl.Purpose.SERVER_AUTH), server_hostname=""
        )
        try:
            ssl_object = writer.get_extra_info("ssl_object")
            assert isinstance(ssl_object, ssl.SSLObject)
            assert ssl_object.cipher()[0].startswith(("ADH-", "AECDH-"))  # really anonymous
            with pytest.raises(PrinterConnectionError, match="presented no TLS certificate"):
                peer_fingerprint(ssl_object)
            with pytest.raises(PrinterConnectionError, match="presented no TLS certificate") as ei:
                check_pin(ssl_object, None)
            assert not isinstance(ei.value, PrinterCertificateError)
            with pytest.raises(PrinterConnectionError, match="presented no TLS certificate"):
                check_pin(ssl_object, "ab" * 32)
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, ssl.SSLError):
                await writer.wait_closed()


async def test_probe_refuses_a_server_without_certificate(socket_enabled: None) -> None:
    """The set-up probe never completes a handshake with a certificate-less (anonymous) server.

    The integration's client context does not offer anonymous suites, so such an impostor
    fails the handshake itself: PrinterConnectionError naming the address, nothing pinned.
    """
    async with _anonymous_tls_server() as port:
        with pytest.raises(
            PrinterConnectionError, match=f"TLS handshake with 127.0.0.1:{port} failed"
        ):
            await async_probe_fingerprint("127.0.0.1", port, timeout=2)
