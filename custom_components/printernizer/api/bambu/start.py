"""The `project_file` command that starts a print of a file on the printer's SD card.

Built fresh for every call (ha-bambulab mutated one shared template, so an `ams_mapping` leaked
from one start into the next). Facts from the reference (print-control-camera-panel.md):
`url` is `ftp:///<path>` on H2 and P2S and `file:///sdcard/<path>` elsewhere (`ftp://` fails
for files in folders on P1); H2 printers want JSON booleans (an integer `use_ams` is read as a
nozzle index on the H2D Pro), so booleans are sent to every model; the task ids are one random
decimal below 2^31 (larger ones are refused); `ams_mapping2` is what newer firmware reads.
"""

from __future__ import annotations

from dataclasses import dataclass
import random
from typing import Any

from .report import normalize_model

#: External spool in `ams_mapping2`.
EXTERNAL_SPOOL = {"ams_id": 255, "slot_id": 0}
_FTP_URL_PREFIXES = ("H2", "P2")


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectFileStart:
    """What to start: an SD-card path and the options of Bambu Studio's print dialog."""

    path: str
    plate: int = 1
    use_ams: bool = True
    ams_mapping: tuple[int, ...] = ()
    bed_leveling: bool = True
    timelapse: bool = False
    flow_calibration: bool = False
    subtask_name: str | None = None


def file_url(path: str, model: str | None) -> str:
    """The `url` form the model reads for `path` (an absolute SD-card path)."""
    canonical = (normalize_model(model) or "").upper()
    bare = path.lstrip("/")
    if canonical.startswith(_FTP_URL_PREFIXES):
        return f"ftp:///{bare}"
    return f"file:///sdcard/{bare}"


def ams_mapping2(mapping: tuple[int, ...]) -> list[dict[str, int]]:
    """Tray indexes (4 per AMS, -1 external spool) as `{ams_id, slot_id}` pairs."""
    return [
        dict(EXTERNAL_SPOOL) if tray < 0 else {"ams_id": tray // 4, "slot_id": tray % 4}
        for tray in mapping
    ]


def new_task_id(rng: random.Random | None = None) -> str:
    """A fresh task id: decimal text in 1 .. 2^31 - 1."""
    return str((rng or random.SystemRandom()).randint(1, 2**31 - 1))


def project_file_fields(start: ProjectFileStart, model: str | None, task_id: str) -> dict[str, Any]:
    """The command's fields (without `sequence_id` and `command`), a new dict every call."""
    name = start.path.rsplit("/", 1)[-1]
    subtask = start.subtask_name or name.removesuffix(".3mf").removesuffix(".gcode")
    canonical = (normalize_model(model) or "").upper()
    mapping = list(start.ams_mapping)
    return {
        "param": f"Metadata/plate_{int(start.plate)}.gcode",
        "url": file_url(start.path, model),
        "file": name,
        "md5": "",
        "subtask_name": subtask,
        "project_id": task_id,
        "profile_id": task_id,
        "subtask_id": task_id,
        "task_id": task_id,
        "bed_type": "auto",
        "timelapse": bool(start.timelapse),
        "bed_leveling": bool(start.bed_leveling),
        "flow_cali": bool(start.flow_calibration),
        "vibration_cali": not canonical.startswith("P2"),
        "layer_inspect": True,
        "use_ams": bool(start.use_ams),
        "ams_mapping": mapping,
        "ams_mapping2": ams_mapping2(start.ams_mapping),
    }
