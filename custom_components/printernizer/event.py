"""Event entity `job`: started, paused, resumed, finished, failed, cancelled."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import callback

from .entity import PrinternizerEntity
from .jobs import JOB_EVENT_TYPES

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import PrinternizerConfigEntry, PrinternizerData

PARALLEL_UPDATES = 0

JOB = EventEntityDescription(key="job", translation_key="job", event_types=list(JOB_EVENT_TYPES))


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PrinternizerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the job event entity."""
    async_add_entities([PrinternizerJobEvent(entry.runtime_data)])


class PrinternizerJobEvent(PrinternizerEntity, EventEntity):
    """Fires when a job changes state; automations trigger on it."""

    def __init__(self, data: PrinternizerData) -> None:
        """Listen to the job tracker, not the coordinator."""
        super().__init__(data.coordinator, JOB)
        self._tracker = data.tracker

    @property
    def available(self) -> bool:
        """Job events stay available; they come from the ledger, not the connection."""
        return True

    def _shown(self) -> object:
        return None

    async def async_added_to_hass(self) -> None:
        """Subscribe to job transitions."""
        await super().async_added_to_hass()
        self.async_on_remove(self._tracker.async_add_listener(self._handle_job_event))

    @callback
    def _handle_job_event(self, event_type: str, data: dict[str, Any]) -> None:
        self._trigger_event(event_type, data)
        self.async_write_ha_state()
