"""Bambu `push_status` reports: merge deltas into a state cache and normalise it into a snapshot.

Pure and fast: the client runs this for every MQTT message (about once a second per X1 printer), so
nothing here copies the whole state, and nothing raises on unknown, missing or wrongly typed fields
(firmware changes keep adding and retyping keys; reference/bambu-lan-protocol.md §1.5).
"""

from __future__ import annotations

from collections.abc import Mapping
import math
import re
from typing import Any

from ..models import (
    AmsTray,
    AmsUnit,
    HmsError,
    JobOutcome,
    PrinterSnapshot,
    PrinterStatus,
)
from .models import (
    CHAMBER_HEATER_MODELS,
    CHAMBER_SENSOR_MODELS,
    DELTA_MODELS,
    DOOR_HOME_FLAG_FIRMWARE,
    DOOR_HOME_FLAG_MODELS,
    DOOR_STAT_MODELS,
    MODEL_CODES,
    PRODUCT_NAMES,
    SERIAL_PREFIXES,
)
from .stages import ATTENTION_STAGES, IDLE, STAGES

#: `print_error` sent for a few seconds when the user stops a print (0x0300400C).
CANCELLED_PRINT_ERROR = 50348044

#: `gcode_state` -> normalised status. Anything not listed maps to IDLE (see `parse_snapshot`).
GCODE_STATES: dict[str, PrinterStatus] = {
    "IDLE": PrinterStatus.IDLE,
    "PREPARE": PrinterStatus.PREPARING,
    "SLICING": PrinterStatus.PREPARING,
    "INIT": PrinterStatus.PREPARING,
    "RUNNING": PrinterStatus.PRINTING,
    "PAUSE": PrinterStatus.PAUSED,
    "FINISH": PrinterStatus.FINISHED,
    "FAILED": PrinterStatus.FAILED,
    "OFFLINE": PrinterStatus.OFFLINE,
}

#: Lists whose items carry an `id` and arrive partially in P1/A1 deltas: merged item by item.
#: The report keys the AMS trays and units (and the active one) are read from.
AMS_KEYS = frozenset({"ams", "vt_tray", "vir_slot", "device"})
_ID_MERGED_LISTS = frozenset({"ams", "tray", "vir_slot"})
#: Lists of filament slots, where an item reduced to `{id}` / `{id, state}` means "slot emptied".
_SLOT_LISTS = frozenset({"tray", "vir_slot"})
_EMPTY_SLOT_KEYS = frozenset({"id", "state"})

_EXTERNAL_AMS_ID = 255  # our AmsTray.ams_id of the external spools
_MAIN_SPOOL = 255  # vir_slot id of the only or main external spool (Bambu Studio's naming)
_DEPUTY_SPOOL = 254  # vir_slot id of the second one on two-nozzle printers; legacy vt_tray id
_NOTHING_LOADED = 0xFF  # tray_now, or the slot byte of `snow`, when no filament is loaded
_AMS_HT_FIRST_ID = 128  # AMS HT units (one slot each) have ids 128-135
_DOOR_OPEN = 0x00800000  # in `home_flag` (X1) or `stat` (H2, P2S, X2D)
_SPOOL_PRESENT = 0x01  # bit of a tray's `state` on newer firmware
_NOZZLE_CODE = re.compile(r"H([A-Z])(\d\d)")  # device.nozzle type, e.g. HS01, HH01, HX05
_NOZZLE_MATERIALS = {"00": "stainless_steel", "01": "hardened_steel", "05": "tungsten_carbide"}
#: `nozzle_type` values (legacy text, or decoded from the code) the `nozzle_type` sensor shows.
NOZZLE_TYPES: tuple[str, ...] = (
    *_NOZZLE_MATERIALS.values(),
    *(f"high_flow_{material}" for material in _NOZZLE_MATERIALS.values()),
    "tpu_high_flow",
)

_KNOWN_MODELS: dict[str, str] = {
    name.upper(): name for name in (*MODEL_CODES.values(), *SERIAL_PREFIXES.values())
}


# --------------------------------------------------------------------------------------------
# Merging
# --------------------------------------------------------------------------------------------


def deep_merge(state: dict[str, Any], delta: dict[str, Any], *, full: bool = False) -> None:
    """Merge one report into the cached state, in place.

    P1/A1 printers send only changed fields after the first full report, so the cache must keep
    everything not mentioned. Dicts merge recursively; lists replace, except AMS units and trays
    (`ams`, `tray`, `vir_slot`), which are merged by `id` because deltas carry only the changed
    slot. A slot reduced to `{id}` or `{id, state: 0}` is an emptied slot and replaces the old one.
    With `full=True` (a `msg == 0` report, authoritative) every list replaces, so removed AMS
    units disappear. The state takes ownership of `delta`'s nested objects (no copies: it runs
    for every message); do not reuse `delta` afterwards.
    """
    if type(state) is not dict or type(delta) is not dict:
        return
    for key, new in delta.items():
        new_type = type(new)
        if new_type is dict:
            old = state.get(key)
            if type(old) is dict:
                deep_merge(old, new, full=full)
            else:
                state[key] = new
        elif new_type is list and not full and key in _ID_MERGED_LISTS:
            old = state.get(key)
            state[key] = _merge_by_id(old, new, key in _SLOT_LISTS) if type(old) is list else new
        else:
            state[key] = new


def _merge_by_id(old: list[Any], new: list[Any], slots: bool) -> list[Any]:
    """Merge list items by their `id`; items the delta does not mention are kept."""
    index: dict[str, dict[str, Any]] = {}
    for item in old:
        if type(item) is dict and "id" in item:
            index[str(item["id"])] = item
    updated: dict[str, dict[str, Any]] = {}
    for item in new:
        if type(item) is not dict or "id" not in item:
            return new  # not an id-keyed list after all: replace, as for any other list
        item_id = str(item["id"])
        prev = index.get(item_id)
        if prev is None or (slots and _is_emptied_slot(item)):
            updated[item_id] = item
        else:
            deep_merge(prev, item)
            updated[item_id] = prev
    merged = [
        updated.pop(str(item["id"]), item) if type(item) is dict and "id" in item else item
        for item in old
    ]
    merged.extend(updated.values())
    return merged


def _is_emptied_slot(item: dict[str, Any]) -> bool:
    """True for `{id}` / `{id, state}` without the spool bit: the printer's way to say "empty"."""
    if not item.keys() <= _EMPTY_SLOT_KEYS:
        return False
    state = _int(item.get("state"))
    return state is None or not state & 1


# --------------------------------------------------------------------------------------------
# Value coercion (never raises)
# --------------------------------------------------------------------------------------------


def _int(value: Any) -> int | None:
    """Int from int, finite float or numeric string; None for anything else (bools included)."""
    kind = type(value)
    if kind is int:
        return int(value)
    if kind is float:
        return int(value) if math.isfinite(value) else None
    if kind is str:
        try:
            return int(value)
        except ValueError:
            number = _float(value)
            return None if number is None else int(number)
    return None


def as_int(value: Any) -> int | None:
    """Public form of the int coercion, for the client's cancel latch."""
    return _int(value)


def _float(value: Any) -> float | None:
    """Finite float from int, float or numeric string; None for anything else."""
    kind = type(value)
    try:
        if kind is float:
            number = value
        elif kind is int or kind is str:
            number = float(value)
        else:
            return None
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _str(value: Any) -> str | None:
    """Non-empty string or None."""
    return value if type(value) is str and value else None


def _packed_temp(value: Any) -> tuple[float | None, float | None]:
    """Split a `device.*` packed temperature: low 16 bits current, high 16 bits target."""
    packed = _int(value)
    if packed is None or packed < 0:
        return None, None
    return float(packed & 0xFFFF), float((packed >> 16) & 0xFFFF)


def _fan_percent(value: Any) -> int | None:
    """Fan PWM step "0"-"15" -> percent (rounded), as the printer screen shows it."""
    step = _int(value)
    if step is None or step < 0:
        return None
    return round(min(step, 15) * 100 / 15)


def _wifi_dbm(value: Any) -> int | None:
    """`"-54dBm"` -> -54."""
    if type(value) is str:
        text = value.strip()
        if text[-3:].lower() == "dbm":
            text = text[:-3]
        return _int(text.strip())
    return _int(value)


def _job_id(state: Mapping[str, Any]) -> str | None:
    """Cloud task/subtask id; LAN prints report "0", which is no id at all."""
    for key in ("task_id", "subtask_id"):
        value = state.get(key)
        if type(value) is int:  # exact type: a bool is no id
            value = str(value)
        if type(value) is str:
            value = value.strip()
            if value and value != "0":
                return value
    return None


def _color(value: Any) -> str | None:
    """`RRGGBBAA` -> `#RRGGBB`; None when not a hex colour."""
    if type(value) is not str or len(value) < 6:
        return None
    rgb = value[:6]
    try:
        int(rgb, 16)
    except ValueError:
        return None
    return "#" + rgb.upper()


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


def parse_snapshot(
    state: Mapping[str, Any],
    *,
    model: str | None,
    cancelled: bool = False,
    online: bool = True,
    serial: str | None = None,
    firmware: str | None = None,
    ams: tuple[tuple[AmsTray, ...], tuple[AmsUnit, ...]] | None = None,
) -> PrinterSnapshot:
    """Normalise the merged `print` state into a `PrinterSnapshot`.

    `state` is the merged content of the reports' `print` object. A `gcode_state` we do not know
    (or none yet) maps to IDLE, with the raw value kept in `raw_state`: an unknown state is most
    often a new firmware's idle/preparation flavour, and IDLE never starts or ends a job in the
    ledger. `online=False` forces OFFLINE. A FAILED job counts as CANCELLED when the caller saw the
    user-stop error (`cancelled`, the client latches it) or the error is still present.
    `ams`: the trays and units parsed before, when the caller knows that nothing they are read
    from (`AMS_KEYS`) changed since: a delta report rarely carries them, and rebuilding them on
    every report was a large part of a fleet's cost.
    """
    if not isinstance(state, Mapping):
        state = {}
    get = state.get
    canonical = (normalize_model(model) or "").upper()

    raw_state = _str(get("gcode_state"))
    status = (
        GCODE_STATES.get(raw_state.upper(), PrinterStatus.IDLE) if raw_state else PrinterStatus.IDLE
    )
    print_error = _int(get("print_error"))
    outcome: JobOutcome | None = None
    if status is PrinterStatus.FINISHED:
        outcome = JobOutcome.FINISHED
    elif status is PrinterStatus.FAILED:
        outcome = (
            JobOutcome.CANCELLED
            if cancelled or print_error == CANCELLED_PRINT_ERROR
            else JobOutcome.FAILED
        )
    stage_id = _int(get("stg_cur"))
    stage = STAGES.get(stage_id) if stage_id is not None else None
    if stage_id == 0 and not status.is_active:
        stage = IDLE  # stage 0 ("printing") is also sent at boot while idle
    if not online:
        status = PrinterStatus.OFFLINE

    device = get("device")
    if type(device) is not dict:
        device = {}
    extruders, active_index = _extruders(device)
    extruder = _by_id(extruders, active_index) or (extruders[0] if extruders else None)
    temps = _Temperatures(
        nozzle=_float(get("nozzle_temper")),
        nozzle_target=_float(get("nozzle_target_temper")),
        bed=_float(get("bed_temper")),
        bed_target=_float(get("bed_target_temper")),
        chamber=_float(get("chamber_temper")),
    )
    temps.read_device(device, extruder)
    if not model_has_chamber_sensor(model):
        temps.chamber = None
    right = _by_id(extruders, 0)
    left = _by_id(extruders, 1)
    dual = right is not None and left is not None
    right_temp, right_target = _packed_temp(right.get("temp")) if dual and right else (None, None)
    left_temp, left_target = _packed_temp(left.get("temp")) if dual and left else (None, None)
    diameter, nozzle_type = _nozzle(device, active_index, state)
    trays, units = ams if ams is not None else _ams(state, _active_slot(state, extruder))

    gcode_file = _str(get("gcode_file"))
    return PrinterSnapshot(
        status=status,
        raw_state=raw_state,
        online=online,
        progress=_float(get("mc_percent")),
        remaining_minutes=_int(get("mc_remaining_time")),
        current_layer=_int(get("layer_num")),
        total_layers=_int(get("total_layer_num")),
        nozzle_temperature=temps.nozzle,
        nozzle_target_temperature=temps.nozzle_target,
        bed_temperature=temps.bed,
        bed_target_temperature=temps.bed_target,
        chamber_temperature=temps.chamber,
        chamber_target_temperature=(
            temps.chamber_target if canonical in CHAMBER_HEATER_MODELS else None
        ),
        job_id=_job_id(state),
        job_name=_str(get("subtask_name")),
        file_name=(gcode_file.rsplit("/", 1)[-1] or None) if gcode_file else None,
        file_path=gcode_file,
        outcome=outcome,
        print_error=print_error,
        hms_errors=_hms(get("hms")),
        ams_trays=trays,
        ams_units=units,
        print_stage=stage,
        needs_attention=stage_id in ATTENTION_STAGES,
        door_open=_door_open(state, canonical, firmware),
        nozzle_diameter=diameter,
        nozzle_type=nozzle_type,
        left_nozzle_temperature=left_temp,
        left_nozzle_target_temperature=left_target,
        right_nozzle_temperature=right_temp,
        right_nozzle_target_temperature=right_target,
        active_nozzle=("left" if active_index == 1 else "right") if dual else None,
        speed_level=_int(get("spd_lvl")),
        speed_percent=_int(get("spd_mag")),
        fan_print=_fan_percent(get("cooling_fan_speed")),
        fan_hotend=_fan_percent(get("heatbreak_fan_speed")),
        wifi_signal_dbm=_wifi_dbm(get("wifi_signal")),
        chamber_light=_light_on(get("lights_report"), "chamber_light"),
        firmware=firmware,
        model=model,
        serial=serial,
    )


def _light_on(report: Any, node: str) -> bool | None:
    """`lights_report` [{node, mode: on|off|flashing}]: is `node` lit? None when not reported."""
    if type(report) is not list:
        return None
    for light in report:
        if type(light) is dict and light.get("node") == node:
            mode = light.get("mode")
            return mode in ("on", "flashing") if type(mode) is str else None
    return None


class _Temperatures:
    """Temperatures from the legacy keys, overridden by newer firmware's `device` block."""

    __slots__ = ("bed", "bed_target", "chamber", "chamber_target", "nozzle", "nozzle_target")

    def __init__(self, **values: float | None) -> None:
        self.nozzle = values["nozzle"]
        self.nozzle_target = values["nozzle_target"]
        self.bed = values["bed"]
        self.bed_target = values["bed_target"]
        self.chamber = values["chamber"]
        self.chamber_target: float | None = None

    def read_device(self, device: dict[str, Any], extruder: dict[str, Any] | None) -> None:
        """Prefer the packed `device.*` temperatures of newer firmware (H2, P2S, X2D)."""
        current, target = _packed_temp(_info_temp(device.get("bed")))
        if current is not None:
            self.bed, self.bed_target = current, target
        current, target = _packed_temp(_info_temp(device.get("ctc")))
        if current is not None:
            self.chamber, self.chamber_target = current, target
        if extruder is not None:
            current, target = _packed_temp(extruder.get("temp"))
            if current is not None:
                self.nozzle, self.nozzle_target = current, target


def _extruders(device: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """`device.extruder.info` entries and the active extruder's id.

    The active id is in bits 4-7 of `device.extruder.state` (0 = right, 1 = left on the H2D);
    unknown or single-nozzle printers count as extruder 0.
    """
    block = device.get("extruder")
    if type(block) is not dict:
        return [], 0
    infos = block.get("info")
    entries = [entry for entry in infos if type(entry) is dict] if type(infos) is list else []
    packed = _int(block.get("state"))
    return entries, (packed >> 4) & 0xF if packed is not None and packed >= 0 else 0


def _by_id(entries: list[dict[str, Any]], wanted: int) -> dict[str, Any] | None:
    return next((entry for entry in entries if _int(entry.get("id")) == wanted), None)


def _info_temp(block: Any) -> Any:
    """`device.<part>.info.temp`, or None when the shape differs."""
    if type(block) is dict:
        info = block.get("info")
        if type(info) is dict:
            return info.get("temp")
    return None


def _nozzle(
    device: dict[str, Any], active_index: int, state: Mapping[str, Any]
) -> tuple[float | None, str | None]:
    """(diameter, type) of the active nozzle: `device.nozzle.info` first, else the legacy keys."""
    diameter: float | None = None
    kind: str | None = None
    block = device.get("nozzle")
    infos = block.get("info") if type(block) is dict else None
    if type(infos) is list:
        entries = [entry for entry in infos if type(entry) is dict]
        entry = _by_id(entries, active_index) or (entries[0] if entries else None)
        if entry is not None:
            diameter = _float(entry.get("diameter"))
            kind = _nozzle_type(entry.get("type"))
    if diameter is None:
        diameter = _float(state.get("nozzle_diameter"))
    if kind is None:
        kind = _nozzle_type(state.get("nozzle_type"))
    return (diameter if diameter is not None and diameter > 0 else None), kind


def _nozzle_type(value: Any) -> str | None:
    """Legacy text ("hardened_steel") or a nozzle code: the second letter says the flow (H/E
    high flow, U the TPU high-flow nozzle, anything else standard), the digits the material."""
    text = _str(value)
    if text is None:
        return None
    if text.lower() in NOZZLE_TYPES:
        return text.lower()
    code = _NOZZLE_CODE.match(text.upper())
    if code is None:
        return None
    flow, digits = code.groups()
    if flow == "U":
        return "tpu_high_flow"
    material = _NOZZLE_MATERIALS.get(digits)
    if material is None:
        return None
    return f"high_flow_{material}" if flow in ("H", "E") else material


def _door_open(state: Mapping[str, Any], canonical_model: str, firmware: str | None) -> bool | None:
    """The door bit, from wherever this model reports it; None for printers without a sensor
    (or X1 firmware too old to report it)."""
    if canonical_model in DOOR_HOME_FLAG_MODELS:
        if _version(firmware) < DOOR_HOME_FLAG_FIRMWARE[canonical_model]:
            return None
        flags = _int(state.get("home_flag"))
    elif canonical_model in DOOR_STAT_MODELS:
        stat = state.get("stat")
        try:
            flags = int(stat, 16) if type(stat) is str else None
        except ValueError:
            flags = None
    else:
        return None
    return None if flags is None else bool(flags & _DOOR_OPEN)


def _version(firmware: str | None) -> tuple[int, ...]:
    """ "01.07.00.00" -> (1, 7, 0, 0); an unknown firmware counts as current."""
    try:
        return tuple(int(part) for part in firmware.split(".")) if firmware else (99,)
    except ValueError:
        return (99,)


def _hms(value: Any) -> tuple[HmsError, ...]:
    """`hms` list of `{attr, code}` -> HmsError tuple; malformed entries are skipped."""
    if type(value) is not list or not value:
        return ()
    errors = []
    for entry in value:
        if type(entry) is dict:
            attr = _int(entry.get("attr"))
            code = _int(entry.get("code"))
            if attr is not None and code is not None and attr >= 0 and code >= 0:
                errors.append(HmsError(attr, code))
    return tuple(errors)


def _active_slot(state: Mapping[str, Any], extruder: dict[str, Any] | None) -> tuple[int, int]:
    """(ams_id, slot) of the filament the active extruder is fed from; (-1, -1) for none.

    Newer firmware tells it per extruder in `snow` (AMS id << 8 | slot; AMS id 255 and 254 are
    the main and the deputy external spool): on an H2D, `tray_now` is only a slot number on the
    active extruder. Older firmware has `tray_now` alone: `ams_id * 4 + slot`, the AMS HT's
    unit id, 254 for the external spool, 255 for nothing.
    """
    snow = _int(extruder.get("snow")) if extruder is not None else None
    if snow is not None and snow >= 0:
        ams_id, slot = snow >> 8, snow & 0xFF
        if slot == _NOTHING_LOADED:
            return -1, -1
        if ams_id in (_MAIN_SPOOL, _DEPUTY_SPOOL):
            return _EXTERNAL_AMS_ID, 0 if ams_id == _MAIN_SPOOL else 1
        return ams_id, slot
    ams = state.get("ams")
    tray_now = _int(ams.get("tray_now")) if type(ams) is dict else None
    if tray_now is None or tray_now < 0 or tray_now == _NOTHING_LOADED:
        return -1, -1
    if tray_now == _DEPUTY_SPOOL:  # older firmware's id of its only external spool
        return _EXTERNAL_AMS_ID, 0
    if tray_now >= _AMS_HT_FIRST_ID:
        return tray_now, 0
    return tray_now >> 2, tray_now & 3


def _tray(ams_id: int, slot: int, tray: dict[str, Any], active: bool) -> AmsTray:
    """One AMS slot or external spool.

    Newer firmware says whether a spool is in the slot (bit 0 of `state`); without `state`
    (older firmware, external spools) a slot without a material is empty. Nothing measures an
    external spool: its `remain` (always 0 in real reports) is no remaining amount.
    """
    material = _str(tray.get("tray_type"))
    bits = _int(tray.get("state"))
    empty = not bits & _SPOOL_PRESENT if bits is not None and bits >= 0 else material is None
    if empty:
        return AmsTray(ams_id, slot, active=active, empty=True)
    remain = _int(tray.get("remain"))
    return AmsTray(
        ams_id,
        slot,
        material=material,
        color=_color(tray.get("tray_color")),
        remaining=(
            remain
            if remain is not None and 0 <= remain <= 100 and ams_id != _EXTERNAL_AMS_ID
            else None
        ),
        active=active,
    )


def _unit(ams_id: int, unit: dict[str, Any]) -> AmsUnit:
    """An AMS unit's climate; out-of-range values (sent at power-on) are not reported.

    An AMS without sensors (AMS Lite; P1/A1 firmware that does not pass them on) sends a fixed
    index and 0.0 °C: without a temperature or a humidity percentage the index is not real.
    """
    temperature = _float(unit.get("temp"))
    if temperature is not None and not 0 < temperature <= 100:
        temperature = None
    percent = _int(unit.get("humidity_raw"))
    if percent is not None and not 1 <= percent <= 100:
        percent = None
    index = _int(unit.get("humidity"))
    if (index is not None and not 1 <= index <= 5) or (temperature is None and percent is None):
        index = None
    return AmsUnit(ams_id, humidity_index=index, humidity_percent=percent, temperature=temperature)


def _ams(
    state: Mapping[str, Any], active: tuple[int, int]
) -> tuple[tuple[AmsTray, ...], tuple[AmsUnit, ...]]:
    """All AMS slots plus the external spool(s), and the AMS units' climate."""
    trays: list[AmsTray] = []
    units: list[AmsUnit] = []
    ams = state.get("ams")
    listed = ams.get("ams") if type(ams) is dict else None
    if type(listed) is list:
        for unit in listed:
            if type(unit) is not dict:
                continue
            ams_id = _int(unit.get("id"))
            unit_trays = unit.get("tray")
            if ams_id is None or ams_id < 0 or type(unit_trays) is not list:
                continue
            units.append(_unit(ams_id, unit))
            for tray in unit_trays:
                if type(tray) is not dict:
                    continue
                slot = _int(tray.get("id"))
                if slot is None or slot < 0:
                    continue
                trays.append(_tray(ams_id, slot, tray, active == (ams_id, slot)))
    for slot, spool in _external_spools(state).items():
        trays.append(_tray(_EXTERNAL_AMS_ID, slot, spool, active == (_EXTERNAL_AMS_ID, slot)))
    return tuple(trays), tuple(units)


def _external_spools(state: Mapping[str, Any]) -> dict[int, dict[str, Any]]:
    """Slot -> report of each physical external spool: 0 the only or main one, 1 the deputy.

    Newer firmware lists them in `vir_slot` (id 255 main, 254 deputy) and may repeat the main
    one as `vt_tray` (id "255"; X1C 01.09, H2D): `vir_slot` alone then counts. Older firmware
    has only `vt_tray` (id "254") for its single spool.
    """
    spools: dict[int, dict[str, Any]] = {}
    virtual = state.get("vir_slot")
    if type(virtual) is list:
        for spool in virtual:
            if type(spool) is dict:
                spool_id = _int(spool.get("id"))
                if spool_id in (_MAIN_SPOOL, _DEPUTY_SPOOL):
                    spools.setdefault(0 if spool_id == _MAIN_SPOOL else 1, spool)
    if not spools:
        external = state.get("vt_tray")
        if type(external) is dict:
            spools[0] = external
    return dict(sorted(spools.items()))


def external_spool_key_moves(state: Mapping[str, Any]) -> dict[str, str | None]:
    """How this printer's external-spool keys of earlier versions map to today's keys.

    Earlier versions keyed `vt_tray` and `vir_slot` 254 as `ams255_tray0` (`vt_tray` first) and
    `vir_slot` 255 as `ams255_tray1`. Today the main spool is `ams255_tray0` and the deputy
    `ams255_tray1`. Old key -> new key, or None where the old key showed a spool twice (X1C
    01.09: `vt_tray` and `vir_slot` 255 are one spool). An H2D (`vt_tray` plus both `vir_slot`)
    keeps its keys: tray0 showed the main spool, tray1 a copy of it and now the deputy.
    """
    if not isinstance(state, Mapping):
        return {}
    virtual = state.get("vir_slot")
    ids = (
        {_int(spool.get("id")) for spool in virtual if type(spool) is dict}
        if type(virtual) is list
        else set()
    )
    old_main = "ams255_tray1"
    old_deputy = "ams255_tray0"
    if type(state.get("vt_tray")) is dict:
        if _MAIN_SPOOL in ids and _DEPUTY_SPOOL not in ids:
            return {old_main: None}
        return {}
    moves: dict[str, str | None] = {}
    if _MAIN_SPOOL in ids:
        moves[old_main] = "ams255_tray0"
    if _DEPUTY_SPOOL in ids:
        moves[old_deputy] = "ams255_tray1"
    return moves


# --------------------------------------------------------------------------------------------
# Model identification
# --------------------------------------------------------------------------------------------


def normalize_model(name: str | None) -> str | None:
    """Marketing name from a product name ("Bambu Lab X1-Carbon" -> "X1C") or a short name."""
    if type(name) is not str:
        return None
    text = name.strip()
    if text.lower().startswith("bambu lab"):
        text = text[len("bambu lab") :].strip()
    if not text:
        return None
    upper = text.upper()
    return PRODUCT_NAMES.get(upper) or _KNOWN_MODELS.get(upper) or text


def model_from_serial(serial: str | None) -> str | None:
    """Model from the serial-number prefix (last resort: H2 prefixes collide)."""
    if type(serial) is not str or len(serial) < 3:
        return None
    return SERIAL_PREFIXES.get(serial[:3].upper())


def model_has_chamber_sensor(model: str | None) -> bool:
    """True where `chamber_temper` is real; P1/A1 report a constant 5 °C."""
    canonical = normalize_model(model)
    if canonical is None:
        return False
    upper = canonical.upper()
    return upper in CHAMBER_SENSOR_MODELS or upper.startswith("H2")


def model_sends_deltas(model: str | None) -> bool:
    """True for the ESP32 models (P1/A1) that send deltas and need the 5-minute pushall throttle.

    Unknown models count as delta senders: merging works either way, and the throttle protects a
    P1P that we failed to identify.
    """
    canonical = normalize_model(model)
    if canonical is None:
        return True
    upper = canonical.upper()
    if upper in DELTA_MODELS:
        return True
    if upper in CHAMBER_SENSOR_MODELS or upper.startswith(("H2", "X1", "X2", "P2")):
        return False
    return upper not in _KNOWN_MODELS


CAMERA_CHAMBER_IMAGE = "chamber_image"
CAMERA_RTSPS = "rtsps"


def model_camera(model: str | None) -> str | None:
    """The model's camera: the ESP32 models (P1/A1) send a JPEG chamber image over port 6000,
    the others (X1, H2, P2S, X2D) H.264 over RTSPS; None for a model we do not know."""
    canonical = normalize_model(model)
    if canonical is None:
        return None
    upper = canonical.upper()
    if upper in DELTA_MODELS:
        return CAMERA_CHAMBER_IMAGE
    if upper.startswith(("X1", "H2", "P2", "X2")):
        return CAMERA_RTSPS
    return None


def _board_model(module: Mapping[str, Any]) -> str | None:
    """Legacy identification from the main board's `hw_ver` + `project_name` (§1.4)."""
    hw_ver = _str(module.get("hw_ver")) or ""
    project = (_str(module.get("project_name")) or "").upper()
    if project in MODEL_CODES:
        return MODEL_CODES[project]
    if hw_ver == "AP02":
        return "X1E"
    if hw_ver == "AP05" and not project:
        return "X1C"
    return None


def parse_version(
    info_reply: Mapping[str, Any], serial: str | None
) -> tuple[str | None, str | None]:
    """(model, firmware) from an `info.get_version` reply.

    Order of trust (reference §1.4): `product_name` (newer firmware), then the board's hw/project
    codes, then the serial prefix. Firmware is the `ota` module's `sw_ver`.
    """
    info: Any = info_reply
    if isinstance(info_reply, Mapping) and isinstance(info_reply.get("info"), Mapping):
        info = info_reply["info"]
    modules = info.get("module") if isinstance(info, Mapping) else None
    if type(modules) is not list:
        modules = []
    firmware: str | None = None
    product: str | None = None
    board: str | None = None
    for module in modules:
        if type(module) is not dict:
            continue
        name = module.get("name")
        if name == "ota":
            firmware = _str(module.get("sw_ver")) or firmware
            product = normalize_model(module.get("product_name")) or product
        elif name in ("esp32", "rv1126", "ap") and board is None:
            board = _board_model(module)
    if product is None:
        for module in modules:
            # AMS and other accessory modules carry their own product names.
            if type(module) is not dict or str(module.get("name") or "").startswith(
                ("ams", "n3f", "n3s", "ahb")
            ):
                continue
            if found := normalize_model(module.get("product_name")):
                product = found
                break
    return product or board or model_from_serial(serial), firmware
