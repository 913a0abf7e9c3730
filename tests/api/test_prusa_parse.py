"""parse_snapshot on realistic Buddy and Pi payloads, state mapping, and fuzzing."""

from __future__ import annotations

import copy
import random
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.printernizer.api.models import (
    JobOutcome,
    MaterialUsage,
    PrinterFamily,
    PrinterInfo,
    PrinterSnapshot,
    PrinterStatus,
)
from custom_components.printernizer.api.prusa.parse import (
    parse_file_meta,
    parse_printer_info,
    parse_snapshot,
)

# The reference payloads (shared/reference/payloads/prusa_*.json), kept here so the tests
# do not depend on files outside the repository.
BUDDY_STATUS: dict[str, Any] = {
    "job": {"id": 318, "progress": 46.0, "time_remaining": 4380, "time_printing": 3712},
    "storage": {"path": "/usb/", "name": "usb", "read_only": False},
    "printer": {
        "state": "PRINTING",
        "temp_bed": 64.8,
        "target_bed": 65.0,
        "temp_nozzle": 229.4,
        "target_nozzle": 230.0,
        "axis_z": 7.4,
        "flow": 100,
        "speed": 100,
        "fan_hotend": 5120,
        "fan_print": 2860,
    },
}
BUDDY_JOB: dict[str, Any] = {
    "id": 318,
    "state": "PRINTING",
    "progress": 46.0,
    "time_remaining": 4380,
    "time_printing": 3712,
    "file": {
        "refs": {
            "icon": "/thumb/s/usb/CABLEC~1.BGC",
            "thumbnail": "/thumb/l/usb/CABLEC~1.BGC",
            "download": "/usb/CABLEC~1.BGC",
        },
        "name": "CABLEC~1.BGC",
        "display_name": "cable_clip_x8_0.4n_0.2mm_PETG_COREONE_2h17m.bgcode",
        "path": "/usb",
        "size": 1843207,
        "m_timestamp": 1752398114,
    },
}
PI_STATUS: dict[str, Any] = {
    "storage": [
        {
            "path": "/local",
            "read_only": False,
            "free_space": 26841554944,
            "name": "PrusaLink gcodes",
        },
        {"path": "/sdcard", "read_only": True, "name": "SD Card"},
    ],
    "printer": {
        "state": "PRINTING",
        "temp_nozzle": 214.7,
        "temp_bed": 60.1,
        "axis_z": 4.6,
        "flow": 100,
        "speed": 100,
        "fan_hotend": 4980,
        "fan_print": 4260,
        "status_connect": {"ok": True, "message": "OK"},
        "status_printer": {"ok": True, "message": "OK"},
        "target_nozzle": 215.0,
        "target_bed": 60.0,
    },
    "camera": {"id": "Kp4vTz9Qw2LmR"},
    "job": {"id": 57, "progress": 23.0, "time_remaining": 3340, "time_printing": 1001},
}
PI_NAME = "bracket_v3_0.2mm_PLA_MK3S_1h12m.gcode"
PI_JOB: dict[str, Any] = {
    "file": {
        "name": PI_NAME,
        "display_name": PI_NAME,
        "path": f"/PrusaLink gcodes/{PI_NAME}",
        "display_path": f"/PrusaLink gcodes/{PI_NAME}",
        "size": 2215874,
        "m_timestamp": 1752311408,
        "refs": {
            "download": f"/api/files/local/PrusaLink gcodes/{PI_NAME}/raw",
            "icon": None,
            "thumbnail": f"/api/thumbnails/PrusaLink gcodes/{PI_NAME}.orig.png",
        },
        "meta": {"filament_type": "PLA", "filament used [g]": 18.59, "estimated_print_time": 4328},
    },
    "id": 57,
    "state": "PRINTING",
    "progress": 23.0,
    "time_remaining": 3340,
    "time_printing": 1001,
    "inaccurate_estimates": False,
}


def _with_state(status: dict[str, Any], state: str, **job: Any) -> dict[str, Any]:
    result = copy.deepcopy(status)
    result["printer"]["state"] = state
    if "job" in result:
        result["job"].update(job)
    return result


def test_buddy_printing() -> None:
    """The Core One example: every value lands in its normalised field."""
    snap = parse_snapshot(BUDDY_STATUS, BUDDY_JOB)
    assert snap.status is PrinterStatus.PRINTING
    assert snap.raw_state == "PRINTING"
    assert snap.progress == 46.0
    assert snap.remaining_minutes == 73  # 4380 s
    assert snap.time_printing_s == 3712
    assert snap.nozzle_temperature == 229.4
    assert snap.nozzle_target_temperature == 230.0
    assert snap.bed_temperature == 64.8
    assert snap.bed_target_temperature == 65.0
    assert snap.chamber_temperature is None
    assert snap.speed_percent == 100
    assert snap.flow_percent == 100
    assert snap.fan_print == 2860
    assert snap.fan_hotend == 5120
    assert snap.job_id == "318"
    assert snap.job_name == "cable_clip_x8_0.4n_0.2mm_PETG_COREONE_2h17m.bgcode"
    # the long name, not Buddy's 8.3 alias; the download path keeps the alias the printer serves
    assert snap.file_name == "cable_clip_x8_0.4n_0.2mm_PETG_COREONE_2h17m.bgcode"
    assert snap.file_path == "/usb/CABLEC~1.BGC"
    assert snap.thumbnail_ref == "/thumb/l/usb/CABLEC~1.BGC"
    assert snap.current_layer is None
    assert snap.total_layers is None
    assert snap.outcome is None
    assert not snap.has_problem


def test_pi_printing() -> None:
    """The MK3S + Raspberry Pi example (storage array, status_connect, refs with spaces)."""
    snap = parse_snapshot(PI_STATUS, PI_JOB)
    assert snap.status is PrinterStatus.PRINTING
    assert snap.progress == 23.0
    assert snap.remaining_minutes == 56  # 3340 s = 55.7 min, rounded up
    assert snap.nozzle_temperature == 214.7
    assert snap.bed_target_temperature == 60.0
    assert snap.job_id == "57"
    assert snap.job_name == PI_NAME
    assert snap.file_path == f"/api/files/local/PrusaLink gcodes/{PI_NAME}/raw"
    assert snap.thumbnail_ref == f"/api/thumbnails/PrusaLink gcodes/{PI_NAME}.orig.png"


def test_status_is_fresher_than_job() -> None:
    """Progress comes from the status poll even when the job document is older."""
    status = _with_state(BUDDY_STATUS, "PRINTING", progress=61.5, time_remaining=59)
    snap = parse_snapshot(status, BUDDY_JOB)
    assert snap.progress == 61.5
    assert snap.remaining_minutes == 1
    assert snap.job_name == BUDDY_JOB["file"]["display_name"]


@pytest.mark.parametrize(
    ("state", "has_job", "status", "outcome"),
    [
        ("IDLE", False, PrinterStatus.IDLE, None),
        ("READY", False, PrinterStatus.IDLE, None),
        ("BUSY", False, PrinterStatus.IDLE, None),
        ("BUSY", True, PrinterStatus.PRINTING, None),
        ("PRINTING", True, PrinterStatus.PRINTING, None),
        ("PAUSED", True, PrinterStatus.PAUSED, None),
        ("FINISHED", True, PrinterStatus.FINISHED, JobOutcome.FINISHED),
        ("FINISHED", False, PrinterStatus.FINISHED, JobOutcome.FINISHED),
        ("STOPPED", False, PrinterStatus.FAILED, JobOutcome.CANCELLED),
        ("ERROR", False, PrinterStatus.ERROR, None),
        ("UNKNOWN", False, PrinterStatus.IDLE, None),
        ("SOMETHING_NEW", True, PrinterStatus.IDLE, None),
    ],
)
def test_state_mapping(
    state: str, has_job: bool, status: PrinterStatus, outcome: JobOutcome | None
) -> None:
    """printer.state → normalised status (BUSY counts as printing only with a job)."""
    doc = _with_state(BUDDY_STATUS, state)
    if not has_job:
        del doc["job"]
    snap = parse_snapshot(doc, BUDDY_JOB if has_job else None)
    assert snap.status is status
    assert snap.outcome is outcome
    assert snap.raw_state == state
    assert snap.has_problem is (status is PrinterStatus.ERROR)


def test_attention_after_finish_is_finished() -> None:
    """Newer Buddy sits in ATTENTION after a finish: 100 %, 0 s left → finished."""
    doc = _with_state(BUDDY_STATUS, "ATTENTION", progress=100.0, time_remaining=0)
    snap = parse_snapshot(doc, None)
    assert snap.status is PrinterStatus.FINISHED
    assert snap.outcome is JobOutcome.FINISHED
    assert snap.job_id == "318"
    assert not snap.has_problem


def test_attention_mid_print_is_a_paused_problem() -> None:
    """ATTENTION during a print (filament runout, wrong filament) waits for the user."""
    snap = parse_snapshot(_with_state(BUDDY_STATUS, "ATTENTION"), BUDDY_JOB)
    assert snap.status is PrinterStatus.PAUSED
    assert snap.needs_attention
    assert snap.has_problem
    assert snap.progress == 46.0


def test_finished_without_job_keeps_identity_from_previous() -> None:
    """Old Buddy drops the job at FINISHED; the ending job is still identifiable."""
    running = parse_snapshot(BUDDY_STATUS, BUDDY_JOB)
    finished_doc = _with_state(BUDDY_STATUS, "FINISHED")
    del finished_doc["job"]
    snap = parse_snapshot(finished_doc, None, previous=running)
    assert snap.status is PrinterStatus.FINISHED
    assert snap.job_id == "318"
    assert snap.job_name == running.job_name
    assert snap.time_printing_s is None  # not reported: the last poll's 3712 s is no end time
    assert snap.progress is None  # not reported, not guessed


def test_file_fields_carried_over_while_job_unchanged() -> None:
    """The coordinator fetches /api/v1/job only on a new id; status alone keeps the name."""
    first = parse_snapshot(BUDDY_STATUS, BUDDY_JOB)
    later = parse_snapshot(
        _with_state(BUDDY_STATUS, "PRINTING", progress=50.0), None, previous=first
    )
    assert later.job_name == first.job_name
    assert later.file_path == "/usb/CABLEC~1.BGC"
    assert later.progress == 50.0
    # a new job id does not inherit the old name
    new_doc = copy.deepcopy(BUDDY_STATUS)
    new_doc["job"]["id"] = 319
    assert parse_snapshot(new_doc, None, previous=first).job_name is None


def test_stale_job_document_is_ignored() -> None:
    """A job document of another id does not lend its file to the current job."""
    doc = copy.deepcopy(BUDDY_STATUS)
    doc["job"]["id"] = 400
    snap = parse_snapshot(doc, BUDDY_JOB)
    assert snap.job_id == "400"
    assert snap.job_name is None


def test_idle_drops_lingering_job() -> None:
    """The Pi can report a job with state IDLE; the printer is idle, no job is running."""
    doc = _with_state(PI_STATUS, "IDLE")
    snap = parse_snapshot(doc, PI_JOB)
    assert snap.status is PrinterStatus.IDLE
    assert snap.job_id is None
    assert snap.progress is None


def test_missing_and_wrong_types_become_none() -> None:
    """HA core crashed with KeyError: 'speed'; here everything optional is optional."""
    snap = parse_snapshot(
        {"printer": {"state": "PRINTING", "speed": "fast", "temp_nozzle": True, "flow": None}},
        {"id": "x", "file": ["not", "a", "dict"]},
    )
    assert snap.status is PrinterStatus.PRINTING
    assert snap.speed_percent is None
    assert snap.nozzle_temperature is None
    assert snap.flow_percent is None
    assert parse_snapshot({}, None).status is PrinterStatus.IDLE
    assert parse_snapshot(None, None) == PrinterSnapshot()


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=8,
)
# values that broke integrations before: wrong types, NaN, huge numbers, odd states
_ODD: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    2**64,
    -(2**64),
    1e308,
    -1e308,
    float("nan"),
    float("inf"),
    "",
    "x",
    "100",
    "46.0",
    [],
    {},
    [1, 2],
    {"a": None},
    "PRINTING",
    "ATTENTION",
    "FINISHED",
    "STOPPED",
    "BUSY",
    "paused",
    101.5,
    -3.2,
    46.0,
    4380,
    0.0,
]
_KEYS = ["state", "temp_nozzle", "speed", "flow", "fan_print", "id", "progress",
         "time_remaining", "time_printing", "file", "refs", "display_name", "name",
         "download", "thumbnail", "printer", "job"]  # fmt: skip


def _mutate(doc: Any, rnd: random.Random) -> Any:
    """Drop, replace or retype random fields of a realistic payload, recursively."""
    if isinstance(doc, dict):
        result = {}
        for key, value in doc.items():
            roll = rnd.random()
            if roll < 0.1:
                continue  # field omitted
            result[key] = rnd.choice(_ODD) if roll < 0.25 else _mutate(value, rnd)
        if rnd.random() < 0.3:
            result[rnd.choice(_KEYS)] = rnd.choice(_ODD)
        return result
    if isinstance(doc, list):
        return [_mutate(v, rnd) for v in doc]
    return doc


def _mutated(args: tuple[tuple[dict[str, Any], dict[str, Any]], int]) -> tuple[Any, Any]:
    (status, job), seed = args
    rnd = random.Random(seed)
    return _mutate(status, rnd), _mutate(job, rnd)


_BASES = st.sampled_from([(BUDDY_STATUS, BUDDY_JOB), (PI_STATUS, PI_JOB)])
_MUTATED = st.tuples(_BASES, st.integers(0, 2**32 - 1)).map(_mutated)
_DOCS = st.one_of(
    _MUTATED,
    _MUTATED,
    st.tuples(st.none() | _json, st.none() | _json),
    st.tuples(_MUTATED, st.none() | _json).map(lambda t: (t[0][0], t[1])),
)


@settings(
    max_examples=2000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(docs=_DOCS, with_previous=st.booleans())
def test_fuzz_parse_never_raises(docs: tuple[Any, Any], with_previous: bool) -> None:
    """Mutated real payloads and random JSON: parse_snapshot always returns a sane snapshot."""
    status, job = docs
    previous = _PREVIOUS if with_previous else None
    snap = parse_snapshot(status, job, previous=previous)
    assert isinstance(snap.status, PrinterStatus)
    assert snap.progress is None or 0 <= snap.progress <= 100
    assert snap.remaining_minutes is None or snap.remaining_minutes >= 0
    assert snap.time_printing_s is None or snap.time_printing_s >= 0
    assert snap.job_id is None or isinstance(snap.job_id, str)
    for value in (snap.nozzle_temperature, snap.bed_temperature, snap.chamber_temperature):
        assert value is None or isinstance(value, float)
    for value in (snap.speed_percent, snap.flow_percent, snap.fan_print, snap.fan_hotend):
        assert value is None or (isinstance(value, int) and not isinstance(value, bool))
    for text in (snap.job_name, snap.file_name, snap.file_path, snap.thumbnail_ref):
        assert text is None or isinstance(text, str)


_PREVIOUS = parse_snapshot(BUDDY_STATUS, BUDDY_JOB)


def test_pi_file_meta() -> None:
    """The Pi reports grams, type and time in `meta`: no download needed there."""
    meta = parse_file_meta(PI_JOB["file"]["meta"])
    assert meta.materials == (MaterialUsage("PLA", 18.59),)
    assert meta.estimated_seconds == 4328
    multi = parse_file_meta(
        {
            "filament used [g]": 30.0,
            "filament used [g] per tool": [20.0, 0.0, 10.0],
            "filament_type": "PLA;PETG;PLA",
            "filament_type per tool": ["PLA", "PETG", "PLA"],
            "estimated printing time (normal mode)": "1h 0m 5s",
        }
    )
    assert multi.materials == (MaterialUsage("PLA", 30.0),)
    assert multi.estimated_seconds == 3605
    assert parse_file_meta(None) == parse_file_meta({"filament used [g]": "x"})
    assert parse_file_meta(None).materials == ()


# /api/version and /api/v1/info of a Buddy printer (reference payloads) and of the Pi build.
BUDDY_VERSION: dict[str, Any] = {
    "api": "2.0.0",
    "server": "2.1.2",
    "nozzle_diameter": 0.40,
    "text": "PrusaLink",
    "hostname": "coreone-workshop",
    "firmware": "6.5.2+12610",
    "printer": "7.1.0",
    "capabilities": {"upload-by-put": True},
}
BUDDY_INFO: dict[str, Any] = {
    "nozzle_diameter": 0.40,
    "mmu": False,
    "serial": "10589-3742441631047196",
    "hostname": "coreone-workshop",
    "min_extrusion_temp": 170,
}
PI_VERSION: dict[str, Any] = {
    "api": "2.0.0",
    "server": "0.8.1",
    "original": "PrusaLink I3MK3S",
    "text": "PrusaLink 0.8.1",
    "firmware": "3.14.1-7982",
    "hostname": "prusa-mk3s",
}
PI_INFO: dict[str, Any] = {
    "name": "Left MK3S",
    "location": "Workshop",
    "serial": "CZPX1234X004XK56789",
    "hostname": "connect.prusa3d.com",
}


@pytest.mark.parametrize(
    ("code", "model"),
    [
        ("7.1.0", "Core One"),
        ("1.4.0", "MK4"),
        ("1.4.1", "MK4S"),
        ("1.3.5", "MK3.5"),
        ("1.3.6", "MK3.5S"),
        ("1.3.9", "MK3.9"),
        ("1.3.10", "MK3.9S"),
        ("2.1.0", "MINI"),
        ("3.1.0", "XL"),
        ("5.1.0", "XL"),
        ("4.1.0", "iX"),
        ("9.9.9", None),  # a type this release does not know: no guess
    ],
)
def test_buddy_model_from_the_printer_type(code: str, model: str | None) -> None:
    """Buddy firmware's printer type code becomes the marketing name."""
    info = parse_printer_info({**BUDDY_VERSION, "printer": code}, BUDDY_INFO)
    assert info.model == model


def test_buddy_printer_info() -> None:
    """Serial, firmware and hostname of a Core One; Buddy has no user-given name."""
    info = parse_printer_info(BUDDY_VERSION, BUDDY_INFO)
    assert info == PrinterInfo(
        family=PrinterFamily.PRUSA,
        serial="10589-3742441631047196",
        model="Core One",
        firmware="6.5.2+12610",
        name=None,
        hostname="coreone-workshop",
    )


def test_old_buddy_firmware_reports_no_model() -> None:
    """Before 6.5 the firmware sends neither `printer` nor `firmware`: no model, lwIP version."""
    version = {k: v for k, v in BUDDY_VERSION.items() if k not in ("printer", "firmware")}
    info = parse_printer_info(version, {**BUDDY_INFO, "hostname": "prusa-mini"})
    assert (info.model, info.firmware, info.hostname) == (None, "2.1.2", "coreone-workshop")
    info = parse_printer_info({**version, "hostname": None}, {**BUDDY_INFO, "hostname": "mini"})
    assert info.hostname == "mini"


@pytest.mark.parametrize(
    ("original", "model"),
    [
        ("PrusaLink I3MK3S", "MK3S"),
        ("PrusaLink I3MK3", "MK3"),
        ("PrusaLink I3MK25S", "MK2.5S"),
        ("PrusaLink I3MK25", "MK2.5"),
        ("PrusaLink I3", None),
    ],
)
def test_pi_model_and_name(original: str, model: str | None) -> None:
    """The Pi build names its printer in `original`; `info.name` is the user's name for it."""
    info = parse_printer_info({**PI_VERSION, "original": original}, PI_INFO)
    assert info.model == model
    assert info.name == "Left MK3S"
    assert info.firmware == "3.14.1-7982"
    # info.hostname is the PrusaConnect server on the Pi, never the printer
    assert info.hostname == "prusa-mk3s"
    assert parse_printer_info({**PI_VERSION, "hostname": ""}, PI_INFO).hostname is None


def test_printer_info_from_garbage() -> None:
    """Wrong types and missing documents give an empty identity, never an exception."""
    assert parse_printer_info(None, []) == PrinterInfo(family=PrinterFamily.PRUSA)
    info = parse_printer_info({"printer": 7.1, "original": 3, "firmware": 6}, {"serial": 5})
    assert info == PrinterInfo(family=PrinterFamily.PRUSA)
