"""Camera: the printer's own camera, or any Home Assistant camera chosen in its options.

Which camera a printer has: a P1/A1 sends a JPEG chamber image (stills and an MJPEG stream
here), an X1/H2/P2S streams H.264 over RTSPS (handed to Home Assistant's stream component
through our loopback relay), PrusaLink on a Raspberry Pi has a camera snapshot API. The
option `camera_entity` (an external webcam; the way for Buddy printers) replaces the
printer's own camera. A printer without any camera has no camera entity.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import time
from typing import TYPE_CHECKING

from aiohttp import web
from homeassistant.components import camera as ha_camera
from homeassistant.components.camera import (
    Camera,
    CameraEntityDescription,
    CameraEntityFeature,
    async_get_still_stream,
)
from homeassistant.const import ATTR_SUPPORTED_FEATURES, STATE_UNAVAILABLE, Platform
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_state_change_event

from .api import PrinterError
from .api.bambu import camera as chamber, rtsp
from .api.bambu.report import CAMERA_CHAMBER_IMAGE, CAMERA_RTSPS, model_camera
from .const import CONF_ACCESS_CODE, CONF_CAMERA_ENTITY, CONF_CAMERA_PORT, DOMAIN, LOGGER
from .coordinator import BambuCoordinator, PrinterCoordinator, PrusaCoordinator
from .entity import PrinternizerEntity

if TYPE_CHECKING:
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import PrinternizerConfigEntry

PARALLEL_UPDATES = 0

CAMERA = CameraEntityDescription(key="camera", translation_key="camera")
#: A viewer's MJPEG stream ends when no frame came for this long (the printer sends ~1/s).
FRAME_WAIT = 15.0
#: A PrusaLink photo is reused this long: dashboards ask every ~10 s, several at once.
STILL_MAX_AGE = 3.0


def camera_unique_id(printer_uid: str) -> str:
    """The camera entity's unique id (the job photo looks the entity up by it)."""
    return f"{printer_uid}_{CAMERA.key}"


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PrinternizerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the printer's camera; forget an earlier one when the printer has none now."""
    coordinator = entry.runtime_data.coordinator
    entity = _camera_for(hass, entry, coordinator)
    if entity is not None:
        async_add_entities([entity])
        return
    registry = er.async_get(hass)
    stale = registry.async_get_entity_id(
        Platform.CAMERA, DOMAIN, camera_unique_id(coordinator.printer_uid)
    )
    if stale is not None:  # e.g. the external camera option was cleared
        registry.async_remove(stale)


def _camera_for(
    hass: HomeAssistant, entry: PrinternizerConfigEntry, coordinator: PrinterCoordinator
) -> PrinternizerCamera | None:
    if source := entry.options.get(CONF_CAMERA_ENTITY):
        return ExternalCamera(coordinator, source)
    if isinstance(coordinator, BambuCoordinator):
        host = coordinator.client.host
        code = entry.data[CONF_ACCESS_CODE]
        fingerprint = coordinator.client.fingerprint
        kind = model_camera(coordinator.info.model)
        if kind == CAMERA_CHAMBER_IMAGE:
            port = entry.data.get(CONF_CAMERA_PORT, chamber.DEFAULT_PORT)
            client = chamber.ChamberCamera(
                host=host, access_code=code, port=port, fingerprint=fingerprint
            )
            return ChamberImageCamera(coordinator, client)
        if kind == CAMERA_RTSPS:
            port = entry.data.get(CONF_CAMERA_PORT, rtsp.DEFAULT_PORT)
            relay = rtsp.RtspsRelay(host=host, access_code=code, port=port, fingerprint=fingerprint)
            return RtspsCamera(coordinator, relay)
    if (
        isinstance(coordinator, PrusaCoordinator)
        and coordinator.data
        and coordinator.data.camera_id
    ):
        return PrusaCamera(coordinator)
    return None


class PrinternizerCamera(PrinternizerEntity, Camera):
    """The printer's camera entity (`<printer uid>_camera`)."""

    def __init__(self, coordinator: PrinterCoordinator) -> None:
        """Set up both parents (Camera keeps its own access tokens and stream state)."""
        PrinternizerEntity.__init__(self, coordinator, CAMERA)
        Camera.__init__(self)


class ChamberImageCamera(PrinternizerCamera):
    """P1/A1: stills from the chamber image and an MJPEG stream of its frames."""

    def __init__(self, coordinator: BambuCoordinator, client: chamber.ChamberCamera) -> None:
        """A refused code or another certificate is the printer's problem, not the camera's."""
        super().__init__(coordinator)
        self._client = client
        client.on_fatal_error = coordinator.handle_fatal_error

    async def async_camera_image(
        self, width: int | None = None, height: int | None = None
    ) -> bytes | None:
        """The last frame (at most a few seconds old) or the next one."""
        try:
            return await self._client.snapshot()
        except PrinterError as err:
            LOGGER.debug("%s: no chamber image: %s", self.entity_id, err)
            return None

    async def handle_async_mjpeg_stream(self, request: web.Request) -> web.StreamResponse | None:
        """Every frame as it comes, over the one connection all viewers share."""
        try:
            async with self._client.watch() as viewer:

                async def next_frame() -> bytes | None:
                    try:
                        return await viewer.next_frame(timeout=FRAME_WAIT)
                    except PrinterError as err:
                        LOGGER.debug("%s: stream ends: %s", self.entity_id, err)
                        return None

                return await async_get_still_stream(request, next_frame, self.content_type, 0)
        except PrinterError as err:
            LOGGER.debug("%s: no chamber image stream: %s", self.entity_id, err)
            return None

    async def async_will_remove_from_hass(self) -> None:
        """Free the printer's stream slot with the entity."""
        await super().async_will_remove_from_hass()
        await self._client.async_close()


class RtspsCamera(PrinternizerCamera):
    """X1/H2/P2S: H.264 over RTSPS, reached through a loopback relay that pins the printer."""

    _attr_supported_features = CameraEntityFeature.STREAM

    def __init__(self, coordinator: BambuCoordinator, relay: rtsp.RtspsRelay) -> None:
        """Another certificate on the printer raises the same repair issue as MQTT."""
        super().__init__(coordinator)
        self._relay = relay
        relay.on_fatal_error = coordinator.handle_fatal_error

    @property
    def use_stream_for_stills(self) -> bool:
        """Stills are decoded from the stream (by the stream component, not here)."""
        return True

    async def stream_source(self) -> str | None:
        """The relay's loopback URL; the printer's own address never reaches the stream."""
        return await self._relay.async_start()

    async def async_will_remove_from_hass(self) -> None:
        """Stop the stream reader, then the relay."""
        await super().async_will_remove_from_hass()
        if self.stream is not None:
            await self.stream.stop()
        await self._relay.async_stop()


class PrusaCamera(PrinternizerCamera):
    """PrusaLink on a Raspberry Pi: the camera's last photo."""

    coordinator: PrusaCoordinator

    def __init__(self, coordinator: PrusaCoordinator) -> None:
        """Stills are fetched once for every caller within a few seconds."""
        super().__init__(coordinator)
        self._lock = asyncio.Lock()
        self._still: bytes | None = None
        self._still_at = 0.0

    async def async_camera_image(
        self, width: int | None = None, height: int | None = None
    ) -> bytes | None:
        """The camera's last photo, reused for STILL_MAX_AGE seconds."""
        snapshot = self.coordinator.data
        camera_id = snapshot.camera_id if snapshot else None
        if camera_id is None:
            return None
        async with self._lock:
            now = time.monotonic()
            if self._still is not None and now - self._still_at <= STILL_MAX_AGE:
                return self._still
            try:
                image = await self.coordinator.client.async_camera_snapshot(camera_id)
            except PrinterError as err:
                LOGGER.debug("%s: no photo: %s", self.entity_id, err)
                return None
            if image is not None:
                self._still, self._still_at = image, now
            return image


class ExternalCamera(PrinternizerCamera):
    """Any Home Assistant camera (a webcam beside the printer) as the printer's camera."""

    def __init__(self, coordinator: PrinterCoordinator, source: str) -> None:
        """Remember which camera to show."""
        super().__init__(coordinator)
        self._source = source

    async def async_added_to_hass(self) -> None:
        """Follow the source's availability and features."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_track_state_change_event(self.hass, [self._source], self._source_changed)
        )

    @callback
    def _source_changed(self, _event: Event[EventStateChangedData]) -> None:
        self.async_write_ha_state()

    def _usable(self) -> bool:
        """Not one of Printernizer's own cameras (it would show itself or go round in circles)."""
        entry = er.async_get(self.hass).async_get(self._source)
        return entry is None or entry.platform != DOMAIN

    @property
    def available(self) -> bool:
        """Available while the source camera is (the printer may be off)."""
        state = self.hass.states.get(self._source)
        return state is not None and state.state != STATE_UNAVAILABLE and self._usable()

    @property
    def supported_features(self) -> CameraEntityFeature:
        """What the source offers (a stream or stills only)."""
        state = self.hass.states.get(self._source)
        features = state.attributes.get(ATTR_SUPPORTED_FEATURES, 0) if state else 0
        return CameraEntityFeature(int(features) & CameraEntityFeature.STREAM)

    async def _async_from_source[R](self, fetch: Callable[[], Awaitable[R]]) -> R | None:
        """Ask the source camera; it failing is no picture, not an error."""
        if not self._usable():
            return None
        try:
            return await fetch()
        except HomeAssistantError as err:
            LOGGER.debug("%s: %s gave nothing: %s", self.entity_id, self._source, err)
            return None

    async def async_camera_image(
        self, width: int | None = None, height: int | None = None
    ) -> bytes | None:
        """The source's picture (in its own format)."""
        image = await self._async_from_source(
            lambda: ha_camera.async_get_image(self.hass, self._source, width=width, height=height)
        )
        if image is None:
            return None
        self.content_type = image.content_type
        return image.content

    async def stream_source(self) -> str | None:
        """The source's stream, where it has one."""
        return await self._async_from_source(
            lambda: ha_camera.async_get_stream_source(self.hass, self._source)
        )

    async def handle_async_mjpeg_stream(self, request: web.Request) -> web.StreamResponse | None:
        """The source's MJPEG stream."""
        return await self._async_from_source(
            lambda: ha_camera.async_get_mjpeg_stream(self.hass, request, self._source)
        )
