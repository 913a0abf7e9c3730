"""A photo of every job: the printer's camera as the job ends, else the job's thumbnail.

Kept in Home Assistant's local media folder as `printernizer/photos/<job_id>.jpg`, so it shows
in the media browser and is served at `/media/local/printernizer/photos/<job_id>.jpg` to
logged-in users only (the companion app fetches it with the user's login for the "print
finished" notification). The ledger records it; cleanup treats it like a downloaded file.
The picture is taken through the printer's camera entity, so every kind of camera (chamber
image, RTSPS stream, PrusaLink, an external webcam) works the same way.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import TYPE_CHECKING

from homeassistant.components import camera
from homeassistant.const import Platform
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from PIL import Image

from .camera import camera_unique_id
from .const import DOMAIN, LOGGER
from .ledger import photos as photo_repo

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .data import PrinternizerConfigEntry
    from .ledger import JobRecord, Ledger

MEDIA_SOURCE = "local"
PHOTO_FOLDER = "printernizer/photos"
#: Longest wait for the camera's picture as a job ends (a chamber image connects first).
PHOTO_TIMEOUT = 15
_JPEG = b"\xff\xd8"


def media_folder(hass: HomeAssistant) -> Path | None:
    """Home Assistant's local media folder (`/media/local/...`), if it has one."""
    folder = hass.config.media_dirs.get(MEDIA_SOURCE)
    return Path(folder) if folder else None


def photo_url(path: str | None) -> str | None:
    """Where Home Assistant serves a recorded photo (relative to its own address)."""
    return None if path is None else f"/media/{MEDIA_SOURCE}/{path}"


async def async_take_job_photo(
    hass: HomeAssistant,
    entry: PrinternizerConfigEntry,
    ledger: Ledger,
    job: JobRecord,
    *,
    live: bool,
) -> str | None:
    """Take, store and record the photo of a job that just ended; return its URL.

    `live`: the end was seen as it happened, so the camera shows the job's part. An end seen
    late (Home Assistant was away) gets the job's thumbnail instead.
    """
    folder = media_folder(hass)
    if folder is None:
        LOGGER.debug("No local media folder: no photo of job %s", job.job_id)
        return None
    image = await _async_camera_picture(hass, entry) if live else None
    source = "camera"
    if image is None:
        image, source = entry.runtime_data.coordinator.thumbnail, "thumbnail"
    if image is None:
        return None
    path = f"{PHOTO_FOLDER}/{job.job_id}.jpg"
    size = await hass.async_add_executor_job(_write_jpeg, folder / path, image)
    await hass.async_add_executor_job(
        lambda: photo_repo.record_photo(
            ledger, job.job_id, path=path, source=source, size=size, taken_at=dt_util.utcnow()
        )
    )
    LOGGER.debug("Photo of job %s from the %s: %s bytes", job.job_id, source, size)
    return photo_url(path)


async def _async_camera_picture(
    hass: HomeAssistant, entry: PrinternizerConfigEntry
) -> bytes | None:
    """A picture from the printer's camera entity; None without one or when it fails."""
    unique_id = camera_unique_id(entry.runtime_data.coordinator.printer_uid)
    entity_id = er.async_get(hass).async_get_entity_id(Platform.CAMERA, DOMAIN, unique_id)
    if entity_id is None or hass.states.get(entity_id) is None:  # none, or disabled
        return None
    try:
        image = await camera.async_get_image(hass, entity_id, timeout=PHOTO_TIMEOUT)
    except HomeAssistantError as err:
        LOGGER.debug("%s gave no picture for the job photo: %s", entity_id, err)
        return None
    return image.content or None


def _write_jpeg(path: Path, image: bytes) -> int:
    """Write the photo (converted to JPEG if it is not one); return its size. Executor only.

    Written to a temporary file and renamed, so the media browser never shows half a photo.
    """
    if not image.startswith(_JPEG):
        with Image.open(io.BytesIO(image)) as source:
            picture = source.convert("RGBA")
        flat = Image.new("RGB", picture.size, (255, 255, 255))  # transparency on white
        flat.paste(picture, mask=picture.getchannel("A"))
        buffer = io.BytesIO()
        flat.save(buffer, "JPEG", quality=90)
        image = buffer.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    partial.write_bytes(image)
    os.replace(partial, path)
    return len(image)
