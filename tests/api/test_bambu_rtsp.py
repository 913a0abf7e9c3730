"""The RTSPS relay against the simulated X1C's RTSP-over-TLS port (real sockets, real TLS)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
import contextlib
import ssl

import pytest
from yarl import URL

from custom_components.printernizer.api.bambu.rtsp import RtspsRelay
from custom_components.printernizer.api.bambu.tls import make_client_context
from custom_components.printernizer.api.errors import (
    PrinterCertificateError,
    PrinterConnectionError,
    PrinterError,
)
from tests.simulators.bambu import BambuSimulator
from tests.simulators.camera import RtspsServer

CODE = "12345678"


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[BambuSimulator]:
    """A simulated X1C: its camera port speaks RTSP over TLS."""
    async with BambuSimulator(serial="00M00A000000002", model="X1C", access_code=CODE) as s:
        yield s


def server(sim: BambuSimulator) -> RtspsServer:
    """The simulator's RTSPS port."""
    assert isinstance(sim.camera, RtspsServer)
    return sim.camera


def relay_for(sim: BambuSimulator, fingerprint: str | None) -> RtspsRelay:
    """A relay to the simulated printer pinned to `fingerprint`."""
    relay = RtspsRelay(
        host=sim.host, port=sim.camera_port, access_code=CODE, fingerprint=fingerprint
    )
    relay.connect_timeout = 2.0
    return relay


async def rtsp(writer: asyncio.StreamWriter, reader: asyncio.StreamReader, request: str) -> bytes:
    """Send one request and read one answer (head and, if announced, body)."""
    writer.write(request.encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        ),
        0,
    )
    return head + (await reader.readexactly(length) if length else b"")


async def test_relay_passes_rtsp_both_ways(sim: BambuSimulator) -> None:
    """The stream reader talks RTSPS to 127.0.0.1; the printer gets its requests and code."""
    relay = relay_for(sim, sim.fingerprint)
    try:
        url = URL(await relay.async_start())
        assert (url.scheme, url.host, url.path) == ("rtsps", "127.0.0.1", "/streaming/live/1")
        assert (url.user, url.password) == ("bblp", CODE)
        assert url.port == relay.listen_port
        assert url.port != sim.camera_port
        auth = base64.b64encode(f"bblp:{CODE}".encode()).decode()
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", url.port, ssl=make_client_context(), server_hostname=""
        )
        base = f"rtsps://127.0.0.1:{url.port}/streaming/live/1"
        answer = await rtsp(writer, reader, f"OPTIONS {base} RTSP/1.0\r\nCSeq: 1\r\n\r\n")
        assert answer.startswith(b"RTSP/1.0 200 OK\r\nCSeq: 1\r\n")
        assert b"Public: OPTIONS, DESCRIBE" in answer
        answer = await rtsp(writer, reader, f"DESCRIBE {base} RTSP/1.0\r\nCSeq: 2\r\n\r\n")
        assert answer.startswith(b"RTSP/1.0 401 Unauthorized")
        answer = await rtsp(
            writer,
            reader,
            f"DESCRIBE {base} RTSP/1.0\r\nCSeq: 3\r\nAuthorization: Basic {auth}\r\n\r\n",
        )
        assert b"m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000" in answer
        writer.write(
            f"PLAY {base} RTSP/1.0\r\nCSeq: 4\r\nAuthorization: Basic {auth}\r\n\r\n".encode()
        )
        await writer.drain()
        assert (
            await reader.readuntil(b"\r\n\r\n")
            == b"RTSP/1.0 200 OK\r\nCSeq: 4\r\nSession: 4711\r\n\r\n"
        )
        for n in range(3):
            frame = await reader.readexactly(4 + 68)
            assert frame == b"$\x00\x00\x44" + bytes([0x80, 96]) + n.to_bytes(2, "big") + bytes(
                range(64)
            )
        await rtsp(
            writer,
            reader,
            f"TEARDOWN {base} RTSP/1.0\r\nCSeq: 5\r\nAuthorization: Basic {auth}\r\n\r\n",
        )
        assert await reader.read() == b""  # the printer hung up, so did the relay
        writer.close()
        assert [line.split(" ")[0] for line in server(sim).requests] == [
            "OPTIONS", "DESCRIBE", "DESCRIBE", "PLAY", "TEARDOWN",
        ]  # fmt: skip
        assert server(sim).credentials == [f"bblp:{CODE}"] * 3
        assert (relay.relayed, relay.refused) == (1, 0)
    finally:
        await relay.async_stop()


async def test_changed_certificate_gets_no_byte(sim: BambuSimulator) -> None:
    """A printer with another certificate receives nothing; the client is hung up on."""
    pinned = sim.fingerprint
    sim.regenerate_certificate()
    errors: list[PrinterError] = []
    relay = relay_for(sim, pinned)
    relay.on_fatal_error = errors.append
    try:
        url = URL(await relay.async_start())
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", url.port, ssl=make_client_context(), server_hostname=""
        )
        writer.write(
            b"OPTIONS rtsps://x/ RTSP/1.0\r\nCSeq: 1\r\nAuthorization: Basic secret\r\n\r\n"
        )
        await writer.drain()
        assert await reader.read() == b""
        writer.close()
        assert server(sim).requests == []
        assert server(sim).connections == 1  # the handshake happened, nothing more
        assert [type(e) for e in errors] == [PrinterCertificateError]
        assert (relay.relayed, relay.refused) == (0, 1)
    finally:
        await relay.async_stop()


async def test_unreachable_printer_and_stop(sim: BambuSimulator) -> None:
    """A printer that is off: the client is hung up on; stop cuts live connections."""
    relay = relay_for(sim, sim.fingerprint)
    with pytest.raises(PrinterConnectionError, match="not running"):
        _ = relay.url
    try:
        url = URL(await relay.async_start())
        assert await relay.async_start() == str(url)  # started once
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", url.port, ssl=make_client_context(), server_hostname=""
        )
        writer.write(b"OPTIONS rtsps://x/ RTSP/1.0\r\nCSeq: 1\r\n\r\n")
        assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"RTSP/1.0 200 OK")
        await relay.async_stop()  # cuts the live relay
        assert await reader.read() == b""
        writer.close()
        assert relay.listen_port is None

        await server(sim).stop()
        url = URL(await relay.async_start())
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", url.port, ssl=make_client_context(), server_hostname=""
        )
        assert await reader.read() == b""
        writer.close()
        assert relay.refused == 1
    finally:
        await relay.async_stop()


async def test_listens_on_loopback_only(sim: BambuSimulator) -> None:
    """The relay's socket is bound to 127.0.0.1 and speaks TLS only."""
    relay = relay_for(sim, sim.fingerprint)
    try:
        await relay.async_start()
        assert relay._server is not None
        assert [s.getsockname()[0] for s in relay._server.sockets] == ["127.0.0.1"]
        reader, writer = await asyncio.open_connection("127.0.0.1", relay.listen_port)
        writer.write(b"OPTIONS rtsp://x/ RTSP/1.0\r\nCSeq: 1\r\n\r\n")  # plain text
        await writer.drain()
        data = b""
        with contextlib.suppress(ConnectionError, ssl.SSLError):
            data = await reader.read()
        assert not data.startswith(b"RTSP")  # hung up on (perhaps after a TLS alert)
        writer.close()
        assert server(sim).requests == []
        assert repr(relay) == f"<RtspsRelay {relay.listen_port} -> {sim.host}:{sim.camera_port}>"
    finally:
        await relay.async_stop()
