"""A job's energy: the plug's meter when it is believable, else the printer's power × print hours.

The one place that knows a printer's power (`printer_power_watts`): the ledger's estimate and
the `calculate_cost` quote both ask here, so a quote and a recorded job never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import State

from custom_components.printernizer.const import CONF_POWER_WATTS, DEFAULT_POWER_WATTS
from custom_components.printernizer.costs import estimate_energy_kwh

# Energy sources stored with a job.
ENERGY_MEASURED: Final = "measured"
ENERGY_ESTIMATED: Final = "estimated"

# More than this average power (kW) over the job is not a believable meter delta.
MAX_PLAUSIBLE_KW: Final = Decimal(5)

# Average power while printing PLA, by model (first matching fragment of the lower-case,
# alphanumeric model name wins, so "a1mini" comes before "a1" and "mini").
# Measured: A1 mini 80 W, A1 95 W, P1S 105 W, X1C 105 W are community smart-plug readings as
# gathered in the project's design notes (reference/printernizer-and-peers.md §6). Neither
# Bambu Lab nor Prusa publish an average; every other figure is our estimate from the nearest
# measured machine: the same electronics and bed (P1P as P1S, X1/X1E as X1C with the X1E's
# chamber heater off for PLA, P2S as P1S plus its chamber fan), the heated-bed area for larger
# beds (H2S 340×320 mm and H2D 350×320 mm are about 1.7× the P1S's 256×256 mm), and for Prusa
# the MK4 at our 100 W default with the MK3S's smaller bed, the MINI's 180×180 mm bed and the
# XL's 360×360 mm segmented bed scaled from it. Models not listed (X2D, A2L, …) get 100 W.
# An energy sensor or the printer's power option always wins over this table.
MODEL_POWER_WATTS: Final[tuple[tuple[str, int], ...]] = (
    ("a1mini", 80),
    ("a1", 95),
    ("p1s", 105),
    ("p1p", 105),
    ("p2s", 110),
    ("x1", 105),  # X1, X1C, X1 Carbon, X1E
    ("h2d", 150),  # H2D, H2D Pro
    ("h2s", 140),
    ("mk3", 80),  # MK3S, MK3S+, MK3.5
    ("mk4", 100),  # MK4, MK4S
    ("coreone", 100),  # Core One, Core One L
    ("xl", 150),
    ("mini", 50),  # MINI, MINI+
)


@dataclass(frozen=True, slots=True)
class EnergyUse:
    """A job's kWh, where they came from, and the watts an estimate used (None if measured)."""

    kwh: Decimal
    source: str
    power_watts: Decimal | None


def to_decimal_or_none(value: Any) -> Decimal | None:
    """Decimal from an option or state value; None when it is not a finite number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        result = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return result if result.is_finite() else None


def default_power_watts(model: str | None) -> int:
    """Typical printing power of a model, so an unconfigured printer still gets an estimate."""
    if model:
        key = "".join(ch for ch in model.lower() if ch.isalnum())
        for fragment, watts in MODEL_POWER_WATTS:
            if fragment in key:
                return watts
    return DEFAULT_POWER_WATTS


def printer_power_watts(options: Mapping[str, Any], model: str | None) -> Decimal:
    """A printer's power while printing: its option when set above 0, else its model's typical."""
    configured = to_decimal_or_none(options.get(CONF_POWER_WATTS))
    if configured is not None and configured > 0:
        return configured
    return Decimal(default_power_watts(model))


def meter_kwh(state: State | None) -> Decimal | None:
    """An energy sensor's reading in kWh; None when unavailable or not a number."""
    if state is None or state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
        return None
    value = to_decimal_or_none(state.state)
    if value is None:
        return None
    unit = state.attributes.get("unit_of_measurement")
    if unit == "Wh":
        return value / 1000
    if unit == "MWh":
        return value * 1000
    return value


def plausible_delta(
    start_kwh: Decimal | None, end_kwh: Decimal | None, hours: float
) -> Decimal | None:
    """The meter's delta over `hours` when it is believable (no reset, at most 5 kW), else None."""
    if start_kwh is None or end_kwh is None:
        return None
    delta = end_kwh - start_kwh
    if delta < 0 or delta > MAX_PLAUSIBLE_KW * Decimal(str(max(hours, 0.0))):
        return None
    return delta


def energy_use(
    *,
    start_kwh: Decimal | None,
    end_kwh: Decimal | None,
    elapsed_hours: float,
    print_hours: Decimal,
    power_watts: Decimal,
) -> EnergyUse:
    """Measured when the meter is believable over the elapsed time, else watts × print hours."""
    measured = plausible_delta(start_kwh, end_kwh, elapsed_hours)
    if measured is not None:
        return EnergyUse(measured, ENERGY_MEASURED, None)
    return EnergyUse(estimate_energy_kwh(power_watts, print_hours), ENERGY_ESTIMATED, power_watts)
