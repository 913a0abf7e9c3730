"""The cost model, number by number (expected values computed by hand in the comments)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from custom_components.printernizer.api.models import MaterialUsage
from custom_components.printernizer.costs import (
    CostBreakdown,
    allocate_material_cents,
    cents_to_eur,
    compute_cost,
    compute_cost_from_snapshot,
    estimate_energy_kwh,
    hours_from_seconds,
    material_grams_for_outcome,
    price_snapshot,
    round_cents,
    to_decimal,
)
from custom_components.printernizer.settings import Settings

D = Decimal


def settings(**kwargs) -> Settings:
    """PLA 25 €/kg, PETG 28 €/kg, default 25 €/kg, 0.30 €/kWh, 19 % VAT unless overridden."""
    return Settings(download_dir="/tmp/x", **kwargs)


@pytest.mark.parametrize(
    ("amount", "cents"),
    [
        ("0.125", 13),  # 12.5 ct -> 13 (banker's rounding would give 12)
        ("1.005", 101),  # 100.5 ct -> 101 (banker's: 100)
        ("0.135", 14),  # 13.5 ct -> 14 (both agree)
        ("0.1249999", 12),  # 12.49999 ct -> 12
        ("2.675", 268),  # a float 2.675 is 2.67499…; Decimal keeps the 5
        ("-0.125", -13),  # half away from zero
        ("0", 0),
    ],
)
def test_round_cents_half_up(amount: str, cents: int) -> None:
    """Kaufmännisches Runden, not Python's round()."""
    assert round_cents(D(amount)) == cents


def test_banker_rounding_would_differ() -> None:
    """Guard: Python's round() really differs on these, so the tests above can fail."""
    assert round(12.5) == 12
    assert round_cents(D("0.125")) == 13


def test_to_decimal_keeps_float_text() -> None:
    """0.1 + 0.2 as floats is 0.30000000000000004; via str() the Decimals are exact."""
    assert to_decimal(0.1) + to_decimal(0.2) == D("0.3")
    with pytest.raises(ValueError):
        to_decimal("nan")
    with pytest.raises(TypeError):
        to_decimal(True)


def test_cost_vat_19() -> None:
    """PLA 123.4 g, 120 W for 2.5 h, machine 1.50 €/h, 19 % VAT."""
    # material = 123.4 × 25 / 1000 = 3.085 € -> 309 ct (half-up; banker's would give 308)
    # energy_kwh = 120 W × 2.5 h / 1000 = 0.3 kWh; × 0.30 = 0.09 € -> 9 ct
    # machine = 2.5 h × 1.50 = 3.75 € -> 375 ct
    # net = 309 + 9 + 375 = 693 ct; vat = 6.93 × 0.19 = 1.3167 -> 132 ct; gross = 825 ct
    kwh = estimate_energy_kwh(D(120), D("2.5"))
    assert kwh == D("0.3")
    cost = compute_cost(
        materials=[MaterialUsage("PLA", 123.4)],
        print_hours=D("2.5"),
        energy_kwh=kwh,
        settings=settings(),
        machine_rate=D("1.50"),
    )
    assert cost == CostBreakdown(309, 9, 375, 693, 132, 825)
    assert cost.as_response("EUR") == {
        "material_cost": 3.09,
        "energy_cost": 0.09,
        "machine_cost": 3.75,
        "net": 6.93,
        "vat": 1.32,
        "gross": 8.25,
        "currency": "EUR",
    }


def test_cost_vat_7() -> None:
    """Same job at the reduced rate: vat = 6.93 × 0.07 = 0.4851 -> 49 ct; gross 742 ct."""
    cost = compute_cost(
        materials=[MaterialUsage("PLA", 123.4)],
        print_hours=D("2.5"),
        energy_kwh=D("0.3"),
        settings=settings(vat_rate=D(7)),
        machine_rate=D("1.50"),
    )
    assert (cost.net_cents, cost.vat_cents, cost.gross_cents) == (693, 49, 742)


def test_cost_kleinunternehmer() -> None:
    """§19 UStG: no VAT whatever the rate says; gross = net = 693 ct."""
    cost = compute_cost(
        materials=[MaterialUsage("PLA", 123.4)],
        print_hours=D("2.5"),
        energy_kwh=D("0.3"),
        settings=settings(small_business=True),
        machine_rate=D("1.50"),
    )
    assert (cost.net_cents, cost.vat_cents, cost.gross_cents) == (693, 0, 693)
    assert settings(small_business=True).effective_vat_rate == 0


def test_vat_half_up_edge() -> None:
    """net 1.50 € (1 h × 1.50 €/h); vat = 1.50 × 0.19 = 0.285 -> 29 ct (banker's: 28)."""
    cost = compute_cost(
        materials=[],
        print_hours=D(1),
        energy_kwh=D(0),
        settings=settings(),
        machine_rate=D("1.50"),
    )
    assert cost == CostBreakdown(0, 0, 150, 150, 29, 179)


def test_material_half_up_edge() -> None:
    """5 g PLA × 25 €/kg = 0.125 € -> 13 ct."""
    cost = compute_cost(
        materials=[MaterialUsage("PLA", 5)],
        print_hours=D(0),
        energy_kwh=D(0),
        settings=settings(),
        machine_rate=D(0),
    )
    # net 13; vat = 0.13 × 0.19 = 0.0247 -> 2 ct; gross 15
    assert cost == CostBreakdown(13, 0, 0, 13, 2, 15)


def test_energy_measured_vs_estimated() -> None:
    """Measured 0.45 kWh vs estimated 110 W × 2.25 h."""
    # measured: 0.45 × 0.30 = 0.135 € -> 14 ct
    measured = compute_cost(
        materials=[],
        print_hours=D("2.25"),
        energy_kwh=D("0.45"),
        settings=settings(),
        machine_rate=D(0),
    )
    assert measured.energy_cents == 14
    # estimated: 110 × 2.25 / 1000 = 0.2475 kWh; × 0.30 = 0.07425 € -> 7 ct
    kwh = estimate_energy_kwh(D(110), D("2.25"))
    assert kwh == D("0.2475")
    estimated = compute_cost(
        materials=[],
        print_hours=D("2.25"),
        energy_kwh=kwh,
        settings=settings(),
        machine_rate=D(0),
    )
    assert estimated.energy_cents == 7


def test_estimate_energy_keeps_milliwatt_hours() -> None:
    """100 W for 1000 s: 1000/3600 h × 100 / 1000 = 0.02777… kWh -> 0.027778 kWh."""
    assert hours_from_seconds(5400) == D("1.5")
    assert estimate_energy_kwh(D(100), hours_from_seconds(1000)) == D("0.027778")


def test_failed_job_at_40_percent() -> None:
    """A failed job at 40 % used 40 % of the planned grams."""
    plan = [MaterialUsage("PLA", 50), MaterialUsage("PETG", 30)]
    used = material_grams_for_outcome(plan, "failed", 40.0)
    # 50 × 0.4 = 20 g; 30 × 0.4 = 12 g
    assert [(m.material, to_decimal(m.grams)) for m in used] == [("PLA", D(20)), ("PETG", D(12))]
    cost = compute_cost(
        materials=used, print_hours=D(0), energy_kwh=D(0), settings=settings(), machine_rate=D(0)
    )
    # 20 × 25 / 1000 + 12 × 28 / 1000 = 0.5 + 0.336 = 0.836 € -> 84 ct
    assert cost.material_cents == 84
    # cancelled scales the same way; finished does not; unknown progress keeps the plan
    assert material_grams_for_outcome(plan, "cancelled", 40.0) == used
    assert material_grams_for_outcome(plan, "finished", 40.0) == plan
    assert material_grams_for_outcome(plan, "failed", None) == plan
    # progress is clamped to 0..100; 33.3333 % of 10 g = 3.33333 g -> 3.333 g (milligram)
    assert material_grams_for_outcome(plan, "failed", 250.0) == plan
    assert to_decimal(
        material_grams_for_outcome([MaterialUsage("PLA", 10)], "failed", 33.3333)[0].grams
    ) == D("3.333")


def test_multi_material_sums_before_rounding() -> None:
    """PLA 10.1 g and petg (lower case) 10.1 g: the sum is rounded once."""
    # 10.1 × 25 / 1000 = 0.2525; 10.1 × 28 / 1000 = 0.2828; sum 0.5353 € -> 54 ct
    # (rounding each line first would give 25 + 28 = 53 ct)
    cost = compute_cost(
        materials=[MaterialUsage("PLA", 10.1), MaterialUsage("petg", 10.1)],
        print_hours=D(0),
        energy_kwh=D(0),
        settings=settings(),
        machine_rate=D(0),
    )
    assert cost.material_cents == 54


def test_unknown_material_uses_default_price() -> None:
    """TPU is not in the table: 10 g × default 30 €/kg = 0.30 € -> 30 ct."""
    s = settings(default_material_price=D(30))
    assert s.price_per_kg("TPU") == 30
    assert s.price_per_kg(" pla ") == 25
    cost = compute_cost(
        materials=[MaterialUsage("TPU", 10)],
        print_hours=D(0),
        energy_kwh=D(0),
        settings=s,
        machine_rate=D(0),
    )
    assert cost.material_cents == 30


def test_snapshot_reproduces_cost() -> None:
    """The price snapshot stored with a job recomputes the same cost after prices change."""
    s = settings()
    materials = [MaterialUsage("PLA", 123.4), MaterialUsage("TPU", 7)]
    prices = price_snapshot(s, materials, machine_rate=D("1.50"), power_watts=D(120))
    assert prices == {
        "default_material_price": "25",
        "electricity_price": "0.30",
        "machine_rate": "1.50",
        "vat_rate": "19",
        "small_business": "false",
        "material:PLA": "25",
        "material:TPU": "25",
        "price_source:PLA": "table",
        "price_source:TPU": "default",  # TPU is not in the table
        "power_watts": "120",
    }
    original = compute_cost(
        materials=materials,
        print_hours=D("2.5"),
        energy_kwh=D("0.3"),
        settings=s,
        machine_rate=D("1.50"),
    )
    again = compute_cost_from_snapshot(
        materials=materials, print_hours=D("2.5"), energy_kwh=D("0.3"), prices=prices
    )
    assert again == original


def test_allocate_material_cents() -> None:
    """Split 54 ct over PLA 0.2525 € and PETG 0.2828 € (sum 0.5353 €)."""
    # exact: PLA 54 × 0.2525 / 0.5353 = 25.47…, PETG 28.52…; floors 25 + 28 = 53, the one cent
    # left goes to the larger remainder (PETG .52 > PLA .47): PLA 25, PETG 29 (sum 54)
    prices = {"material:PLA": "25", "material:PETG": "28", "default_material_price": "25"}
    shares = allocate_material_cents(
        [MaterialUsage("PLA", 10.1), MaterialUsage("petg", 10.1)], prices, 54
    )
    assert shares == {"PLA": 25, "PETG": 29}
    # no prices at all: split by grams, 10 ct over 1 g : 3 g -> 2.5 / 7.5 -> tie broken by name
    assert allocate_material_cents([MaterialUsage("A", 1), MaterialUsage("B", 3)], {}, 10) == {
        "A": 3,
        "B": 7,
    }


def test_cents_to_eur() -> None:
    """Two-decimal numbers for JSON."""
    assert cents_to_eur(825) == 8.25
    assert cents_to_eur(5) == 0.05
    assert cents_to_eur(None) is None
