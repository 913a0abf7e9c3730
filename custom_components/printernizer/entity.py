"""Base entity: device info, availability, and writes only when a shown value changed.

Every written state is a row in the user's recorder database. A printer reports about once a
second while printing and its temperatures wander by fractions of a degree, so writing every
reported value would cost thousands of rows per printer-hour for changes nobody can see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from decimal import ROUND_HALF_UP, Decimal
from operator import attrgetter
from typing import Any
from weakref import WeakKeyDictionary

from homeassistant.const import CONF_MAC
from homeassistant.core import callback
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription

from .api import PrinterFamily, PrinterSnapshot
from .const import DOMAIN
from .coordinator import PrinterCoordinator, PrusaCoordinator

MANUFACTURERS = {PrinterFamily.BAMBU: "Bambu Lab", PrinterFamily.PRUSA: "Prusa Research"}

_SNAPSHOT_FIELDS = tuple(field.name for field in fields(PrinterSnapshot))
_snapshot_values = attrgetter(*_SNAPSHOT_FIELDS)


def changed_fields(old: PrinterSnapshot, new: PrinterSnapshot) -> set[str]:
    """The snapshot fields whose value differs (a few per report; about 10 µs for all)."""
    return {
        name
        for name, before, after in zip(
            _SNAPSHOT_FIELDS, _snapshot_values(old), _snapshot_values(new), strict=True
        )
        if before is not after and before != after
    }


def as_displayed(state: Any, precision: int | None) -> Any:
    """A numeric state rounded as the frontend shows it.

    The frontend rounds the exact value of the number half away from zero (Intl); so does
    Decimal(float) with ROUND_HALF_UP. Whole numbers and non-numbers stay as they are.
    """
    if precision is None or type(state) not in (float, Decimal):
        return state
    return Decimal(state).quantize(Decimal(1).scaleb(-precision), ROUND_HALF_UP)


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


class PrinterUpdates:
    """Wakes a printer's entities after a report: only those whose input changed.

    A printer reports about once a second and a report changes two or three of its ~50
    entities. With one coordinator listener per entity (CoordinatorEntity) every entity would
    build its state on every report; at a fleet's scale that was half of the integration's
    CPU. Here each entity hands in a probe, a cheap function of the printer's data that
    changes whenever what the entity shows may have changed, and only those whose probe
    changed (or all, when the printer comes or goes) are asked to update. An entity that
    names the snapshot fields it shows (`reads`) is not even probed unless one of them
    changed in this report; the others (ledger values, the clock) are probed every time.
    """

    def __init__(self, coordinator: PrinterCoordinator) -> None:
        """Nothing listens until the first entity is added."""
        self._coordinator = coordinator
        self._entities: list[PrinternizerEntity] = []
        self._probes: list[Callable[[], Any]] = []
        self._last: list[Any] = []
        self._reads: list[frozenset[str] | None] = []
        # Built when first needed after entities come or go: field -> indexes reading it,
        # and the indexes probed on every report.
        self._by_field: dict[str, list[int]] | None = None
        self._always: list[int] = []
        self._previous: PrinterSnapshot | None = None
        self._available: bool | None = None
        self._unsubscribe: Callable[[], None] | None = None

    @classmethod
    def of(cls, coordinator: PrinterCoordinator) -> PrinterUpdates:
        """The printer's one instance."""
        if (updates := _UPDATES.get(coordinator)) is None:
            updates = _UPDATES[coordinator] = cls(coordinator)
        return updates

    @callback
    def async_add(self, entity: PrinternizerEntity) -> Callable[[], None]:
        """Update `entity` from now on; returns the function that stops that."""
        probe = entity.probe()
        self._entities.append(entity)
        self._probes.append(probe)
        self._last.append(probe())
        self._reads.append(entity.reads())
        self._by_field = None
        if self._unsubscribe is None:
            self._unsubscribe = self._coordinator.async_add_listener(self._async_update)

        @callback
        def remove() -> None:
            index = self._entities.index(entity)
            del self._entities[index], self._probes[index], self._last[index]
            del self._reads[index]
            self._by_field = None
            if not self._entities and self._unsubscribe is not None:
                self._unsubscribe()
                self._unsubscribe = None

        return remove

    @callback
    def async_reprobe(self, entity: PrinternizerEntity) -> None:
        """The entity's probe depends on something that changed (e.g. the unit shown)."""
        if entity in self._entities:
            index = self._entities.index(entity)
            self._probes[index] = probe = entity.probe()
            self._last[index] = probe()

    def _index(self) -> dict[str, list[int]]:
        by_field: dict[str, list[int]] = {}
        self._always = []
        for index, reads in enumerate(self._reads):
            if reads is None:
                self._always.append(index)
            else:
                for field in reads:
                    by_field.setdefault(field, []).append(index)
        self._by_field = by_field
        return by_field

    @callback
    def _async_update(self) -> None:
        coordinator = self._coordinator
        snapshot = coordinator.data
        available = coordinator.last_update_success and snapshot is not None
        everyone = available != self._available
        self._available = available
        previous, self._previous = self._previous, snapshot
        entities, last, probes = self._entities, self._last, self._probes
        if everyone or previous is None or snapshot is None:
            for index, probe in enumerate(probes):
                value = probe()
                if everyone or value != last[index]:
                    last[index] = value
                    entities[index]._handle_coordinator_update()
            return
        by_field = self._by_field if self._by_field is not None else self._index()
        due = list(self._always)
        for field in changed_fields(previous, snapshot):
            due.extend(by_field.get(field, ()))
        for index in sorted(set(due)):
            value = probes[index]()
            if value != last[index]:
                last[index] = value
                entities[index]._handle_coordinator_update()


_UPDATES: WeakKeyDictionary[PrinterCoordinator, PrinterUpdates] = WeakKeyDictionary()


class PrinternizerEntity(Entity):
    """An entity of one printer, keyed `<printer uid>_<key>`, updated by `PrinterUpdates`.

    Like a CoordinatorEntity (available while the printer answers, `update_entity` asks the
    printer), but it listens through the printer's `PrinterUpdates` instead of listening to
    the coordinator itself.
    """

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, coordinator: PrinterCoordinator, description: EntityDescription) -> None:
        """Name the entity by its translation key."""
        self.coordinator = coordinator
        self.entity_description = description
        self._attr_unique_id = f"{coordinator.printer_uid}_{description.key}"
        # The device itself is registered with all its facts when the entry is set up.
        self._attr_device_info = DeviceInfo(identifiers={(DOMAIN, coordinator.printer_uid)})
        self._written: Any = None

    @property
    def available(self) -> bool:
        """Available while the printer answers."""
        return self.coordinator.last_update_success

    async def async_update(self) -> None:
        """The generic update service: ask the printer for a fresh state."""
        if self.enabled:
            await self.coordinator.async_request_refresh()

    def _display_precision(self) -> int | None:
        """Decimals the frontend shows of a numeric state; None: every digit is shown."""
        return None

    def _shown(self) -> Any:
        """What the frontend shows; a state is written only when this changes."""
        shown_state = as_displayed(self.state, self._display_precision())
        return (self.available, shown_state, self.extra_state_attributes)

    def probe(self) -> Callable[[], Any]:
        """What `PrinterUpdates` compares after each report (see there); here: the shown state."""
        return self._shown

    def reads(self) -> frozenset[str] | None:
        """The snapshot fields the shown state depends on (besides availability).

        The probe is skipped after a report that changed none of them. None (the default):
        the state depends on something else too (the ledger, the clock): probe every time.
        """
        return None

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write the state if what it shows changed (called by `PrinterUpdates`)."""
        shown = self._shown()
        if shown != self._written:
            self._written = shown
            self.async_write_ha_state()

    async def async_added_to_hass(self) -> None:
        """Remember what was first written; follow the printer's reports."""
        await super().async_added_to_hass()
        self._written = self._shown()
        self.async_on_remove(PrinterUpdates.of(self.coordinator).async_add(self))
