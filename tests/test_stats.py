"""Printer statistics and material usage over a ledger of known jobs, checked by hand.

Both printers are set up (a P1S and a Core One on their simulators); the ledger is written
directly (the jobs' history), in Europe/Berlin, "now" = 31.03.2026 12:00 CEST. The default
period is the last 30 days: 02.03.–31.03.2026 = 2026-03-01T23:00Z .. 2026-03-31T22:00Z, the
clocks went forward on 29.03, so the period has 30 × 24 − 1 = 719 hours.

Cost tuples are (material, energy, machine, net, VAT, gross) cents.

Workshop P1S (Bambu, uid = its serial):
  B1 02.03. 10:00Z 7200 s finished, PLA 100 g, 0.2 kWh, estimate 6000 s, (250, 6, 44, 300, 57, 357)
  B2 10.03. 08:00Z 4200 s with 600 s paused = 3600 s printing, failed, PETG 30 g, 0.1 kWh,
     (84, 3, 13, 100, 19, 119)
  B3 20.03. 08:00Z 1800 s cancelled, PLA 10 g, 0.05 kWh, (25, 2, 23, 50, 10, 60)
  B4 01.02. 3600 s finished, PLA 20 g (before the period; counts for the lifetime)
  -> jobs 3, 1/1/1, success 33.3 %, 12600 s = 3.5 h, utilisation 12600 / 2588400 = 0.49 %
     -> 0.5, avg 1.17 h, accuracy 7200 / 6000 = 1.2, PLA 110 g PETG 30 g, 0.35 kWh,
     net 4.50, gross 5.36; lifetime 4 jobs, 4.5 h
Core One (Prusa, uid = its serial):
  P1 15.03. 09:00Z 10800 s finished, PETG 50 g + PLA 5 g, estimate 12000 s, 0.3 kWh,
     (168, 9, 223, 400, 76, 476); revision 2: PETG 60 g + PLA 5 g, (180, 9, 261, 450, 86, 536)
  P2 25.03. 09:00Z 7200 s finished, PLA 40 g, estimate 7000 s, 0.2 kWh, (100, 6, 94, 200, 38, 238)
  -> jobs 2, success 100 %, 18000 s = 5 h, utilisation 18000 / 2588400 = 0.695 % -> 0.7,
     avg 2.5 h, accuracy 18000 / 19000 = 0.947 -> 0.95, PETG 60 g PLA 45 g, 0.5 kWh,
     net 6.50, gross 7.74
Ender 3 (a manual job, no config entry): M1 28.03. 3600 s finished, PLA 25 g, (63, 3, 0, 66, 13, 79)
Old MK3 (removed printer): O1 05.03. 3600 s failed, PLA 15 g, (38, 3, 0, 41, 8, 49); an open job.

Material groups of the period: P1's 180 material cents split by grams × price (PETG 28, PLA
25 €/kg): 1.68 € vs 0.125 € -> 167.53 / 12.47 -> floors 167 + 12, the cent left to PETG: 168 + 12.
  PLA: B1 B3 P1 P2 M1 O1 = 6 jobs, 100+10+5+40+25+15 = 195 g, 250+25+12+100+63+38 = 488 c
  PETG: B2 P1 = 2 jobs, 30+60 = 90 g, 84+168 = 252 c; totals 7 jobs, 285 g, 740 c
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.printernizer import stats
from custom_components.printernizer.api.models import MaterialUsage
from custom_components.printernizer.const import DOMAIN
from custom_components.printernizer.costs import CostBreakdown
from custom_components.printernizer.data import DATA_SHARED
from custom_components.printernizer.ledger import Ledger
from custom_components.printernizer.reports import build_cost_report, day_range_utc
from tests.conftest import bambu_entry, prusa_entry
from tests.simulators.bambu import BambuSimulator
from tests.simulators.prusa import PrusaLinkSimulator

NOW = "2026-03-31 10:00:00+00:00"
PRICES = {"material:PLA": "25", "material:PETG": "28"}


def z(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def record(
    ledger: Ledger,
    *,
    uid: str,
    printer: str,
    entry_id: str,
    key: str,
    started: datetime,
    seconds: int,
    status: str = "finished",
    paused: int = 0,
    materials: list[tuple[str, float]],
    kwh: str,
    cents: tuple[int, ...],
    estimated_s: int | None = None,
) -> int:
    """One ended job, written as the tracker writes it (runs in the executor)."""
    job = ledger.start_job(
        printer_uid=uid, printer_name=printer, entry_id=entry_id, job_key=key, name=key,
        file_name=f"{key}.3mf", started_at=started, category="business",
    )  # fmt: skip
    if estimated_s is not None:
        ledger.update_open_job(job.job_id, estimated_s=estimated_s)
    ledger.finish_job(
        job.job_id, status=status, ended_at=started + timedelta(seconds=seconds),
        duration_s=seconds, paused_s=paused, last_progress=100.0,
        materials=[MaterialUsage(m, g) for m, g in materials], energy_kwh=Decimal(kwh),
        energy_source="measured", prices=PRICES, cost=CostBreakdown(*cents), currency="EUR",
        complete=True,
    )  # fmt: skip
    return job.job_id


def seed(
    ledger: Ledger, bambu: str, prusa: str, bambu_entry_id: str, prusa_entry_id: str
) -> dict[str, int]:
    ids: dict[str, int] = {}
    b = {"uid": bambu, "printer": "Workshop P1S", "entry_id": bambu_entry_id}
    p = {"uid": prusa, "printer": "Core One", "entry_id": prusa_entry_id}
    ids["B4"] = record(ledger, **b, key="B4", started=z("2026-02-01T10:00"), seconds=3600, materials=[("PLA", 20)], kwh="0.1", cents=(50, 3, 0, 53, 10, 63))  # fmt: skip
    ids["B1"] = record(ledger, **b, key="B1", started=z("2026-03-02T10:00"), seconds=7200, materials=[("PLA", 100)], kwh="0.2", cents=(250, 6, 44, 300, 57, 357), estimated_s=6000)  # fmt: skip
    ids["B2"] = record(ledger, **b, key="B2", started=z("2026-03-10T08:00"), seconds=4200, paused=600, status="failed", materials=[("PETG", 30)], kwh="0.1", cents=(84, 3, 13, 100, 19, 119))  # fmt: skip
    ids["B3"] = record(ledger, **b, key="B3", started=z("2026-03-20T08:00"), seconds=1800, status="cancelled", materials=[("PLA", 10)], kwh="0.05", cents=(25, 2, 23, 50, 10, 60))  # fmt: skip
    ids["P1"] = record(ledger, **p, key="P1", started=z("2026-03-15T09:00"), seconds=10800, materials=[("PETG", 50), ("PLA", 5)], kwh="0.3", cents=(168, 9, 223, 400, 76, 476), estimated_s=12000)  # fmt: skip
    ids["P2"] = record(ledger, **p, key="P2", started=z("2026-03-25T09:00"), seconds=7200, materials=[("PLA", 40)], kwh="0.2", cents=(100, 6, 94, 200, 38, 238), estimated_s=7000)  # fmt: skip
    ids["M1"] = record(ledger, uid="manual:ender-3", printer="Ender 3", entry_id="", key="M1", started=z("2026-03-28T10:00"), seconds=3600, materials=[("PLA", 25)], kwh="0.05", cents=(63, 3, 0, 66, 13, 79))  # fmt: skip
    ids["O1"] = record(ledger, uid="OLDSERIAL", printer="Old MK3", entry_id="gone", key="O1", started=z("2026-03-05T10:00"), seconds=3600, status="failed", materials=[("PLA", 15)], kwh="0.05", cents=(38, 3, 0, 41, 8, 49))  # fmt: skip
    ledger.add_revision(
        ids["P1"],
        reason="weighed the part",
        changes={
            "materials": [MaterialUsage("PETG", 60), MaterialUsage("PLA", 5)],
            "cost": CostBreakdown(180, 9, 261, 450, 86, 536),
        },
    )
    ledger.start_job(
        printer_uid="OLDSERIAL", printer_name="Old MK3", entry_id="gone", job_key="open",
        name="open", file_name=None, started_at=z("2026-03-30T10:00"), category="business",
    )  # fmt: skip
    return ids


async def call(hass: HomeAssistant, service: str, **data: Any) -> dict[str, Any]:
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True
    )


@pytest.fixture
async def farm(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    bambu_sim: BambuSimulator,
    prusa_sim: PrusaLinkSimulator,
) -> dict[str, Any]:
    """Both printers set up, the ledger seeded; answers the entries and job ids."""
    freezer.move_to(NOW)
    await hass.config.async_set_time_zone("Europe/Berlin")
    bambu = bambu_entry(bambu_sim)
    prusa = prusa_entry(prusa_sim)
    for entry in (bambu, prusa):
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    ledger = hass.data[DATA_SHARED].ledger
    ids = await hass.async_add_executor_job(
        seed, ledger, bambu.unique_id, prusa.unique_id, bambu.entry_id, prusa.entry_id
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    return {"bambu": bambu, "prusa": prusa, "ids": ids, "ledger": ledger}


BAMBU_ROW = {
    "name": "Workshop P1S",
    "jobs": 3,
    "finished": 1,
    "failed": 1,
    "cancelled": 1,
    "success_rate": 33.3,
    "print_hours": 3.5,
    "utilisation": 0.5,
    "avg_job_hours": 1.17,
    "estimate_accuracy": 1.2,
    "material_g": {"PETG": 30.0, "PLA": 110.0},
    "energy_kwh": 0.35,
    "net": 4.5,
    "gross": 5.36,
    "first_job_at": "2026-03-02T11:00:00+01:00",
    "last_job_at": "2026-03-20T09:00:00+01:00",
}
PRUSA_ROW = {
    "name": "Core One",
    "jobs": 2,
    "finished": 2,
    "failed": 0,
    "cancelled": 0,
    "success_rate": 100.0,
    "print_hours": 5.0,
    "utilisation": 0.7,
    "avg_job_hours": 2.5,
    "estimate_accuracy": 0.95,
    "material_g": {"PETG": 60.0, "PLA": 45.0},
    "energy_kwh": 0.5,
    "net": 6.5,
    "gross": 7.74,
    "first_job_at": "2026-03-15T10:00:00+01:00",
    "last_job_at": "2026-03-25T10:00:00+01:00",
}


async def test_printer_stats_of_the_last_30_days(hass: HomeAssistant, farm: dict[str, Any]) -> None:
    """Every number of the module docstring, per printer, manual and removed printers apart."""
    result = await call(hass, "printer_stats")
    assert (result["start"], result["end"], result["period_hours"]) == (
        "2026-03-02",
        "2026-03-31",
        719.0,
    )
    rows = result["printers"]
    assert [r["name"] for r in rows] == ["Core One", "Workshop P1S", "Ender 3", "Old MK3"]
    core, workshop, ender, old = rows
    assert core == {"config_entry_id": farm["prusa"].entry_id, **PRUSA_ROW}
    assert workshop == {"config_entry_id": farm["bambu"].entry_id, **BAMBU_ROW}
    assert ender["config_entry_id"] is None
    assert (ender["jobs"], ender["success_rate"], ender["print_hours"], ender["gross"]) == (
        1,
        100.0,
        1.0,
        0.79,
    )
    assert old["config_entry_id"] is None
    assert (old["jobs"], old["failed"], old["success_rate"], old["material_g"]) == (
        1,
        1,
        0.0,
        {"PLA": 15.0},
    )


async def test_printer_stats_for_one_printer_and_a_period(
    hass: HomeAssistant, farm: dict[str, Any]
) -> None:
    """February alone: only B4 (1 h of 28 × 24 h = 0.1488 % -> 0.1); a printer without jobs
    in a period has a row with no success rate."""
    result = await call(
        hass,
        "printer_stats",
        config_entry_id=farm["bambu"].entry_id,
        start="2026-02-01",
        end="2026-02-28",
    )
    (row,) = result["printers"]
    assert result["period_hours"] == 672.0
    assert (row["jobs"], row["print_hours"], row["utilisation"], row["success_rate"]) == (
        1,
        1.0,
        0.1,
        100.0,
    )
    assert row["estimate_accuracy"] is None
    empty = await call(
        hass,
        "printer_stats",
        config_entry_id=farm["prusa"].entry_id,
        start="2026-02-01",
        end="2026-02-28",
    )
    (row,) = empty["printers"]
    assert (row["jobs"], row["success_rate"], row["avg_job_hours"], row["utilisation"]) == (
        0,
        None,
        None,
        0.0,
    )
    assert (row["first_job_at"], row["material_g"]) == (None, {})
    only_end = await call(hass, "printer_stats", end="2026-02-28")
    assert (only_end["start"], only_end["end"]) == ("2026-01-30", "2026-02-28")
    only_start = await call(hass, "printer_stats", start="2026-03-30")
    assert (only_start["start"], only_start["end"]) == ("2026-03-30", "2026-03-31")
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "printer_stats", start="2026-03-10", end="2026-03-01")
    assert err.value.translation_key == "end_before_start"


async def test_material_usage_by_material_printer_and_month(
    hass: HomeAssistant, farm: dict[str, Any]
) -> None:
    """The material groups of the docstring; P1's cents split by the largest remainder."""
    result = await call(hass, "material_usage")
    assert result["totals"] == {"material_g": 285.0, "material_cost": 7.4, "jobs": 7}
    assert result["groups"] == [
        {"key": "PETG", "material_g": 90.0, "material_cost": 2.52, "jobs": 2},
        {"key": "PLA", "material_g": 195.0, "material_cost": 4.88, "jobs": 6},
    ]
    assert result["currency"] == "EUR"
    by_printer = await call(hass, "material_usage", group_by="printer")
    assert by_printer["groups"] == [
        {"key": "Core One", "material_g": 105.0, "material_cost": 2.8, "jobs": 2,
         "config_entry_id": farm["prusa"].entry_id},
        {"key": "Ender 3", "material_g": 25.0, "material_cost": 0.63, "jobs": 1,
         "config_entry_id": None},
        {"key": "Old MK3", "material_g": 15.0, "material_cost": 0.38, "jobs": 1,
         "config_entry_id": None},
        {"key": "Workshop P1S", "material_g": 140.0, "material_cost": 3.59, "jobs": 3,
         "config_entry_id": farm["bambu"].entry_id},
    ]  # fmt: skip
    by_month = await call(
        hass, "material_usage", group_by="month", start="2026-02-01", end="2026-03-31"
    )
    assert by_month["groups"] == [
        {"key": "2026-02", "material_g": 20.0, "material_cost": 0.5, "jobs": 1},
        {"key": "2026-03", "material_g": 285.0, "material_cost": 7.4, "jobs": 7},
    ]


async def test_sensors_show_the_ledger_figures(hass: HomeAssistant, farm: dict[str, Any]) -> None:
    """success_rate and utilisation of 30 days, print_hours and jobs_total of all time."""
    registry = er.async_get(hass)
    serial = farm["bambu"].unique_id

    def state(key: str) -> str:
        entity_id = registry.async_get_entity_id("sensor", DOMAIN, f"{serial}_{key}")
        assert entity_id is not None, key
        return hass.states.get(entity_id).state

    assert (state("success_rate"), state("utilisation")) == ("33.3", "0.5")
    assert (state("print_hours"), state("jobs_total")) == ("4.5", "4")


async def test_cache_is_dropped_by_a_new_job_and_by_a_revision(
    hass: HomeAssistant, farm: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second call is answered from the cache; a job or a revision makes the next read
    the ledger again, and the sensors follow."""
    reads: list[object] = []
    real = stats.printer_figures

    def counting(conn: Any, where: Any) -> Any:
        reads.append(where)
        return real(conn, where)

    monkeypatch.setattr(stats, "printer_figures", counting)
    first = await call(hass, "printer_stats")
    again = await call(hass, "printer_stats")
    assert first == again
    assert reads == []  # the sensors' read of the same period was already cached
    ledger: Ledger = farm["ledger"]
    serial = farm["bambu"].unique_id
    await hass.async_add_executor_job(
        lambda: record(
            ledger, uid=serial, printer="Workshop P1S", entry_id=farm["bambu"].entry_id,
            key="B5", started=z("2026-03-30T06:00"), seconds=3600, materials=[("PLA", 5)],
            kwh="0.01", cents=(13, 0, 0, 13, 2, 15),
        )
    )  # fmt: skip
    await hass.async_block_till_done(wait_background_tasks=True)
    assert reads  # the sensors read again at once
    after_job = await call(hass, "printer_stats", config_entry_id=farm["bambu"].entry_id)
    (row,) = after_job["printers"]
    assert (row["jobs"], row["finished"], row["success_rate"], row["print_hours"]) == (
        4,
        2,
        50.0,
        4.5,
    )
    entity_id = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{serial}_success_rate")
    assert hass.states.get(entity_id).state == "50.0"
    # a revision (grams corrected) changes the material figures
    await hass.async_add_executor_job(
        lambda: ledger.add_revision(
            farm["ids"]["B1"], reason="weighed", changes={"materials": [MaterialUsage("PLA", 90)]}
        )
    )
    revised = await call(hass, "printer_stats", config_entry_id=farm["bambu"].entry_id)
    assert revised["printers"][0]["material_g"] == {"PETG": 30.0, "PLA": 105.0}  # 90+10+5


async def test_websocket_commands_answer_as_the_services(
    hass: HomeAssistant, farm: dict[str, Any], hass_ws_client: WebSocketGenerator
) -> None:
    """printernizer/stats and printernizer/material_usage share the services' code."""
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "printernizer/stats"})
    answer = await client.receive_json()
    assert answer["success"], answer
    assert answer["result"] == await call(hass, "printer_stats")
    await client.send_json_auto_id(
        {"type": "printernizer/material_usage", "group_by": "month", "start": "2026-03-01"}
    )
    answer = await client.receive_json()
    assert answer["result"]["groups"] == [
        {"key": "2026-03", "material_g": 285.0, "material_cost": 7.4, "jobs": 7}
    ]
    await client.send_json_auto_id(
        {"type": "printernizer/stats", "config_entry_id": farm["bambu"].entry_id}
    )
    answer = await client.receive_json()
    assert answer["result"]["printers"][0]["success_rate"] == 33.3


# --- the SQL equals the job-by-job reference ----------------------------------------------


def _reference(ledger: Ledger, start: date, end: date, group_by: str | None, **where: Any) -> Any:
    tz = dt_util.get_default_time_zone()
    start_utc, end_utc = day_range_utc(start, end, tz)
    jobs = ledger.report_jobs(start=start_utc, end=end_utc, **where)
    expected = build_cost_report(jobs, start=start, end=end, group_by=group_by, tz=tz)
    got = stats.cost_report(
        ledger, start=start, end=end, start_utc=start_utc, end_utc=end_utc,
        group_by=group_by, tz=tz, **where,
    )  # fmt: skip
    return expected, got


@pytest.mark.parametrize("group_by", [None, "printer", "category", "material", "month"])
async def test_sql_report_equals_the_python_reference(
    hass: HomeAssistant, farm: dict[str, Any], group_by: str | None
) -> None:
    """Every grouping, with and without a printer or category filter, to the cent."""
    ledger: Ledger = farm["ledger"]
    for where in ({}, {"printer_uid": farm["prusa"].unique_id}, {"category": "business"}):
        expected, got = await hass.async_add_executor_job(
            lambda w=where: _reference(ledger, date(2026, 1, 1), date(2026, 3, 31), group_by, **w)
        )
        assert got == expected, where


async def test_amounts_with_more_than_six_decimals_are_summed_exactly(
    hass: HomeAssistant, farm: dict[str, Any]
) -> None:
    """A stored 0.1234567 g (a slicer's float) takes the exact Decimal path, as does a
    material name SQLite cannot upper-case ("pla-ü" is "PLA-Ü")."""
    ledger: Ledger = farm["ledger"]
    await hass.async_add_executor_job(
        lambda: record(
            ledger, uid="X", printer="Exact", entry_id="x", key="X1",
            started=z("2026-03-03T10:00"), seconds=60, materials=[("pla-ü", 0.1234567)],
            kwh="0.0000001", cents=(1, 0, 0, 1, 0, 1),
        )
    )  # fmt: skip
    for group_by in ("material", "printer"):
        expected, got = await hass.async_add_executor_job(
            lambda g=group_by: _reference(ledger, date(2026, 3, 1), date(2026, 3, 31), g)
        )
        assert got == expected
    usage = await call(hass, "material_usage", start="2026-03-02", end="2026-03-03")
    assert usage["groups"] == [
        {"key": "PLA", "material_g": 100.0, "material_cost": 2.5, "jobs": 1},
        {"key": "PLA-Ü", "material_g": 0.1234567, "material_cost": 0.01, "jobs": 1},
    ]
    result = await call(hass, "printer_stats", start="2026-03-03", end="2026-03-03")
    exact = next(r for r in result["printers"] if r["name"] == "Exact")
    assert exact["material_g"] == {"PLA-Ü": 0.12}
    assert exact["energy_kwh"] == 0.0


def test_month_ranges_follow_local_midnight() -> None:
    """March 2026 in Berlin starts at 23:00Z on 28.02 and ends at 22:00Z on 31.03."""
    from zoneinfo import ZoneInfo

    assert stats.month_ranges(date(2026, 2, 15), date(2026, 3, 1), ZoneInfo("Europe/Berlin")) == [
        ("2026-02", "2026-01-31T23:00:00.000000Z", "2026-02-28T23:00:00.000000Z"),
        ("2026-03", "2026-02-28T23:00:00.000000Z", "2026-03-31T22:00:00.000000Z"),
    ]
    assert stats.period_seconds(z("2026-03-01T00:00"), z("2026-03-01T01:00")) == 3600


async def test_entry_not_set_up_is_refused(hass: HomeAssistant, farm: dict[str, Any]) -> None:
    """A config entry id that is no printer is a translated error."""
    other = MockConfigEntry(domain="other")
    other.add_to_hass(hass)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "printer_stats", config_entry_id=other.entry_id)
    assert err.value.translation_key == "entry_not_found"


def test_schema_5_fills_the_figures_of_an_older_ledger(tmp_path: Any) -> None:
    """A version 1 ledger (one job with two revisions) upgrades: job_figures holds the job at
    revision 2, and a third revision replaces it there (the trigger)."""
    from tests.test_ledger_migration import _v1_database

    path = tmp_path / "printernizer.db"
    _v1_database(path)
    ledger = Ledger(path)
    ledger.open()
    try:
        with ledger.read() as conn:
            rows = conn.execute(
                "SELECT job_id, revision, category, print_s, material_g_u, exact FROM job_figures"
            ).fetchall()
        assert [tuple(r) for r in rows] == [(1, 2, "private", 5400, 40_000_000, 1)]
        ledger.add_revision(1, reason="back to business", changes={"category": "business"})
        with ledger.read() as conn:
            rows = conn.execute("SELECT job_id, revision, category FROM job_figures").fetchall()
        assert [tuple(r) for r in rows] == [(1, 3, "business")]
    finally:
        ledger.close()


async def test_a_real_job_counts_with_its_slicer_estimate(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, prusa_sim: PrusaLinkSimulator
) -> None:
    """A one-hour job on the simulated Core One whose file says 3600 s: one finished job,
    1 h, accuracy 1.0, 40 g PETG; the sensors follow the job's end."""
    from tests.test_services import print_bracket

    entry = await print_bracket(hass, freezer, prusa_sim, small_business=False)
    result = await call(hass, "printer_stats", config_entry_id=entry.entry_id)
    (row,) = result["printers"]
    assert (row["jobs"], row["finished"], row["success_rate"]) == (1, 1, 100.0)
    assert (row["print_hours"], row["estimate_accuracy"], row["material_g"]) == (
        1.0,
        1.0,
        {"PETG": 40.0},
    )
    assert (row["net"], row["gross"]) == (1.15, 1.37)
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{entry.unique_id}_jobs_total"
    )
    assert hass.states.get(entity_id).state == "1"
