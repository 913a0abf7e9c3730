"""Camera entities against the simulated printers: chamber image, RTSPS relay, Pi camera, webcam."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from homeassistant.components import camera
from homeassistant.components.camera import Camera, CameraEntityFeature
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import ATTR_SUPPORTED_FEATURES, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockPlatform,
    mock_platform,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.printernizer.api.bambu.camera import ChamberCamera
from custom_components.printernizer.api.bambu.tls import make_client_context
from custom_components.printernizer.const import DOMAIN
from custom_components.printernizer.coordinator import certificate_issue_id
from custom_components.printernizer.diagnostics import async_get_config_entry_diagnostics
from tests.conftest import bambu_entry, prusa_entry
from tests.simulators.bambu import BambuSimulator
from tests.simulators.camera import ChamberImageServer, RtspsServer, make_jpeg
from tests.simulators.prusa import PrusaLinkSimulator
from tests.simulators.threemf import tiny_png
from tests.test_bambu import setup, wait_for

CAM = "camera.workshop_p1s_camera"


@pytest.fixture(autouse=True)
def short_linger(monkeypatch: pytest.MonkeyPatch) -> None:
    """The chamber image connection lingers 0.3 s instead of 30 s after the last viewer."""
    monkeypatch.setattr(ChamberCamera, "linger", 0.3)


def chamber(sim: BambuSimulator) -> ChamberImageServer:
    """The simulated P1S's port 6000."""
    assert isinstance(sim.camera, ChamberImageServer)
    return sim.camera


async def read_part(response: Any) -> bytes:
    """One JPEG of a multipart MJPEG response."""
    await response.content.readuntil(b"--frameboundary\r\n")
    head = await response.content.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.startswith(b"Content-Length")
    )
    return await response.content.readexactly(length)


async def test_p1s_still_is_the_last_frame(
    hass: HomeAssistant, bambu_sim: BambuSimulator, hass_client: ClientSessionGenerator
) -> None:
    """The entity's image equals the last JPEG the printer sent; the proxy serves it too."""
    await setup(hass, bambu_entry(bambu_sim))
    state = hass.states.get(CAM)
    assert state is not None
    assert state.state == "idle"
    assert state.attributes[ATTR_SUPPORTED_FEATURES] == 0
    assert chamber(bambu_sim).connections == 0  # nobody watched yet: no connection

    image = await camera.async_get_image(hass, CAM)
    assert image.content_type == "image/jpeg"
    assert image.content[:2] == b"\xff\xd8"
    await wait_for(hass, lambda: chamber(bambu_sim).frames_sent >= 2)
    chamber(bambu_sim).paused = True
    sent = chamber(bambu_sim).frames_sent
    await asyncio.sleep(0.3)  # the last frame arrives; the linger keeps the connection
    image = await camera.async_get_image(hass, CAM)
    assert image.content == chamber(bambu_sim).last_frame == make_jpeg(sent - 1)

    client = await hass_client()
    response = await client.get(f"/api/camera_proxy/{CAM}")
    assert response.status == 200
    assert await response.read() == make_jpeg(sent - 1)
    assert chamber(bambu_sim).connections == 1  # stills from the cache, one connection


async def test_mjpeg_stream_until_the_last_viewer_leaves(
    hass: HomeAssistant, bambu_sim: BambuSimulator, hass_client: ClientSessionGenerator
) -> None:
    """Two browsers share one printer connection; it closes after the last one left."""
    await setup(hass, bambu_entry(bambu_sim))
    client = await hass_client()
    one = await client.get(f"/api/camera_proxy_stream/{CAM}")
    two = await client.get(f"/api/camera_proxy_stream/{CAM}")
    assert one.status == two.status == 200
    assert one.headers["Content-Type"].startswith("multipart/x-mixed-replace")
    frames = {await read_part(one) for _ in range(4)}  # the first frame comes twice
    assert len(frames) >= 2
    assert frames <= {make_jpeg(i) for i in range(chamber(bambu_sim).frames_sent)}
    assert await read_part(two) in {make_jpeg(i) for i in range(chamber(bambu_sim).frames_sent)}
    assert chamber(bambu_sim).streaming == 1
    assert chamber(bambu_sim).connections == 1

    one.close()
    await asyncio.sleep(0.6)
    assert chamber(bambu_sim).streaming == 1  # the second viewer still watches
    two.close()
    await wait_for(hass, lambda: chamber(bambu_sim).streaming == 0)
    assert chamber(bambu_sim).connections == 1


async def test_mjpeg_stream_ends_when_the_printer_stalls(
    hass: HomeAssistant,
    bambu_sim: BambuSimulator,
    hass_client: ClientSessionGenerator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No frame for FRAME_WAIT ends a viewer's stream; after a refused code none starts."""
    monkeypatch.setattr("custom_components.printernizer.camera.FRAME_WAIT", 0.5)
    monkeypatch.setattr(ChamberCamera, "max_age", 0.0)  # every still asks the printer
    await setup(hass, bambu_entry(bambu_sim))
    client = await hass_client()
    response = await client.get(f"/api/camera_proxy_stream/{CAM}")
    await read_part(response)
    chamber(bambu_sim).paused = True
    async with asyncio.timeout(5):
        await response.content.read()  # what was still on its way, then the end
    assert response.content.at_eof()
    bambu_sim.access_code = "87654321"
    chamber(bambu_sim).paused = False
    await wait_for(hass, lambda: chamber(bambu_sim).streaming == 0)
    with pytest.raises(HomeAssistantError):
        await camera.async_get_image(hass, CAM, timeout=5)  # refused: fatal from now on
    response = await client.get(f"/api/camera_proxy_stream/{CAM}")
    assert response.status == 502


async def test_wrong_access_code_starts_reauth(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """The camera refusing the code asks the user for the new one, like MQTT does."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    bambu_sim.access_code = "87654321"  # changed on the printer (LAN mode toggled)
    with pytest.raises(HomeAssistantError):
        await camera.async_get_image(hass, CAM, timeout=5)
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [(f["context"]["source"], f["context"]["entry_id"]) for f in flows] == [
        (SOURCE_REAUTH, entry.entry_id)
    ]
    assert chamber(bambu_sim).auth_packets[-1][48:56] == b"12345678"  # the old code, refused


async def test_changed_certificate_gets_no_access_code(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """Another certificate on port 6000: nothing is sent; the repair issue explains it."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    bambu_sim.regenerate_certificate()
    with pytest.raises(HomeAssistantError):
        await camera.async_get_image(hass, CAM, timeout=5)
    await hass.async_block_till_done()
    assert chamber(bambu_sim).auth_packets == [b""]
    issue = ir.async_get(hass).async_get_issue(DOMAIN, certificate_issue_id(entry.entry_id))
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["actual"] == bambu_sim.fingerprint


async def test_x1c_stream_goes_through_the_loopback_relay(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    """X1C: STREAM feature; the stream source is rtsps to 127.0.0.1 and reaches the printer."""
    async with BambuSimulator(serial="00M00A000000002", model="X1C") as sim:
        entry = await setup(hass, bambu_entry(sim))
        state = hass.states.get(CAM)
        assert state is not None
        assert state.attributes[ATTR_SUPPORTED_FEATURES] == CameraEntityFeature.STREAM
        source = await camera.async_get_stream_source(hass, CAM)
        assert source is not None
        url = URL(source)
        assert (url.scheme, url.host, url.path) == ("rtsps", "127.0.0.1", "/streaming/live/1")
        assert (url.user, url.password) == ("bblp", sim.access_code)
        assert url.port != sim.camera_port

        reader, writer = await asyncio.open_connection(
            "127.0.0.1", url.port, ssl=make_client_context(), server_hostname=""
        )
        writer.write(b"OPTIONS rtsps://127.0.0.1/streaming/live/1 RTSP/1.0\r\nCSeq: 1\r\n\r\n")
        answer = await reader.readuntil(b"\r\n\r\n")
        assert answer.startswith(b"RTSP/1.0 200 OK\r\nCSeq: 1\r\n")
        writer.close()
        assert isinstance(sim.camera, RtspsServer)
        assert sim.camera.requests == ["OPTIONS rtsps://127.0.0.1/streaming/live/1 RTSP/1.0"]

        # the code shows nowhere a user or a bug report can read it
        assert sim.access_code not in str(hass.states.get(CAM))
        diagnostics = await async_get_config_entry_diagnostics(hass, entry)
        assert sim.access_code not in str(diagnostics)
        assert diagnostics["entry"]["data"]["camera_port"] == sim.camera_port
        # without the stream component (no PyAV here) there is no still, and no crash
        with pytest.raises(HomeAssistantError):
            await camera.async_get_image(hass, CAM, timeout=2)
        await hass.config_entries.async_unload(entry.entry_id)
        with pytest.raises(ConnectionError):
            await asyncio.open_connection("127.0.0.1", url.port)


async def test_pi_camera_and_buddy_without_camera(
    hass: HomeAssistant, socket_enabled: None, prusa_sim: PrusaLinkSimulator
) -> None:
    """PrusaLink on a Pi lists a camera: its photo is the entity's image. Buddy: no entity."""
    async with PrusaLinkSimulator(
        flavour="pi", password="secretpass123", serial="CZPX1234X004XK12345"
    ) as pi:
        entry = MockConfigEntry(
            domain=DOMAIN,
            title="MK3S",
            unique_id=pi.serial,
            data={
                "printer_type": "prusa",
                "host": pi.host,
                "port": pi.port,
                "username": "maker",
                "password": "secretpass123",
            },
        )
        await setup(hass, entry)
        image = await camera.async_get_image(hass, "camera.mk3s_camera")
        assert image.content == pi.camera_photo
        newer = pi.take_camera_photo()
        assert (await camera.async_get_image(hass, "camera.mk3s_camera")).content != newer
        await asyncio.sleep(3.1)  # a still is reused for three seconds
        assert (await camera.async_get_image(hass, "camera.mk3s_camera")).content == newer

        await asyncio.sleep(3.1)
        pi.offline = True  # the Pi does not answer: no picture, no error page
        with pytest.raises(HomeAssistantError):
            await camera.async_get_image(hass, "camera.mk3s_camera", timeout=15)
        pi.offline = False
        pi.camera_photo = None  # the camera has taken none yet (204)
        with pytest.raises(HomeAssistantError):
            await camera.async_get_image(hass, "camera.mk3s_camera", timeout=5)
        pi.camera_id = None  # the camera is gone from the printer's status
        await entry.runtime_data.coordinator.async_refresh()
        with pytest.raises(HomeAssistantError):
            await camera.async_get_image(hass, "camera.mk3s_camera", timeout=5)
        await hass.config_entries.async_unload(entry.entry_id)

    await setup(hass, prusa_entry(prusa_sim))
    assert hass.states.get("camera.core_one_camera") is None
    registry = er.async_get(hass)
    assert registry.async_get_entity_id("camera", DOMAIN, f"{prusa_sim.serial}_camera") is None


class Webcam(Camera):
    """A webcam of another integration (a stand-in for any HA camera)."""

    _attr_has_entity_name = True
    _attr_name = "Webcam"
    _attr_unique_id = "webcam-1"

    def __init__(self) -> None:
        super().__init__()
        self.content_type = "image/png"
        self.image: bytes | None = tiny_png()

    async def async_camera_image(
        self, width: int | None = None, height: int | None = None
    ) -> bytes | None:
        return self.image


@pytest.fixture
async def webcam(hass: HomeAssistant) -> AsyncIterator[Webcam]:
    """camera.webcam from a test platform."""
    entity = Webcam()

    async def setup_platform(
        hass: HomeAssistant, config: Any, add: AddEntitiesCallback, info: Any = None
    ) -> None:
        add([entity])

    mock_platform(hass, "webcams.camera", MockPlatform(async_setup_platform=setup_platform))
    assert await async_setup_component(hass, "camera", {"camera": {"platform": "webcams"}})
    await hass.async_block_till_done()
    return entity


async def test_external_camera_for_a_buddy_printer(
    hass: HomeAssistant,
    prusa_sim: PrusaLinkSimulator,
    webcam: Webcam,
    hass_client: ClientSessionGenerator,
) -> None:
    """The option makes any HA camera the printer's camera; clearing it removes the entity."""
    entry = prusa_entry(prusa_sim)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={"camera_entity": "camera.webcam"})
    await setup(hass, entry)
    image = await camera.async_get_image(hass, "camera.core_one_camera")
    assert (image.content_type, image.content) == ("image/png", tiny_png())
    assert await camera.async_get_stream_source(hass, "camera.core_one_camera") is None
    state = hass.states.get("camera.core_one_camera")
    assert state is not None
    assert state.attributes[ATTR_SUPPORTED_FEATURES] == 0

    client = await hass_client()
    response = await client.get("/api/camera_proxy_stream/camera.core_one_camera")
    assert response.status == 200
    assert await read_part(response) == tiny_png()  # the webcam's own MJPEG stream
    response.close()

    webcam.image = None
    with pytest.raises(HomeAssistantError):
        await camera.async_get_image(hass, "camera.core_one_camera", timeout=2)

    hass.config_entries.async_update_entry(entry, options={})
    await hass.async_block_till_done()  # the options listener reloads the entry
    assert hass.states.get("camera.core_one_camera") is None
    registry = er.async_get(hass)
    assert registry.async_get_entity_id("camera", DOMAIN, f"{prusa_sim.serial}_camera") is None


async def test_external_camera_availability_and_loops(
    hass: HomeAssistant, bambu_sim: BambuSimulator, webcam: Webcam
) -> None:
    """A webcam that goes away makes the camera unavailable; a printer's own camera as the
    source (it would show itself) is refused."""
    entry = bambu_entry(bambu_sim)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={"camera_entity": "camera.webcam"})
    await setup(hass, entry)
    assert hass.states.get(CAM).state == "idle"  # type: ignore[union-attr]
    hass.states.async_set("camera.webcam", STATE_UNAVAILABLE)
    await hass.async_block_till_done()
    assert hass.states.get(CAM).state == STATE_UNAVAILABLE  # type: ignore[union-attr]

    hass.config_entries.async_update_entry(entry, options={"camera_entity": CAM})
    await hass.async_block_till_done()
    assert hass.states.get(CAM).state == STATE_UNAVAILABLE  # type: ignore[union-attr]
    with pytest.raises(HomeAssistantError):
        await camera.async_get_image(hass, CAM, timeout=2)
    assert await camera.async_get_stream_source(hass, CAM) is None
