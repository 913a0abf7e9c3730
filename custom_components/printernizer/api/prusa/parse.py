"""Normalise PrusaLink `/api/v1/status` + `/api/v1/job` into a PrinterSnapshot, and identify it.

The printer omits fields that have no value and the Buddy and Raspberry Pi builds differ, so
every field is read defensively: a missing or wrongly typed value becomes None, never an
exception (HA core's `KeyError: 'speed'` log flood is the failure this avoids).
"""

from __future__ import annotations

from collections.abc import Mapping
import math
from typing import Any

from ..metadata import (
    combine_materials,
    grams_from_text,
    parse_duration,
)
from ..models import (
    JobOutcome,
    PrinterFamily,
    PrinterInfo,
    PrinterSnapshot,
    PrinterStatus,
    PrintMetadata,
)

_ACTIVE = (PrinterStatus.PRINTING, PrinterStatus.PAUSED)

# Buddy firmware (6.5 and newer) reports its printer type in `/api/version` `printer` as
# "type.version.subversion"; the codes are those of the firmware's printer_model_data.hpp.
BUDDY_MODELS: Mapping[str, str] = {
    "1.3.5": "MK3.5",
    "1.3.6": "MK3.5S",
    "1.3.9": "MK3.9",
    "1.3.10": "MK3.9S",
    "1.4.0": "MK4",
    "1.4.1": "MK4S",
    "2.1.0": "MINI",
    "3.1.0": "XL",
    "4.1.0": "iX",
    "5.1.0": "XL",
    "7.1.0": "Core One",
}
# The Raspberry Pi build names the printer in `original`: "PrusaLink I3MK3S", "PrusaLink I3MK25".
PI_ORIGINAL_PREFIX = "PrusaLink I3"
PI_MODELS: Mapping[str, str] = {"MK25": "MK2.5", "MK25S": "MK2.5S"}


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    result = float(value)
    return result if math.isfinite(result) else None


def _int(value: Any) -> int | None:
    result = _float(value)
    if result is None or abs(result) > 2**53:
        return None
    return round(result)


def _seconds(value: Any) -> int | None:
    """A duration in whole seconds; a negative one is no duration."""
    number = _int(value)
    return number if number is not None and number >= 0 else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _job_id(value: Any) -> str | None:
    """Job ids are ints; a string is accepted as is, anything else is no id."""
    if isinstance(value, str):
        return value or None
    number = _int(value)
    return None if number is None else str(number)


def _storage_free(storage: Any) -> int | None:
    """Free bytes where print files go: the Pi reports a list of storages, the first writable
    one with `free_space` counts (`/local`; the SD card is read-only); Buddy reports none."""
    for entry in storage if isinstance(storage, list) else [storage]:
        if isinstance(entry, Mapping) and not entry.get("read_only"):
            free = _int(entry.get("free_space"))
            if free is not None and free >= 0:
                return free
    return None


def _status_for(
    state: str | None, has_job: bool, progress: float | None, remaining: int | None
) -> tuple[PrinterStatus, JobOutcome | None, bool]:
    """Map printer.state to (status, outcome, needs_attention)."""
    if state == "PRINTING":
        return PrinterStatus.PRINTING, None, False
    if state == "BUSY":
        # crash recovery / power-panic resume keep the job: printing; BUSY without a job is
        # housekeeping (homing, filament load) and counts as idle
        return (PrinterStatus.PRINTING if has_job else PrinterStatus.IDLE), None, False
    if state == "PAUSED":
        return PrinterStatus.PAUSED, None, False
    if state == "FINISHED":
        return PrinterStatus.FINISHED, JobOutcome.FINISHED, False
    if state == "STOPPED":
        return PrinterStatus.FAILED, JobOutcome.CANCELLED, False
    if state == "ERROR":
        return PrinterStatus.ERROR, None, False
    if state == "ATTENTION":
        # newer Buddy firmware sits in ATTENTION after a finish (remove the part), with the
        # job still reported at 100 % and 0 s left; otherwise a print waits for the user
        if has_job and progress is not None and progress >= 100 and remaining == 0:
            return PrinterStatus.FINISHED, JobOutcome.FINISHED, False
        if has_job:
            return PrinterStatus.PAUSED, None, True
        return PrinterStatus.IDLE, None, True
    # IDLE, READY, UNKNOWN, anything new
    return PrinterStatus.IDLE, None, False


def is_pi_build(version: Any) -> bool:
    """The Raspberry Pi build (MK2.5/MK3) rather than Buddy firmware on the printer's board."""
    original = _dict(version).get("original")
    return isinstance(original, str) and original.startswith(PI_ORIGINAL_PREFIX)


def parse_printer_info(version: Any, info: Any) -> PrinterInfo:
    """Identify the printer from `/api/version` and `/api/v1/info`.

    The model is the marketing name ("MK4S", "Core One"); None when the firmware does not say
    (Buddy before 6.5 reports no type at all). `name` is only a name the user gave the printer
    (the Pi build's `info.name`), so a title can prefer it over the model.
    """
    version_doc, info_doc = _dict(version), _dict(info)
    pi = is_pi_build(version_doc)
    if pi:
        code = str(version_doc["original"]).removeprefix(PI_ORIGINAL_PREFIX)
        model: str | None = PI_MODELS.get(code, code) or None
    else:
        model = BUDDY_MODELS.get(_str(version_doc.get("printer")) or "")
    return PrinterInfo(
        family=PrinterFamily.PRUSA,
        serial=_str(info_doc.get("serial")),
        model=model,
        firmware=_str(version_doc.get("firmware")) or _str(version_doc.get("server")),
        name=_str(info_doc.get("name")),
        # the Pi's info.hostname is the PrusaConnect server, not the printer
        hostname=_str(version_doc.get("hostname"))
        or (None if pi else _str(info_doc.get("hostname"))),
    )


def parse_snapshot(
    status: Any, job: Any, *, previous: PrinterSnapshot | None = None
) -> PrinterSnapshot:
    """Build a snapshot from a status poll and the (possibly older or absent) job document.

    The status poll is the fresher source for progress and times; the job document adds the
    file. The coordinator fetches the job only when the id changes, so a job document with
    another id is ignored, and file fields are carried over from `previous` while the id stays
    the same. Old Buddy firmware drops the job at FINISHED/STOPPED: the identity of the job
    that just ended is then carried over from `previous` so the ledger can close it.
    """
    status_doc = _dict(status)
    printer = _dict(status_doc.get("printer"))
    status_job = _dict(status_doc.get("job"))
    job_doc = _dict(job)

    job_id = _job_id(status_job.get("id")) or _job_id(job_doc.get("id"))
    if job_id is not None and _job_id(job_doc.get("id")) not in (None, job_id):
        job_doc = {}  # the job document belongs to an earlier job
    has_job = job_id is not None

    def job_value(key: str) -> Any:
        value = status_job.get(key)
        return value if value is not None else job_doc.get(key)

    progress = _float(job_value("progress"))
    if progress is not None and not 0 <= progress <= 100:
        progress = None
    remaining_s = _seconds(job_value("time_remaining"))
    printing_s = _seconds(job_value("time_printing"))

    raw_state = _str(printer.get("state"))
    state = raw_state.upper() if raw_state else None
    normalised, outcome, attention = _status_for(state, has_job, progress, remaining_s)

    file = _dict(job_doc.get("file"))
    refs = _dict(file.get("refs"))
    # Buddy's `name` is the FAT 8.3 alias (FIRSTL~1.GCO); `display_name` is the long name the
    # user gave the file, and the one the ledger and the file list should show
    file_name = _str(file.get("display_name")) or _str(file.get("name"))
    job_name = file_name
    file_path = _str(refs.get("download"))
    thumbnail_ref = _str(refs.get("thumbnail"))

    if previous is not None and previous.job_id is not None:
        same_job = job_id == previous.job_id
        ended_without_job = (
            job_id is None
            and normalised in (PrinterStatus.FINISHED, PrinterStatus.FAILED)
            and previous.status in (*_ACTIVE, PrinterStatus.FINISHED, PrinterStatus.FAILED)
        )
        if ended_without_job:
            # the job's identity, not its figures: the last poll's print time is not the
            # print time at the end (the ledger would take it for the job's whole print time)
            job_id = previous.job_id
        if same_job or ended_without_job:
            job_name = job_name or previous.job_name
            file_name = file_name or previous.file_name
            file_path = file_path or previous.file_path
            thumbnail_ref = thumbnail_ref or previous.thumbnail_ref

    if normalised is PrinterStatus.IDLE:
        # a job document can linger on the Pi with state IDLE; there is no running job
        job_id = job_name = file_name = file_path = thumbnail_ref = None
        progress = remaining_s = printing_s = None

    remaining_minutes = None if remaining_s is None else math.ceil(remaining_s / 60)
    chamber = _float(printer.get("temp_chamber"))
    return PrinterSnapshot(
        status=normalised,
        raw_state=raw_state,
        online=True,
        progress=progress,
        remaining_minutes=remaining_minutes,
        time_printing_s=printing_s,
        nozzle_temperature=_float(printer.get("temp_nozzle")),
        nozzle_target_temperature=_float(printer.get("target_nozzle")),
        bed_temperature=_float(printer.get("temp_bed")),
        bed_target_temperature=_float(printer.get("target_bed")),
        chamber_temperature=chamber,
        job_id=job_id,
        job_name=job_name,
        file_name=file_name,
        file_path=file_path,
        thumbnail_ref=thumbnail_ref,
        outcome=outcome,
        speed_percent=_int(printer.get("speed")),
        flow_percent=_int(printer.get("flow")),
        fan_print=_int(printer.get("fan_print")),
        fan_hotend=_int(printer.get("fan_hotend")),
        z_height=_float(printer.get("axis_z")),
        storage_free_bytes=_storage_free(status_doc.get("storage")),
        firmware=previous.firmware if previous else None,
        model=previous.model if previous else None,
        serial=previous.serial if previous else None,
        needs_attention=attention,
        camera_id=_str(_dict(status_doc.get("camera")).get("id")),
    )


def parse_file_meta(meta: Any) -> PrintMetadata:
    """Read the Pi build's `file.meta` (job or file JSON) so no download is needed there.

    Multi-tool files carry `... per tool` lists; single-tool files plain values. Buddy sends
    no `meta`: an empty PrintMetadata comes back and the file has to be read instead.
    """
    doc = _dict(meta)

    def listed(key: str) -> list[Any]:
        per_tool = doc.get(f"{key} per tool")
        if isinstance(per_tool, list):
            return per_tool
        value = doc.get(key)
        if isinstance(value, str):
            return value.split(";") if key == "filament_type" else value.split(",")
        return [] if value is None else [value]

    grams: list[float] = []
    for value in listed("filament used [g]"):
        if isinstance(value, str):
            grams.append(grams_from_text(value))
        else:
            number = _float(value)
            grams.append(number if number is not None and number > 0 else 0.0)
    types = [t.strip() if isinstance(t, str) else "" for t in listed("filament_type")]
    seconds = _int(doc.get("estimated_print_time"))
    if seconds is None:
        text = doc.get("estimated printing time (normal mode)")
        seconds = parse_duration(text) if isinstance(text, str) else None
    return PrintMetadata(
        materials=combine_materials(grams, types),
        estimated_seconds=seconds if seconds is None or seconds >= 0 else None,
        printer_model=_str(doc.get("printer_model")),
    )
