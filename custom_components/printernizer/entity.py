"""Base entity: device info, availability, and writes only when a shown value changed.

Every written state is a row in the user's recorder database. A printer reports about once a
second while printing and its temperatures wander by fractions of a degree, so writing every
reported value would cost thousands of rows per printer-hour for changes nobody can see.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import PrinterFamily
from .const import DOMAIN
from .coordinator import PrinterCoordinator

MANUFACTURERS = {PrinterFamily.BAMBU: "Bambu Lab", PrinterFamily.PRUSA: "Prusa Research"}


def as_displayed(state: Any, precision: int | None) -> Any:
    """A numeric state rounded as the frontend shows it (ties away from zero, like Intl)."""
    if precision is None or isinstance(state, bool) or not isinstance(state, int | float | Decimal):
        return state
    return Decimal(str(state)).quantize(Decimal(1).scaleb(-precision), ROUND_HALF_UP)


def device_kwargs(coordinator: PrinterCoordinator) -> dict[str, Any]:
    """Device facts from the printer (every value a string, as HA 2026 requires)."""
    info = coordinator.info
    snapshot = coordinator.data
    model = info.model or (snapshot.model if snapshot else None)
    firmware = info.firmware or (snapshot.firmware if snapshot else None)
    return {
        "identifiers": {(DOMAIN, coordinator.printer_uid)},
        "manufacturer": MANUFACTURERS[coordinator.family],
        "model": str(model) if model else None,
        "name": coordinator.config_entry.title,
        "serial_number": str(info.serial) if info.serial else None,
        "sw_version": str(firmware) if firmware else None,
    }


class PrinternizerEntity(CoordinatorEntity[PrinterCoordinator]):
    """An entity of one printer, keyed `<printer uid>_<key>`."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: PrinterCoordinator, description: EntityDescription) -> None:
        """Name the entity by its translation key."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = f"{coordinator.printer_uid}_{description.key}"
        # The device itself is registered with all its facts when the entry is set up.
        self._attr_device_info = DeviceInfo(identifiers={(DOMAIN, coordinator.printer_uid)})
        self._written: Any = None

    def _display_precision(self) -> int | None:
        """Decimals the frontend shows of a numeric state; None: every digit is shown."""
        return None

    def _shown(self) -> Any:
        """What the frontend shows; a state is written only when this changes."""
        shown_state = as_displayed(self.state, self._display_precision())
        return (self.available, shown_state, self.extra_state_attributes)

    @callback
    def _handle_coordinator_update(self) -> None:
        shown = self._shown()
        if shown != self._written:
            self._written = shown
            self.async_write_ha_state()

    async def async_added_to_hass(self) -> None:
        """Remember what was first written."""
        await super().async_added_to_hass()
        self._written = self._shown()
