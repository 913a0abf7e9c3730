"""The cost model: one place where a print's cost is computed (DESIGN.md "Cost formula").

Why Decimal and half-up: German commercial rounding (kaufmännisches Runden) rounds 0.5 cent away
from zero; Python's round() and float arithmetic do not. Amounts are kept exact until each
component (material, energy, machine) is rounded once to cents; VAT is then computed on the
rounded net sum and rounded once more.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from .api.models import MaterialUsage

if TYPE_CHECKING:
    from .settings import Settings

ONE = Decimal(1)
HUNDRED = Decimal(100)
THOUSAND = Decimal(1000)
GRAMS_QUANTUM = Decimal("0.001")  # grams are kept to the milligram
KWH_QUANTUM = Decimal("0.000001")  # kWh are kept to the milliwatt-hour
ENDED_WITH_PARTIAL_USE = ("failed", "cancelled")

# Keys of the per-job price snapshot (`JobRecord.prices`), all values are strings.
PRICE_MATERIAL_PREFIX = "material:"  # + material name as used by the job, EUR per kg
PRICE_DEFAULT_MATERIAL = "default_material_price"
PRICE_ELECTRICITY = "electricity_price"  # EUR per kWh
PRICE_MACHINE_RATE = "machine_rate"  # EUR per print hour
PRICE_VAT_RATE = "vat_rate"  # percent
PRICE_SMALL_BUSINESS = "small_business"  # "true" / "false"
PRICE_POWER_WATTS = "power_watts"  # only when energy was estimated
PRICE_SOURCE_PREFIX = "price_source:"  # + material name: where its price came from
PRICE_SOURCE_TABLE = "table"  # the material's own price in the settings' table
PRICE_SOURCE_DEFAULT = "default"  # not in the table: the default material price


def to_decimal(value: Decimal | float | str) -> Decimal:
    """Exact Decimal of a number; floats go through str() so 0.1 stays 0.1."""
    if isinstance(value, bool):
        raise TypeError("a bool is not an amount")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float | str):
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation as err:
            raise ValueError(f"not a number: {value!r}") from err
    else:
        raise TypeError(f"not a number: {value!r}")
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def round_cents(value: Decimal) -> int:
    """EUR amount -> integer cents, half-up (half away from zero)."""
    return int((value * HUNDRED).quantize(ONE, rounding=ROUND_HALF_UP))


def cents_to_eur(cents: int | None) -> float | None:
    """Integer cents -> EUR number with two decimals for JSON responses."""
    if cents is None:
        return None
    return float(Decimal(cents) / HUNDRED)


def hours_from_seconds(seconds: int | float | Decimal) -> Decimal:
    """Print seconds -> hours (exact to Decimal precision; rounding happens at cents)."""
    return to_decimal(seconds) / Decimal(3600)


def estimate_energy_kwh(power_watts: Decimal, print_hours: Decimal) -> Decimal:
    """kWh from average watts × hours, kept to 1 mWh so the stored value reproduces the cost."""
    return (to_decimal(power_watts) * to_decimal(print_hours) / THOUSAND).quantize(
        KWH_QUANTUM, rounding=ROUND_HALF_UP
    )


def material_grams_for_outcome(
    materials: Sequence[MaterialUsage], status: str, progress: float | None
) -> list[MaterialUsage]:
    """Grams a job really used: a failed or cancelled job used `progress` % of the plan.

    `progress` is a percentage 0..100 (clamped). Unknown progress leaves the plan unscaled (the
    caller should then mark the job incomplete). Scaled grams are kept to the milligram.
    """
    if status not in ENDED_WITH_PARTIAL_USE or progress is None:
        return list(materials)
    factor = min(max(to_decimal(progress), Decimal(0)), HUNDRED) / HUNDRED
    return [
        MaterialUsage(
            m.material,
            float((to_decimal(m.grams) * factor).quantize(GRAMS_QUANTUM, rounding=ROUND_HALF_UP)),
        )
        for m in materials
    ]


@dataclass(frozen=True, slots=True)
class CostBreakdown:
    """A job's cost in integer cents; net = material + energy + machine, gross = net + vat."""

    material_cents: int
    energy_cents: int
    machine_cents: int
    net_cents: int
    vat_cents: int
    gross_cents: int

    def as_response(self, currency: str) -> dict[str, Any]:
        """Numbers in EUR with two decimals, for service responses and events."""
        return {
            "material_cost": cents_to_eur(self.material_cents),
            "energy_cost": cents_to_eur(self.energy_cents),
            "machine_cost": cents_to_eur(self.machine_cents),
            "net": cents_to_eur(self.net_cents),
            "vat": cents_to_eur(self.vat_cents),
            "gross": cents_to_eur(self.gross_cents),
            "currency": currency,
        }


def material_amount(
    materials: Sequence[MaterialUsage], price_per_kg: Callable[[str | None], Decimal]
) -> Decimal:
    """Unrounded material cost: Σ grams_i × price_per_kg(material_i) / 1000."""
    total = Decimal(0)
    for line in materials:
        total += to_decimal(line.grams) * price_per_kg(line.material) / THOUSAND
    return total


def compute_cost_with(
    *,
    materials: Sequence[MaterialUsage],
    print_hours: Decimal,
    energy_kwh: Decimal,
    price_per_kg: Callable[[str | None], Decimal],
    electricity_price: Decimal,
    machine_rate: Decimal,
    vat_rate: Decimal,
    small_business: bool,
) -> CostBreakdown:
    """The formula with explicit prices (used for live settings and for price snapshots)."""
    material = round_cents(material_amount(materials, price_per_kg))
    energy = round_cents(to_decimal(energy_kwh) * to_decimal(electricity_price))
    machine = round_cents(to_decimal(print_hours) * to_decimal(machine_rate))
    net = material + energy + machine
    vat = (
        0
        if small_business
        else round_cents(Decimal(net) / HUNDRED * to_decimal(vat_rate) / HUNDRED)
    )
    return CostBreakdown(
        material_cents=material,
        energy_cents=energy,
        machine_cents=machine,
        net_cents=net,
        vat_cents=vat,
        gross_cents=net + vat,
    )


def compute_cost(
    *,
    materials: Sequence[MaterialUsage],
    print_hours: Decimal,
    energy_kwh: Decimal,
    settings: Settings,
    machine_rate: Decimal,
) -> CostBreakdown:
    """Cost of a print with the current settings (DESIGN.md formula, exactly)."""
    return compute_cost_with(
        materials=materials,
        print_hours=print_hours,
        energy_kwh=energy_kwh,
        price_per_kg=settings.price_per_kg,
        electricity_price=settings.electricity_price,
        machine_rate=machine_rate,
        vat_rate=settings.vat_rate,
        small_business=settings.small_business,
    )


def price_snapshot(
    settings: Settings,
    materials: Sequence[MaterialUsage],
    *,
    machine_rate: Decimal,
    power_watts: Decimal | None = None,
) -> dict[str, str]:
    """Every price a cost used, as strings, for `Ledger.finish_job(prices=...)` (GoBD).

    With this snapshot a job's cost can be recomputed years later (`compute_cost_from_snapshot`)
    and reports can split material cost per material.
    """
    prices: dict[str, str] = {
        PRICE_DEFAULT_MATERIAL: _s(settings.default_material_price),
        PRICE_ELECTRICITY: _s(settings.electricity_price),
        PRICE_MACHINE_RATE: _s(to_decimal(machine_rate)),
        PRICE_VAT_RATE: _s(settings.vat_rate),
        PRICE_SMALL_BUSINESS: "true" if settings.small_business else "false",
    }
    for line in materials:
        prices[PRICE_MATERIAL_PREFIX + line.material] = _s(settings.price_per_kg(line.material))
        prices[PRICE_SOURCE_PREFIX + line.material] = price_source(settings, line.material)
    if power_watts is not None:
        prices[PRICE_POWER_WATTS] = _s(to_decimal(power_watts))
    return prices


def price_source(settings: Settings, material: str | None) -> str:
    """`table` when the material has its own price (case-insensitive), else `default`.

    A quote or job priced with the default says so: its material cost may be wrong.
    """
    if material is not None:
        wanted = material.strip().casefold()
        if any(name.strip().casefold() == wanted for name in settings.material_prices):
            return PRICE_SOURCE_TABLE
    return PRICE_SOURCE_DEFAULT


def snapshot_price_source(prices: Mapping[str, str], material: str) -> str | None:
    """Where a job's material price came from when it was priced; None for jobs priced before
    the source was recorded (their snapshot cannot tell a table price from the default)."""
    return prices.get(PRICE_SOURCE_PREFIX + material)


def snapshot_price_per_kg(prices: Mapping[str, str]) -> Callable[[str | None], Decimal]:
    """price_per_kg as it was when the job was priced (case-insensitive, default fallback)."""
    by_name = {
        key[len(PRICE_MATERIAL_PREFIX) :].strip().casefold(): Decimal(value)
        for key, value in prices.items()
        if key.startswith(PRICE_MATERIAL_PREFIX)
    }
    default = Decimal(prices.get(PRICE_DEFAULT_MATERIAL, "0"))

    def lookup(material: str | None) -> Decimal:
        if material is None:
            return default
        return by_name.get(material.strip().casefold(), default)

    return lookup


def compute_cost_from_snapshot(
    *,
    materials: Sequence[MaterialUsage],
    print_hours: Decimal,
    energy_kwh: Decimal,
    prices: Mapping[str, str],
) -> CostBreakdown:
    """Recompute a cost from a job's price snapshot (for corrections that change grams)."""
    return compute_cost_with(
        materials=materials,
        print_hours=print_hours,
        energy_kwh=energy_kwh,
        price_per_kg=snapshot_price_per_kg(prices),
        electricity_price=Decimal(prices.get(PRICE_ELECTRICITY, "0")),
        machine_rate=Decimal(prices.get(PRICE_MACHINE_RATE, "0")),
        vat_rate=Decimal(prices.get(PRICE_VAT_RATE, "0")),
        small_business=prices.get(PRICE_SMALL_BUSINESS, "false") == "true",
    )


def allocate_material_cents(
    materials: Sequence[MaterialUsage], prices: Mapping[str, str], material_cents: int
) -> dict[str, int]:
    """Split a job's rounded material cents over its materials so the parts sum exactly.

    Each material's share is its unrounded grams × snapshotted price / 1000 (the same terms the
    job's cost summed); the cents are distributed by the largest-remainder method, so per-material
    report groups add up to the job totals to the cent. Material names are grouped upper-cased.
    Without usable prices the split is by grams.
    """
    lookup = snapshot_price_per_kg(prices)
    shares: dict[str, Decimal] = {}
    for line in materials:
        key = material_key(line.material)
        shares[key] = (
            shares.get(key, Decimal(0)) + to_decimal(line.grams) * lookup(line.material) / THOUSAND
        )
    total = sum(shares.values(), Decimal(0))
    if total <= 0:
        shares = {}
        for line in materials:
            key = material_key(line.material)
            shares[key] = shares.get(key, Decimal(0)) + to_decimal(line.grams)
        total = sum(shares.values(), Decimal(0))
    if not shares:
        return {}
    if total <= 0:
        first = next(iter(shares))
        return {key: (material_cents if key == first else 0) for key in shares}
    exact = {key: Decimal(material_cents) * share / total for key, share in shares.items()}
    floors = {
        key: int(value.to_integral_value(rounding=ROUND_FLOOR)) for key, value in exact.items()
    }
    left = material_cents - sum(floors.values())
    by_remainder = sorted(exact, key=lambda k: (-(exact[k] - floors[k]), k))
    for key in by_remainder[:left]:
        floors[key] += 1
    return floors


def material_key(material: str | None) -> str:
    """Group key of a material name ("pla " and "PLA" are the same material)."""
    return (material or "").strip().upper() or "UNKNOWN"


def _s(value: Decimal) -> str:
    return format(value, "f")
