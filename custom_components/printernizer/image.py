"""Image: the thumbnail of the current (or last) job."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.image import ImageEntity, ImageEntityDescription
from homeassistant.core import HomeAssistant, callback

from .coordinator import PrinterCoordinator
from .entity import PrinternizerEntity

if TYPE_CHECKING:
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import PrinternizerConfigEntry

PARALLEL_UPDATES = 0

THUMBNAIL = ImageEntityDescription(key="thumbnail", translation_key="thumbnail")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PrinternizerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the thumbnail image."""
    async_add_entities([PrinternizerThumbnail(hass, entry.runtime_data.coordinator)])


class PrinternizerThumbnail(PrinternizerEntity, ImageEntity):
    """The job's preview picture, from the printer or from the job's file."""

    _attr_content_type = "image/png"

    def __init__(self, hass: HomeAssistant, coordinator: PrinterCoordinator) -> None:
        """Set up both parents (ImageEntity needs hass for its access tokens)."""
        PrinternizerEntity.__init__(self, coordinator, THUMBNAIL)
        ImageEntity.__init__(self, hass)
        self._attr_image_last_updated = coordinator.thumbnail_updated

    @property
    def available(self) -> bool:
        """A picture of the last job stays viewable while the printer is offline."""
        return True

    def _shown(self) -> object:
        return self.coordinator.thumbnail_updated

    @callback
    def _handle_coordinator_update(self) -> None:
        self._attr_image_last_updated = self.coordinator.thumbnail_updated
        super()._handle_coordinator_update()

    async def async_image(self) -> bytes | None:
        """The PNG bytes, if the job has a thumbnail."""
        return self.coordinator.thumbnail
