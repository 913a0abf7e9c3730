"""Bambu report merge + parse on the reference payloads, model identification, and fuzzing."""

from __future__ import annotations

import copy
import dataclasses
import json
import math
from pathlib import Path
import time
import types
import typing
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.printernizer.api.bambu.report import (
    deep_merge,
    model_has_chamber_sensor,
    model_sends_deltas,
    parse_snapshot,
    parse_version,
)
from custom_components.printernizer.api.models import (
    AmsTray,
    HmsError,
    JobOutcome,
    PrinterSnapshot,
    PrinterStatus,
)

FIXTURES = Path(__file__).parent / "fixtures"


def _load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))["print"]


X1C_PUSHALL = _load("bambu_x1c_pushall.json")
P1S_DELTA = _load("bambu_p1s_delta.json")
FINISH = _load("bambu_finish.json")


def _merged(*reports: dict[str, Any]) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for report in reports:
        deep_merge(state, copy.deepcopy(report), full=report.get("msg") == 0)
    return state


# ------------------------------------------------------------------------------ parse


def test_x1c_full_report_values() -> None:
    """Every normalised field of the X1C mid-print report."""
    snap = parse_snapshot(_merged(X1C_PUSHALL), model="X1C", serial="00M00A000000001")
    assert snap.status is PrinterStatus.PRINTING
    assert snap.raw_state == "RUNNING"
    assert snap.progress == 46.0
    assert snap.remaining_minutes == 97
    assert (snap.current_layer, snap.total_layers) == (131, 286)
    assert (snap.nozzle_temperature, snap.nozzle_target_temperature) == (249.8, 250.0)
    assert (snap.bed_temperature, snap.bed_target_temperature) == (69.9, 70.0)
    assert snap.chamber_temperature == 37.0
    assert snap.job_name == "drawer_organizer_v3"
    assert snap.file_path == "/data/Metadata/plate_1.gcode"
    assert snap.file_name == "plate_1.gcode"
    assert snap.job_id is None  # LAN print: task/subtask ids are "0"
    assert snap.outcome is None
    assert snap.print_error == 0
    assert snap.hms_errors == ()
    assert not snap.has_problem
    assert (snap.speed_level, snap.speed_percent) == (2, 100)
    assert snap.fan_print == 67  # "10" of 15 steps
    assert snap.fan_hotend == 100
    assert snap.wifi_signal_dbm == -54
    assert snap.serial == "00M00A000000001"
    assert snap.model == "X1C"


def test_x1c_ams_trays() -> None:
    """Four slots plus the external spool; tray_now "2" is the active generic PETG."""
    snap = parse_snapshot(_merged(X1C_PUSHALL), model="X1C")
    assert snap.ams_trays == (
        AmsTray(0, 0, material="PLA", color="#1F1F1F", remaining=71, active=False),
        AmsTray(0, 1, material="PLA", color="#F4F4F0", remaining=38, active=False),
        AmsTray(0, 2, material="PETG", color="#2B6CB0", remaining=None, active=True),
        AmsTray(0, 3, empty=True),
        AmsTray(255, 0, empty=True),
    )
    assert snap.ams_trays[2].key == "ams0_tray2"


def test_chamber_only_on_models_with_a_sensor() -> None:
    """P1 reports a fake 5 °C: hidden; the same state on an X1C shows it."""
    state = _merged(FINISH)
    assert parse_snapshot(state, model="P1S").chamber_temperature is None
    assert parse_snapshot(state, model=None).chamber_temperature is None
    assert parse_snapshot(state, model="X1C").chamber_temperature == 5.0
    assert parse_snapshot(_merged(X1C_PUSHALL), model="P1P").chamber_temperature is None


def test_p1s_delta_changes_only_delta_fields() -> None:
    """A P1 delta on top of a full report updates its fields and keeps everything else."""
    base = _merged(FINISH)
    before = parse_snapshot(base, model="P1S")
    deep_merge(base, copy.deepcopy(P1S_DELTA))
    after = parse_snapshot(base, model="P1S")
    assert after.wifi_signal_dbm == -61
    assert after.progress == 62.0
    assert after.remaining_minutes == 41
    assert after.current_layer == 88
    assert after.nozzle_temperature == 219.96875
    assert after.bed_temperature == 64.9375
    assert after.fan_print == 87
    changed = {
        f.name
        for f in dataclasses.fields(PrinterSnapshot)
        if getattr(before, f.name) != getattr(after, f.name)
    }
    assert changed == {
        "wifi_signal_dbm",
        "progress",
        "remaining_minutes",
        "current_layer",
        "nozzle_temperature",
        "bed_temperature",
        "fan_print",
    }
    # untouched: state, job, AMS
    assert after.status is PrinterStatus.FINISHED
    assert after.job_name == "cable_clip_x12"
    assert after.total_layers == 154
    assert after.ams_trays == before.ams_trays


def test_finish_report() -> None:
    """FINISH maps to finished with outcome FINISHED; P1 file name is the 3MF."""
    snap = parse_snapshot(_merged(FINISH), model="P1S")
    assert snap.status is PrinterStatus.FINISHED
    assert snap.outcome is JobOutcome.FINISHED
    assert snap.progress == 100.0
    assert snap.remaining_minutes == 0
    assert (snap.current_layer, snap.total_layers) == (154, 154)
    assert snap.file_name == "cable_clip_x12.gcode.3mf"
    assert snap.nozzle_target_temperature == 0.0
    assert snap.wifi_signal_dbm == -60
    assert snap.ams_trays[0] == AmsTray(0, 0, "PLA", "#0A2989", 64, active=False)
    assert [t.material for t in snap.ams_trays[1:4]] == [None, None, None]
    assert [t.empty for t in snap.ams_trays[1:4]] == [True, True, True]


@pytest.mark.parametrize(
    ("gcode_state", "status"),
    [
        ("IDLE", PrinterStatus.IDLE),
        ("PREPARE", PrinterStatus.PREPARING),
        ("SLICING", PrinterStatus.PREPARING),
        ("INIT", PrinterStatus.PREPARING),
        ("RUNNING", PrinterStatus.PRINTING),
        ("PAUSE", PrinterStatus.PAUSED),
        ("FINISH", PrinterStatus.FINISHED),
        ("FAILED", PrinterStatus.FAILED),
        ("OFFLINE", PrinterStatus.OFFLINE),
        ("SOMETHING_NEW", PrinterStatus.IDLE),
        (None, PrinterStatus.IDLE),
        (7, PrinterStatus.IDLE),
    ],
)
def test_state_mapping(gcode_state: Any, status: PrinterStatus) -> None:
    """gcode_state -> status; unknown values are IDLE with the raw value kept."""
    snap = parse_snapshot({"gcode_state": gcode_state}, model="P1S")
    assert snap.status is status
    assert snap.raw_state == (gcode_state if isinstance(gcode_state, str) else None)


def test_failed_outcomes() -> None:
    """FAILED is FAILED, unless the user stopped it (latched flag or the error still present)."""
    assert parse_snapshot({"gcode_state": "FAILED"}, model=None).outcome is JobOutcome.FAILED
    latched = parse_snapshot(
        {"gcode_state": "FAILED", "print_error": 0}, model=None, cancelled=True
    )
    assert latched.outcome is JobOutcome.CANCELLED
    current = parse_snapshot({"gcode_state": "FAILED", "print_error": 50348044}, model=None)
    assert current.outcome is JobOutcome.CANCELLED
    assert parse_snapshot({"gcode_state": "RUNNING"}, model=None, cancelled=True).outcome is None


def test_offline_forces_status() -> None:
    """online=False is OFFLINE whatever the last report said."""
    snap = parse_snapshot(_merged(X1C_PUSHALL), model="X1C", online=False)
    assert snap.status is PrinterStatus.OFFLINE
    assert snap.online is False


def test_job_id_and_hms() -> None:
    """Cloud ids are job ids; HMS entries become HmsError with display codes."""
    state = {
        "task_id": "0",
        "subtask_id": "123456789",
        "hms": [{"attr": 0x07008011, "code": 0x00020002}, {"attr": "x"}, "junk"],
        "print_error": 0x0300400C,
    }
    snap = parse_snapshot(state, model="P1S")
    assert snap.job_id == "123456789"
    assert snap.hms_errors == (HmsError(0x07008011, 0x00020002),)
    assert snap.hms_errors[0].code_str == "HMS_0700_8011_0002_0002"
    assert snap.has_problem
    assert parse_snapshot({"task_id": 987}, model=None).job_id == "987"


def test_device_block_packed_temperatures() -> None:
    """Newer firmware: device.* packed ints win over the legacy keys."""
    state = {
        "nozzle_temper": 1.0,
        "bed_temper": 1.0,
        "chamber_temper": 1.0,
        "device": {
            "bed": {"info": {"temp": (65 << 16) | 64}},
            "ctc": {"info": {"temp": (40 << 16) | 38}},
            "extruder": {
                "state": 0x10,  # active extruder 1 (bits 4-7)
                "info": [
                    {"id": 0, "temp": (0 << 16) | 140},
                    {"id": 1, "temp": (250 << 16) | 248},
                ],
            },
        },
    }
    snap = parse_snapshot(state, model="H2D")
    assert (snap.bed_temperature, snap.bed_target_temperature) == (64.0, 65.0)
    assert snap.chamber_temperature == 38.0
    assert (snap.nozzle_temperature, snap.nozzle_target_temperature) == (248.0, 250.0)
    single = parse_snapshot(
        {"device": {"extruder": {"info": [{"id": 0, "temp": (220 << 16) | 219}]}}}, model="P2S"
    )
    assert (single.nozzle_temperature, single.nozzle_target_temperature) == (219.0, 220.0)


def test_strings_where_numbers_expected() -> None:
    """Firmware sends many numbers as strings; parse them, never crash on junk."""
    snap = parse_snapshot(
        {
            "mc_percent": "12",
            "mc_remaining_time": "7.0",
            "layer_num": True,
            "nozzle_temper": "NaN",
            "bed_temper": "61.5",
            "wifi_signal": "-70 dBm",
            "spd_lvl": [],
            "cooling_fan_speed": "abc",
        },
        model="P1S",
    )
    assert snap.progress == 12.0
    assert snap.remaining_minutes == 7
    assert snap.current_layer is None
    assert snap.nozzle_temperature is None
    assert snap.bed_temperature == 61.5
    assert snap.wifi_signal_dbm == -70
    assert snap.speed_level is None
    assert snap.fan_print is None


# ------------------------------------------------------------------------------ merge


def test_ams_trays_merge_by_id_in_deltas() -> None:
    """A delta carrying one tray updates that tray only; an emptied slot replaces it."""
    state = _merged(FINISH)
    deep_merge(state, {"ams": {"ams": [{"id": "0", "tray": [{"id": "0", "remain": 50}]}]}})
    trays = state["ams"]["ams"][0]["tray"]
    assert len(trays) == 4
    assert trays[0]["remain"] == 50
    assert trays[0]["tray_type"] == "PLA"
    deep_merge(state, {"ams": {"ams": [{"id": "0", "tray": [{"id": "0", "state": 0}]}]}})
    assert state["ams"]["ams"][0]["tray"][0] == {"id": "0", "state": 0}
    snap = parse_snapshot(state, model="P1S")
    assert snap.ams_trays[0] == AmsTray(0, 0, empty=True)


def test_full_report_replaces_lists() -> None:
    """msg 0 is authoritative: a removed AMS unit disappears; hms lists always replace."""
    state = _merged(X1C_PUSHALL)
    state["ams"]["ams"].append({"id": "1", "tray": [{"id": "0", "tray_type": "ABS"}]})
    state["hms"] = [{"attr": 1, "code": 1}]
    deep_merge(state, copy.deepcopy(X1C_PUSHALL), full=True)
    assert [unit["id"] for unit in state["ams"]["ams"]] == ["0"]
    assert state["hms"] == []
    deep_merge(state, {"hms": [{"attr": 2, "code": 3}]})
    assert state["hms"] == [{"attr": 2, "code": 3}]


def test_merge_keeps_unmentioned_nested_keys() -> None:
    """Dicts merge recursively; scalars replace; wrongly typed input is ignored."""
    state: dict[str, Any] = {"a": {"b": 1, "c": {"d": 2}}, "x": 1}
    deep_merge(state, {"a": {"c": {"e": 3}}, "x": {"now": "a dict"}})
    assert state == {"a": {"b": 1, "c": {"d": 2, "e": 3}}, "x": {"now": "a dict"}}
    deep_merge(state, [])  # type: ignore[arg-type]
    deep_merge(state, {"a": 5})
    assert state["a"] == 5


# ------------------------------------------------------------------------------ models


X1C_VERSION = {
    "info": {
        "command": "get_version",
        "sequence_id": "1",
        "module": [
            {"name": "ota", "product_name": "Bambu Lab X1-Carbon", "sw_ver": "01.08.05.00"},
            {"name": "rv1126", "hw_ver": "AP05", "project_name": "", "sw_ver": "00.00.32.14"},
            {"name": "ams/0", "hw_ver": "AMS08", "sw_ver": "00.00.06.49"},
        ],
    }
}


@pytest.mark.parametrize(
    ("reply", "serial", "expected"),
    [
        (X1C_VERSION, None, ("X1C", "01.08.05.00")),
        (
            {
                "module": [
                    {"name": "ota", "product_name": "Bambu Lab A1 mini", "sw_ver": "01.05.00.00"}
                ]
            },
            None,
            ("A1 mini", "01.05.00.00"),
        ),
        (
            {"module": [{"name": "ota", "product_name": "Bambu Lab H2D", "sw_ver": "01.02.00.00"}]},
            None,
            ("H2D", "01.02.00.00"),
        ),
        (
            {
                "module": [
                    {"name": "ota", "sw_ver": "01.07.00.00"},
                    {"name": "esp32", "hw_ver": "AP04", "project_name": "C11"},
                ]
            },
            "01S00A000000001",
            ("P1P", "01.07.00.00"),
        ),
        (
            {"module": [{"name": "rv1126", "hw_ver": "AP02", "project_name": ""}]},
            None,
            ("X1E", None),
        ),
        (
            {"module": [{"name": "esp32", "hw_ver": "AP05", "project_name": "N2S"}]},
            None,
            ("A1", None),
        ),
        ({"module": "junk"}, "01P00A000000001", ("P1S", None)),
        ({}, "03919A000000001", ("A1", None)),
        ({}, "xx", (None, None)),
    ],
)
def test_parse_version(
    reply: dict[str, Any], serial: str | None, expected: tuple[Any, Any]
) -> None:
    """product_name first, then board codes, then serial prefix."""
    assert parse_version(reply, serial) == expected


def test_model_capabilities() -> None:
    """Chamber sensors and delta senders per model."""
    for model in (
        "X1",
        "X1C",
        "X1E",
        "H2D",
        "H2S",
        "H2C",
        "H2D Pro",
        "P2S",
        "X2D",
        "Bambu Lab X1-Carbon",
    ):
        assert model_has_chamber_sensor(model), model
    for model in ("P1P", "P1S", "A1", "A1 mini", None, ""):
        assert not model_has_chamber_sensor(model), model
    for model in ("P1P", "P1S", "A1", "A1 mini", None):
        assert model_sends_deltas(model), model
    for model in ("X1C", "X1E", "H2D", "P2S"):
        assert not model_sends_deltas(model), model


# ------------------------------------------------------------------------------ fuzzing

_HINTS = typing.get_type_hints(PrinterSnapshot)
_KEYS = sorted({*X1C_PUSHALL, *FINISH, "device", "vir_slot"})
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-300, max_value=300),
    st.sampled_from([2**40, -(2**63), 10**400, 50348044, 0x07008011]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.sampled_from(["RUNNING", "FAILED", "-54dBm", "0", "50348044", "FFFFFFFF", "1e400", "254"]),
)
_INNER_KEYS = st.sampled_from(
    [
        "id",
        "tray",
        "ams",
        "info",
        "temp",
        "attr",
        "code",
        "remain",
        "tray_type",
        "tray_now",
        "state",
        "tray_color",
    ]
)
_flat_dict = st.dictionaries(_INNER_KEYS, _scalars, max_size=4)
_json = st.one_of(
    _scalars,
    st.lists(_scalars, max_size=3),
    _flat_dict,
    st.lists(_flat_dict, max_size=3),
    st.dictionaries(
        _INNER_KEYS, st.one_of(_flat_dict, st.lists(_flat_dict, max_size=3)), max_size=3
    ),
)
_report = st.dictionaries(st.sampled_from(_KEYS), _json, max_size=8)


def _allowed_types(hint: Any) -> tuple[type, ...]:
    is_union = typing.get_origin(hint) in (typing.Union, types.UnionType)
    allowed = typing.get_args(hint) if is_union else (hint,)
    return tuple(typing.get_origin(a) or a for a in allowed)


_FIELD_TYPES = {name: _allowed_types(hint) for name, hint in _HINTS.items()}


def _check_types(snap: PrinterSnapshot) -> None:
    for name, allowed in _FIELD_TYPES.items():
        value = getattr(snap, name)
        assert isinstance(value, allowed), (name, value)
        if isinstance(value, bool):
            assert bool in allowed, name
        if isinstance(value, float):
            assert math.isfinite(value), name
    for tray in snap.ams_trays:
        assert isinstance(tray, AmsTray)
        assert tray.remaining is None or 0 <= tray.remaining <= 100
        assert tray.color is None or (tray.color.startswith("#") and len(tray.color) == 7)
    assert all(isinstance(error, HmsError) for error in snap.hms_errors)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from(["x1c", "finish", "empty"]),
    reports=st.lists(st.tuples(_report, st.booleans()), min_size=1, max_size=3),
    model=st.sampled_from([None, "X1C", "P1S", "H2D", "weird"]),
    cancelled=st.booleans(),
)
def test_random_reports_never_raise(
    base: str, reports: list[tuple[dict[str, Any], bool]], model: str | None, cancelled: bool
) -> None:
    """Thousands of mutated reports: merge + parse never raise and keep every field's type."""
    state = {"x1c": copy.deepcopy(X1C_PUSHALL), "finish": copy.deepcopy(FINISH), "empty": {}}[base]
    for report, full in reports:
        deep_merge(state, report, full=full)
        _check_types(parse_snapshot(state, model=model, cancelled=cancelled))


@settings(max_examples=300, deadline=None)
@given(mutation=_report)
def test_mutated_ams_and_device_never_raise(mutation: dict[str, Any]) -> None:
    """Garbage inside ams/device/vt_tray shapes is skipped, not fatal."""
    state = copy.deepcopy(X1C_PUSHALL)
    deep_merge(
        state, {"ams": {"ams": [{"id": "0", "tray": [mutation, {"id": mutation.get("id", "1")}]}]}}
    )
    deep_merge(state, {"device": mutation, "vt_tray": mutation, "vir_slot": [mutation]})
    _check_types(parse_snapshot(state, model="H2D"))
    _check_types(parse_snapshot(mutation, model="X1C"))


def test_handling_is_cheap() -> None:
    """Sanity bound on per-message cost (the benchmark script gives the real ratio)."""
    raw = json.dumps({"print": X1C_PUSHALL}, indent=4).encode()
    state: dict[str, Any] = {}
    start = time.perf_counter()
    for _ in range(500):
        body = json.loads(raw)["print"]
        deep_merge(state, body, full=True)
        parse_snapshot(state, model="X1C")
    per_message = (time.perf_counter() - start) / 500
    assert per_message < 0.002
