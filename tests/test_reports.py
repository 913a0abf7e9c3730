"""Reports and exports over a seeded ledger, checked number by number in Europe/Berlin.

Prices: PLA 25 €/kg, PETG 28 €/kg, 0.30 €/kWh, 19 % VAT. The jobs (hand-computed cents):

J0 A business 2025-02-28 22:30Z = 28.02. 23:30 CET   -> February, outside the report
J5 A business 2025-02-28 23:30Z = 01.03. 00:30 CET   -> March locally (February in UTC)
   PLA 40 g = 1.00 € -> 100; 0.1 kWh × 0.30 = 0.03 -> 3; 0.5 h × 1.00 €/h -> 50
   net 153; vat 1.53 × 0.19 = 0.2907 -> 29; gross 182
J1 A business 2025-03-10 10:00Z, PLA 100 g -> 250; 0.2 kWh -> 6; 1.5 h × 1.00 -> 150
   net 406; vat 4.06 × 0.19 = 0.7714 -> 77; gross 483
J2 B private  2025-03-30 00:30Z = 01:30 CET, ends 02:30Z = 04:30 CEST (across the DST switch)
   PLA 20 g + PETG 30 g = 0.50 + 0.84 = 1.34 -> 134; estimated 100 W × 2 h = 0.2 kWh -> 6;
   machine 0; net 140; vat 1.40 × 0.19 = 0.266 -> 27; gross 167
J6 B business 2025-03-20, still printing -> listed, never reported
J3 A business 2025-03-31 22:30Z = 01.04. 00:30 CEST -> April locally (March in UTC)
   failed at 40 % of PETG 50 g = 20 g × 28 / 1000 = 0.56 -> 56; 0.125 kWh × 0.30 = 0.0375 -> 4;
   1 h × 1.00 -> 100; net 160; vat 1.60 × 0.19 = 0.304 -> 30; gross 190
J4 B business 2025-04-15 08:00Z, PLA 5 g = 0.125 -> 13; 0 kWh; machine 0
   net 13; vat 0.13 × 0.19 = 0.0247 -> 2; gross 15   (name/customer try formula injection)
J7 A business 2025-05-01 -> outside the report

Report 01.03.2025–30.04.2025 = J5 J1 J2 J3 J4:
   material 100+250+134+56+13 = 553; energy 3+6+6+4+0 = 19; machine 50+150+0+100+0 = 300;
   net 153+406+140+160+13 = 872; vat 29+77+27+30+2 = 165; gross 182+483+167+190+15 = 1037;
   grams 40+100+50+20+5 = 215; kWh 0.1+0.2+0.2+0.125+0 = 0.625
"""

from __future__ import annotations

from collections.abc import Iterator
import csv
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
import json
import pathlib
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest

from custom_components.printernizer.api.models import MaterialUsage
from custom_components.printernizer.costs import (
    CostBreakdown,
    compute_cost,
    estimate_energy_kwh,
    hours_from_seconds,
    material_grams_for_outcome,
    price_snapshot,
)
from custom_components.printernizer.ledger import Ledger
from custom_components.printernizer.reports import (
    async_calculate_cost,
    async_cost_report,
    async_export_report,
    async_list_jobs,
    async_set_job_category,
)
from custom_components.printernizer.settings import Settings, SettingsStore

D = Decimal
PRINTERS = {"A": ("Bambu X1C", "entry_a"), "B": ("Prusa Core One", "entry_b")}


def z(text: str) -> datetime:
    """A UTC instant from '2025-03-10T10:00'."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# (name, printer, category, started UTC, seconds, status, progress, plan, kWh, source, watts, rate, cents)
JOBS: list[tuple[Any, ...]] = [
    ("J0", "A", "business", z("2025-02-28T22:30"), 3600, "finished", 100, [("PLA", 10)], "0", "measured", None, "0", None),
    ("J5", "A", "business", z("2025-02-28T23:30"), 1800, "finished", 100, [("PLA", 40)], "0.1", "measured", None, "1.00", (100, 3, 50, 153, 29, 182)),
    ("J1", "A", "business", z("2025-03-10T10:00"), 5400, "finished", 100, [("PLA", 100)], "0.2", "measured", None, "1.00", (250, 6, 150, 406, 77, 483)),
    ("J2", "B", "private", z("2025-03-30T00:30"), 7200, "finished", 100, [("PLA", 20), ("PETG", 30)], None, "estimated", 100, "0", (134, 6, 0, 140, 27, 167)),
    ("J3", "A", "business", z("2025-03-31T22:30"), 3600, "failed", 40, [("PETG", 50)], "0.125", "measured", None, "1.00", (56, 4, 100, 160, 30, 190)),
    ("J4", "B", "business", z("2025-04-15T08:00"), 600, "finished", 100, [("PLA", 5)], "0", "measured", None, "0", (13, 0, 0, 13, 2, 15)),
    ("J7", "A", "business", z("2025-05-01T10:00"), 600, "finished", 100, [("PLA", 5)], "0", "measured", None, "0", None),
]  # fmt: skip
INJECTION_NAME = "-2+3"
INJECTION_CUSTOMER = '=HYPERLINK("http://evil.example")'
NOTE = 'Größe für Müller; "Eilig"'


def seed(ledger: Ledger, settings: Settings) -> dict[str, int]:
    """Write the jobs through the real cost model and ledger (runs in the executor)."""
    ids: dict[str, int] = {}
    for (
        name,
        uid,
        category,
        started,
        seconds,
        status,
        progress,
        plan,
        kwh,
        source,
        watts,
        rate,
        cents,
    ) in JOBS:
        printer_name, entry_id = PRINTERS[uid]
        job = ledger.start_job(
            printer_uid=uid, printer_name=printer_name, entry_id=entry_id, job_key=name,
            name=INJECTION_NAME if name == "J4" else f"Teil {name}", file_name=f"{name}.3mf",
            started_at=started, category=category,
            customer=INJECTION_CUSTOMER if name == "J4" else None,
        )  # fmt: skip
        hours = hours_from_seconds(seconds)
        energy = estimate_energy_kwh(D(watts), hours) if kwh is None else D(kwh)
        used = material_grams_for_outcome([MaterialUsage(m, g) for m, g in plan], status, progress)
        cost = compute_cost(
            materials=used,
            print_hours=hours,
            energy_kwh=energy,
            settings=settings,
            machine_rate=D(rate),
        )
        if cents is not None:
            assert cost == CostBreakdown(*cents), name  # the hand computation above
        ledger.finish_job(
            job.job_id, status=status, ended_at=started + timedelta(seconds=seconds),
            duration_s=seconds, paused_s=0, last_progress=float(progress), materials=used,
            energy_kwh=energy, energy_source=source,
            prices=price_snapshot(settings, used, machine_rate=D(rate)),
            cost=cost, currency="EUR", complete=True,
        )  # fmt: skip
        ids[name] = job.job_id
    # J6 is opened last: a printer can only have one open job at a time
    open_job = ledger.start_job(
        printer_uid="B", printer_name="Prusa Core One", entry_id="entry_b", job_key="J6",
        name="Teil J6", file_name="J6.3mf", started_at=z("2025-03-20T09:00"), category="business",
    )  # fmt: skip
    ids["J6"] = open_job.job_id
    return ids


@pytest.fixture
def ledger(tmp_path: pathlib.Path) -> Iterator[Ledger]:
    """A ledger in tmp_path, closed in teardown."""
    instance = Ledger(tmp_path / "config" / "printernizer" / "printernizer.db")
    instance.open()
    yield instance
    instance.close()


@pytest.fixture
async def seeded(
    hass: HomeAssistant, ledger: Ledger, tmp_path: pathlib.Path
) -> tuple[SettingsStore, dict[str, int]]:
    """Berlin time, a config dir in tmp_path, default settings and the seeded jobs."""
    await hass.config.async_set_time_zone("Europe/Berlin")
    hass.config.config_dir = str(tmp_path / "config")
    store = SettingsStore(hass)
    await store.async_load()
    ids = await hass.async_add_executor_job(seed, ledger, store.settings)
    return store, ids


def figures(
    jobs: int,
    grams: str,
    kwh: str,
    material: int,
    energy: int,
    machine: int,
    net: int,
    vat: int,
    gross: int,
) -> dict[str, Any]:
    """Expected totals in the response format (EUR numbers)."""
    return {
        "jobs": jobs,
        "unpriced_jobs": 0,
        "material_g": float(D(grams)),
        "energy_kwh": float(D(kwh)),
        "material_cost": material / 100,
        "energy_cost": energy / 100,
        "machine_cost": machine / 100,
        "net": net / 100,
        "vat": vat / 100,
        "gross": gross / 100,
    }


TOTALS = figures(5, "215", "0.625", 553, 19, 300, 872, 165, 1037)


async def test_cost_report_totals_and_printer_groups(
    hass: HomeAssistant, ledger: Ledger, seeded
) -> None:
    """Totals and per-printer groups, every number."""
    report = await async_cost_report(
        hass, ledger, start=date(2025, 3, 1), end=date(2025, 4, 30), group_by="printer"
    )
    assert report["start"] == "2025-03-01"
    assert report["end"] == "2025-04-30"
    assert report["currency"] == "EUR"
    assert report["totals"] == TOTALS
    # A = J5 J1 J3: grams 40+100+20; kWh 0.1+0.2+0.125; material 100+250+56; energy 3+6+4;
    #     machine 50+150+100; net 153+406+160; vat 29+77+30; gross 182+483+190
    # B = J2 J4:    grams 50+5; kWh 0.2+0; material 134+13; energy 6+0; machine 0;
    #     net 140+13; vat 27+2; gross 167+15
    assert report["groups"] == [
        {"key": "Bambu X1C", "printer_uid": "A", "entry_id": "entry_a",
         **figures(3, "160", "0.425", 406, 13, 300, 719, 136, 855)},
        {"key": "Prusa Core One", "printer_uid": "B", "entry_id": "entry_b",
         **figures(2, "55", "0.2", 147, 6, 0, 153, 29, 182)},
    ]  # fmt: skip


async def test_cost_report_by_category_follows_revisions(
    hass: HomeAssistant, ledger: Ledger, seeded
) -> None:
    """Category groups; after set_job_category the report reads the latest revision."""
    _, ids = seeded
    report = await async_cost_report(
        hass, ledger, start=date(2025, 3, 1), end=date(2025, 4, 30), group_by="category"
    )
    # business = J5 J1 J3 J4; private = J2
    assert report["groups"] == [
        {"key": "business", **figures(4, "165", "0.425", 419, 13, 300, 732, 138, 870)},
        {"key": "private", **figures(1, "50", "0.2", 134, 6, 0, 140, 27, 167)},
    ]
    job = await async_set_job_category(
        hass, ledger, job_id=ids["J2"], category="business", customer="Müller GmbH", note=None
    )
    assert (job["revision"], job["category"], job["customer"]) == (2, "business", "Müller GmbH")
    assert job["gross"] == 1.67
    revisions = await hass.async_add_executor_job(ledger.get_revisions, ids["J2"])
    assert [(r.revision, r.category, r.reason, r.changed_fields) for r in revisions] == [
        (1, "private", "job finished", ()),
        (2, "business", "set_job_category", ("category", "customer")),
    ]
    report = await async_cost_report(
        hass, ledger, start=date(2025, 3, 1), end=date(2025, 4, 30), group_by="category"
    )
    assert report["groups"] == [{"key": "business", **TOTALS}]
    business = await async_cost_report(
        hass, ledger, start=date(2025, 3, 1), end=date(2025, 4, 30), category="private"
    )
    assert business["totals"]["jobs"] == 0
    assert business["groups"] == []


async def test_cost_report_by_month_in_local_time(
    hass: HomeAssistant, ledger: Ledger, seeded
) -> None:
    """Months are Berlin months: J5 (Feb in UTC) is March, J3 (March in UTC) is April."""
    report = await async_cost_report(
        hass, ledger, start=date(2025, 3, 1), end=date(2025, 4, 30), group_by="month"
    )
    # 2025-03 = J5 J1 J2: material 100+250+134; energy 3+6+6; machine 50+150; net 153+406+140;
    #          vat 29+77+27; gross 182+483+167; grams 40+100+50; kWh 0.1+0.2+0.2
    # 2025-04 = J3 J4:    material 56+13; energy 4; machine 100; net 173; vat 32; gross 205
    assert report["groups"] == [
        {"key": "2025-03", **figures(3, "190", "0.5", 484, 15, 200, 699, 133, 832)},
        {"key": "2025-04", **figures(2, "25", "0.125", 69, 4, 100, 173, 32, 205)},
    ]
    # one local day at each boundary
    march_first = await async_cost_report(
        hass, ledger, start=date(2025, 3, 1), end=date(2025, 3, 1)
    )
    assert march_first["totals"]["jobs"] == 1  # J5 only, J0 is 28.02. 23:30 local
    dst_day = await async_cost_report(hass, ledger, start=date(2025, 3, 30), end=date(2025, 3, 30))
    assert dst_day["totals"]["gross"] == 1.67  # J2 on the 23-hour day
    april_first = await async_cost_report(
        hass, ledger, start=date(2025, 4, 1), end=date(2025, 4, 1)
    )
    assert april_first["totals"]["gross"] == 1.90  # J3
    march_31 = await async_cost_report(hass, ledger, start=date(2025, 3, 31), end=date(2025, 3, 31))
    assert march_31["totals"]["jobs"] == 0


async def test_cost_report_by_material(hass: HomeAssistant, ledger: Ledger, seeded) -> None:
    """Material groups: grams and the job's material cents split by grams × snapshot price."""
    report = await async_cost_report(
        hass, ledger, start=date(2025, 3, 1), end=date(2025, 4, 30), group_by="material"
    )
    # J2's 134 ct split: PLA 0.50 / PETG 0.84 of 1.34 -> exactly 50 and 84
    # PLA  = J5 100 + J1 250 + J2 50 + J4 13 = 413 ct; grams 40+100+20+5 = 165; 4 jobs
    # PETG = J2 84 + J3 56 = 140 ct; grams 30+20 = 50; 2 jobs        (413 + 140 = 553)
    none = {
        "energy_kwh": None,
        "energy_cost": None,
        "machine_cost": None,
        "net": None,
        "vat": None,
        "gross": None,
    }
    assert report["groups"] == [
        {"key": "PETG", "jobs": 2, "unpriced_jobs": 0, "material_g": 50.0, "material_cost": 1.40, **none},
        {"key": "PLA", "jobs": 4, "unpriced_jobs": 0, "material_g": 165.0, "material_cost": 4.13, **none},
    ]  # fmt: skip
    assert report["totals"] == TOTALS


async def test_cost_report_filters_and_errors(hass: HomeAssistant, ledger: Ledger, seeded) -> None:
    """Printer filter, and validation errors with translation keys."""
    only_b = await async_cost_report(
        hass, ledger, start=date(2025, 3, 1), end=date(2025, 4, 30), entry_id="entry_b"
    )
    assert only_b["totals"] == figures(2, "55", "0.2", 147, 6, 0, 153, 29, 182)
    for kwargs, key in [
        ({"start": date(2025, 4, 1), "end": date(2025, 3, 1)}, "end_before_start"),
        (
            {"start": date(2025, 3, 1), "end": date(2025, 4, 1), "group_by": "colour"},
            "invalid_group_by",
        ),
        (
            {"start": date(2025, 3, 1), "end": date(2025, 4, 1), "category": "hobby"},
            "invalid_category",
        ),
    ]:
        with pytest.raises(ServiceValidationError) as err:
            await async_cost_report(hass, ledger, **kwargs)
        assert (err.value.translation_domain, err.value.translation_key) == ("printernizer", key)


async def test_list_jobs(hass: HomeAssistant, ledger: Ledger, seeded) -> None:
    """Newest first, local ISO times, open jobs included, filters and paging."""
    _, ids = seeded
    result = await async_list_jobs(hass, ledger, start=date(2025, 3, 1), end=date(2025, 4, 30))
    assert result["total"] == 6
    assert [j["job_id"] for j in result["jobs"]] == [
        ids[n] for n in ("J4", "J3", "J2", "J6", "J1", "J5")
    ]
    j3 = result["jobs"][1]
    assert j3 == {
        "job_id": ids["J3"],
        "printer": "Bambu X1C",
        "printer_uid": "A",
        "entry_id": "entry_a",
        "name": "Teil J3",
        "file_name": "J3.3mf",
        "status": "failed",
        "started_at": "2025-04-01T00:30:00+02:00",
        "ended_at": "2025-04-01T01:30:00+02:00",
        "duration_s": 3600,
        "paused_s": 0,
        "progress": 40.0,
        "material_g": 20.0,
        "materials": [{"material": "PETG", "grams": 20.0, "price_source": "table"}],
        "energy_kwh": 0.125,
        "energy_source": "measured",
        "category": "business",
        "customer": None,
        "note": None,
        "material_cost": 0.56,
        "energy_cost": 0.04,
        "machine_cost": 1.0,
        "net": 1.6,
        "vat": 0.3,
        "gross": 1.9,
        "currency": "EUR",
        "revision": 1,
        "complete": True,
        "end_estimated": False,
        "user_id": None,
        "photo": None,
        "source": "printer",
    }
    j2 = result["jobs"][2]
    assert (j2["started_at"], j2["ended_at"]) == (
        "2025-03-30T01:30:00+01:00",
        "2025-03-30T04:30:00+02:00",
    )
    open_job = result["jobs"][3]
    assert (open_job["status"], open_job["gross"], open_job["revision"]) == ("printing", None, 0)
    page = await async_list_jobs(
        hass, ledger, start=date(2025, 3, 1), end=date(2025, 4, 30), limit=2, offset=2
    )
    assert (page["total"], [j["job_id"] for j in page["jobs"]]) == (6, [ids["J2"], ids["J6"]])
    failed = await async_list_jobs(hass, ledger, status="failed")
    assert [j["job_id"] for j in failed["jobs"]] == [ids["J3"]]
    printer_a = await async_list_jobs(
        hass, ledger, entry_id="entry_a", category="business", limit=2
    )
    assert (printer_a["total"], [j["job_id"] for j in printer_a["jobs"]]) == (
        5,
        [ids["J7"], ids["J3"]],
    )
    naive = await async_list_jobs(
        hass,
        ledger,
        start=datetime(2025, 3, 1, 0, 30),  # noqa: DTZ001
        end="2025-03-01T00:31:00",
    )
    assert [j["job_id"] for j in naive["jobs"]] == [ids["J5"]]  # naive = local time
    with pytest.raises(ServiceValidationError) as err:
        await async_list_jobs(hass, ledger, start=date(2025, 4, 2), end=date(2025, 4, 1))
    assert err.value.translation_key == "end_before_start"
    with pytest.raises(ServiceValidationError) as err:
        await async_list_jobs(hass, ledger, status="done")
    assert err.value.translation_key == "invalid_status"


async def test_set_job_category_errors(hass: HomeAssistant, ledger: Ledger, seeded) -> None:
    """Unknown job, open job and a bad category are validation errors; nothing is written."""
    _, ids = seeded
    for kwargs, key in [
        ({"job_id": 9999, "category": "private"}, "unknown_job"),
        ({"job_id": ids["J6"], "category": "private"}, "job_not_finished"),
        ({"job_id": ids["J1"], "category": "hobby"}, "invalid_category"),
    ]:
        with pytest.raises(ServiceValidationError) as err:
            await async_set_job_category(hass, ledger, customer=None, note=None, **kwargs)
        assert (err.value.translation_domain, err.value.translation_key) == ("printernizer", key)
    job = await hass.async_add_executor_job(ledger.get_job, ids["J1"])
    assert job.revision == 1
    # a note only, then clearing it: two revisions; repeating a value adds none
    first = await async_set_job_category(
        hass, ledger, job_id=ids["J1"], category=None, note="Muster"
    )
    second = await async_set_job_category(
        hass, ledger, job_id=ids["J1"], category="business", note=""
    )
    assert (first["revision"], first["note"], second["revision"], second["note"]) == (
        2,
        "Muster",
        3,
        None,
    )


async def test_export_csv_de_matches_report(
    hass: HomeAssistant, ledger: Ledger, seeded, tmp_path: pathlib.Path
) -> None:
    """German Excel CSV: BOM, ';', decimal comma, TT.MM.JJJJ, quoted text, same totals."""
    store, _ = seeded
    result = await async_export_report(
        hass,
        ledger,
        store,
        start=date(2025, 3, 1),
        end=date(2025, 4, 30),
        fmt="csv_de",
        category=None,
    )
    path = pathlib.Path(result["path"])
    assert result["rows"] == 5
    assert path.parent == tmp_path / "config" / "printernizer" / "exports"
    assert path.name.startswith("printernizer_jobs_2025-03-01_2025-04-30_")
    assert path.suffix == ".csv"
    raw = await hass.async_add_executor_job(path.read_bytes)
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert "\r\n" in text
    rows = list(csv.reader(text.splitlines(), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert len(body) == 5
    col = {name: i for i, name in enumerate(header)}

    def total(name: str) -> Decimal:
        return sum((D(r[col[name]].replace(",", ".")) for r in body), D(0))

    # the same numbers as the cost report: 5.53 / 0.19 / 3.00 / 8.72 / 1.65 / 10.37; 215 g; 0.625 kWh
    assert total("Materialkosten") == D("5.53")
    assert total("Energiekosten") == D("0.19")
    assert total("Maschinenkosten") == D("3.00")
    assert total("Netto") == D("8.72")
    assert total("USt") == D("1.65")
    assert total("Brutto") == D("10.37")
    assert total("Material (g)") == D(215)
    assert total("Energie (kWh)") == D("0.625")
    report = await async_cost_report(hass, ledger, start=date(2025, 3, 1), end=date(2025, 4, 30))
    assert float(total("Brutto")) == report["totals"]["gross"]
    by_name = {r[col["Auftrag"]]: r for r in body}
    j5 = by_name["Teil J5"]
    assert (j5[col["Startdatum"]], j5[col["Startzeit"]]) == ("01.03.2025", "00:30")
    j2 = by_name["Teil J2"]
    assert (j2[col["Startdatum"]], j2[col["Startzeit"]], j2[col["Enddatum"]], j2[col["Endzeit"]]) == (
        "30.03.2025", "01:30", "30.03.2025", "04:30",
    )  # fmt: skip
    assert j2[col["Material"]] == "PLA 20 g, PETG 30 g"
    assert j2[col["Kategorie"]] == "privat"
    assert j2[col["Energiequelle"]] == "geschätzt"
    assert j2[col["Brutto"]] == "1,67"
    assert j2[col["USt-Satz (%)"]] == "19"
    # formula injection neutralised, quotes and umlauts survive
    j4 = by_name["'-2+3"]
    assert j4[col["Kunde"]] == "'" + INJECTION_CUSTOMER
    assert j4[col["Status"]] == "fertig"
    # text quoted, numbers not: the J1 line as written
    j1_line = next(line for line in text.splitlines() if '"Teil J1"' in line)
    assert (
        ';"Bambu X1C";"Teil J1";"J1.3mf";"fertig";10.03.2025;11:00;10.03.2025;12:30;90;' in j1_line
    )
    assert ';2,50;0,06;1,50;4,06;19;0,77;4,83;"EUR";"ja";' in j1_line


async def test_export_csv_de_note_and_large_numbers(
    hass: HomeAssistant, ledger: Ledger, seeded
) -> None:
    """Semicolons and quotes inside text, umlauts, no thousands separator in big amounts."""
    store, ids = seeded
    await async_set_job_category(hass, ledger, job_id=ids["J1"], category="business", note=NOTE)
    await hass.async_add_executor_job(
        lambda: ledger.add_revision(
            ids["J1"],
            reason="big order",
            changes={"cost": CostBreakdown(123456789, 0, 0, 123456789, 0, 123456789)},
        )
    )
    result = await async_export_report(
        hass, ledger, store, start=date(2025, 3, 10), end=date(2025, 3, 10), fmt="csv_de"
    )
    text = (await hass.async_add_executor_job(pathlib.Path(result["path"]).read_bytes)).decode(
        "utf-8-sig"
    )
    rows = list(csv.reader(text.splitlines(), delimiter=";"))
    col = {name: i for i, name in enumerate(rows[0])}
    assert rows[1][col["Notiz"]] == NOTE
    assert rows[1][col["Brutto"]] == "1234567,89"
    assert rows[1][col["Revision"]] == "3"
    assert '"Größe für Müller; ""Eilig"""' in text


async def test_export_csv_and_json(hass: HomeAssistant, ledger: Ledger, seeded) -> None:
    """Plain CSV (comma, dot, ISO) and JSON give the same totals; category filter applies."""
    store, _ = seeded
    plain = await async_export_report(
        hass, ledger, store, start=date(2025, 3, 1), end=date(2025, 4, 30), fmt="csv"
    )
    content = await hass.async_add_executor_job(pathlib.Path(plain["path"]).read_text, "utf-8")
    rows = list(csv.DictReader(content.splitlines()))
    assert len(rows) == plain["rows"] == 5
    assert sum((D(r["gross"]) for r in rows), D(0)) == D("10.37")
    assert rows[0]["started_at"] == "2025-03-01T00:30:00+01:00"
    assert next(r for r in rows if r["customer"])["customer"] == "'" + INJECTION_CUSTOMER
    data = await async_export_report(
        hass,
        ledger,
        store,
        start=date(2025, 3, 1),
        end=date(2025, 4, 30),
        fmt="json",
        category="private",
    )
    assert data["path"].endswith(".json")
    assert "_private_" in data["path"]
    jobs = json.loads(
        await hass.async_add_executor_job(pathlib.Path(data["path"]).read_text, "utf-8")
    )
    assert data["rows"] == len(jobs) == 1
    assert (jobs[0]["name"], jobs[0]["gross"], jobs[0]["materials"]) == (
        "Teil J2", 1.67, [{"material": "PLA", "grams": 20.0}, {"material": "PETG", "grams": 30.0}],
    )  # fmt: skip
    with pytest.raises(ServiceValidationError) as err:
        await async_export_report(
            hass, ledger, store, start=date(2025, 3, 1), end=date(2025, 4, 30), fmt="xlsx"
        )
    assert err.value.translation_key == "invalid_format"
    with pytest.raises(ServiceValidationError) as err:
        await async_export_report(
            hass, ledger, store, start=date(2025, 3, 2), end=date(2025, 3, 1), fmt="csv"
        )
    assert err.value.translation_key == "end_before_start"


async def test_calculate_cost(hass: HomeAssistant) -> None:
    """A quote: petg 100 g, 2 h at 150 W, machine 0.50 €/h."""
    store = SettingsStore(hass)
    await store.async_load()
    # material 100 × 28 / 1000 = 2.80; kWh 150 × 2 / 1000 = 0.3 -> × 0.30 = 0.09;
    # machine 2 × 0.50 = 1.00; net 3.89; vat 3.89 × 0.19 = 0.7391 -> 0.74; gross 4.63
    quote = await async_calculate_cost(
        store, material="petg", grams=100, print_hours=2, power_watts=150, machine_rate=0.5
    )
    assert quote == {
        "material_cost": 2.8,
        "energy_cost": 0.09,
        "machine_cost": 1.0,
        "net": 3.89,
        "vat": 0.74,
        "gross": 4.63,
        "currency": "EUR",
        "energy_kwh": 0.3,
        "material": "petg",
        "grams": 100.0,
        "print_hours": 2.0,
        "price_per_kg": 28.0,
        "electricity_price": 0.3,
        "machine_rate": 0.5,
        "vat_rate": 19.0,
        "small_business": False,
        "price_source": "table",
    }
    await store.async_update({"small_business": True})
    quote = await async_calculate_cost(store, material=None, grams=5, print_hours=0, power_watts=0)
    # 5 g × default 25 €/kg = 0.125 -> 0.13; no VAT for a Kleinunternehmer
    assert (quote["net"], quote["vat"], quote["gross"], quote["vat_rate"]) == (0.13, 0.0, 0.13, 0.0)
    assert quote["price_source"] == "default"
    # a material missing from the table says so (its price may be wrong), however it is typed
    nylon = await async_calculate_cost(
        store, material="Nylon", grams=5, print_hours=0, power_watts=0
    )
    assert (nylon["price_per_kg"], nylon["price_source"]) == (25.0, "default")
    pla = await async_calculate_cost(store, material=" pla ", grams=5, print_hours=0, power_watts=0)
    assert pla["price_source"] == "table"
    with pytest.raises(ServiceValidationError) as err:
        await async_calculate_cost(store, material="PLA", grams=-1, print_hours=1, power_watts=100)
    assert err.value.translation_key == "negative_amount"
    assert err.value.translation_placeholders == {"field": "grams", "value": "-1"}
