"""Bambu report parsing at the edges: partial or malformed AMS/colour fields, H2D external spools,
unknown models and unusual `get_version` module lists."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from custom_components.printernizer.api.bambu.report import (
    model_sends_deltas,
    parse_snapshot,
    parse_version,
)
from custom_components.printernizer.api.models import AmsTray, PrinterStatus
from tests.api.test_bambu_report import X1C_PUSHALL, _merged


def _x1c_state() -> dict[str, Any]:
    """The merged X1C mid-print reference report (a fresh copy per test)."""
    return _merged(X1C_PUSHALL)


def _pla_tray(slot: str) -> dict[str, Any]:
    """Slot 0 of the reference AMS (Bambu PLA Basic, 71 %), re-numbered."""
    tray = copy.deepcopy(X1C_PUSHALL["ams"]["ams"][0]["tray"][0])
    tray["id"] = slot
    return tray


@pytest.mark.parametrize(
    ("tray_color", "expected"),
    [
        ("2B6CB0FF", "#2B6CB0"),  # the reference value, for contrast
        ("2b6cb0", "#2B6CB0"),  # no alpha, lower case
        ("", None),  # reported by some firmware for third-party spools
        ("FFF", None),  # too short to be RRGGBB
        ("ZZZZZZFF", None),  # not hexadecimal
        (None, None),
        (123456, None),  # a number instead of a string
    ],
)
def test_tray_colour_missing_short_or_not_hex(tray_color: Any, expected: str | None) -> None:
    """A loaded slot with an odd `tray_color` keeps material and remaining, colour is None.

    The colour feeds an entity attribute: a bogus value must neither raise nor show garbage.
    """
    state = _x1c_state()
    tray = state["ams"]["ams"][0]["tray"][2]  # generic PETG, active
    if tray_color is None:
        del tray["tray_color"]
    else:
        tray["tray_color"] = tray_color
    trays = parse_snapshot(state, model="X1C").ams_trays
    assert trays[2] == AmsTray(0, 2, material="PETG", color=expected, remaining=None, active=True)
    assert trays[0].color == "#1F1F1F"  # neighbours untouched


@pytest.mark.parametrize("state", [None, [], "RUNNING", 42])
def test_state_that_is_not_an_object(state: Any) -> None:
    """A merged state that is not a mapping gives an empty IDLE snapshot instead of raising.

    The coordinator calls parse_snapshot with whatever it cached; it must never crash there.
    """
    snap = parse_snapshot(state, model="X1C", serial="00M00A000000001", firmware="01.08.05.00")
    assert snap == parse_snapshot({}, model="X1C", serial="00M00A000000001", firmware="01.08.05.00")
    assert snap.status is PrinterStatus.IDLE
    assert snap.raw_state is None
    assert snap.ams_trays == ()
    assert snap.nozzle_temperature is None
    assert (snap.serial, snap.model, snap.firmware) == ("00M00A000000001", "X1C", "01.08.05.00")


def test_malformed_ams_units_and_slots_are_skipped() -> None:
    """Broken AMS units/slots are skipped one by one; the good ones keep their index and `active`.

    Power-on and firmware-update reports can carry half-built AMS entries (reference §1.6).
    """
    state = _x1c_state()
    good_unit = state["ams"]["ams"][0]
    good_unit["tray"] = [
        None,
        "junk",
        {"id": "-1", "tray_type": "PLA"},  # negative slot
        {"tray_type": "ABS"},  # no slot id
        good_unit["tray"][1],
    ]
    state["ams"]["ams"] = [
        None,
        "junk",
        {"id": "-1", "tray": [_pla_tray("0")]},  # negative unit id
        {"tray": [_pla_tray("0")]},  # no unit id
        {"id": "x", "tray": [_pla_tray("0")]},  # non-numeric unit id
        {"id": "2", "tray": None},  # no tray list
        {"id": "3", "tray": {"0": _pla_tray("0")}},  # trays as an object
        good_unit,
        {"id": "1", "tray": [_pla_tray("2")]},  # second AMS, slot 2 -> index 6
    ]
    state["ams"]["tray_now"] = "6"
    trays = parse_snapshot(state, model="X1C").ams_trays
    assert trays == (
        AmsTray(0, 1, material="PLA", color="#F4F4F0", remaining=38, active=False),
        AmsTray(1, 2, material="PLA", color="#1F1F1F", remaining=71, active=True),
        AmsTray(255, 0, empty=True),  # the external spool
    )


def test_ams_ht_unit_is_addressed_by_unit_id() -> None:
    """AMS HT (unit ids 128-135, one slot): `tray_now` equals the unit id, not id*4+slot."""
    state = _x1c_state()
    state["ams"]["ams"].append({"id": "128", "tray": [_pla_tray("0")]})
    state["ams"]["tray_now"] = "128"
    trays = parse_snapshot(state, model="X1C").ams_trays
    assert trays[-2] == AmsTray(128, 0, material="PLA", color="#1F1F1F", remaining=71, active=True)
    assert [t.active for t in trays] == [False, False, False, False, True, False]


def _h2d_state(tray_now: str) -> dict[str, Any]:
    """An H2D-style report without `device`: two external spools in `vir_slot` (ids 254, 255)."""
    state = _x1c_state()
    del state["vt_tray"]
    left = _pla_tray("254")
    right = _pla_tray("255")
    right.update(tray_type="PETG-HF", tray_color="00AE42FF", remain=-1)
    state["vir_slot"] = [left, right, {"id": "7", "tray_type": "PLA"}, "junk", {"id": None}]
    state["ams"]["tray_now"] = tray_now
    return state


def test_h2d_two_external_spools() -> None:
    """`vir_slot` 255 is the main spool (slot 0), 254 the deputy (slot 1); without `device`,
    `tray_now` 254 means "the external spool", the main one. Nothing measures an external
    spool's remaining filament.

    Entries with ids below 254 or without an id are not external spools and are skipped.
    """
    trays = parse_snapshot(_h2d_state("254"), model="H2D").ams_trays
    assert trays[-2:] == (
        AmsTray(255, 0, material="PETG-HF", color="#00AE42", active=True),
        AmsTray(255, 1, material="PLA", color="#1F1F1F"),
    )
    assert len(trays) == 6  # four AMS slots + two external spools
    assert not any(t.active for t in trays[:4])
    assert [t.key for t in trays[-2:]] == ["ams255_tray0", "ams255_tray1"]


def test_h2d_nothing_loaded_marks_no_external_spool_active() -> None:
    """tray_now "255" (nothing loaded) must not mark the H2D external spool with id 255 active."""
    trays = parse_snapshot(_h2d_state("255"), model="H2D").ams_trays
    assert not any(t.active for t in trays)


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("Bambu Lab Q9", True),  # unknown product name: assume a delta sender (safe throttle)
        ("Z1 Ultra", True),
        ("Bambu Lab A1 mini", True),
        ("Bambu Lab X1-Carbon", False),
        ("X2D", False),
    ],
)
def test_unknown_models_count_as_delta_senders(model: str, expected: bool) -> None:
    """A model we cannot identify gets the P1/A1 treatment (merging + 5-minute pushall throttle).

    Asking an unidentified P1 for pushall every watchdog period makes it lag (reference §1.3).
    """
    assert model_sends_deltas(model) is expected


def test_unknown_board_code_falls_back_to_the_serial() -> None:
    """An old-firmware reply with an unknown board project falls through to the serial prefix."""
    reply = {
        "command": "get_version",
        "module": [
            {"name": "ota", "sw_ver": "01.04.02.00", "hw_ver": "OTA"},
            {"name": "esp32", "hw_ver": "AP07", "project_name": "C99", "sw_ver": "01.04.02.00"},
        ],
    }
    assert parse_version(reply, "01P00A000000001") == ("P1S", "01.04.02.00")
    assert parse_version(reply, None) == (None, "01.04.02.00")


def test_product_name_outside_ota_ignores_accessories_and_junk() -> None:
    """Without `ota.product_name`, a printer module's product name wins; AMS/hub modules and
    non-object entries are skipped (an AMS Lite must never be taken for the printer)."""
    reply = {
        "info": {
            "command": "get_version",
            "module": [
                None,
                "ota",
                {"name": "ota", "sw_ver": "01.02.00.00", "product_name": ""},
                {"name": "ams_f1/0", "product_name": "AMS Lite", "sw_ver": "00.00.07.89"},
                {"name": "n3f/0", "product_name": "AMS 2 Pro", "sw_ver": "00.00.07.89"},
                {"name": "ahb", "product_name": "AMS HUB", "sw_ver": "00.00.01.00"},
                {"name": "mc", "sw_ver": "00.00.26.45"},  # no product name at all
                {"name": "ap", "hw_ver": "AP08", "product_name": "Bambu Lab H2D"},
                {"name": "th", "product_name": "Bambu Lab H2S"},  # later entries do not override
            ],
        }
    }
    assert parse_version(reply, "0948AB000000001") == ("H2D", "01.02.00.00")
    accessories_only = {"module": reply["info"]["module"][:6]}
    assert parse_version(accessories_only, "03919A000000001") == ("A1", "01.02.00.00")
