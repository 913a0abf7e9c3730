"""Edges of the exports, diagnostics, download paths, the thumbnail image and the cost model.

Exports, diagnostics and the thumbnail are driven the way users reach them (service calls, the
diagnostics download, the image proxy) against the PrusaLink simulator with the real ledger;
the pure functions of costs.py and files/paths.py are called with concrete inputs.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from http import HTTPStatus
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory

# The diagnostics download asks for system info, which imports hassio -> aiohasupervisor;
# mashumaro compiles its models against `datetime.datetime` at import time and fails when
# freezegun's fake class is in place. Import it here, before any test freezes the clock.
import homeassistant.components.hassio  # noqa: F401
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import CLIENT_ID, MockUser
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.printernizer.api.models import MaterialUsage
from custom_components.printernizer.costs import (
    allocate_material_cents,
    compute_cost,
    compute_cost_from_snapshot,
    material_grams_for_outcome,
    price_snapshot,
    snapshot_price_per_kg,
    to_decimal,
)
from custom_components.printernizer.export import (
    SMALL_BUSINESS_NOTE,
    csv_de_lines,
    csv_rows,
)
from custom_components.printernizer.files import check_download_dir, safe_target
from custom_components.printernizer.files.paths import UnsafePathError
from custom_components.printernizer.ledger import Ledger
from custom_components.printernizer.reports import async_export_report
from custom_components.printernizer.settings import Settings, SettingsStore

from . import test_reports as _reports_tests
from .conftest import prusa_entry
from .simulators.gcodefiles import extract_thumbnails
from .simulators.prusa import PrusaLinkSimulator
from .test_files import sha
from .test_services import BRACKET, call, print_bracket, tick

D = Decimal
REDACTED = "**REDACTED**"
BERLIN_DAY = "2026-11-20"

# the real ledger of tests/test_reports.py (tmp_path/config/printernizer/printernizer.db)
ledger = _reports_tests.ledger


async def client_now(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, user: MockUser
) -> ClientSessionGenerator:
    """hass_client with a token issued at the frozen time (the fixture's is long expired then)."""
    refresh_token = await hass.auth.async_create_refresh_token(user, CLIENT_ID)
    token = hass.auth.async_create_access_token(refresh_token)

    def client() -> Any:
        return hass_client(token)

    return client


def german_rows(raw: bytes) -> tuple[dict[str, int], list[list[str]]]:
    """(column index by header, body rows) of a German Excel CSV file."""
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    return {name: i for i, name in enumerate(rows[0])}, rows[1:]


# --------------------------------------------------------------------------- export.py


async def test_small_business_export_has_note_no_vat_and_never_overwrites(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, prusa_sim: PrusaLinkSimulator
) -> None:
    """A Kleinunternehmer exports twice in the same second, then as plain CSV.

    §19 UStG: the rows must show VAT rate 0, no VAT and the legal note, or the accountant's
    file is wrong. Exports with the same name (same period, same second) must never replace an
    earlier file: the later ones get -1, -2.
    """
    await print_bracket(hass, freezer, prusa_sim, small_business=True)
    # material 40 × 28 / 1000 = 1.12; 100 W × 1 h = 0.1 kWh × 0.30 = 0.03; machine 0
    # net 1.15; no VAT for a Kleinunternehmer; gross 1.15
    first = await call(hass, "export_report", start=BERLIN_DAY, end=BERLIN_DAY, format="csv_de")
    second = await call(hass, "export_report", start=BERLIN_DAY, end=BERLIN_DAY, format="csv_de")
    plain = await call(hass, "export_report", start=BERLIN_DAY, end=BERLIN_DAY, format="csv")

    stem = "printernizer_jobs_2026-11-20_2026-11-20_20261120-110030"  # 10:00:30Z = 11:00:30 CET
    folder = Path(hass.config.path("printernizer", "exports"))
    assert [Path(r["path"]) for r in (first, second, plain)] == [
        folder / f"{stem}.csv",
        folder / f"{stem}-1.csv",
        folder / f"{stem}-2.csv",
    ]
    assert (first["rows"], second["rows"], plain["rows"]) == (1, 1, 1)
    first_raw = await hass.async_add_executor_job(Path(first["path"]).read_bytes)
    second_raw = await hass.async_add_executor_job(Path(second["path"]).read_bytes)
    assert first_raw == second_raw  # the first file was not touched by the second export

    col, body = german_rows(first_raw)
    row = body[0]
    assert row[col["Auftrag"]] == "bracket.bgcode"
    assert row[col["Material"]] == "PETG 40 g"
    assert row[col["Dauer (min)"]] == "60"
    assert row[col["Materialkosten"]] == "1,12"
    assert row[col["Energiekosten"]] == "0,03"
    assert row[col["Netto"]] == "1,15"
    assert row[col["USt-Satz (%)"]] == "0"
    assert row[col["USt"]] == "0,00"
    assert row[col["Brutto"]] == "1,15"
    assert row[col["Hinweis"]] == SMALL_BUSINESS_NOTE
    assert SMALL_BUSINESS_NOTE == "Gemäß § 19 UStG wird keine Umsatzsteuer berechnet."

    text = await hass.async_add_executor_job(Path(plain["path"]).read_text, "utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert [(r["vat_rate"], r["vat"], r["net"], r["gross"]) for r in rows] == [
        ("0", "0.00", "1.15", "1.15")
    ]


async def test_unpriced_job_exports_with_empty_money_cells(
    hass: HomeAssistant, ledger: Ledger
) -> None:
    """An ended job without a cost (the ledger allows it; reports count it as unpriced).

    Every export must write empty money and VAT-rate cells for it rather than 0,00 € or a
    crash: an empty cell tells the accountant "not priced", a zero would claim it was free.
    """
    await hass.config.async_set_time_zone("Europe/Berlin")
    store = SettingsStore(hass)
    await store.async_load()
    started = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)

    def write() -> None:
        job = ledger.start_job(
            printer_uid="A", printer_name="Bambu X1C", entry_id="entry_a", job_key="u1",
            name="Halter", file_name="halter.3mf", started_at=started, category="business",
        )  # fmt: skip
        ledger.finish_job(
            job.job_id, status="finished", ended_at=started + timedelta(seconds=5400),
            duration_s=5400, paused_s=0, last_progress=100.0,
            materials=[MaterialUsage("PLA", 12.5)], energy_kwh=None, energy_source=None,
            prices={}, cost=None, currency="EUR", complete=False,
        )  # fmt: skip

    await hass.async_add_executor_job(write)
    exported = {
        fmt: await async_export_report(
            hass, ledger, store, start=date(2025, 6, 2), end=date(2025, 6, 2), fmt=fmt
        )
        for fmt in ("csv_de", "csv", "json")
    }
    assert {fmt: r["rows"] for fmt, r in exported.items()} == {"csv_de": 1, "csv": 1, "json": 1}

    raw = await hass.async_add_executor_job(Path(exported["csv_de"]["path"]).read_bytes)
    col, body = german_rows(raw)
    row = body[0]
    unpriced = ("Materialkosten", "Energiekosten", "Maschinenkosten", "Netto", "USt-Satz (%)")
    assert [row[col[name]] for name in (*unpriced, "USt", "Brutto")] == [""] * 7
    assert (row[col["Startzeit"]], row[col["Endzeit"]], row[col["Dauer (min)"]]) == (
        "10:00",
        "11:30",
        "90",
    )
    assert (row[col["Material (g)"]], row[col["Energie (kWh)"]]) == ("12,5", "")
    assert (row[col["Vollständig"]], row[col["Hinweis"]]) == ("nein", "")

    text = await hass.async_add_executor_job(Path(exported["csv"]["path"]).read_text, "utf-8")
    plain = next(csv.DictReader(text.splitlines()))
    assert [plain[k] for k in ("material_cost", "net", "vat_rate", "vat", "gross")] == [""] * 5
    assert (plain["duration_s"], plain["complete"]) == ("5400", "false")

    data = json.loads(
        await hass.async_add_executor_job(Path(exported["json"]["path"]).read_text, "utf-8")
    )
    assert [(j["name"], j["net"], j["vat"], j["gross"], j["complete"]) for j in data] == [
        ("Halter", None, None, None, False)
    ]


async def test_open_job_rows_leave_end_and_duration_empty(
    hass: HomeAssistant, ledger: Ledger
) -> None:
    """The row builders on a job still printing (no end, no duration, no cost).

    Exports only select ended jobs, but csv_de_lines / csv_rows take any ledger record; an
    open job must give empty end, duration and money cells, not "0" minutes or a crash.
    """
    started = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
    job = await hass.async_add_executor_job(
        lambda: ledger.start_job(
            printer_uid="B",
            printer_name="Prusa Core One",
            entry_id="entry_b",
            job_key="o1",
            name="Deckel",
            file_name="deckel.bgcode",
            started_at=started,
            category="private",
        )
    )
    record = await hass.async_add_executor_job(ledger.get_job, job.job_id)
    assert (record.ended_at, record.duration_s, record.cost) == (None, None, None)
    berlin = ZoneInfo("Europe/Berlin")

    header, line = csv_de_lines([record], berlin)
    cells = line.split(";")
    assert cells[:12] == [
        str(job.job_id), "0", '"Prusa Core One"', '"Deckel"', '"deckel.bgcode"', '"druckt"',
        "02.06.2025", "10:00", "", "", "", "",
    ]  # fmt: skip
    assert cells[18:25] == [""] * 7  # material .. gross: not priced yet
    assert cells[26] == '"nein"'

    plain = dict(zip(*csv_rows([record], berlin), strict=True))
    assert (plain["started_at"], plain["ended_at"], plain["duration_s"]) == (
        "2025-06-02T10:00:00+02:00",
        "",
        "",
    )
    assert (plain["status"], plain["vat_rate"], plain["gross"]) == ("printing", "", "")


# --------------------------------------------------------------------------- diagnostics.py


async def test_diagnostics_download_shows_jobs_without_customer_details(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_admin_user: MockUser,
    freezer: FrozenDateTimeFactory,
    prusa_sim: PrusaLinkSimulator,
) -> None:
    """The diagnostics download with a last job (corrected with a customer) and a current job.

    A maintainer needs the job's status and money; the customer's name, the note and the
    printer's serial (printer_uid) must never leave the house in a bug report.
    """
    entry = await print_bracket(hass, freezer, prusa_sim, small_business=False)
    job_id = (await call(hass, "list_jobs"))["jobs"][0]["job_id"]
    await call(
        hass,
        "set_job_category",
        job_id=job_id,
        category="business",
        customer="Müller Feinmechanik GmbH",
        note="Rechnung RE-2026-117",
    )
    # the tracker reads the last job from the ledger when the entry loads
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()

    client = await client_now(hass, hass_client, hass_admin_user)
    data = await get_diagnostics_for_config_entry(hass, client, entry)
    last = data["jobs"]["last"]
    assert data["jobs"]["current"] is None
    # exact decimals as text, not an opaque repr of a Decimal object
    assert data["jobs"]["totals"] == {
        "jobs": 1,
        "cost_cents": 137,
        "material_g": "40.0",
        "energy_kwh": "0.100000",
        "net_cents": 115,
    }
    assert last["energy_kwh"] == "0.100000"
    assert (last["job_id"], last["status"], last["revision"], last["category"]) == (
        job_id,
        "finished",
        2,
        "business",
    )
    assert (last["customer"], last["note"], last["printer_uid"]) == (REDACTED,) * 3
    assert (last["name"], last["duration_s"], last["reason"]) == (
        "bracket.bgcode",
        3600,
        "set_job_category",
    )
    # 1.12 + 0.03 = 1.15 net; 1.15 × 0.19 = 0.2185 -> 0.22; gross 1.37
    assert last["cost"] == {
        "material_cents": 112,
        "energy_cents": 3,
        "machine_cents": 0,
        "net_cents": 115,
        "vat_cents": 22,
        "gross_cents": 137,
    }
    assert last["materials"] == [{"material": "PETG", "grams": 40.0}]
    text = json.dumps(data)
    for secret in ("Müller", "RE-2026-117", prusa_sim.serial):
        assert secret not in text

    prusa_sim.start_job("/usb/bracket.bgcode")
    prusa_sim.set_progress(12.0, time_printing=300, time_remaining=3300)
    await tick(hass, freezer, 30)
    data = await get_diagnostics_for_config_entry(hass, client, entry)
    current = data["jobs"]["current"]
    assert (current["status"], current["name"], current["revision"]) == (
        "printing",
        "bracket.bgcode",
        0,
    )
    assert current["job_id"] == job_id + 1
    assert current["printer_uid"] == REDACTED
    assert current["customer"] is None  # nothing to hide yet: None is shown as None
    assert data["jobs"]["last"]["job_id"] == job_id


# --------------------------------------------------------------------------- image.py


async def test_thumbnail_served_through_image_proxy(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    prusa_sim: PrusaLinkSimulator,
) -> None:
    """The dashboard fetches the picture through /api/image_proxy.

    Before any job there is no picture (HA answers 500, the card shows its placeholder); once a
    job runs, the PNG embedded in the job's file comes out byte for byte as image/png.
    """
    path = prusa_sim.add_file("/usb/bracket.bgcode", BRACKET)
    entry = prusa_entry(prusa_sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    client = await hass_client()

    response = await client.get("/api/image_proxy/image.core_one_thumbnail")
    assert response.status == HTTPStatus.INTERNAL_SERVER_ERROR

    prusa_sim.start_job(path)
    await tick(hass, freezer, 30)
    response = await client.get("/api/image_proxy/image.core_one_thumbnail")
    assert response.status == HTTPStatus.OK
    assert response.content_type == "image/png"
    body = await response.read()
    embedded = [png for _w, _h, png in extract_thumbnails(BRACKET)]
    assert body.startswith(b"\x89PNG\r\n\x1a\n")
    assert body in embedded
    assert body == entry.runtime_data.coordinator.thumbnail


# --------------------------------------------------------------------------- files/paths.py


def test_safe_target_gives_up_after_ten_thousand_names(tmp_path: Path) -> None:
    """10 000 different files already called part.gcode, part (2).gcode ... part (10000).gcode.

    The numbering must find the last free number and then stop with an error instead of
    looping forever or overwriting a file.
    """
    root = tmp_path / "downloads"
    folder = root / "Core One" / "2025-06-19"
    folder.mkdir(parents=True)
    (folder / "part.gcode").write_bytes(b"old 1")
    for number in range(2, 10_000):
        (folder / f"part ({number}).gcode").write_bytes(b"old")
    new = b"new content"

    target = safe_target(
        root, "Core One", date(2025, 6, 19), "part.gcode", sha256=sha(new), size=len(new)
    )
    assert target == folder / "part (10000).gcode"

    target.write_bytes(b"old 10000")
    with pytest.raises(UnsafePathError, match=r"too many files named part\.gcode in "):
        safe_target(
            root, "Core One", date(2025, 6, 19), "part.gcode", sha256=sha(new), size=len(new)
        )
    assert len(list(folder.iterdir())) == 10_000  # nothing written, nothing replaced


async def test_relative_download_dir_is_read_from_the_config_folder(hass: HomeAssistant) -> None:
    """A relative download root is taken relative to HA's config folder.

    `printernizer/archiv` therefore lands in the integration's own folder and is allowed;
    `downloads` would be `<config>/downloads`, outside the allowed folders, and is refused
    with the full path in the message.
    """
    config = Path(hass.config.config_dir)
    own = await check_download_dir(hass, "printernizer/archiv")
    assert own == (config / "printernizer" / "archiv").resolve()
    with pytest.raises(ServiceValidationError) as err:
        await check_download_dir(hass, "downloads")
    assert err.value.translation_key == "download_dir_not_allowed"
    assert err.value.translation_placeholders == {"path": str(config / "downloads")}


# --------------------------------------------------------------------------- costs.py


def test_to_decimal_refuses_comma_decimals_and_non_numbers() -> None:
    """A German "12,5" typed as a price is not silently read as 125 or 12; None is no amount."""
    with pytest.raises(ValueError, match=r"^not a number: '12,5'$"):
        to_decimal("12,5")
    with pytest.raises(ValueError, match=r"^not a number: '  '$"):
        to_decimal("  ")
    with pytest.raises(TypeError, match=r"^not a number: None$"):
        to_decimal(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^not a number: \[25\]$"):
        to_decimal([25])  # type: ignore[arg-type]
    assert to_decimal(" 12.5 ") == D("12.5")


def test_snapshot_price_lookup_matches_settings_for_unknown_material() -> None:
    """A snapshot answers like the settings it was taken from: no material -> default price.

    Recomputing a corrected job years later must use the same price as the original cost.
    """
    settings = Settings(download_dir="/tmp/x", default_material_price=D("30"))
    used = [MaterialUsage("PETG", 40.0)]
    prices = price_snapshot(settings, used, machine_rate=D(0))
    lookup = snapshot_price_per_kg(prices)
    assert lookup(None) == settings.price_per_kg(None) == D(30)
    assert lookup(" petg ") == settings.price_per_kg("PETG") == D(28)
    assert lookup("ASA") == D(30)
    # 40 g × 28 / 1000 = 1.12; net 1.12; VAT 1.12 × 0.19 = 0.2128 -> 0.21; gross 1.33
    original = compute_cost(
        materials=used, print_hours=D(0), energy_kwh=D(0), settings=settings, machine_rate=D(0)
    )
    again = compute_cost_from_snapshot(
        materials=used, print_hours=D(0), energy_kwh=D(0), prices=prices
    )
    assert (again.material_cents, again.vat_cents, again.gross_cents) == (112, 21, 133)
    assert again == original


def test_allocate_material_cents_without_materials_or_grams() -> None:
    """Report-by-material splits of jobs that used no known filament.

    No material lines: nothing to split. A job cancelled at 0 % used 0 g of each material: the
    split must still add up to the job's material cents, also when a correction put cents on
    it (everything goes to the first material, none is lost or invented).
    """
    settings = Settings(download_dir="/tmp/x")
    plan = [MaterialUsage("pla", 20.0), MaterialUsage("PETG", 30.0)]
    used = material_grams_for_outcome(plan, "cancelled", 0)
    assert [(m.material, m.grams) for m in used] == [("pla", 0.0), ("PETG", 0.0)]
    prices = price_snapshot(settings, used, machine_rate=D(0))
    cost = compute_cost(
        materials=used, print_hours=D(0), energy_kwh=D(0), settings=settings, machine_rate=D(0)
    )
    assert cost.material_cents == 0

    assert allocate_material_cents([], prices, 0) == {}
    assert allocate_material_cents(used, prices, cost.material_cents) == {"PLA": 0, "PETG": 0}
    assert allocate_material_cents(used, prices, 7) == {"PLA": 7, "PETG": 0}
    assert allocate_material_cents(used, {}, 7) == {"PLA": 7, "PETG": 0}
