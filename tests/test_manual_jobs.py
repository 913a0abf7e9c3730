"""add_job (a print entered by hand) and get_job (a job with its audit trail), on the ledger a
real PrusaLink job (simulator) has already written."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.printernizer.const import DOMAIN
from tests.simulators.prusa import PrusaLinkSimulator
from tests.test_services import call, print_bracket


@pytest.fixture
async def printed(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, prusa_sim: PrusaLinkSimulator
) -> MockConfigEntry:
    """The bracket job of test_services (40 g PETG, 1 h, 100 W: gross 1.37 €), PLA at 20 €/kg."""
    entry = await print_bracket(hass, freezer, prusa_sim, small_business=False)
    await call(hass, "update_settings", material_prices={"PETG": 28, "PLA": 20})
    return entry


def _state(hass: HomeAssistant, platform: str, uid: str, key: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{uid}_{key}")
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


async def test_manual_job_is_priced_and_kept_out_of_the_totals(
    hass: HomeAssistant, printed: MockConfigEntry, hass_admin_user: MockUser
) -> None:
    """A failed 2 h print of 30 g PETG + 12.5 g PLA on the 100 W printer, entered by hand.

    Grams as used (not scaled by progress): 30 × 28 / 1000 = 0.84 € + 12.5 × 20 / 1000 =
    0.25 € → material 1.09 €; energy 100 W × 2 h = 0.2 kWh × 0.30 € = 0.06 €; net 1.15 €,
    VAT 19 % = 0.2185 → 0.22 €, gross 1.37 €. The printer's total_* sensors still show only
    the watched bracket (1.37 €, 40 g, 0.1 kWh); the cost report counts both.
    """
    uid = printed.unique_id
    assert uid is not None
    before = [_state(hass, "sensor", uid, key) for key in ("total_cost", "total_material")]
    assert before == ["1.37", "40.0"]
    user = Context(user_id=hass_admin_user.id)
    job = await call(
        hass,
        "add_job",
        context=user,
        config_entry_id=printed.entry_id,
        name="Keychain",
        started_at="2026-11-19T14:00:00",  # no offset: Berlin
        duration_s=7200,
        status="failed",
        materials={"PETG": 30, "PLA": 12.5},
        customer="Müller",
    )
    assert job["source"] == "manual"
    assert (job["printer"], job["entry_id"], job["printer_uid"]) == (
        "Core One",
        printed.entry_id,
        uid,
    )
    assert (job["started_at"], job["ended_at"]) == (
        "2026-11-19T14:00:00+01:00",
        "2026-11-19T16:00:00+01:00",
    )
    assert (job["status"], job["duration_s"], job["customer"]) == ("failed", 7200, "Müller")
    assert [(m["material"], m["grams"]) for m in job["materials"]] == [
        ("PETG", 30.0),
        ("PLA", 12.5),
    ]
    assert (job["energy_kwh"], job["energy_source"]) == (0.2, "estimated")
    assert (job["material_cost"], job["energy_cost"], job["machine_cost"]) == (1.09, 0.06, 0.0)
    assert (job["net"], job["vat"], job["gross"]) == (1.15, 0.22, 1.37)
    assert job["user_id"] == hass_admin_user.id
    await hass.async_block_till_done()

    assert [_state(hass, "sensor", uid, key) for key in ("total_cost", "total_material")] == before
    assert float(_state(hass, "sensor", uid, "total_energy")) == 0.1
    listed = await call(hass, "list_jobs", config_entry_id=printed.entry_id)
    assert [(j["name"], j["source"]) for j in listed["jobs"]] == [
        ("bracket.bgcode", "printer"),
        ("Keychain", "manual"),
    ]
    report = await call(hass, "cost_report", start="2026-11-19", end="2026-11-20")
    assert report["totals"]["jobs"] == 2
    assert report["totals"]["gross"] == 2.74
    assert report["totals"]["material_g"] == 82.5


async def test_manual_job_on_an_unknown_printer(
    hass: HomeAssistant, printed: MockConfigEntry
) -> None:
    """A printer Printernizer does not know: `manual:<slug>`, no entry; the kWh given are used.

    1.5 h, 20 g PLA = 0.40 €, 0.5 kWh × 0.30 € = 0.15 €, no machine rate: net 0.55 €,
    VAT 0.1045 → 0.10 €, gross 0.65 €.
    """
    job = await call(
        hass,
        "add_job",
        printer_name="Garage Ender 3",
        name="Hook",
        started_at="2026-11-18T08:00:00+00:00",
        ended_at="2026-11-18T09:30:00+00:00",
        materials={"PLA": 20},
        energy_kwh=0.5,
        category="business",
    )
    assert (job["printer"], job["printer_uid"], job["entry_id"]) == (
        "Garage Ender 3",
        "manual:garage_ender_3",
        "",
    )
    assert (job["duration_s"], job["status"], job["category"]) == (5400, "finished", "business")
    assert (job["energy_kwh"], job["energy_source"]) == (0.5, "measured")
    assert (job["material_cost"], job["energy_cost"], job["net"], job["vat"], job["gross"]) == (
        0.4,
        0.15,
        0.55,
        0.1,
        0.65,
    )
    assert job["user_id"] is None
    fetched = await call(hass, "get_job", job_id=job["job_id"])
    assert fetched["revisions"] == [
        {
            "revision": 1,
            "time": fetched["revisions"][0]["time"],
            "reason": "add_job",
            "user_id": None,
            "changed": [],
        }
    ]


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"name": "x", "started_at": "2026-11-18T08:00:00", "duration_s": 60}, "printer_required"),
        (
            {"printer_name": "A", "name": "x", "started_at": "2026-11-18T08:00:00"},
            "end_or_duration",
        ),
        (
            {
                "printer_name": "A",
                "name": "x",
                "started_at": "2026-11-18T08:00:00",
                "ended_at": "2026-11-18T07:00:00",
            },
            "job_end_before_start",
        ),
        (
            {
                "printer_name": "A",
                "name": " ",
                "started_at": "2026-11-18T08:00:00",
                "duration_s": 60,
            },
            "job_name_required",
        ),
        (
            {
                "printer_name": "A",
                "name": "x",
                "started_at": "2026-11-18T08:00:00",
                "duration_s": 60,
                "materials": {"PLA": -3},
            },
            "negative_amount",
        ),
        (
            {
                "config_entry_id": "nope",
                "name": "x",
                "started_at": "2026-11-18T08:00:00",
                "duration_s": 60,
            },
            "entry_not_found",
        ),
        (
            {
                "printer_name": "A",
                "name": "x",
                "started_at": "2026-11-18T08:00:00",
                "duration_s": 60,
                "energy_kwh": -1,
            },
            "negative_amount",
        ),
    ],
)
async def test_add_job_refuses_bad_input(
    hass: HomeAssistant, printed: MockConfigEntry, data: dict, key: str
) -> None:
    """Each mistake is a translated validation error; nothing is written."""
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "add_job", **data)
    assert err.value.translation_key == key
    assert (await call(hass, "list_jobs"))["total"] == 1


async def test_get_job_has_every_revision(
    hass: HomeAssistant, printed: MockConfigEntry, hass_admin_user: MockUser
) -> None:
    """The watched job's revision 1 (automatic) and a correction by a user, oldest first;
    the job itself as list_jobs shows it at its latest revision."""
    job_id = (await call(hass, "list_jobs"))["jobs"][0]["job_id"]
    await call(
        hass,
        "set_job_category",
        context=Context(user_id=hass_admin_user.id),
        job_id=job_id,
        category="business",
    )
    job = await call(hass, "get_job", job_id=job_id)
    listed = (await call(hass, "list_jobs"))["jobs"][0]
    assert {k: v for k, v in job.items() if k != "revisions"} == listed
    assert job["category"] == "business"
    assert [(r["revision"], r["reason"], r["user_id"], r["changed"]) for r in job["revisions"]] == [
        (1, "job finished", None, []),
        (2, "set_job_category", hass_admin_user.id, ["category"]),
    ]
    assert job["revisions"][0]["time"] == "2026-11-20T11:00:30+01:00"
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "get_job", job_id=999)
    assert err.value.translation_key == "unknown_job"


async def test_manual_job_on_an_unloaded_printer(
    hass: HomeAssistant, printed: MockConfigEntry
) -> None:
    """A printer that is switched off (entry not loaded) still names the job; its power
    option (100 W) prices 30 min: 0.05 kWh × 0.30 € = 0.015 → 0.02 €, VAT 0.00 → 0.02 €."""
    assert await hass.config_entries.async_unload(printed.entry_id)
    job = await call(
        hass,
        "add_job",
        config_entry_id=printed.entry_id,
        name="Clip",
        started_at="2026-11-19T10:00:00+01:00",
        duration_s=1800,
    )
    assert (job["printer"], job["printer_uid"], job["source"]) == (
        "Core One",
        printed.unique_id,
        "manual",
    )
    assert (job["energy_kwh"], job["energy_cost"], job["material_g"], job["gross"]) == (
        0.05,
        0.02,
        None,
        0.02,
    )
    assert job["complete"] is False


async def test_manual_jobs_count_in_printer_statistics(
    hass: HomeAssistant, printed: MockConfigEntry
) -> None:
    """Manual jobs count in printer_stats: one of the Core One beside its watched bracket, one
    of a printer Home Assistant does not know in its own row (config_entry_id null).

    Core One, 19.–20.11.: the bracket (finished, 1 h, 40 g PETG, gross 1.37 €) and a cancelled
    manual job of 1.5 h with 10 g PLA: 2 jobs, success 1 ÷ 2 = 50.0 %, 2.50 print hours.
    The unknown Ender 3: one finished 0.5 h job of 15 g PLA (0.30 € net without energy).
    Its lifetime sensors count the manual job too (the statistics are the ledger's).
    """
    uid = printed.unique_id
    assert uid is not None
    await call(
        hass,
        "add_job",
        config_entry_id=printed.entry_id,
        name="Clip",
        started_at="2026-11-19T08:00:00",
        duration_s=5400,
        status="cancelled",
        materials={"PLA": 10},
    )
    await call(
        hass,
        "add_job",
        printer_name="Ender 3",
        name="Hook",
        started_at="2026-11-19T10:00:00",
        duration_s=1800,
        materials={"PLA": 15},
        energy_kwh=0,
    )
    await hass.async_block_till_done()
    stats = await call(hass, "printer_stats", start="2026-11-19", end="2026-11-20")
    rows = {row["name"]: row for row in stats["printers"]}
    core = rows["Core One"]
    assert core["config_entry_id"] == printed.entry_id
    assert (core["jobs"], core["finished"], core["cancelled"], core["failed"]) == (2, 1, 1, 0)
    assert (core["success_rate"], core["print_hours"]) == (50.0, 2.5)
    assert core["material_g"] == {"PETG": 40.0, "PLA": 10.0}
    ender = rows["Ender 3"]
    assert ender["config_entry_id"] is None
    assert (ender["jobs"], ender["finished"], ender["success_rate"]) == (1, 1, 100.0)
    assert (ender["print_hours"], ender["material_g"], ender["net"]) == (0.5, {"PLA": 15.0}, 0.3)
    assert _state(hass, "sensor", uid, "jobs_total") == "2"
    assert _state(hass, "sensor", uid, "print_hours") == "2.5"
