"""The P1/A1 chamber image client against the simulated printer's port 6000 (real TLS)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import time

import pytest

from custom_components.printernizer.api.bambu.camera import (
    MAX_FRAME_BYTES,
    ChamberCamera,
    auth_packet,
)
from custom_components.printernizer.api.errors import (
    PrinterAuthError,
    PrinterCertificateError,
    PrinterConnectionError,
    PrinterError,
    PrinterTimeoutError,
)
from tests.simulators.bambu import BambuSimulator
from tests.simulators.camera import ChamberImageServer, make_jpeg


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[BambuSimulator]:
    """A simulated P1S whose chamber camera sends four frames a second."""
    async with BambuSimulator(model="P1S") as simulator:
        yield simulator


def server(sim: BambuSimulator) -> ChamberImageServer:
    """The simulator's chamber image port."""
    assert isinstance(sim.camera, ChamberImageServer)
    return sim.camera


def camera_for(sim: BambuSimulator, **kwargs: object) -> ChamberCamera:
    """A client pinned to the simulator's certificate, with short timings for tests."""
    options = {
        "host": sim.host,
        "port": sim.camera_port,
        "access_code": sim.access_code,
        "fingerprint": sim.fingerprint,
        **kwargs,
    }
    camera = ChamberCamera(**options)  # type: ignore[arg-type]
    camera.linger = 0.3
    camera.frame_timeout = 1.0
    camera.reconnect_min_delay = 0.05
    camera.reconnect_max_delay = 0.2
    return camera


async def until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
    """Wait for real sockets to make the predicate true."""
    async with asyncio.timeout(timeout):
        while True:
            if predicate():
                return
            await asyncio.sleep(0.02)


def test_auth_packet_layout() -> None:
    """80 bytes: 0x40, 0x3000, eight zero bytes, user and code zero-padded to 32 bytes each."""
    packet = auth_packet("12345678")
    assert len(packet) == 80
    assert packet[:16] == bytes.fromhex("40000000003000000000000000000000")
    assert packet[16:48] == b"bblp" + bytes(28)
    assert packet[48:80] == b"12345678" + bytes(24)


async def test_snapshot_is_the_last_jpeg_sent(sim: BambuSimulator) -> None:
    """A still opens the connection; once the printer pauses, it is exactly its last frame."""
    camera = camera_for(sim)
    camera.linger = 5.0
    try:
        first = await camera.snapshot()
        assert first[:2] == b"\xff\xd8"
        assert first[-2:] == b"\xff\xd9"
        await until(lambda: server(sim).frames_sent >= 3)
        server(sim).paused = True
        sent = server(sim).frames_sent
        await until(lambda: camera.frame_count >= sent)
        camera.max_age = 60.0
        assert await camera.snapshot() == server(sim).last_frame == make_jpeg(sent - 1)
        assert camera.frame_count == sent
        assert camera.connections == 1
    finally:
        await camera.async_close()


async def test_viewers_share_one_connection_until_the_last_leaves(sim: BambuSimulator) -> None:
    """Two viewers and a still use one connection; it closes `linger` after the last viewer."""
    camera = camera_for(sim)
    try:
        async with camera.watch() as one, camera.watch() as two:
            frames = [await one.next_frame(), await one.next_frame()]
            assert frames[0] != frames[1]
            assert await two.next_frame() in {frames[1], camera.frame}
            assert await camera.snapshot() == camera.frame
            assert camera.viewers == 2
            assert server(sim).streaming == 1
        assert camera.running  # lingers for the next still
        await asyncio.sleep(0.1)
        assert server(sim).streaming == 1
        await until(lambda: server(sim).streaming == 0)
        assert not camera.running
        assert camera.connections == 1
        # the next viewer opens a new connection
        async with camera.watch() as viewer:
            await viewer.next_frame()
        assert camera.connections == 2
    finally:
        await camera.async_close()
    assert server(sim).streaming == 0


async def test_viewer_back_within_linger_reuses_the_connection(sim: BambuSimulator) -> None:
    """A dashboard asking again before `linger` runs out finds the connection still open."""
    camera = camera_for(sim)
    camera.max_age = 0.0  # every still waits for a new frame
    try:
        await camera.snapshot()
        await asyncio.sleep(0.1)
        await camera.snapshot()
        assert camera.connections == 1
    finally:
        await camera.async_close()


async def test_wrong_access_code_is_an_auth_error_for_good(sim: BambuSimulator) -> None:
    """The printer closes after the code: PrinterAuthError once, no reconnect loop."""
    errors: list[PrinterError] = []
    camera = camera_for(sim, access_code="00000000")
    camera.on_fatal_error = errors.append
    try:
        with pytest.raises(PrinterAuthError):
            await camera.snapshot()
        assert [type(e) for e in errors] == [PrinterAuthError]
        assert server(sim).auth_packets == [auth_packet("00000000")]
        await asyncio.sleep(0.3)
        assert camera.connections == 1  # given up, not retried
        with pytest.raises(PrinterAuthError):
            await camera.snapshot()
        with pytest.raises(PrinterAuthError):
            async with camera.watch():
                pass
    finally:
        await camera.async_close()


async def test_changed_certificate_is_refused_before_the_code_is_sent(
    sim: BambuSimulator,
) -> None:
    """A printer with another certificate never receives the auth packet."""
    pinned = sim.fingerprint
    sim.regenerate_certificate()
    errors: list[PrinterError] = []
    camera = camera_for(sim, fingerprint=pinned)
    camera.on_fatal_error = errors.append
    try:
        with pytest.raises(PrinterCertificateError) as caught:
            await camera.snapshot()
        assert caught.value.actual == sim.fingerprint
        assert [type(e) for e in errors] == [PrinterCertificateError]
        await until(lambda: len(server(sim).auth_packets) == 1)
        assert server(sim).auth_packets == [b""]
    finally:
        await camera.async_close()


async def test_trust_on_first_use_without_pin(sim: BambuSimulator) -> None:
    """Without a pin the first certificate seen is kept (as the MQTT client does)."""
    camera = camera_for(sim, fingerprint=None)
    try:
        await camera.snapshot()
        assert camera.fingerprint == sim.fingerprint
    finally:
        await camera.async_close()


async def test_stalled_stream_times_out_and_reconnects(sim: BambuSimulator) -> None:
    """A printer whose stream slots are full stalls: no still, a timeout, reconnects meanwhile."""
    server(sim).max_streams = 0
    camera = camera_for(sim)
    camera.frame_timeout = 0.2
    try:
        with pytest.raises(PrinterTimeoutError, match="no camera frame"):
            await camera.snapshot(timeout=0.8)
        assert camera.connections >= 2
        assert isinstance(camera.last_error, PrinterTimeoutError)
        server(sim).max_streams = 2
        assert (await camera.snapshot(timeout=3))[:2] == b"\xff\xd8"
    finally:
        await camera.async_close()


async def test_a_viewer_arriving_during_a_frame_timeout_joins_the_connection(
    sim: BambuSimulator,
) -> None:
    """A busy event loop runs the stalled stream's frame timeout and a new viewer's check in
    one turn: the connection, cancelled for a moment by its own timeout, still counts as
    running, so no second connection starts and leaves the first reconnecting for ever."""
    server(sim).max_streams = 0
    camera = camera_for(sim)
    camera.frame_timeout = 1.0
    loop = asyncio.get_running_loop()
    seen: list[tuple[int, bool]] = []
    try:
        async with camera.watch():
            await until(lambda: camera.connected)  # reading: the 1 s frame timeout is set
            task = next(t for t in asyncio.all_tasks() if t.get_name().startswith("bambu chamber"))
            loop.call_later(1.0, lambda: seen.append((task.cancelling(), camera.running)))
            time.sleep(1.3)  # noqa: ASYNC251 - a busy loop: both timers are due in one turn
            await until(lambda: bool(seen))
        assert seen == [(1, True)]
        assert camera.connections == 1
    finally:
        await camera.async_close()
    assert [t for t in asyncio.all_tasks() if t.get_name().startswith("bambu chamber")] == []


async def test_printer_gone_and_back(sim: BambuSimulator) -> None:
    """While someone watches, a lost printer is retried with back-off and frames resume."""
    camera = camera_for(sim)
    try:
        async with camera.watch() as viewer:
            await viewer.next_frame()
            await server(sim).stop()
            with pytest.raises(PrinterTimeoutError, match="no camera frame"):
                await viewer.next_frame(timeout=0.5)
            assert isinstance(camera.last_error, PrinterConnectionError)
            await server(sim).start()
            await viewer.next_frame(timeout=3)
        assert camera.connections >= 2
    finally:
        await camera.async_close()


async def test_odd_payloads(sim: BambuSimulator) -> None:
    """A payload that is not a JPEG is skipped; an impossible length drops the connection."""
    server(sim).odd_payloads = [b"not a jpeg"]
    camera = camera_for(sim)
    try:
        async with camera.watch() as viewer:
            frame = await viewer.next_frame()
            assert frame[:2] == b"\xff\xd8"
            assert camera.connections == 1
            server(sim).odd_payloads = [b"\xff\xd8" + bytes(MAX_FRAME_BYTES) + b"\xff\xd9"]
            await until(lambda: not server(sim).odd_payloads)
            server(sim).paused = True  # no good frame clears the error meanwhile
            await until(lambda: camera.connections == 2)
            assert isinstance(camera.last_error, PrinterConnectionError)
            assert "frame of" in str(camera.last_error)
    finally:
        await camera.async_close()


async def test_closed_camera(sim: BambuSimulator) -> None:
    """After close, waiting viewers get an error and nothing connects again."""
    camera = camera_for(sim)
    async with camera.watch() as viewer:
        await viewer.next_frame()
        waiting = asyncio.ensure_future(viewer.next_frame(timeout=5))
        server(sim).paused = True
        await asyncio.sleep(0.05)
        await camera.async_close()
        with pytest.raises(PrinterConnectionError, match="closed"):
            await waiting
    with pytest.raises(PrinterConnectionError):
        await camera.snapshot()
    assert not camera.running
    assert repr(camera) == f"<ChamberCamera {sim.host}:{sim.camera_port}>"


async def test_unreachable_printer(socket_enabled: None) -> None:
    """Nothing listens: the still times out and names the connection error."""
    camera = ChamberCamera(host="127.0.0.1", port=1, access_code="x")
    camera.reconnect_min_delay = 0.05
    try:
        with pytest.raises(PrinterTimeoutError, match="refused|Connect"):
            await camera.snapshot(timeout=0.5)
    finally:
        await camera.async_close()
