"""Normalised printer data shared by every printer family.

Each protocol (Bambu MQTT, PrusaLink HTTP) parses its own payloads into these types once; Home
Assistant code and the job ledger only ever see these, never raw payloads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class PrinterFamily(StrEnum):
    """Which protocol a printer speaks."""

    BAMBU = "bambu"
    PRUSA = "prusa"


class PrinterStatus(StrEnum):
    """The normalised printer state (the `status` sensor's options)."""

    OFFLINE = "offline"
    IDLE = "idle"
    PREPARING = "preparing"
    PRINTING = "printing"
    PAUSED = "paused"
    FINISHED = "finished"
    FAILED = "failed"
    ERROR = "error"

    @property
    def is_active(self) -> bool:
        """True while a job occupies the printer (it may still end)."""
        return self in (PrinterStatus.PREPARING, PrinterStatus.PRINTING, PrinterStatus.PAUSED)


class JobOutcome(StrEnum):
    """How a job ended, as far as the printer tells."""

    FINISHED = "finished"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class AmsTray:
    """One filament slot of an AMS unit, or an external spool (ams_id 255).

    External spools: slot 0 is the only or main one, slot 1 the deputy of a printer with two
    (H2D: the left nozzle's). `empty` means no spool is in the slot; a loaded spool whose
    material the printer does not know has `material` None and `empty` False.
    """

    ams_id: int
    slot: int
    material: str | None = None
    color: str | None = None
    remaining: int | None = None
    active: bool = False
    empty: bool = False

    @property
    def key(self) -> str:
        """Stable key for entity ids, e.g. `ams0_tray1`."""
        return f"ams{self.ams_id}_tray{self.slot}"


@dataclass(frozen=True, slots=True)
class AmsUnit:
    """The climate of one AMS unit (AMS HT units have ids 128-135); None = not reported."""

    ams_id: int
    humidity_index: int | None = None  # 1 (wet) .. 5 (dry), as the printer screen shows it
    humidity_percent: int | None = None
    temperature: float | None = None

    @property
    def key(self) -> str:
        """Stable key for entity ids, e.g. `ams128`."""
        return f"ams{self.ams_id}"


@dataclass(frozen=True, slots=True)
class HmsError:
    """A Bambu health-management message."""

    attr: int
    code: int

    @property
    def code_str(self) -> str:
        """Display code `HMS_AAAA_BBBB_CCCC_DDDD`."""
        return (
            f"HMS_{self.attr >> 16:04X}_{self.attr & 0xFFFF:04X}"
            f"_{self.code >> 16:04X}_{self.code & 0xFFFF:04X}"
        )

    @property
    def severity(self) -> int:
        """1 fatal, 2 serious, 3 common, 4 info."""
        return self.code >> 16


@dataclass(frozen=True, slots=True, kw_only=True)
class PrinterSnapshot:
    """Everything the integration shows about a printer at one moment.

    A value the printer did not report is None, never a guess.
    """

    status: PrinterStatus = PrinterStatus.IDLE
    raw_state: str | None = None
    online: bool = True
    progress: float | None = None
    remaining_minutes: int | None = None
    time_printing_s: int | None = None
    current_layer: int | None = None
    total_layers: int | None = None
    nozzle_temperature: float | None = None
    nozzle_target_temperature: float | None = None
    bed_temperature: float | None = None
    bed_target_temperature: float | None = None
    chamber_temperature: float | None = None
    job_id: str | None = None
    job_name: str | None = None
    file_name: str | None = None
    file_path: str | None = None
    thumbnail_ref: str | None = None
    outcome: JobOutcome | None = None
    print_error: int | None = None
    hms_errors: tuple[HmsError, ...] = ()
    ams_trays: tuple[AmsTray, ...] = ()
    ams_units: tuple[AmsUnit, ...] = ()
    print_stage: str | None = None  # what the printer is doing right now (Bambu `stg_cur`)
    door_open: bool | None = None
    chamber_target_temperature: float | None = None
    nozzle_diameter: float | None = None  # of the active nozzle
    nozzle_type: str | None = None  # of the active nozzle, e.g. "hardened_steel"
    # Dual-nozzle printers (H2D): both nozzles and which one prints.
    left_nozzle_temperature: float | None = None
    left_nozzle_target_temperature: float | None = None
    right_nozzle_temperature: float | None = None
    right_nozzle_target_temperature: float | None = None
    active_nozzle: str | None = None  # "left" / "right"
    z_height: float | None = None  # mm
    storage_free_bytes: int | None = None
    speed_level: int | None = None
    speed_percent: int | None = None
    flow_percent: int | None = None
    fan_print: int | None = None
    fan_hotend: int | None = None
    wifi_signal_dbm: int | None = None
    firmware: str | None = None
    model: str | None = None
    serial: str | None = None
    # A print waits for the user: PrusaLink ATTENTION, or a Bambu pause such as a filament
    # runout or a fallen front cover.
    needs_attention: bool = False
    chamber_light: bool | None = None  # Bambu: on (or flashing) / off
    camera_id: str | None = None  # PrusaLink (Raspberry Pi): the printer's default camera

    @property
    def has_problem(self) -> bool:
        """True when the printer reports an error, HMS message, print error or needs attention."""
        return (
            self.status is PrinterStatus.ERROR
            or bool(self.hms_errors)
            or bool(self.print_error)
            or self.needs_attention
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PrinterInfo:
    """Static facts about a printer, read once at connection."""

    family: PrinterFamily
    serial: str | None = None
    model: str | None = None
    firmware: str | None = None
    name: str | None = None
    hostname: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoteFile:
    """A file stored on a printer."""

    path: str
    name: str
    size: int | None = None
    modified: datetime | None = None
    storage: str | None = None
    display_name: str | None = None
    download_ref: str | None = None
    thumbnail_ref: str | None = None
    read_only: bool = False


@dataclass(frozen=True, slots=True)
class MaterialUsage:
    """Filament of one material used by a print, in grams."""

    material: str
    grams: float


@dataclass(frozen=True, slots=True, kw_only=True)
class PrintMetadata:
    """What a print file says about itself (slicer estimates)."""

    materials: tuple[MaterialUsage, ...] = ()
    estimated_seconds: int | None = None
    thumbnail_png: bytes | None = field(default=None, repr=False)
    printer_model: str | None = None

    @property
    def total_grams(self) -> float | None:
        """Sum of grams over all materials, or None when unknown."""
        if not self.materials:
            return None
        return sum(m.grams for m in self.materials)
