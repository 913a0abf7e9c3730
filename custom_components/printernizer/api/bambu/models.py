"""Bambu-specific facts and types: model names, model codes, serial prefixes, discovery results.

Kept apart from the normalised models because only the Bambu client and the config flow need them.
Sources: reference/bambu-lan-protocol.md §1.4 (model identification) and §2 (SSDP).
"""

from __future__ import annotations

from dataclasses import dataclass

#: SSDP `DevModel.bambu.com` / slicer `printer_model_id` -> marketing name.
MODEL_CODES: dict[str, str] = {
    "BL-P001": "X1C",
    "3DPrinter-X1-Carbon": "X1C",
    "BL-P002": "X1",
    "3DPrinter-X1": "X1",
    "C13": "X1E",
    "C11": "P1P",
    "C12": "P1S",
    "N1": "A1 mini",
    "N2S": "A1",
    "N7": "P2S",
    "N6": "X2D",
    "O1D": "H2D",
    "O1E": "H2D Pro",
    "O2D": "H2D Pro",
    "O1C": "H2C",
    "O1C2": "H2C",
    "O1S": "H2S",
    "N9": "A2L",
}

#: Serial-number prefix -> marketing name (the weakest model signal; H2 prefixes collide).
SERIAL_PREFIXES: dict[str, str] = {
    "00M": "X1C",
    "00W": "X1",
    "03W": "X1E",
    "01S": "P1P",
    "01P": "P1S",
    "030": "A1 mini",
    "039": "A1",
    "22E": "P2S",
    "094": "H2D",
    "093": "H2S",
    "20P": "X2D",
    "26A": "A2L",
}

#: `product_name` spellings (after the "Bambu Lab " prefix) that differ from our short names.
PRODUCT_NAMES: dict[str, str] = {
    "X1-CARBON": "X1C",
    "X1 CARBON": "X1C",
    "X1-C": "X1C",
    "X1E": "X1E",
    "A1 MINI": "A1 mini",
    "A1MINI": "A1 mini",
    "H2D PRO": "H2D Pro",
}

#: Models whose `chamber_temper` is a real sensor (P1/A1 always report a fake 5 °C).
CHAMBER_SENSOR_MODELS: frozenset[str] = frozenset(
    {"X1", "X1C", "X1E", "H2D", "H2D PRO", "H2C", "H2S", "P2S", "X2D"}
)

#: Models that heat their chamber: `device.ctc.info.temp` carries a target in its high 16 bits.
CHAMBER_HEATER_MODELS: frozenset[str] = frozenset({"H2D", "H2D PRO", "H2C", "H2S"})

#: Where the door sensor is (bit 0x00800000): in `home_flag` on X1, in the hex `stat` on newer
#: models (ha-bambulab captures of both; P1/A1 have no door sensor).
DOOR_HOME_FLAG_MODELS: frozenset[str] = frozenset({"X1", "X1C", "X1E"})
#: X1 firmware from which `home_flag` carries the door (older firmware leaves the bit clear).
DOOR_HOME_FLAG_FIRMWARE: dict[str, tuple[int, ...]] = {
    "X1": (1, 7),
    "X1C": (1, 7),
    "X1E": (1, 1, 2),
}
DOOR_STAT_MODELS: frozenset[str] = frozenset({"H2D", "H2D PRO", "H2C", "H2S", "P2S", "X2D"})

#: ESP32-based models that send deltas and must not get `pushall` more than every 5 minutes.
DELTA_MODELS: frozenset[str] = frozenset({"P1P", "P1S", "A1", "A1 MINI", "A2L"})


@dataclass(frozen=True, slots=True)
class DiscoveredPrinter:
    """A printer heard on the network (SSDP NOTIFY on UDP 2021), used to prefill the config flow."""

    serial: str
    name: str | None
    model: str | None
    model_code: str | None
    host: str
    lan_only: bool
    bound: bool | None
    firmware: str | None
