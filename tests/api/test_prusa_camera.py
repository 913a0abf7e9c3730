"""The Raspberry Pi PrusaLink camera against the simulator (real HTTP with Digest auth)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web
import pytest

from custom_components.printernizer.api.errors import PrinterConnectionError, PrinterError
from custom_components.printernizer.api.prusa.client import PrusaLinkClient
from custom_components.printernizer.api.prusa.parse import parse_snapshot
from tests.simulators.prusa import PrusaLinkSimulator

PASSWORD = "secretpass123"


@pytest.fixture
async def session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp session, as Home Assistant would hand in."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


async def test_pi_camera_photo(session: aiohttp.ClientSession) -> None:
    """The status names the camera; its snap is the camera's last JPEG, new after a trigger."""
    async with PrusaLinkSimulator(flavour="pi", password=PASSWORD) as sim:
        client = PrusaLinkClient(session, sim.host, port=sim.port, password=PASSWORD)
        snapshot = parse_snapshot(await client.async_get_status(), None)
        assert snapshot.camera_id == sim.camera_id == "Kp4vTz9Qw2LmR"
        photo = await client.async_camera_snapshot(snapshot.camera_id)
        assert photo == sim.camera_photo
        assert photo is not None
        assert photo[:2] == b"\xff\xd8"
        newer = sim.take_camera_photo()
        assert await client.async_camera_snapshot(snapshot.camera_id) == newer != photo
        assert sim.requests[-1][1:] == ("GET", f"/api/v1/cameras/{sim.camera_id}/snap")


async def test_pi_camera_without_photo_or_gone(session: aiohttp.ClientSession) -> None:
    """204 before the first photo and 404 for a camera that is gone: no photo, no error."""
    async with PrusaLinkSimulator(flavour="pi", password=PASSWORD) as sim:
        client = PrusaLinkClient(session, sim.host, port=sim.port, password=PASSWORD)
        sim.camera_photo = None
        assert await client.async_camera_snapshot("Kp4vTz9Qw2LmR") is None
        assert await client.async_camera_snapshot("another") is None
        with pytest.raises(PrinterError, match="unusable camera id"):
            await client.async_camera_snapshot("../../api/v1/files")
        sim.camera_id = None
        status = await client.async_get_status()
        assert "camera" not in status
        assert parse_snapshot(status, None).camera_id is None


async def test_buddy_has_no_camera(session: aiohttp.ClientSession) -> None:
    """Buddy firmware lists no camera and has no camera routes (404)."""
    async with PrusaLinkSimulator(flavour="buddy", password=PASSWORD) as sim:
        client = PrusaLinkClient(session, sim.host, port=sim.port, password=PASSWORD)
        assert parse_snapshot(await client.async_get_status(), None).camera_id is None
        assert await client.async_camera_snapshot("Kp4vTz9Qw2LmR") is None


async def test_camera_error_status(session: aiohttp.ClientSession) -> None:
    """A camera service that fails (503 on the Pi) is a connection error."""
    async with PrusaLinkSimulator(flavour="pi", password=PASSWORD) as sim:
        client = PrusaLinkClient(session, sim.host, port=sim.port, password=PASSWORD)

        async def failing(request: object, _m: dict[str, str]) -> web.Response:
            return web.Response(status=503)

        sim._h_camera_snap = failing  # type: ignore[assignment,method-assign]
        sim._routes = sim._build_routes()
        with pytest.raises(PrinterConnectionError, match="HTTP 503"):
            await client.async_camera_snapshot("Kp4vTz9Qw2LmR")
