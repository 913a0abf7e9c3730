"""Base entity: device info, availability, and writes only when a shown value changed."""

from __future__ import annotations

from typing import Any

from homeassistant.const import CONF_MAC
from homeassistant.core import callback
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import PrinterFamily
from .const import DOMAIN
from .coordinator import PrinterCoordinator, PrusaCoordinator

MANUFACTURERS = {PrinterFamily.BAMBU: "Bambu Lab", PrinterFamily.PRUSA: "Prusa Research"}


def device_kwargs(coordinator: PrinterCoordinator) -> dict[str, Any]:
    """Device facts from the printer (every value a string, as HA 2026 requires).

    A PrusaLink printer links to its own web page; a discovered one is also known by its MAC.
    """
    info = coordinator.info
    snapshot = coordinator.data
    model = info.model or (snapshot.model if snapshot else None)
    firmware = info.firmware or (snapshot.firmware if snapshot else None)
    kwargs: dict[str, Any] = {
        "configuration_url": (
            coordinator.client.base_url if isinstance(coordinator, PrusaCoordinator) else None
        ),
        "identifiers": {(DOMAIN, coordinator.printer_uid)},
        "manufacturer": MANUFACTURERS[coordinator.family],
        "model": str(model) if model else None,
        "name": coordinator.config_entry.title,
        "serial_number": str(info.serial) if info.serial else None,
        "sw_version": str(firmware) if firmware else None,
    }
    if mac := coordinator.config_entry.data.get(CONF_MAC):
        kwargs["connections"] = {(CONNECTION_NETWORK_MAC, str(mac))}
    return kwargs


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

    def _shown(self) -> Any:
        """What the frontend shows; a state is written only when this changes."""
        return (self.available, self.state, self.extra_state_attributes)

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
