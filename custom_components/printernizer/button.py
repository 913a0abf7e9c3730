"""Buttons: pause, resume, stop, refresh; clear_plate (the print queue may go on)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.const import EntityCategory

from .coordinator import PrinterCoordinator
from .data import DATA_SHARED
from .entity import PrinternizerEntity

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import PrinternizerConfigEntry

# One command at a time per printer.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class PrinternizerButtonDescription(ButtonEntityDescription):
    """A button that runs one coordinator command."""

    press_fn: Callable[[PrinterCoordinator], Awaitable[None]]


BUTTONS: tuple[PrinternizerButtonDescription, ...] = (
    PrinternizerButtonDescription(
        key="pause", translation_key="pause", press_fn=lambda c: c.async_pause()
    ),
    PrinternizerButtonDescription(
        key="resume", translation_key="resume", press_fn=lambda c: c.async_resume()
    ),
    PrinternizerButtonDescription(
        key="stop", translation_key="stop", press_fn=lambda c: c.async_stop()
    ),
    PrinternizerButtonDescription(
        key="refresh",
        translation_key="refresh",
        entity_category=EntityCategory.DIAGNOSTIC,
        press_fn=lambda c: c.async_refresh_printer(),
    ),
)


CLEAR_PLATE = ButtonEntityDescription(key="clear_plate", translation_key="clear_plate")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PrinternizerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the control buttons."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(
        [
            *(PrinternizerButton(coordinator, description) for description in BUTTONS),
            ClearPlateButton(coordinator, CLEAR_PLATE),
        ]
    )


class PrinternizerButton(PrinternizerEntity, ButtonEntity):
    """Press to send a command; errors come back translated."""

    entity_description: PrinternizerButtonDescription

    def probe(self) -> Callable[[], object]:
        """Reports change nothing a button shows (its availability is checked anyway)."""
        return lambda: None

    def reads(self) -> frozenset[str] | None:
        """No snapshot field: a button is written only when its availability changes."""
        return frozenset()

    async def async_press(self) -> None:
        """Send the command."""
        await self.entity_description.press_fn(self.coordinator)


class ClearPlateButton(PrinternizerEntity, ButtonEntity):
    """Say the plate is empty: the queue may start its next print on this printer.

    Always available: the flag lives in the ledger, and a plate can be cleared while the
    printer is switched off.
    """

    @property
    def available(self) -> bool:
        """The flag is ours, not the printer's."""
        return True

    def probe(self) -> Callable[[], object]:
        """Nothing a report changes."""
        return lambda: None

    async def async_press(self) -> None:
        """Mark the plate clear, as the user who pressed."""
        await self.hass.data[DATA_SHARED].queue.async_set_plate(
            self.coordinator.printer_uid, clear=True, user_id=self._context_user()
        )

    def _context_user(self) -> str | None:
        return self._context.user_id if self._context is not None else None
