"""The report parser on real printers' reports: X1C with four AMS units, H2D, H2D Pro, H2S, P2S,
P1P (with and without AMS) and A1 (captures from ha-bambulab; see fixtures/SOURCES.md).

Expected values are read off the captures; where ha-bambulab's own unit tests check the same
capture, the values agree with them (noted per test).
"""

from __future__ import annotations

import pytest

from custom_components.printernizer.api.bambu.report import (
    external_spool_key_moves,
    parse_snapshot,
)
from custom_components.printernizer.api.models import (
    AmsTray,
    AmsUnit,
    JobOutcome,
    PrinterSnapshot,
    PrinterStatus,
)
from tests.api.bambu_captures import merged, model_and_firmware

X1C = "2AMS1-1AMS2-1AMSHT"
H2D = "H2D"
H2D_EXTERNAL = "MOCK-H2DEXTSPOOLACTIVE"
H2D_PRO = "MOCK-H2DPRO"


def snapshot(name: str, *deltas: str) -> PrinterSnapshot:
    """Parse a capture (plus deltas) as the client does: model and firmware from get_version."""
    model, firmware = model_and_firmware(name)
    return parse_snapshot(merged(name, *deltas), model=model, firmware=firmware)


def external(snap: PrinterSnapshot) -> list[AmsTray]:
    return [tray for tray in snap.ams_trays if tray.ams_id == 255]


def active_keys(snap: PrinterSnapshot) -> list[str]:
    return [tray.key for tray in snap.ams_trays if tray.active]


# ------------------------------------------------------------------------------ defects


def test_h2d_active_tray_comes_from_the_active_extruder() -> None:
    """Defect 1: the H2D prints from its AMS HT (`snow` 0x8000 on extruder 0, the active one);
    `tray_now` "0" is a slot number on that extruder, not AMS 0 slot 0."""
    snap = snapshot(H2D)
    assert active_keys(snap) == ["ams128_tray0"]
    active = next(tray for tray in snap.ams_trays if tray.active)
    assert (active.material, active.color, active.remaining) == ("PA-GF", "#000000", 100)


def test_h2d_extruder_switch_moves_active_tray_and_nozzle() -> None:
    """After the switch to the left extruder (`state` 274) nothing is loaded there (`snow`
    0xFEFF): no tray is active and the nozzle values are the left nozzle's."""
    snap = snapshot(H2D, "push_left_extruder")
    assert snap.active_nozzle == "left"
    assert active_keys(snap) == []
    assert (snap.nozzle_temperature, snap.nozzle_target_temperature) == (40.0, 0.0)
    assert (snap.left_nozzle_temperature, snap.right_nozzle_temperature) == (40.0, 264.0)
    assert (snap.nozzle_diameter, snap.nozzle_type) == (0.4, "high_flow_hardened_steel")  # HH01


def test_h2d_external_spool_in_use_one_entity_per_spool() -> None:
    """Defect 2: `vt_tray` (id 255) repeats `vir_slot` 255; 254 is the second spool. The TPU
    spool on the main (right) extruder is in use (`snow` 0xFF00)."""
    snap = snapshot(H2D_EXTERNAL)
    keys = [tray.key for tray in snap.ams_trays]
    assert len(keys) == len(set(keys)) == 4 * 4 + 2 + 2
    assert external(snap) == [
        AmsTray(255, 0, material="TPU", color="#9B9EA0", active=True),
        AmsTray(255, 1, material="PLA", color="#76D9F4"),
    ]
    assert active_keys(snap) == ["ams255_tray0"]


def test_x1c_firmware_0109_has_one_external_spool() -> None:
    """Defect 3: X1C 01.09 reports its one spool as `vt_tray` id "255" and `vir_slot` 255."""
    assert model_and_firmware(X1C) == ("X1C", "01.09.00.01")
    assert external(snapshot(X1C)) == [AmsTray(255, 0, empty=True)]


@pytest.mark.parametrize("name", ["MOCK-P2S", "MOCK-H2S"])
def test_single_vir_slot_is_keyed_like_older_firmware(name: str) -> None:
    """Defect 3: printers that report only `vir_slot` 255 get the key older firmware has."""
    assert [tray.key for tray in external(snapshot(name))] == ["ams255_tray0"]


def test_dual_nozzle_without_vt_tray_keeps_main_and_deputy_apart() -> None:
    """H2D Pro: `vir_slot` 255 (main, TPU) is tray 0, 254 (deputy, empty) tray 1."""
    assert external(snapshot(H2D_PRO)) == [
        AmsTray(255, 0, material="TPU", color="#FFFFFF"),
        AmsTray(255, 1, empty=True),
    ]


# ------------------------------------------------------------------------------ printers


def test_x1c_with_four_ams_units() -> None:
    """X1C 01.09 after a finished cloud print: AMS, AMS, AMS 2 Pro and AMS HT.

    Humidity percentages and temperatures agree with ha-bambulab's test_multi_ams_detection.
    """
    snap = snapshot(X1C)
    assert snap.status is PrinterStatus.FINISHED
    assert snap.outcome is JobOutcome.FINISHED
    assert (snap.progress, snap.remaining_minutes) == (100.0, 0)
    assert (snap.current_layer, snap.total_layers) == (480, 480)
    assert snap.job_name == "Garden Hose Healer: Male fitting"
    assert snap.job_id == "702383065"
    assert (snap.nozzle_temperature, snap.bed_temperature) == (26.0, 23.0)
    assert snap.chamber_temperature == 25.0  # device.ctc; the report has no chamber_temper
    assert snap.chamber_target_temperature is None  # the X1C does not heat its chamber
    assert snap.wifi_signal_dbm == -66
    assert snap.print_stage == "idle"  # stg_cur -1
    assert snap.door_open is False  # X1: home_flag, whatever `stat` says
    assert (snap.nozzle_diameter, snap.nozzle_type) == (0.4, "hardened_steel")
    assert snap.active_nozzle is None
    assert snap.ams_units == (
        AmsUnit(0, humidity_index=5, humidity_percent=8, temperature=26.2),
        AmsUnit(1, humidity_index=5, humidity_percent=4, temperature=25.4),
        AmsUnit(2, humidity_index=4, humidity_percent=9, temperature=65.0),
        AmsUnit(128, humidity_index=5, humidity_percent=8, temperature=45.2),
    )
    trays = {tray.key: tray for tray in snap.ams_trays}
    assert len(trays) == 3 * 4 + 1 + 1
    assert trays["ams0_tray0"] == AmsTray(0, 0, material="PLA", color="#000000", remaining=93)
    assert trays["ams1_tray2"] == AmsTray(1, 2, material="ABS", color="#FFFFFF", remaining=71)
    assert trays["ams2_tray0"] == AmsTray(2, 0, empty=True)  # {id, state: 0}
    assert trays["ams128_tray0"] == AmsTray(
        128, 0, material="PA-CF", color="#000000", remaining=100
    )
    assert active_keys(snap) == []  # tray_now 255, snow 0xFFFF


def test_h2d_printing() -> None:
    """H2D 01.01.02.07 cleaning the nozzle at the start of a print; values from `device`.

    AMS values agree with ha-bambulab's test_h2d_ams_detection.
    """
    snap = snapshot(H2D)
    assert snap.status is PrinterStatus.PRINTING
    assert (snap.progress, snap.remaining_minutes) == (0.0, 115)
    assert (snap.current_layer, snap.total_layers) == (0, 26)
    assert snap.print_stage == "cleaning_nozzle"  # stg_cur 14
    assert not snap.needs_attention
    # legacy nozzle_temper (40) is the idle left nozzle's; device.extruder has the truth
    assert (snap.nozzle_temperature, snap.nozzle_target_temperature) == (264.0, 225.0)
    assert (snap.right_nozzle_temperature, snap.right_nozzle_target_temperature) == (264.0, 225.0)
    assert (snap.left_nozzle_temperature, snap.left_nozzle_target_temperature) == (40.0, 0.0)
    assert snap.active_nozzle == "right"
    assert (snap.bed_temperature, snap.bed_target_temperature) == (100.0, 100.0)
    assert (snap.chamber_temperature, snap.chamber_target_temperature) == (48.0, 60.0)
    assert (snap.nozzle_diameter, snap.nozzle_type) == (0.4, "hardened_steel")  # HS01
    assert snap.door_open is False
    assert snap.ams_units == (
        AmsUnit(0, humidity_index=4, humidity_percent=24, temperature=26.2),
        AmsUnit(128, humidity_index=None, humidity_percent=6, temperature=27.9),  # index "0"
    )
    trays = {tray.key: tray for tray in snap.ams_trays}
    assert trays["ams0_tray0"] == AmsTray(0, 0, material="PLA", color="#FFFFFF", remaining=47)
    assert external(snap) == [AmsTray(255, 0, empty=True), AmsTray(255, 1, empty=True)]


def test_h2d_door_from_stat() -> None:
    """H2D reports its door in `stat` (bit 0x00800000); `home_flag` does not count there."""
    assert snapshot(H2D, "push_door_opened").door_open is True
    assert snapshot(H2D, "push_door_opened", "push_door_closed").door_open is False
    assert snapshot(H2D, "push_old_door_opened").door_open is False


def test_x1_door_from_home_flag() -> None:
    """X1 reports its door in `home_flag`: the H2D capture's old-style flags on an X1C."""
    state = merged(H2D, "push_old_door_opened")
    assert parse_snapshot(state, model="X1C").door_open is True
    state = merged(H2D, "push_old_door_closed")
    assert parse_snapshot(state, model="X1C").door_open is False
    assert parse_snapshot(state, model="P1S").door_open is None  # no door sensor


def test_h2d_other_nozzles() -> None:
    """A 0.2 mm stainless nozzle on the right (HS00), 0.6 mm tungsten carbide on the left."""
    assert (snapshot(H2D, "push_alt_nozzle_info").nozzle_diameter) == 0.2
    assert snapshot(H2D, "push_alt_nozzle_info").nozzle_type == "stainless_steel"
    left = snapshot(H2D, "push_alt_nozzle_info", "push_left_extruder")
    assert (left.nozzle_diameter, left.nozzle_type) == (0.6, "tungsten_carbide")  # HX05


def test_h2d_pro_idle_on_the_left_nozzle() -> None:
    """H2D Pro: extruder `state` 274 makes the left nozzle active; tungsten carbide (HS05)."""
    snap = snapshot(H2D_PRO)
    assert model_and_firmware(H2D_PRO) == ("H2D Pro", "01.01.00.00")
    assert snap.status is PrinterStatus.IDLE
    assert snap.active_nozzle == "left"
    assert snap.nozzle_type == "tungsten_carbide"
    assert snap.print_stage == "idle"
    assert snap.chamber_target_temperature == 0.0


def test_h2s_heats_its_chamber() -> None:
    """H2S printing ABS: chamber 60 °C of 60 °C (device.ctc), one AMS 2 Pro, one nozzle."""
    snap = snapshot("MOCK-H2S")
    assert snap.status is PrinterStatus.PRINTING
    assert (snap.progress, snap.remaining_minutes) == (42.0, 78)
    assert (snap.chamber_temperature, snap.chamber_target_temperature) == (60.0, 60.0)
    assert (snap.nozzle_temperature, snap.nozzle_target_temperature) == (275.0, 275.0)
    assert snap.active_nozzle is None
    assert snap.left_nozzle_temperature is None
    assert active_keys(snap) == ["ams0_tray0"]  # snow 0 and tray_now "0" agree
    assert snap.ams_units == (AmsUnit(0, humidity_index=1, humidity_percent=36, temperature=42.7),)


def test_p2s_printing() -> None:
    """P2S printing PETG from AMS 2 Pro slot 4 (`snow` 3, `tray_now` "3")."""
    snap = snapshot("MOCK-P2S")
    assert model_and_firmware("MOCK-P2S") == ("P2S", "01.01.00.00")
    assert snap.status is PrinterStatus.PRINTING
    assert (snap.progress, snap.remaining_minutes) == (64.0, 62)
    assert (snap.current_layer, snap.total_layers) == (170, 305)
    assert (snap.nozzle_temperature, snap.nozzle_target_temperature) == (254.0, 255.0)
    assert snap.chamber_temperature == 47.0
    assert snap.chamber_target_temperature is None  # no chamber heater
    assert snap.door_open is False
    assert snap.job_id == "6456"
    assert active_keys(snap) == ["ams0_tray3"]
    assert next(t for t in snap.ams_trays if t.active).remaining is None  # remain -1
    assert snap.ams_units == (AmsUnit(0, humidity_index=5, humidity_percent=16, temperature=38.4),)


def test_p1p_failed_print() -> None:
    """P1P 01.07 after a failed print; agrees with ha-bambulab's test_print_update_basic and
    test_info_update_nozzle. Its AMS reports no climate (P1 firmware before 01.07.50)."""
    snap = snapshot("P1P")
    assert model_and_firmware("P1P") == ("P1P", "01.07.00.00")
    assert snap.status is PrinterStatus.FAILED
    assert snap.outcome is JobOutcome.FAILED
    assert (snap.progress, snap.remaining_minutes) == (0.0, 759)
    assert (snap.current_layer, snap.total_layers) == (1, 70)
    assert (snap.nozzle_diameter, snap.nozzle_type) == (0.4, "hardened_steel")
    assert snap.chamber_temperature is None  # a constant 5 on P1
    assert snap.print_stage == "idle"  # stg_cur 0 outside a job
    assert snap.door_open is None
    assert snap.ams_units == (AmsUnit(0),)
    assert active_keys(snap) == ["ams0_tray0"]
    assert external(snap) == [AmsTray(255, 0, material="PLA", color="#161616")]


def test_p1p_without_ams_prints_from_the_external_spool() -> None:
    """P1P 01.08 without AMS: `tray_now` 254 is its external spool (`vt_tray` id 254)."""
    snap = snapshot("MOCK-P1PNOAMS")
    assert snap.status is PrinterStatus.FINISHED
    assert snap.ams_units == ()
    assert snap.ams_trays == (AmsTray(255, 0, material="PETG", color="#BCBCBC", active=True),)


def test_a1_with_ams_lite() -> None:
    """A1 idle: the AMS Lite has no sensors (index "5", 0.0 °C) and no slot is in use."""
    snap = snapshot("MOCK-A1")
    assert model_and_firmware("MOCK-A1") == ("A1", "01.05.00.00")
    assert snap.status is PrinterStatus.IDLE
    assert snap.print_stage == "idle"  # stg_cur 0 while idle
    assert snap.ams_units == (AmsUnit(0),)
    assert [t.material for t in snap.ams_trays] == ["PLA"] * 5
    assert [t.remaining for t in snap.ams_trays] == [100, 100, 100, 100, None]
    assert active_keys(snap) == []


# ------------------------------------------------------------------------------ stages


@pytest.mark.parametrize(
    ("stg_cur", "stage", "attention"),
    [
        (6, "filament_runout", True),
        (17, "front_cover_fell_off", True),
        (26, "ams_lost", True),
        (35, "nozzle_clog", True),
        (16, "paused_by_user", False),
        (4, "changing_filament", False),
        (2, "heating_bed", False),
        (1, "auto_bed_levelling", False),
        (0, "printing", False),
        (77, "preparing_ams", False),
        (255, "idle", False),
        (250, None, False),  # a stage this version does not know
    ],
)
def test_print_stage_and_attention(stg_cur: int, stage: str | None, attention: bool) -> None:
    """`stg_cur` names the stage; pauses that wait for a person make a problem."""
    state = merged(H2D)
    state.update(stg_cur=stg_cur, gcode_state="PAUSE" if attention else "RUNNING")
    snap = parse_snapshot(state, model="H2D")
    assert snap.print_stage == stage
    assert snap.needs_attention is attention
    assert snap.has_problem is attention


# ------------------------------------------------------------------------------ migration


@pytest.mark.parametrize(
    ("name", "moves"),
    [
        (X1C, {"ams255_tray1": None}),  # the phantom second spool goes
        (H2D, {}),  # tray0 stays the main spool; tray1 (a copy of it) becomes the deputy
        (H2D_EXTERNAL, {}),
        (H2D_PRO, {"ams255_tray1": "ams255_tray0", "ams255_tray0": "ams255_tray1"}),
        ("MOCK-P2S", {"ams255_tray1": "ams255_tray0"}),
        ("MOCK-H2S", {"ams255_tray1": "ams255_tray0"}),
        ("P1P", {}),
        ("MOCK-A1", {}),
    ],
)
def test_external_spool_key_moves(name: str, moves: dict[str, str | None]) -> None:
    """Which external-spool keys of earlier versions move where, per printer."""
    assert external_spool_key_moves(merged(name)) == moves


@pytest.mark.parametrize(
    ("device_type", "legacy", "expected"),
    [
        ("HU01", None, "tpu_high_flow"),
        ("HE05", None, "high_flow_tungsten_carbide"),
        ("HS09", "stainless_steel", "stainless_steel"),  # unknown material code: legacy text
        ("H2", "hardened_steel", "hardened_steel"),  # not a nozzle code
        (None, "HS01-0.4", "hardened_steel"),  # H2C's legacy value is a code with its size
        (None, "brass", None),
        (None, None, None),
    ],
)
def test_nozzle_types(device_type: str | None, legacy: str | None, expected: str | None) -> None:
    """Nozzle codes (second letter: flow; digits: material) and legacy texts."""
    state = merged("MOCK-P2S")
    state["device"]["nozzle"]["info"][0]["type"] = device_type
    state["nozzle_type"] = legacy
    assert parse_snapshot(state, model="P2S").nozzle_type == expected


def test_garbage_door_and_migration_input() -> None:
    """A `stat` that is not hex is no door state; a report that is no object moves no key."""
    state = merged(H2D)
    state["stat"] = "not hex"
    assert parse_snapshot(state, model="H2D").door_open is None
    assert external_spool_key_moves(None) == {}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("model", "firmware", "door"),
    [
        ("X1C", "01.07.00.00", True),
        ("X1C", "01.06.01.02", None),  # too old to report the door
        ("X1E", "01.01.02.00", True),
        ("X1E", "01.01.01.00", None),
        ("X1C", None, True),  # not known yet: assume current firmware
        ("X1C", "beta", True),
    ],
)
def test_x1_door_needs_firmware(model: str, firmware: str | None, door: bool | None) -> None:
    """X1 firmware reports the door in `home_flag` from 01.07 (X1E: 01.01.02) on."""
    state = merged(H2D, "push_old_door_opened")
    assert parse_snapshot(state, model=model, firmware=firmware).door_open is door
