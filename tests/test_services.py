"""The domain services, fed by a real job on the simulated PrusaLink printer."""

from __future__ import annotations

import csv
from datetime import timedelta
import hashlib
from pathlib import Path

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_fire_time_changed,
)

from custom_components.printernizer.const import DOMAIN
from tests.conftest import prusa_entry
from tests.simulators.gcodefiles import make_bgcode
from tests.simulators.prusa import PrusaLinkSimulator

BRACKET = make_bgcode(materials=[("PETG", 40.0)], estimated_s=3600)


async def call(
    hass: HomeAssistant, service: str, context: Context | None = None, **data: object
) -> dict:
    """Call a Printernizer service (as the context's user) and return its response."""
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True, context=context
    )


async def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Advance frozen time and let the coordinator poll."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def print_bracket(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sim: PrusaLinkSimulator,
    *,
    small_business: bool,
) -> MockConfigEntry:
    """One finished one-hour job of 40 g PETG on a 100 W Core One, like a user runs it.

    Prices: PETG 28 €/kg, 0.30 €/kWh, 19 % VAT, no machine rate. The job starts when the
    printer is first polled (20.11.2026 10:00:30 Berlin) and ends one hour later.
    """
    freezer.move_to("2026-11-20 09:00:00+00:00")
    await hass.config.async_set_time_zone("Europe/Berlin")
    path = sim.add_file("/usb/bracket.bgcode", BRACKET)
    entry = prusa_entry(sim)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={"power_watts": 100})
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await call(
        hass,
        "update_settings",
        material_prices={"PETG": 28},
        electricity_price=0.30,
        vat_rate=19,
        small_business=small_business,
    )
    sim.start_job(path)
    sim.set_progress(0.0, time_printing=0, time_remaining=3600)
    await tick(hass, freezer, 30)
    sim.set_progress(50.0, time_printing=1800, time_remaining=1800)
    await tick(hass, freezer, 1800)
    sim.finish_job()
    await tick(hass, freezer, 1800)
    return entry


@pytest.fixture
async def printed(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, prusa_sim: PrusaLinkSimulator
) -> MockConfigEntry:
    """One finished one-hour job of 40 g PETG on a 100 W printer."""
    return await print_bracket(hass, freezer, prusa_sim, small_business=False)


async def test_list_jobs_has_the_priced_job(hass: HomeAssistant, printed: MockConfigEntry) -> None:
    """40 g PETG at 28 €/kg, 0.1 kWh at 0.30 €, 19 % VAT: 1.12 + 0.03 = 1.15 net, 0.22 VAT."""
    response = await call(hass, "list_jobs", config_entry_id=printed.entry_id)
    assert response["total"] == 1
    job = response["jobs"][0]
    assert job["status"] == "finished"
    assert job["name"] == "bracket.bgcode"
    assert job["duration_s"] == 3600
    assert job["material_g"] == 40.0
    assert job["energy_kwh"] == 0.1
    assert job["energy_source"] == "estimated"
    assert (job["material_cost"], job["energy_cost"], job["machine_cost"]) == (1.12, 0.03, 0.0)
    assert (job["net"], job["vat"], job["gross"]) == (1.15, 0.22, 1.37)
    assert job["currency"] == "EUR"
    assert job["complete"] is True
    assert job["started_at"].startswith("2026-11-20T10:00:30+01:00")


async def test_cost_report_and_quote_agree(hass: HomeAssistant, printed: MockConfigEntry) -> None:
    """The report's totals equal the job; a quote for the same print gives the same money."""
    report = await call(
        hass, "cost_report", start="2026-11-01", end="2026-11-30", group_by="material"
    )
    assert report["totals"]["jobs"] == 1
    assert report["totals"]["gross"] == 1.37
    assert report["totals"]["material_g"] == 40.0
    assert [g["key"] for g in report["groups"]] == ["PETG"]

    quote = await call(
        hass,
        "calculate_cost",
        material="PETG",
        grams=40,
        print_hours=1,
        config_entry_id=printed.entry_id,
    )
    assert (quote["net"], quote["vat"], quote["gross"]) == (1.15, 0.22, 1.37)

    empty = await call(hass, "cost_report", start="2026-10-01", end="2026-10-31")
    assert empty["totals"]["jobs"] == 0
    assert empty["totals"]["gross"] == 0


async def test_set_category_keeps_revision_and_export(
    hass: HomeAssistant, printed: MockConfigEntry
) -> None:
    """A correction is a new revision; the German CSV export lists the job with its money."""
    job_id = (await call(hass, "list_jobs"))["jobs"][0]["job_id"]
    revised = await call(
        hass, "set_job_category", job_id=job_id, category="business", customer="ACME GmbH"
    )
    assert revised["revision"] == 2
    assert revised["category"] == "business"
    assert revised["gross"] == 1.37

    business = await call(
        hass, "cost_report", start="2026-11-20", end="2026-11-20", category="business"
    )
    assert business["totals"]["jobs"] == 1

    export = await call(
        hass, "export_report", start="2026-11-01", end="2026-11-30", format="csv_de"
    )
    assert export["rows"] == 1
    path = Path(export["path"])
    assert path.parent == Path(hass.config.path("printernizer", "exports"))
    raw = await hass.async_add_executor_job(path.read_bytes)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert len(rows) == 2
    assert "1,37" in rows[1]
    assert "ACME GmbH" in rows[1]
    assert "20.11.2026" in rows[1]


async def test_bad_service_input_is_translated(
    hass: HomeAssistant, printed: MockConfigEntry
) -> None:
    """Unknown job, reversed period, unknown printer, missing power: translated errors whose
    English text has every placeholder filled in."""
    cases = [
        (
            "set_job_category",
            {"job_id": 999, "category": "business"},
            "unknown_job",
            "There is no job 999",
        ),
        (
            "cost_report",
            {"start": "2026-11-30", "end": "2026-11-01"},
            "end_before_start",
            "The end of the period (2026-11-01) is before its start (2026-11-30)",
        ),
        (
            "list_jobs",
            {"config_entry_id": "nope"},
            "entry_not_found",
            "No Printernizer printer with config entry id nope",
        ),
        (
            "calculate_cost",
            {"material": "PLA", "grams": 1, "print_hours": 1},
            "power_or_printer_required",
            "Give either a printer (config_entry_id) or power_watts",
        ),
        (
            "calculate_cost",
            {"material": "PLA", "grams": -1, "print_hours": 1, "power_watts": 100},
            "negative_amount",
            "grams cannot be negative (got -1.0)",
        ),
        (
            "cleanup_files",
            {"older_than_days": -1},
            "invalid_days",
            "The number of days must be a whole number of 0 or more, not -1",
        ),
        (
            "update_settings",
            {"vat_rate": 150},
            "invalid_vat_rate",
            "The VAT rate must be between 0 and 100, not 150",
        ),
        (
            "download_file",
            {"config_entry_id": printed.entry_id},
            "path_or_file_id_required",
            "Give either the path or the file_id of the file",
        ),
    ]
    for service, data, key, message in cases:
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, service, **data)
        assert err.value.translation_key == key, service
        assert str(err.value) == message


async def test_file_services(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    printed: MockConfigEntry,
    prusa_sim: PrusaLinkSimulator,
) -> None:
    """Refresh, list and download a printer file; the job's file was auto-downloaded."""
    freezer.tick(timedelta(minutes=1))  # the job's file was downloaded as the job ended
    counts = await call(hass, "refresh_files")
    assert counts["printers"][printed.entry_id]["total"] >= 3

    files = (await call(hass, "list_files", name_contains="bracket"))["files"]
    assert len(files) == 1
    assert files[0]["status"] == "downloaded"
    assert files[0]["sha256"] == hashlib.sha256(BRACKET).hexdigest()
    local = Path(files[0]["local_path"])
    assert local.parts[-2] == "2026-11-20"
    assert local.parts[-3] == "Core One"

    others = [
        f
        for f in (await call(hass, "list_files", config_entry_id=printed.entry_id))["files"]
        if f["status"] == "remote"
    ]
    target = others[0]
    freezer.tick(60)  # the job's file was downloaded as the job ended, a minute ago
    result = await call(
        hass, "download_file", config_entry_id=printed.entry_id, file_id=target["file_id"]
    )
    assert result["status"] == "downloaded"
    local_copy = Path(result["local_path"])
    data = await hass.async_add_executor_job(local_copy.read_bytes)
    assert result["size"] == len(data)
    assert result["sha256"] == hashlib.sha256(data).hexdigest()

    # Only the job's file was downloaded before now (and its photo taken); a dry run deletes
    # nothing.
    dry = await call(hass, "cleanup_files", older_than_days=0)
    assert dry["deleted"] == 0
    assert [c["file_id"] for c in dry["candidates"] if c["kind"] == "file"] == [files[0]["file_id"]]
    (photo,) = [c for c in dry["candidates"] if c["kind"] == "photo"]
    assert local.exists()

    done = await call(hass, "cleanup_files", older_than_days=0, dry_run=False)
    assert done["deleted"] == 2
    assert done["freed_bytes"] == len(BRACKET) + photo["size"]
    assert not local.exists()
    assert local_copy.exists()


async def test_get_settings_reports_every_key(
    hass: HomeAssistant, printed: MockConfigEntry
) -> None:
    """get_settings answers with all shared settings, with the values set before."""
    settings = await call(hass, "get_settings")
    assert settings["material_prices"]["PETG"] == 28
    assert settings["electricity_price"] == 0.3
    assert settings["vat_rate"] == 19
    assert settings["small_business"] is False
    assert settings["currency"] == "EUR"
    assert settings["max_download_mb"] == 1024
    assert settings["retention_years"] == 10
    assert settings["download_dir"] == hass.config.path("printernizer", "files")
    assert dt_util.get_default_time_zone().key == "Europe/Berlin"


async def test_business_changes_are_for_admins(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    printed: MockConfigEntry,
    hass_admin_user: MockUser,
    hass_read_only_user: MockUser,
) -> None:
    """Prices, exports and deleting files need an admin; reading and dry runs stay open."""
    viewer = Context(user_id=hass_read_only_user.id)
    admin = Context(user_id=hass_admin_user.id)
    month = {"start": "2026-11-01", "end": "2026-11-30"}
    for service, data in (
        ("update_settings", {"vat_rate": 7, "download_dir": "/tmp"}),
        ("export_report", month),
        ("cleanup_files", {"older_than_days": 0, "dry_run": False}),
    ):
        with pytest.raises(Unauthorized):
            await call(hass, service, context=viewer, **data)

    assert (await call(hass, "get_settings", context=viewer))["vat_rate"] == 19
    exports = Path(hass.config.path("printernizer", "exports"))
    assert not await hass.async_add_executor_job(exports.exists)
    freezer.tick(timedelta(minutes=1))  # the job's file was downloaded as the job ended
    dry = await call(hass, "cleanup_files", context=viewer, older_than_days=0)
    (candidate,) = [c for c in dry["candidates"] if c["kind"] == "file"]
    local = Path(candidate["local_path"])
    assert await hass.async_add_executor_job(local.exists)
    job_id = (await call(hass, "list_jobs", context=viewer))["jobs"][0]["job_id"]
    revised = await call(hass, "set_job_category", context=viewer, job_id=job_id, note="ok")
    assert revised["note"] == "ok"  # a job correction stays open to every user

    assert (await call(hass, "update_settings", context=admin, vat_rate=7))["vat_rate"] == 7
    assert (await call(hass, "export_report", context=admin, **month))["rows"] == 1
    done = await call(hass, "cleanup_files", context=admin, older_than_days=0, dry_run=False)
    assert done["deleted"] == 2  # the job's file and its photo
    assert not await hass.async_add_executor_job(local.exists)
