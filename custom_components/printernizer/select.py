"""Select: the print speed of a Bambu Lab printer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.components.select import SelectEntity, SelectEntityDescription

from .api import PrinterSnapshot
from .coordinator import BambuCoordinator
from .entity import PrinternizerEntity

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import PrinternizerConfigEntry

# One command at a time per printer.
PARALLEL_UPDATES = 1

#: The printer's speed levels (`spd_lvl`) by option.
SPEED_LEVELS: dict[str, int] = {"silent": 1, "standard": 2, "sport": 3, "ludicrous": 4}
_SPEED_OPTIONS = {level: option for option, level in SPEED_LEVELS.items()}


@dataclass(frozen=True, kw_only=True)
class PrinternizerSelectDescription(SelectEntityDescription):
    """A choice the printer reports and takes by command."""

    current_fn: Callable[[PrinterSnapshot], str | None]
    select_fn: Callable[[BambuCoordinator, str], Awaitable[None]]


SELECTS: tuple[PrinternizerSelectDescription, ...] = (
    PrinternizerSelectDescription(
        key="print_speed",
        translation_key="print_speed",
        options=list(SPEED_LEVELS),
        current_fn=lambda s: _SPEED_OPTIONS.get(s.speed_level or 0),
        select_fn=lambda c, option: c.async_set_print_speed(SPEED_LEVELS[option]),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PrinternizerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the print speed of a Bambu Lab printer."""
    coordinator = entry.runtime_data.coordinator
    if isinstance(coordinator, BambuCoordinator):
        async_add_entities(PrinternizerSelect(coordinator, description) for description in SELECTS)


class PrinternizerSelect(PrinternizerEntity, SelectEntity):
    """The printer's value; a choice waits for the printer's acknowledgement."""

    coordinator: BambuCoordinator
    entity_description: PrinternizerSelectDescription

    def reads(self) -> frozenset[str] | None:
        """Only the reported speed level changes the option shown."""
        return frozenset({"speed_level"})

    @property
    def current_option(self) -> str | None:
        """What the printer's last report said."""
        snapshot = self.coordinator.data
        return self.entity_description.current_fn(snapshot) if snapshot else None

    async def async_select_option(self, option: str) -> None:
        """Send the choice (errors come back translated)."""
        await self.entity_description.select_fn(self.coordinator, option)
