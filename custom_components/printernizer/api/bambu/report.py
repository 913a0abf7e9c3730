"""Bambu `push_status` reports: merge deltas into a state cache and normalise it into a snapshot.

Pure and fast: the client runs this for every MQTT message (about once a second per X1 printer), so
nothing here copies the whole state, and nothing raises on unknown, missing or wrongly typed fields
(firmware changes keep adding and retyping keys; reference/bambu-lan-protocol.md §1.5).
"""

from __future__ import annotations

from collections.abc import Mapping
import math
from typing import Any

from custom_components.printernizer.api.models import (
    AmsTray,
    HmsError,
    JobOutcome,
    PrinterSnapshot,
    PrinterStatus,
)

from .models import (
    CHAMBER_SENSOR_MODELS,
    DELTA_MODELS,
    MODEL_CODES,
    PRODUCT_NAMES,
    SERIAL_PREFIXES,
)

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
_ID_MERGED_LISTS = frozenset({"ams", "tray", "vir_slot"})
#: Lists of filament slots, where an item reduced to `{id}` / `{id, state}` means "slot emptied".
_SLOT_LISTS = frozenset({"tray", "vir_slot"})
_EMPTY_SLOT_KEYS = frozenset({"id", "state"})

_EXTERNAL_AMS_ID = 255
_EXTERNAL_TRAY_NOW = 254
_NOTHING_LOADED = 255  # tray_now when no filament is loaded

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
) -> PrinterSnapshot:
    """Normalise the merged `print` state into a `PrinterSnapshot`.

    `state` is the merged content of the reports' `print` object. A `gcode_state` we do not know
    (or none yet) maps to IDLE, with the raw value kept in `raw_state`: an unknown state is most
    often a new firmware's idle/preparation flavour, and IDLE never starts or ends a job in the
    ledger. `online=False` forces OFFLINE. A FAILED job counts as CANCELLED when the caller saw the
    user-stop error (`cancelled`, the client latches it) or the error is still present.
    """
    if not isinstance(state, Mapping):
        state = {}
    get = state.get

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
    if not online:
        status = PrinterStatus.OFFLINE

    nozzle = _float(get("nozzle_temper"))
    nozzle_target = _float(get("nozzle_target_temper"))
    bed = _float(get("bed_temper"))
    bed_target = _float(get("bed_target_temper"))
    chamber = _float(get("chamber_temper"))
    device = get("device")
    if type(device) is dict:
        nozzle, nozzle_target, bed, bed_target, chamber = _device_temps(
            device, nozzle, nozzle_target, bed, bed_target, chamber
        )
    if not model_has_chamber_sensor(model):
        chamber = None

    gcode_file = _str(get("gcode_file"))
    return PrinterSnapshot(
        status=status,
        raw_state=raw_state,
        online=online,
        progress=_float(get("mc_percent")),
        remaining_minutes=_int(get("mc_remaining_time")),
        current_layer=_int(get("layer_num")),
        total_layers=_int(get("total_layer_num")),
        nozzle_temperature=nozzle,
        nozzle_target_temperature=nozzle_target,
        bed_temperature=bed,
        bed_target_temperature=bed_target,
        chamber_temperature=chamber,
        job_id=_job_id(state),
        job_name=_str(get("subtask_name")),
        file_name=(gcode_file.rsplit("/", 1)[-1] or None) if gcode_file else None,
        file_path=gcode_file,
        outcome=outcome,
        print_error=print_error,
        hms_errors=_hms(get("hms")),
        ams_trays=_ams_trays(state),
        speed_level=_int(get("spd_lvl")),
        speed_percent=_int(get("spd_mag")),
        fan_print=_fan_percent(get("cooling_fan_speed")),
        fan_hotend=_fan_percent(get("heatbreak_fan_speed")),
        wifi_signal_dbm=_wifi_dbm(get("wifi_signal")),
        firmware=firmware,
        model=model,
        serial=serial,
    )


def _device_temps(
    device: dict[str, Any],
    nozzle: float | None,
    nozzle_target: float | None,
    bed: float | None,
    bed_target: float | None,
    chamber: float | None,
) -> tuple[float | None, float | None, float | None, float | None, float | None]:
    """Prefer the packed `device.*` temperatures of newer firmware (H2, P2S, X2D)."""
    current, target = _packed_temp(_info_temp(device.get("bed")))
    if current is not None:
        bed, bed_target = current, target
    current, target = _packed_temp(_info_temp(device.get("ctc")))
    if current is not None:
        chamber = current
    extruder = device.get("extruder")
    if type(extruder) is dict:
        infos = extruder.get("info")
        if type(infos) is list:
            entries = [entry for entry in infos if type(entry) is dict]
            if entries:
                # Dual-nozzle H2D: the active extruder index is in bits 4-7 of `state`
                # (ha-bambulab); unknown or single-nozzle -> the first entry.
                active = _int(extruder.get("state"))
                index = (active >> 4) & 0xF if active is not None and active >= 0 else 0
                chosen = next((e for e in entries if _int(e.get("id")) == index), entries[0])
                current, target = _packed_temp(chosen.get("temp"))
                if current is not None:
                    nozzle, nozzle_target = current, target
    return nozzle, nozzle_target, bed, bed_target, chamber


def _info_temp(block: Any) -> Any:
    """`device.<part>.info.temp`, or None when the shape differs."""
    if type(block) is dict:
        info = block.get("info")
        if type(info) is dict:
            return info.get("temp")
    return None


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


def _tray(ams_id: int, slot: int, tray: dict[str, Any], active: bool) -> AmsTray:
    """One AMS slot; an empty slot has no material, colour or remaining percentage."""
    material = _str(tray.get("tray_type"))
    if material is None:
        return AmsTray(ams_id, slot, active=active)
    remain = _int(tray.get("remain"))
    return AmsTray(
        ams_id,
        slot,
        material=material,
        color=_color(tray.get("tray_color")),
        remaining=remain if remain is not None and 0 <= remain <= 100 else None,
        active=active,
    )


def _ams_trays(state: Mapping[str, Any]) -> tuple[AmsTray, ...]:
    """All AMS slots plus the external spool(s); `tray_now` marks the active one."""
    trays: list[AmsTray] = []
    tray_now: int | None = None
    ams = state.get("ams")
    if type(ams) is dict:
        tray_now = _int(ams.get("tray_now"))
        units = ams.get("ams")
        if type(units) is list:
            for unit in units:
                if type(unit) is not dict:
                    continue
                ams_id = _int(unit.get("id"))
                unit_trays = unit.get("tray")
                if ams_id is None or ams_id < 0 or type(unit_trays) is not list:
                    continue
                for tray in unit_trays:
                    if type(tray) is not dict:
                        continue
                    slot = _int(tray.get("id"))
                    if slot is None or slot < 0:
                        continue
                    # AMS HT units (ids 128-135) have one slot and are addressed by unit id.
                    index = ams_id * 4 + slot if ams_id < 128 else ams_id
                    trays.append(_tray(ams_id, slot, tray, tray_now == index))
    external = state.get("vt_tray")
    if type(external) is dict:
        trays.append(_tray(_EXTERNAL_AMS_ID, 0, external, tray_now == _EXTERNAL_TRAY_NOW))
    virtual = state.get("vir_slot")
    if type(virtual) is list:
        for tray in virtual:
            if type(tray) is dict:
                tray_id = _int(tray.get("id"))
                if tray_id is not None and tray_id >= _EXTERNAL_TRAY_NOW:
                    slot = tray_id - _EXTERNAL_TRAY_NOW
                    # tray_now 255 means "nothing loaded", never the second spool (id 255)
                    active = tray_now == tray_id != _NOTHING_LOADED
                    trays.append(_tray(_EXTERNAL_AMS_ID, slot, tray, active))
    return tuple(trays)


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
