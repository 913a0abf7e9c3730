"""Certificate pinning helpers against real TLS servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
import socket
import ssl
import time

import pytest

from custom_components.printernizer.api.bambu.tls import (
    async_probe_fingerprint,
    check_pin,
    fingerprint_of_der,
    make_client_context,
    normalize_fingerprint,
    peer_fingerprint,
)
from custom_components.printernizer.api.errors import (
    PrinterCertificateError,
    PrinterConnectionError,
    PrinterTimeoutError,
)
from tests.simulators.bambu import BambuSimulator


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[BambuSimulator]:
    """A simulated P1S; its MQTT port speaks TLS with the simulator's certificate."""
    async with BambuSimulator() as simulator:
        yield simulator


def _colon_form(fingerprint: str) -> str:
    """`AB:CD:...` as shown by browsers and `openssl x509 -fingerprint`."""
    upper = fingerprint.upper()
    return ":".join(upper[i : i + 2] for i in range(0, len(upper), 2))


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("AB:CD:EF:01", "abcdef01"),
        ("ab cd ef 01", "abcdef01"),
        ("  AbCdEf01\t", "abcdef01"),
        ("abcdef01", "abcdef01"),
        (":: :", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_fingerprint(given: str | None, expected: str | None) -> None:
    """Pasted forms become one canonical lowercase hex string; empty forms become None."""
    assert normalize_fingerprint(given) == expected


def test_fingerprint_of_der_is_sha256_hex() -> None:
    """The known SHA-256 of b'abc' in the stored pin format."""
    assert (
        fingerprint_of_der(b"abc")
        == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_client_context_encrypts_without_chain_checks() -> None:
    """TLS 1.2+ only; trust is left to the pin."""
    context = make_client_context()
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert (context.check_hostname, context.verify_mode) == (False, ssl.CERT_NONE)


async def _ssl_object(port: int) -> tuple[ssl.SSLObject, asyncio.StreamWriter]:
    _reader, writer = await asyncio.open_connection(
        "127.0.0.1", port, ssl=make_client_context(), server_hostname=""
    )
    ssl_object = writer.get_extra_info("ssl_object")
    assert isinstance(ssl_object, ssl.SSLObject)
    return ssl_object, writer


async def test_check_pin_against_the_simulator(sim: BambuSimulator) -> None:
    """Matching pins (any pasted form) pass, no pin is trust on first use, a different pin fails."""
    ssl_object, writer = await _ssl_object(sim.mqtt_port)
    try:
        assert peer_fingerprint(ssl_object) == sim.fingerprint
        assert check_pin(ssl_object, sim.fingerprint) == sim.fingerprint
        assert check_pin(ssl_object, _colon_form(sim.fingerprint)) == sim.fingerprint
        assert check_pin(ssl_object, None) == sim.fingerprint
        assert check_pin(ssl_object, "") == sim.fingerprint
        wrong = "ab" * 32
        with pytest.raises(PrinterCertificateError) as caught:
            check_pin(ssl_object, _colon_form(wrong))
        assert (caught.value.expected, caught.value.actual) == (wrong, sim.fingerprint)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError, ssl.SSLError):
            await writer.wait_closed()


async def test_probe_returns_the_pinned_fingerprint(sim: BambuSimulator) -> None:
    """The probe of MQTT and FTPS sees the simulator's certificate without logging in."""
    assert await async_probe_fingerprint("127.0.0.1", sim.mqtt_port, timeout=2) == sim.fingerprint
    assert await async_probe_fingerprint("127.0.0.1", sim.ftp_port, timeout=2) == sim.fingerprint
    assert sim.connection_count == 1  # one TCP connection to the MQTT port...
    assert sim.active_connections == 0  # ...that never logged in


async def test_probe_closed_port(socket_enabled: None) -> None:
    """Nothing listening -> PrinterConnectionError naming the address."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound but not listening: connection refused
        with pytest.raises(PrinterConnectionError, match=f"127.0.0.1:{port} failed"):
            await async_probe_fingerprint("127.0.0.1", port, timeout=2)


@contextlib.asynccontextmanager
async def _tcp_server(greeting: bytes | None) -> AsyncIterator[int]:
    """A plain TCP server: sends `greeting` (or nothing) and keeps the connection open."""
    writers: list[asyncio.StreamWriter] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        with contextlib.suppress(ConnectionError):
            if greeting is not None:
                writer.write(greeting)
                await writer.drain()
            await reader.read()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in writers:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_probe_timeout(socket_enabled: None) -> None:
    """A server that accepts but never answers the handshake -> PrinterTimeoutError in time."""
    async with _tcp_server(None) as port:
        started = time.monotonic()
        with pytest.raises(PrinterTimeoutError, match="timed out"):
            await async_probe_fingerprint("127.0.0.1", port, timeout=0.2)
        assert time.monotonic() - started < 1.5


async def test_probe_plain_text_server(socket_enabled: None) -> None:
    """A non-TLS service (plain HTTP) -> PrinterConnectionError from the SSL error."""
    async with _tcp_server(b"HTTP/1.1 400 Bad Request\r\n\r\n" * 20) as port:
        with pytest.raises(PrinterConnectionError, match="TLS handshake"):
            await async_probe_fingerprint("127.0.0.1", port, timeout=2)
