"""PrusaLink status + job documents through idle, printing, paused and attention, on Buddy
(MK4S) and on a Raspberry Pi (MK3S+): payloads in fixtures/prusalink (see SOURCES.md)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from custom_components.printernizer.api.models import JobOutcome, PrinterSnapshot, PrinterStatus
from custom_components.printernizer.api.prusa.parse import parse_snapshot

PAYLOADS = Path(__file__).parent / "fixtures" / "prusalink"


def _documents(flavour: str, state: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(status, job) for one state; later states reuse the printing job with their own state."""
    doc = json.loads((PAYLOADS / f"{flavour}.json").read_text(encoding="utf-8"))
    entry = doc[state]
    if "job_state" not in entry:
        return entry["status"], entry["job"]
    job = copy.deepcopy(doc["printing"]["job"])
    job.update(entry["status"]["job"], state=entry["job_state"])
    return entry["status"], job


def _snapshot(flavour: str, *states: str) -> PrinterSnapshot:
    """Poll through `states` in order, as the coordinator does (each sees the previous one)."""
    snap: PrinterSnapshot | None = None
    for state in states:
        status, job = _documents(flavour, state)
        snap = parse_snapshot(status, job, previous=snap)
    assert snap is not None
    return snap


@pytest.mark.parametrize(
    ("flavour", "states", "status", "attention", "z_height", "free"),
    [
        ("buddy_mk4s", ("idle",), PrinterStatus.IDLE, False, 12.4, None),
        ("buddy_mk4s", ("printing",), PrinterStatus.PRINTING, False, 8.6, None),
        ("buddy_mk4s", ("printing", "paused"), PrinterStatus.PAUSED, False, 8.8, None),
        ("buddy_mk4s", ("printing", "attention"), PrinterStatus.PAUSED, True, 8.8, None),
        (
            "buddy_mk4s",
            ("printing", "attention_after_finish"),
            PrinterStatus.FINISHED,
            False,
            14.2,
            None,
        ),
        ("pi_mk3s", ("idle",), PrinterStatus.IDLE, False, 0.15, 13421772800),
        ("pi_mk3s", ("printing",), PrinterStatus.PRINTING, False, 2.4, 13417254912),
        ("pi_mk3s", ("printing", "paused"), PrinterStatus.PAUSED, False, 2.6, 13417254912),
        ("pi_mk3s", ("printing", "attention"), PrinterStatus.PAUSED, True, 2.6, 13417254912),
    ],
)
def test_states(
    flavour: str,
    states: tuple[str, ...],
    status: PrinterStatus,
    attention: bool,
    z_height: float,
    free: int | None,
) -> None:
    """Status, attention (a print waits for the user), Z height and free space per state.

    Buddy reports no free space; the Pi reports it for `/local` (its SD card is read-only).
    """
    snap = _snapshot(flavour, *states)
    assert snap.status is status
    assert snap.needs_attention is attention
    assert snap.has_problem is attention
    assert snap.z_height == z_height
    assert snap.storage_free_bytes == free


def test_buddy_job_through_attention() -> None:
    """The job keeps its identity and values while the printer waits for the user."""
    snap = _snapshot("buddy_mk4s", "printing", "attention")
    assert snap.job_id == "512"
    assert snap.job_name == "hook_v2_0.4n_0.2mm_PLA_MK4S_1h18m.bgcode"
    assert (snap.progress, snap.remaining_minutes, snap.time_printing_s) == (64.0, 29, 3061)
    assert (snap.nozzle_temperature, snap.nozzle_target_temperature) == (229.9, 230.0)
    finished = _snapshot("buddy_mk4s", "printing", "attention_after_finish")
    assert finished.outcome is JobOutcome.FINISHED
    assert finished.progress == 100.0


def test_pi_job_printing() -> None:
    """The Pi's job carries the long name and the download/thumbnail refs of `/local`."""
    snap = _snapshot("pi_mk3s", "printing")
    assert snap.job_id == "88"
    assert snap.job_name == "clip_0.2mm_PLA_MK3S_58m.gcode"
    assert snap.file_path == "/api/files/local/PrusaLink gcodes/clip_0.2mm_PLA_MK3S_58m.gcode/raw"
    assert (snap.progress, snap.remaining_minutes) == (31.0, 41)
    assert snap.flow_percent == 95


@pytest.mark.parametrize(
    ("storage", "free"),
    [
        ({"path": "/usb/", "name": "usb", "read_only": False, "free_space": 1024}, 1024),
        ([{"path": "/sdcard", "read_only": True, "free_space": 5}], None),
        ([{"path": "/local", "free_space": -1}, {"path": "/x", "free_space": 7}], 7),
        ("junk", None),
        (None, None),
    ],
)
def test_storage_free_shapes(storage: Any, free: int | None) -> None:
    """The spec's object, the Pi's list, read-only or nonsense entries."""
    status = {"printer": {"state": "IDLE"}, "storage": storage}
    assert parse_snapshot(status, None).storage_free_bytes == free
