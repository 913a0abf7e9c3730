"""Report edges: unpriced jobs, date values as text or datetimes, amounts that are no number.

Two ways in, each where it is real:

* through the services of a set-up Core One (simulated PrusaLink): the shared ledger is seeded
  with the jobs of tests/test_reports.py plus one job recorded without a price (U1 below);
* by calling reports.py directly where the service schema converts the value first (cv.date turns
  "2025-03-10" into a date and refuses "31.03.2025", so the text and datetime branches of
  reports.py are only reachable by code calling it).

U1  "Core One" (this test's config entry and its printer), business, 2025-03-12 12:00Z = 13:00 CET, 2 h,
    PLA 30 g + PETG 10 g, no energy, no prices, no cost (the ledger allows an unpriced job).
Report 01.03.–30.04.2025 = J5 J1 J2 J3 J4 (priced, tests/test_reports.py) + U1:
    6 jobs, 1 unpriced, grams 215 + 40 = 255, kWh 0.625, money unchanged (5.53 / … / 10.37).
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.printernizer.api.models import MaterialUsage
from custom_components.printernizer.const import DOMAIN
from custom_components.printernizer.data import DATA_SHARED
from custom_components.printernizer.ledger import Ledger
from custom_components.printernizer.reports import async_cost_report, async_list_jobs
from custom_components.printernizer.settings import Settings

from . import test_reports as _reports_tests
from .conftest import bambu_entry, prusa_entry
from .simulators.bambu import BambuSimulator
from .simulators.prusa import PrusaLinkSimulator
from .test_bambu import setup, wait_for
from .test_reports import TOTALS, figures, seed, z

# the seeded-ledger fixtures of tests/test_reports.py (direct calls, Berlin time)
ledger = _reports_tests.ledger
seeded = _reports_tests.seeded

BERLIN = ZoneInfo("Europe/Berlin")
ZERO_MONEY = {
    "material_cost": 0.0,
    "energy_cost": 0.0,
    "machine_cost": 0.0,
    "net": 0.0,
    "vat": 0.0,
    "gross": 0.0,
}
MATERIAL_ONLY = {
    "energy_kwh": None,
    "energy_cost": None,
    "machine_cost": None,
    "net": None,
    "vat": None,
    "gross": None,
}


async def call(hass: HomeAssistant, service: str, **data: object) -> dict[str, Any]:
    """Call a Printernizer service and return its response."""
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True
    )


def seed_with_unpriced(
    ledger: Ledger, settings: Settings, entry: MockConfigEntry
) -> dict[str, int]:
    """The jobs of tests/test_reports.py, then U1 of `entry`'s printer, finished without
    energy, prices or cost."""
    ids = seed(ledger, settings)
    started = z("2025-03-12T12:00")
    job = ledger.start_job(
        printer_uid=entry.unique_id, printer_name="Core One", entry_id=entry.entry_id, job_key="U1",
        name="Teil U1", file_name="U1.bgcode", started_at=started, category="business",
    )  # fmt: skip
    ledger.finish_job(
        job.job_id, status="finished", ended_at=started + timedelta(hours=2), duration_s=7200,
        paused_s=0, last_progress=100.0,
        materials=[MaterialUsage("PLA", 30), MaterialUsage("PETG", 10)],
        energy_kwh=None, energy_source=None, prices={}, cost=None, currency="EUR", complete=True,
    )  # fmt: skip
    ids["U1"] = job.job_id
    return ids


@pytest.fixture
async def served(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator
) -> tuple[MockConfigEntry, dict[str, int]]:
    """A set-up Core One in Berlin time; its shared ledger holds the jobs and U1."""
    await hass.config.async_set_time_zone("Europe/Berlin")
    entry = prusa_entry(prusa_sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    shared = hass.data[DATA_SHARED]
    ids = await hass.async_add_executor_job(
        seed_with_unpriced, shared.ledger, shared.settings.settings, entry
    )
    return entry, ids


# --- unpriced jobs (services) ---------------------------------------------------------------


async def test_cost_report_counts_unpriced_job_without_inventing_money(
    hass: HomeAssistant, served: tuple[MockConfigEntry, dict[str, int]]
) -> None:
    """An unpriced job counts as a job and in unpriced_jobs, its grams count, its money is 0.

    A report must flag what it could not price instead of dropping the job or guessing a price.
    """
    entry, _ = served
    report = await call(hass, "cost_report", start="2025-03-01", end="2025-04-30")
    assert report["group_by"] == "printer"
    assert report["totals"] == {
        **TOTALS,
        "jobs": 6,
        "unpriced_jobs": 1,
        "material_g": 255.0,  # 215 + U1's 40
    }
    # A = J5 J1 J3, B = J2 J4 as in tests/test_reports.py; "Core One" = U1 alone
    assert report["groups"] == [
        {"key": "Bambu X1C", "printer_uid": "A", "entry_id": "entry_a",
         **figures(3, "160", "0.425", 406, 13, 300, 719, 136, 855)},
        {"key": "Core One", "printer_uid": entry.unique_id, "entry_id": entry.entry_id, "jobs": 1,
         "unpriced_jobs": 1, "material_g": 40.0, "energy_kwh": 0.0, **ZERO_MONEY},
        {"key": "Prusa Core One", "printer_uid": "B", "entry_id": "entry_b",
         **figures(2, "55", "0.2", 147, 6, 0, 153, 29, 182)},
    ]  # fmt: skip
    only_core_one = await call(
        hass,
        "cost_report",
        start="2025-03-12",
        end="2025-03-12",
        config_entry_id=entry.entry_id,
        group_by="month",
    )
    assert only_core_one["totals"] == {
        "jobs": 1,
        "unpriced_jobs": 1,
        "material_g": 40.0,
        "energy_kwh": 0.0,
        **ZERO_MONEY,
    }
    assert only_core_one["groups"] == [{"key": "2025-03", **only_core_one["totals"]}]


async def test_material_groups_flag_unpriced_job_per_material(
    hass: HomeAssistant, served: tuple[MockConfigEntry, dict[str, int]]
) -> None:
    """U1 (PLA 30 g + PETG 10 g, no cost) counts in both material groups as unpriced.

    Its grams join each material, its cents stay 0, so material groups still add up to 5.53.
    """
    report = await call(
        hass, "cost_report", start="2025-03-01", end="2025-04-30", group_by="material"
    )
    # PETG = J2 30 + J3 20 + U1 10 = 60 g, 84 + 56 = 140 ct; jobs J2 J3 U1
    # PLA  = J5 40 + J1 100 + J2 20 + J4 5 + U1 30 = 195 g, 413 ct; jobs J5 J1 J2 J4 U1
    assert report["groups"] == [
        {"key": "PETG", "jobs": 3, "unpriced_jobs": 1, "material_g": 60.0, "material_cost": 1.40, **MATERIAL_ONLY},
        {"key": "PLA", "jobs": 5, "unpriced_jobs": 1, "material_g": 195.0, "material_cost": 4.13, **MATERIAL_ONLY},
    ]  # fmt: skip
    assert report["totals"]["material_cost"] == 5.53
    assert (report["totals"]["jobs"], report["totals"]["unpriced_jobs"]) == (6, 1)


# --- date values ------------------------------------------------------------------------------


async def test_services_turn_date_text_into_whole_local_days(
    hass: HomeAssistant, served: tuple[MockConfigEntry, dict[str, int]]
) -> None:
    """Through the services "2025-03-10" is a whole Berlin day; "31.03.2025" never gets in.

    The schema (cv.date) converts or refuses date text before reports.py sees it, so a bad date
    from an automation is a schema error, not reports.py's invalid_date.
    """
    _, ids = served
    one_day = await call(hass, "list_jobs", start="2025-03-10", end="2025-03-10")
    assert [j["job_id"] for j in one_day["jobs"]] == [ids["J1"]]
    assert one_day["jobs"][0]["started_at"] == "2025-03-10T11:00:00+01:00"
    dst_day = await call(hass, "list_jobs", start="2025-03-30", end="2025-03-30")
    assert [j["job_id"] for j in dst_day["jobs"]] == [ids["J2"]]  # the 23-hour day
    for service, data in [
        ("list_jobs", {"start": "2025-02-30"}),
        ("cost_report", {"start": "31.03.2025", "end": "2025-04-30"}),
        ("export_report", {"start": "2025-03-01", "end": "2025-02-30"}),
    ]:
        with pytest.raises(vol.Invalid):
            await call(hass, service, **data)


async def test_cost_report_takes_date_text_and_datetimes_directly(
    hass: HomeAssistant, ledger: Ledger, seeded
) -> None:
    """Called directly, ISO date text and datetimes mean their (local) calendar day.

    The service schema only ever passes dates; code calling reports.py may pass either.
    """
    as_text = await async_cost_report(hass, ledger, start="2025-03-01", end="2025-04-30")
    assert (as_text["start"], as_text["end"], as_text["totals"]) == (
        "2025-03-01",
        "2025-04-30",
        TOTALS,
    )
    as_datetimes = await async_cost_report(
        hass,
        ledger,
        start=datetime(2025, 3, 1, 23, 59),  # noqa: DTZ001 - naive = local
        end=datetime(2025, 4, 30, 0, 1, tzinfo=BERLIN),
        group_by="month",
    )
    assert (as_datetimes["start"], as_datetimes["end"]) == ("2025-03-01", "2025-04-30")
    assert as_datetimes["totals"] == TOTALS  # the whole first day: J5 at 00:30 is in
    assert [g["key"] for g in as_datetimes["groups"]] == ["2025-03", "2025-04"]
    march_first = await async_cost_report(
        hass, ledger, start=datetime(2025, 3, 1, 12, 0, tzinfo=BERLIN), end="2025-03-01"
    )
    assert (march_first["totals"]["jobs"], march_first["totals"]["gross"]) == (1, 1.82)  # J5
    # an aware datetime counts as the day it is in the user's zone: 28.02. 23:30 UTC is
    # 01.03. 00:30 in Berlin, so March 1 is reported (J5), not February 28
    from_utc = await async_cost_report(
        hass, ledger, start=datetime(2025, 2, 28, 23, 30, tzinfo=UTC), end="2025-03-01"
    )
    assert from_utc["start"] == "2025-03-01"
    assert (from_utc["totals"]["jobs"], from_utc["totals"]["gross"]) == (1, 1.82)


async def test_cost_report_refuses_impossible_or_german_date_text(
    hass: HomeAssistant, ledger: Ledger, seeded
) -> None:
    """30 February and "31.03.2025" are invalid_date naming the field and the text typed.

    Called directly (the service schema refuses them earlier); nothing is reported instead.
    """
    for kwargs, value in [
        ({"start": "2025-02-30", "end": "2025-03-31"}, "start=2025-02-30"),
        ({"start": date(2025, 3, 1), "end": "31.03.2025"}, "end=31.03.2025"),
    ]:
        with pytest.raises(ServiceValidationError) as err:
            await async_cost_report(hass, ledger, **kwargs)
        assert (err.value.translation_domain, err.value.translation_key) == (
            "printernizer",
            "invalid_date",
        )
        assert err.value.translation_placeholders == {"value": value}


async def test_list_jobs_takes_short_date_text_as_whole_day(
    hass: HomeAssistant, ledger: Ledger, seeded
) -> None:
    """Called directly, "2025-3-10" (not a datetime) is the whole local 10 March: J1 only.

    Bad text ("2025-02-30", "gestern") is invalid_date with the text typed, start or end.
    """
    _, ids = seeded
    result = await async_list_jobs(hass, ledger, start="2025-3-10", end="2025-3-10")
    assert (result["total"], [j["job_id"] for j in result["jobs"]]) == (1, [ids["J1"]])
    span = await async_list_jobs(hass, ledger, start="2025-3-1", end="2025-3-31")
    # March locally: J5 (01.03. 00:30) J1 J6 (open) J2; J3 is 01.04. 00:30 CEST
    assert [j["job_id"] for j in span["jobs"]] == [ids[n] for n in ("J2", "J6", "J1", "J5")]
    for kwargs, value in [
        ({"start": "2025-02-30"}, "2025-02-30"),
        ({"start": date(2025, 3, 1), "end": "gestern"}, "gestern"),
    ]:
        with pytest.raises(ServiceValidationError) as err:
            await async_list_jobs(hass, ledger, **kwargs)
        assert err.value.translation_key == "invalid_date"
        assert err.value.translation_placeholders == {"value": value}


async def test_list_jobs_iso_date_text_is_whole_day(
    hass: HomeAssistant, ledger: Ledger, seeded
) -> None:
    """Called directly, "2025-03-10" means the whole day like "2025-3-10" and date(…).

    parse_datetime also reads ISO date text, as midnight: both bounds were 10.03. 00:00 and
    J1 was missing, until date text was tried as a date first.
    """
    _, ids = seeded
    result = await async_list_jobs(hass, ledger, start="2025-03-10", end="2025-03-10")
    assert [j["job_id"] for j in result["jobs"]] == [ids["J1"]]


# --- amounts that are no number (calculate_cost service) -----------------------------------


async def test_calculate_cost_refuses_nan_and_infinity(
    hass: HomeAssistant, served: tuple[MockConfigEntry, dict[str, int]]
) -> None:
    """ "nan" and "inf" pass the schema's float() but are invalid_amount, never a quote.

    A NaN would otherwise turn every cent of the quote into an exception or garbage.
    """
    for data, name, value in [
        ({"grams": "nan", "print_hours": 1, "power_watts": 100}, "grams", "nan"),
        ({"grams": 10, "print_hours": "inf", "power_watts": 100}, "print_hours", "inf"),
        ({"grams": 10, "print_hours": 1, "power_watts": "-inf"}, "power_watts", "-inf"),
    ]:
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, "calculate_cost", material="PLA", **data)
        assert (err.value.translation_domain, err.value.translation_key) == (
            "printernizer",
            "invalid_amount",
        )
        placeholders = err.value.translation_placeholders
        assert placeholders is not None
        assert placeholders["value"] == value
        assert name in placeholders.values()
    # the same service still quotes a sane request: 10 g PLA at 25 €/kg = 0.25; 0.1 kWh = 0.03
    quote = await call(
        hass, "calculate_cost", material="PLA", grams=10, print_hours=1, power_watts=100
    )
    assert (quote["material_cost"], quote["energy_cost"], quote["net"]) == (0.25, 0.03, 0.28)
    assert quote["gross"] == float(Decimal("0.28") + Decimal("0.05"))  # 0.0532 -> 0.05 VAT


async def test_negative_amount_message_names_the_field(
    hass: HomeAssistant, served: tuple[MockConfigEntry, dict[str, int]]
) -> None:
    """The sibling error renders its English text with the field: the mechanism works."""
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "calculate_cost", material="PLA", grams=-1, print_hours=1, power_watts=100)
    assert err.value.translation_placeholders == {"field": "grams", "value": "-1.0"}
    assert str(err.value) == "grams cannot be negative (got -1.0)"


async def test_invalid_amount_message_names_the_field(
    hass: HomeAssistant, served: tuple[MockConfigEntry, dict[str, int]]
) -> None:
    """invalid_amount must fill {field} like negative_amount does."""
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass, "calculate_cost", material="PLA", grams="nan", print_hours=1, power_watts=100
        )
    assert err.value.translation_placeholders == {"field": "grams", "value": "nan"}
    assert str(err.value) == "grams must be a number, not nan"


# --- the German CSV of a real job (services) ------------------------------------------------


async def test_german_csv_writes_material_grams_with_a_decimal_comma(
    hass: HomeAssistant, bambu_sim: BambuSimulator
) -> None:
    """The simulator's cube uses 12.34 g PLA: `PLA 12,34 g` like every other German number."""
    entry = await setup(hass, bambu_entry(bambu_sim))
    await bambu_sim.start_job("cube")
    await bambu_sim.progress(50)
    await bambu_sim.finish_job()
    await wait_for(hass, lambda: entry.runtime_data.tracker.last_job is not None)
    await hass.async_block_till_done(wait_background_tasks=True)

    today = dt_util.now().date().isoformat()
    for fmt, material, grams in (
        ("csv_de", "PLA 12,34 g", "12,34"),
        ("csv", "PLA 12.34 g", "12.34"),
    ):
        export = await call(hass, "export_report", start=today, end=today, format=fmt)
        raw = await hass.async_add_executor_job(Path(export["path"]).read_text, "utf-8-sig")
        header, row = csv.reader(raw.splitlines(), delimiter=";" if fmt == "csv_de" else ",")
        cells = dict(zip(header, row, strict=True))
        column = "Material" if fmt == "csv_de" else "materials"
        assert cells[column] == material
        assert cells["Material (g)" if fmt == "csv_de" else "material_g"] == grams
