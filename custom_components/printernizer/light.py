"""Light: the chamber light of a Bambu Lab printer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from homeassistant.components.light import LightEntity, LightEntityDescription
from homeassistant.components.light.const import ColorMode

from .api import PrinterSnapshot
from .coordinator import BambuCoordinator
from .entity import PrinternizerEntity

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import PrinternizerConfigEntry

# One command at a time per printer.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class PrinternizerLightDescription(LightEntityDescription):
    """A light the printer reports and switches by command."""

    is_on_fn: Callable[[PrinterSnapshot], bool | None]
    switch_fn: Callable[[BambuCoordinator, bool], Awaitable[None]]


LIGHTS: tuple[PrinternizerLightDescription, ...] = (
    PrinternizerLightDescription(
        key="chamber_light",
        translation_key="chamber_light",
        is_on_fn=lambda s: s.chamber_light,
        switch_fn=lambda c, on: c.async_set_chamber_light(on),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PrinternizerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the chamber light of a Bambu Lab printer (every model has one)."""
    coordinator = entry.runtime_data.coordinator
    if isinstance(coordinator, BambuCoordinator):
        async_add_entities(PrinternizerLight(coordinator, description) for description in LIGHTS)


class PrinternizerLight(PrinternizerEntity, LightEntity):
    """On or off as the printer reports it; a switch waits for the printer's acknowledgement."""

    coordinator: BambuCoordinator
    entity_description: PrinternizerLightDescription
    _attr_color_mode = ColorMode.ONOFF

    def __init__(self, coordinator: BambuCoordinator, description: LightEntityDescription) -> None:
        """A plain on/off light."""
        super().__init__(coordinator, description)
        self._attr_supported_color_modes = {ColorMode.ONOFF}

    def reads(self) -> frozenset[str] | None:
        """Only the printer's light report changes what a light shows."""
        return frozenset({"chamber_light"})

    @property
    def is_on(self) -> bool | None:
        """What the printer's last report said."""
        snapshot = self.coordinator.data
        return self.entity_description.is_on_fn(snapshot) if snapshot else None

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch on (errors come back translated)."""
        await self.entity_description.switch_fn(self.coordinator, True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch off."""
        await self.entity_description.switch_fn(self.coordinator, False)
