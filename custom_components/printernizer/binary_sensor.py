"""Binary sensors: online, printing, problem, attention, door, plate clear, maintenance due."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory

from .api import PrinterSnapshot, PrinterStatus
from .coordinator import PrinterCoordinator
from .data import DATA_SHARED
from .entity import PrinternizerEntity
from .maintenance import Maintenance

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import PrinternizerConfigEntry

PARALLEL_UPDATES = 0


def _problem_attributes(snapshot: PrinterSnapshot) -> dict[str, Any]:
    return {
        "hms_errors": [error.code_str for error in snapshot.hms_errors],
        "print_error": f"{snapshot.print_error:08X}" if snapshot.print_error else None,
        "printer_state": snapshot.raw_state,
    }


@dataclass(frozen=True, kw_only=True)
class PrinternizerBinarySensorDescription(BinarySensorEntityDescription):
    """A binary sensor read from the coordinator."""

    is_on_fn: Callable[[PrinterCoordinator], bool | None]
    attributes_fn: Callable[[PrinterSnapshot], dict[str, Any]] | None = None
    always_available: bool = False
    exists_fn: Callable[[PrinterCoordinator], bool] = lambda _: True
    # The snapshot fields state and attributes are read from (None: anything; see entity.py).
    reads: frozenset[str] | None = None


BINARY_SENSORS: tuple[PrinternizerBinarySensorDescription, ...] = (
    PrinternizerBinarySensorDescription(
        key="online",
        translation_key="online",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        is_on_fn=lambda c: c.last_update_success and c.data is not None and c.data.online,
        always_available=True,
    ),
    PrinternizerBinarySensorDescription(
        key="printing",
        translation_key="printing",
        device_class=BinarySensorDeviceClass.RUNNING,
        is_on_fn=lambda c: c.data.status in (PrinterStatus.PREPARING, PrinterStatus.PRINTING),
        reads=frozenset({"status"}),
    ),
    PrinternizerBinarySensorDescription(
        key="problem",
        translation_key="problem",
        device_class=BinarySensorDeviceClass.PROBLEM,
        is_on_fn=lambda c: c.data.has_problem,
        attributes_fn=_problem_attributes,
        reads=frozenset({"status", "raw_state", "hms_errors", "print_error", "needs_attention"}),
    ),
    PrinternizerBinarySensorDescription(
        # A print waits for a person (PrusaLink ATTENTION; a Bambu filament runout or fallen
        # front cover): one entity for automations that notify someone.
        key="attention",
        translation_key="attention",
        is_on_fn=lambda c: c.data.needs_attention,
        reads=frozenset({"needs_attention"}),
    ),
    PrinternizerBinarySensorDescription(
        key="door_open",
        translation_key="door_open",
        device_class=BinarySensorDeviceClass.DOOR,
        is_on_fn=lambda c: c.data.door_open,
        reads=frozenset({"door_open"}),
        exists_fn=lambda c: c.data is not None and c.data.door_open is not None,
    ),
    PrinternizerBinarySensorDescription(
        # The queue starts a print only on a clear plate; a job's end makes it not clear.
        key="plate_clear",
        translation_key="plate_clear",
        is_on_fn=lambda c: c.hass.data[DATA_SHARED].queue.plate_clear(c.printer_uid),
        always_available=True,
    ),
)


MAINTENANCE_DUE = BinarySensorEntityDescription(
    key="maintenance_due",
    translation_key="maintenance_due",
    device_class=BinarySensorDeviceClass.PROBLEM,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PrinternizerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors."""
    coordinator = entry.runtime_data.coordinator
    entities: list[PrinternizerEntity] = [
        PrinternizerBinarySensor(coordinator, description)
        for description in BINARY_SENSORS
        if description.exists_fn(coordinator)
    ]
    entities.append(MaintenanceDueSensor(entry.runtime_data.maintenance, coordinator))
    async_add_entities(entities)


class MaintenanceDueSensor(PrinternizerEntity, BinarySensorEntity):
    """On while a maintenance task of the printer is due (for automations that notify)."""

    def __init__(self, maintenance: Maintenance, coordinator: PrinterCoordinator) -> None:
        """Read the printer's maintenance list."""
        super().__init__(coordinator, MAINTENANCE_DUE)
        self._maintenance = maintenance

    @property
    def available(self) -> bool:
        """The list lives in the ledger: known while the printer is offline too."""
        return True

    @property
    def is_on(self) -> bool:
        """A task is due."""
        return self._maintenance.due_count > 0

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Which tasks are due (their keys and names)."""
        due = [task for task in self._maintenance.tasks if task.due]
        return {"tasks": [task.task for task in due], "names": [task.name for task in due]}


class PrinternizerBinarySensor(PrinternizerEntity, BinarySensorEntity):
    """A binary sensor from its description."""

    entity_description: PrinternizerBinarySensorDescription

    @property
    def available(self) -> bool:
        """`online` is always known; the rest follow the connection."""
        if self.entity_description.always_available:
            return True
        return super().available and self.coordinator.data is not None

    @property
    def is_on(self) -> bool | None:
        """The described state."""
        return self.entity_description.is_on_fn(self.coordinator)

    def reads(self) -> frozenset[str] | None:
        """The snapshot fields the description names."""
        return self.entity_description.reads

    def probe(self) -> Callable[[], Any]:
        """The described state and details, straight from the coordinator."""
        coordinator = self.coordinator
        is_on_fn, attributes_fn = (
            self.entity_description.is_on_fn,
            self.entity_description.attributes_fn,
        )
        if attributes_fn is None:
            return partial(is_on_fn, coordinator)
        return lambda: (
            is_on_fn(coordinator),
            attributes_fn(coordinator.data) if coordinator.data is not None else None,
        )

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Error details for `problem`."""
        if self.entity_description.attributes_fn is None or self.coordinator.data is None:
            return None
        return self.entity_description.attributes_fn(self.coordinator.data)
