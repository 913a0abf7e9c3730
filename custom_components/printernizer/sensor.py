"""Sensors: printer state from the coordinator, costs and totals from the job ledger, files."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

from homeassistant.components.sensor import (
    DOMAIN as SENSOR_DOMAIN,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    REVOLUTIONS_PER_MINUTE,
    SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    EntityCategory,
    UnitOfEnergy,
    UnitOfInformation,
    UnitOfLength,
    UnitOfMass,
    UnitOfTemperature,
    UnitOfTime,
)
from homeassistant.core import callback
from homeassistant.util import dt as dt_util

from .api import AmsTray, AmsUnit, PrinterFamily, PrinterSnapshot, PrinterStatus
from .api.bambu.report import NOZZLE_TYPES
from .api.bambu.stages import STAGE_KEYS
from .data import DATA_SHARED
from .entity import PrinternizerEntity, PrinterUpdates, as_displayed

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import PrinternizerConfigEntry, PrinternizerData

PARALLEL_UPDATES = 0

# A computed end time is written again only when the estimate moved by this much: the printer
# reports whole minutes, so now + remaining wanders by up to a minute between its updates.
END_TIME_TOLERANCE = timedelta(minutes=1)


def _cents(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(value) / 100


def _job_cost_inputs(data: PrinternizerData) -> Hashable:
    """The running job's estimate moves with its progress (material) and time (energy, machine).

    It costs Decimal arithmetic over the price table; a printer reports every second, so it is
    computed again when the progress or the minute changes, not on every report.
    """
    job = data.tracker.current_job
    if job is None:
        return None  # the last job's final cost: read, not computed
    return (
        job.job_id,
        data.tracker.material_pending,
        data.coordinator.data.progress,
        dt_util.utcnow().replace(second=0, microsecond=0),
    )


def _job_cost(data: PrinternizerData) -> Decimal | None:
    tracker = data.tracker
    if tracker.current_job is not None:
        estimate = tracker.current_cost_estimate()
        return _cents(estimate.gross_cents) if estimate else None
    last = tracker.last_job
    return _cents(last.cost.gross_cents) if last and last.cost else None


def _start_time(data: PrinternizerData) -> datetime | None:
    job = data.tracker.current_job or data.tracker.last_job
    return job.started_at if job else None


def _end_time(data: PrinternizerData) -> datetime | None:
    snapshot = data.coordinator.data
    if snapshot.status.is_active and snapshot.remaining_minutes is not None:
        return dt_util.utcnow() + timedelta(minutes=snapshot.remaining_minutes)
    job = data.tracker.last_job if data.tracker.current_job is None else None
    return job.ended_at if job else None


class SnapshotField:
    """A value function that reads one snapshot field and names it (the sensor `reads` it)."""

    __slots__ = ("field",)

    def __init__(self, field: str) -> None:
        """Read `field` of the printer's snapshot."""
        self.field = field

    def __call__(self, data: PrinternizerData) -> Any:
        """The field's value in the printer's last snapshot."""
        return getattr(data.coordinator.data, self.field)


def _has_two_nozzles(data: PrinternizerData) -> bool:
    return data.coordinator.data.active_nozzle is not None


@dataclass(frozen=True, kw_only=True)
class PrinternizerSensorDescription(SensorEntityDescription):
    """A printer sensor: how to read its value and whether the printer has it."""

    value_fn: Callable[[PrinternizerData], Any]
    # What the value and attributes are computed from, where that is cheaper to compare than
    # they are to compute (None: compute them). They are computed again when this changes.
    inputs_fn: Callable[[PrinternizerData], Hashable] | None = None
    exists_fn: Callable[[PrinternizerData], bool] = lambda _: True
    attributes_fn: Callable[[PrinternizerData], dict[str, Any] | None] | None = None
    # Ledger-backed values stay readable while the printer is offline.
    always_available: bool = False
    # The snapshot fields value and attributes are read from (see PrinternizerEntity.reads);
    # a SnapshotField value function names its own. None: anything (probed on every report).
    reads: frozenset[str] | None = None


SENSORS: tuple[PrinternizerSensorDescription, ...] = (
    PrinternizerSensorDescription(
        key="status",
        translation_key="status",
        device_class=SensorDeviceClass.ENUM,
        options=[status.value for status in PrinterStatus],
        value_fn=lambda d: d.coordinator.data.status.value,
        reads=frozenset({"status"}),
    ),
    PrinternizerSensorDescription(
        key="print_stage",
        translation_key="print_stage",
        device_class=SensorDeviceClass.ENUM,
        options=list(STAGE_KEYS),
        value_fn=SnapshotField("print_stage"),
        exists_fn=lambda d: d.coordinator.family is PrinterFamily.BAMBU,
    ),
    PrinternizerSensorDescription(
        key="progress",
        translation_key="progress",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=SnapshotField("progress"),
    ),
    PrinternizerSensorDescription(
        key="remaining_time",
        translation_key="remaining_time",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MINUTES,
        suggested_display_precision=0,
        value_fn=SnapshotField("remaining_minutes"),
    ),
    PrinternizerSensorDescription(
        key="end_time",
        translation_key="end_time",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_end_time,
    ),
    PrinternizerSensorDescription(
        key="start_time",
        translation_key="start_time",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_start_time,
    ),
    PrinternizerSensorDescription(
        key="nozzle_temperature",
        translation_key="nozzle_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=SnapshotField("nozzle_temperature"),
    ),
    PrinternizerSensorDescription(
        key="nozzle_target_temperature",
        translation_key="nozzle_target_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        suggested_display_precision=0,
        value_fn=SnapshotField("nozzle_target_temperature"),
    ),
    *(
        PrinternizerSensorDescription(
            key=f"{side}_nozzle_{kind}",
            translation_key=f"{side}_nozzle_{kind}",
            device_class=SensorDeviceClass.TEMPERATURE,
            native_unit_of_measurement=UnitOfTemperature.CELSIUS,
            state_class=SensorStateClass.MEASUREMENT if kind == "temperature" else None,
            suggested_display_precision=0,
            value_fn=SnapshotField(f"{side}_nozzle_{kind}"),
            exists_fn=_has_two_nozzles,
        )
        for side in ("left", "right")
        for kind in ("temperature", "target_temperature")
    ),
    PrinternizerSensorDescription(
        key="active_nozzle",
        translation_key="active_nozzle",
        device_class=SensorDeviceClass.ENUM,
        options=["left", "right"],
        value_fn=SnapshotField("active_nozzle"),
        exists_fn=_has_two_nozzles,
    ),
    PrinternizerSensorDescription(
        key="nozzle_diameter",
        translation_key="nozzle_diameter",
        device_class=SensorDeviceClass.DISTANCE,
        native_unit_of_measurement=UnitOfLength.MILLIMETERS,
        suggested_display_precision=1,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=SnapshotField("nozzle_diameter"),
        exists_fn=lambda d: d.coordinator.data.nozzle_diameter is not None,
    ),
    PrinternizerSensorDescription(
        key="nozzle_type",
        translation_key="nozzle_type",
        device_class=SensorDeviceClass.ENUM,
        options=list(NOZZLE_TYPES),
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=SnapshotField("nozzle_type"),
        exists_fn=lambda d: d.coordinator.data.nozzle_type is not None,
    ),
    PrinternizerSensorDescription(
        key="bed_temperature",
        translation_key="bed_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=SnapshotField("bed_temperature"),
    ),
    PrinternizerSensorDescription(
        key="bed_target_temperature",
        translation_key="bed_target_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        suggested_display_precision=0,
        value_fn=SnapshotField("bed_target_temperature"),
    ),
    PrinternizerSensorDescription(
        key="chamber_temperature",
        translation_key="chamber_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=SnapshotField("chamber_temperature"),
        exists_fn=lambda d: d.coordinator.data.chamber_temperature is not None,
    ),
    PrinternizerSensorDescription(
        key="chamber_target_temperature",
        translation_key="chamber_target_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        suggested_display_precision=0,
        value_fn=SnapshotField("chamber_target_temperature"),
        exists_fn=lambda d: d.coordinator.data.chamber_target_temperature is not None,
    ),
    PrinternizerSensorDescription(
        key="current_layer",
        translation_key="current_layer",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=SnapshotField("current_layer"),
        exists_fn=lambda d: d.coordinator.family is PrinterFamily.BAMBU,
    ),
    PrinternizerSensorDescription(
        key="total_layers",
        translation_key="total_layers",
        value_fn=SnapshotField("total_layers"),
        exists_fn=lambda d: d.coordinator.family is PrinterFamily.BAMBU,
    ),
    PrinternizerSensorDescription(
        key="z_height",
        translation_key="z_height",
        device_class=SensorDeviceClass.DISTANCE,
        native_unit_of_measurement=UnitOfLength.MILLIMETERS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        value_fn=SnapshotField("z_height"),
        exists_fn=lambda d: d.coordinator.family is PrinterFamily.PRUSA,
    ),
    PrinternizerSensorDescription(
        key="job_name",
        translation_key="job_name",
        value_fn=SnapshotField("job_name"),
    ),
    PrinternizerSensorDescription(
        key="job_cost",
        translation_key="job_cost",
        device_class=SensorDeviceClass.MONETARY,
        native_unit_of_measurement="EUR",
        suggested_display_precision=2,
        value_fn=_job_cost,
        attributes_fn=lambda d: {"material_pending": d.tracker.material_pending},
        inputs_fn=_job_cost_inputs,
        always_available=True,
    ),
    PrinternizerSensorDescription(
        key="total_cost",
        translation_key="total_cost",
        device_class=SensorDeviceClass.MONETARY,
        # HA allows only `total` for monetary sensors (corrections may also lower it).
        state_class=SensorStateClass.TOTAL,
        native_unit_of_measurement="EUR",
        suggested_display_precision=2,
        value_fn=lambda d: _cents(d.tracker.totals.cost_cents),
        always_available=True,
    ),
    PrinternizerSensorDescription(
        key="total_material",
        translation_key="total_material",
        device_class=SensorDeviceClass.WEIGHT,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfMass.GRAMS,
        suggested_display_precision=1,
        value_fn=lambda d: d.tracker.totals.material_g,
        always_available=True,
    ),
    PrinternizerSensorDescription(
        key="total_energy",
        translation_key="total_energy",
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=3,
        value_fn=lambda d: d.tracker.totals.energy_kwh,
        always_available=True,
    ),
    # Statistics from the ledger (stats.py): they never drift like a printer's own counters.
    PrinternizerSensorDescription(
        key="success_rate",
        translation_key="success_rate",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda d: d.figures.success_rate,
        always_available=True,
    ),
    PrinternizerSensorDescription(
        key="utilisation",
        translation_key="utilisation",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda d: d.figures.utilisation,
        always_available=True,
    ),
    PrinternizerSensorDescription(
        key="print_hours",
        translation_key="print_hours",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.HOURS,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=1,
        value_fn=lambda d: d.figures.print_hours,
        always_available=True,
    ),
    PrinternizerSensorDescription(
        key="jobs_total",
        translation_key="jobs_total",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda d: d.figures.jobs_total,
        always_available=True,
    ),
    PrinternizerSensorDescription(
        # waiting queue items this printer may take
        key="queue_length",
        translation_key="queue_length",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda d: d.coordinator.hass.data[DATA_SHARED].queue.queue_length(
            d.coordinator.config_entry.entry_id
        ),
        always_available=True,
    ),
    PrinternizerSensorDescription(
        key="files_downloaded",
        translation_key="files_downloaded",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda d: d.files.files_downloaded,
        always_available=True,
    ),
    PrinternizerSensorDescription(
        key="files_size",
        translation_key="files_size",
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=UnitOfInformation.MEGABYTES,
        suggested_display_precision=1,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda d: d.files.files_size,
        always_available=True,
    ),
    PrinternizerSensorDescription(
        key="storage_free",
        translation_key="storage_free",
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=UnitOfInformation.GIGABYTES,
        suggested_display_precision=1,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=SnapshotField("storage_free_bytes"),
        exists_fn=lambda d: d.coordinator.data.storage_free_bytes is not None,
    ),
    PrinternizerSensorDescription(
        key="last_download",
        translation_key="last_download",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda d: d.files.last_download,
        always_available=True,
    ),
    PrinternizerSensorDescription(
        key="wifi_signal",
        translation_key="wifi_signal",
        device_class=SensorDeviceClass.SIGNAL_STRENGTH,
        native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        # Moves by a dBm or two on every report: a row each time for a value rarely looked at.
        entity_registry_enabled_default=False,
        value_fn=SnapshotField("wifi_signal_dbm"),
        exists_fn=lambda d: d.coordinator.family is PrinterFamily.BAMBU,
    ),
    PrinternizerSensorDescription(
        key="speed",
        translation_key="speed",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=SnapshotField("speed_percent"),
    ),
    PrinternizerSensorDescription(
        key="flow",
        translation_key="flow",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=SnapshotField("flow_percent"),
        exists_fn=lambda d: d.coordinator.family is PrinterFamily.PRUSA,
    ),
    PrinternizerSensorDescription(
        key="fan_print",
        translation_key="fan_print",
        native_unit_of_measurement=REVOLUTIONS_PER_MINUTE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=SnapshotField("fan_print"),
        exists_fn=lambda d: d.coordinator.family is PrinterFamily.PRUSA,
    ),
    PrinternizerSensorDescription(
        key="fan_hotend",
        translation_key="fan_hotend",
        native_unit_of_measurement=REVOLUTIONS_PER_MINUTE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=SnapshotField("fan_hotend"),
        exists_fn=lambda d: d.coordinator.family is PrinterFamily.PRUSA,
    ),
)


#: The tray key of the second external spool (H2D: the left nozzle's).
DEPUTY_SPOOL_KEY = "ams255_tray1"
EXTERNAL_AMS_ID = 255
#: The material sensor's state for a slot without a spool (translated).
EMPTY = "empty"
_TRAYS = frozenset({"ams_trays"})
_UNITS = frozenset({"ams_units"})


def _tray(data: PrinternizerData, key: str) -> AmsTray | None:
    return next((t for t in data.coordinator.data.ams_trays if t.key == key), None)


def _tray_material(key: str, data: PrinternizerData) -> str | None:
    tray = _tray(data, key)
    if tray is None:
        return None
    return EMPTY if tray.empty else tray.material


def _tray_details(key: str, data: PrinternizerData) -> dict[str, Any] | None:
    tray = _tray(data, key)
    return {"color": tray.color, "active": tray.active} if tray else None


def _tray_remaining(key: str, data: PrinternizerData) -> int | None:
    tray = _tray(data, key)
    return tray.remaining if tray else None


def _unit(data: PrinternizerData, ams_id: int) -> AmsUnit | None:
    return next((u for u in data.coordinator.data.ams_units if u.ams_id == ams_id), None)


def _unit_value(ams_id: int, field: str, data: PrinternizerData) -> Any:
    unit = _unit(data, ams_id)
    return getattr(unit, field) if unit else None


def ams_label(ams_id: int) -> str:
    """How the printer numbers its units: AMS 1-4, AMS HT 1-8 (unit ids 128-135)."""
    return f"HT {ams_id - 127}" if ams_id >= 128 else str(ams_id + 1)


def _external_spool_name(tray: AmsTray, snapshot: PrinterSnapshot) -> str:
    """The only external spool, or the right (main) and left (deputy) one of an H2D."""
    if tray.key == DEPUTY_SPOOL_KEY:
        return "left_external_spool"
    if any(t.key == DEPUTY_SPOOL_KEY for t in snapshot.ams_trays):
        return "right_external_spool"
    return "external_spool"


def ams_tray_descriptions(
    tray: AmsTray, snapshot: PrinterSnapshot
) -> tuple[PrinternizerSensorDescription, ...]:
    """Material and remaining filament of one AMS tray; an external spool has only a material
    (nothing measures how much is left on it)."""
    if tray.ams_id == EXTERNAL_AMS_ID:
        return (
            PrinternizerSensorDescription(
                key=f"{tray.key}_material",
                translation_key=f"{_external_spool_name(tray, snapshot)}_material",
                value_fn=partial(_tray_material, tray.key),
                attributes_fn=partial(_tray_details, tray.key),
                reads=_TRAYS,
            ),
        )
    placeholders = {"ams": ams_label(tray.ams_id), "tray": str(tray.slot + 1)}
    return (
        PrinternizerSensorDescription(
            key=f"{tray.key}_material",
            translation_key="ams_tray_material",
            translation_placeholders=placeholders,
            value_fn=partial(_tray_material, tray.key),
            inputs_fn=partial(_tray, key=tray.key),
            attributes_fn=partial(_tray_details, tray.key),
            reads=_TRAYS,
        ),
        PrinternizerSensorDescription(
            key=f"{tray.key}_remaining",
            translation_key="ams_tray_remaining",
            translation_placeholders=placeholders,
            native_unit_of_measurement=PERCENTAGE,
            state_class=SensorStateClass.MEASUREMENT,
            value_fn=partial(_tray_remaining, tray.key),
            inputs_fn=partial(_tray, key=tray.key),
            reads=_TRAYS,
        ),
    )


#: AMS unit sensors: (AmsUnit field, key suffix and translation key, description extras).
_UNIT_SENSORS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("humidity_index", "humidity", {"state_class": SensorStateClass.MEASUREMENT}),
    (
        "humidity_percent",
        "humidity_percent",
        {
            "device_class": SensorDeviceClass.HUMIDITY,
            "native_unit_of_measurement": PERCENTAGE,
            "state_class": SensorStateClass.MEASUREMENT,
        },
    ),
    (
        "temperature",
        "temperature",
        {
            "device_class": SensorDeviceClass.TEMPERATURE,
            "native_unit_of_measurement": UnitOfTemperature.CELSIUS,
            "state_class": SensorStateClass.MEASUREMENT,
            "suggested_display_precision": 1,
        },
    ),
)


def _new_unit_descriptions(unit: AmsUnit, known: set[str]) -> list[PrinternizerSensorDescription]:
    """Humidity (index 1-5 and percent) and temperature of an AMS unit: those it reports and
    that have no entity yet (`known` keys)."""
    new = []
    for field, suffix, extra in _UNIT_SENSORS:
        key = f"{unit.key}_{suffix}"
        if key not in known and getattr(unit, field) is not None:
            new.append(
                PrinternizerSensorDescription(
                    key=key,
                    translation_key=f"ams_{suffix}",
                    translation_placeholders={"ams": ams_label(unit.ams_id)},
                    value_fn=partial(_unit_value, unit.ams_id, field),
                    reads=_UNITS,
                    **extra,
                )
            )
    return new


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PrinternizerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors this printer has; AMS trays and AMS climate values as they appear."""
    data = entry.runtime_data
    async_add_entities(
        PrinternizerSensor(data, description)
        for description in SENSORS
        if description.exists_fn(data)
    )
    known: set[str] = set()

    def add_new_ams_sensors() -> None:
        """Runs on every report: cheap unless a tray or a unit's value shows up."""
        snapshot = data.coordinator.data
        new: list[PrinternizerSensorDescription] = []
        for tray in snapshot.ams_trays:
            if tray.key not in known:
                known.add(tray.key)
                new.extend(ams_tray_descriptions(tray, snapshot))
        for unit in snapshot.ams_units:
            new.extend(_new_unit_descriptions(unit, known))
        if new:
            known.update(d.key for d in new)
            async_add_entities(PrinternizerSensor(data, description) for description in new)

    add_new_ams_sensors()
    entry.async_on_unload(data.coordinator.async_add_listener(add_new_ams_sensors))


class PrinternizerSensor(PrinternizerEntity, SensorEntity):
    """A sensor whose value comes from its description's value_fn."""

    entity_description: PrinternizerSensorDescription

    def __init__(self, data: PrinternizerData, description: PrinternizerSensorDescription) -> None:
        """Keep the runtime data for the value function."""
        super().__init__(data.coordinator, description)
        self._data = data
        self._last_end: datetime | None = None
        self._inputs: Hashable = None
        self._value: Any = None

    @property
    def available(self) -> bool:
        """Ledger-backed sensors stay available while the printer is offline."""
        if self.entity_description.always_available:
            return True
        return super().available and self.coordinator.data is not None

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Details of the value (an AMS tray's colour)."""
        if self.entity_description.attributes_fn is None or self.coordinator.data is None:
            return None
        return self.entity_description.attributes_fn(self._data)

    def reads(self) -> frozenset[str] | None:
        """The fields the description names, or the one its SnapshotField value reads."""
        description = self.entity_description
        if description.reads is not None:
            return description.reads
        value_fn = description.value_fn
        if isinstance(value_fn, SnapshotField) and description.attributes_fn is None:
            return frozenset({value_fn.field})
        return None

    def probe(self) -> Callable[[], Any]:
        """The value as reported, rounded as shown where the unit shown is the native one.

        Rounding here spares the state's unit conversion and checks on every report of a
        temperature that wanders by fractions of a degree.
        """
        description = self.entity_description
        if description.key == "end_time":
            return lambda: self.native_value  # the clock moves it; the tolerance decides
        data = self._data
        value_fn, inputs_fn, attributes_fn = (
            description.value_fn,
            description.inputs_fn,
            description.attributes_fn,
        )
        precision = (
            self._display_precision()
            if self.unit_of_measurement == self.native_unit_of_measurement
            else None
        )

        def probe() -> Any:
            if inputs_fn is not None and (inputs := inputs_fn(data)) is not None:
                return inputs
            value = as_displayed(value_fn(data), precision)
            return value if attributes_fn is None else (value, attributes_fn(data))

        return probe

    @callback
    def async_registry_entry_updated(self) -> None:
        """The unit or precision shown may have changed: so has what the probe rounds to."""
        super().async_registry_entry_updated()
        PrinterUpdates.of(self.coordinator).async_reprobe(self)

    def _display_precision(self) -> int | None:
        """The precision the user chose, else the suggested one (both for the unit shown)."""
        entry = self.registry_entry
        options: Mapping[str, Any] = entry.options.get(SENSOR_DOMAIN, {}) if entry else {}
        for key in ("display_precision", "suggested_display_precision"):
            if (precision := options.get(key)) is not None:
                return int(precision)
        return self.suggested_display_precision

    @property
    def native_value(self) -> Any:
        """The described value; a computed end time only moves by a whole minute or more."""
        description = self.entity_description
        if description.inputs_fn is not None:
            inputs = description.inputs_fn(self._data)
            if inputs is not None and inputs == self._inputs:
                return self._value
            self._inputs = inputs
            self._value = description.value_fn(self._data)
            return self._value
        value = description.value_fn(self._data)
        if description.key == "end_time" and isinstance(value, datetime):
            if self._last_end is not None and abs(value - self._last_end) < END_TIME_TOLERANCE:
                return self._last_end
            self._last_end = value
        return value
