"""The panel's websocket commands, fed by a real job on the simulated PrusaLink printer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SIGNAL_CONFIG_ENTRY_CHANGED, ConfigEntryChange
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.dispatcher import async_dispatcher_send
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    MockHAClientWebSocket,
    WebSocketGenerator,
)

from custom_components.printernizer import reports
from custom_components.printernizer.api.models import MaterialUsage
from custom_components.printernizer.costs import CostBreakdown
from custom_components.printernizer.data import DATA_SHARED
from custom_components.printernizer.ledger import Ledger
from tests.conftest import bambu_entry
from tests.simulators.bambu import BambuSimulator
from tests.simulators.gcodefiles import make_bgcode
from tests.simulators.prusa import PrusaLinkSimulator
from tests.test_services import call, print_bracket, tick

type Command = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
async def printed(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, prusa_sim: PrusaLinkSimulator
) -> MockConfigEntry:
    """One finished one-hour job of 40 g PETG (gross 1.37 EUR) on the simulated Core One."""
    return await print_bracket(hass, freezer, prusa_sim, small_business=False)


def _commander(ws: MockHAClientWebSocket) -> Command:
    async def send(command: str, **data: Any) -> dict[str, Any]:
        await ws.send_json_auto_id({"type": f"printernizer/{command}", **data})
        return await ws.receive_json()

    return send


@pytest.fixture
async def admin(hass: HomeAssistant, hass_ws_client: WebSocketGenerator) -> Command:
    """Commands sent as the test's administrator."""
    return _commander(await hass_ws_client(hass))


@pytest.fixture
async def user(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, hass_read_only_access_token: str
) -> Command:
    """Commands sent as a user who is not an administrator."""
    return _commander(await hass_ws_client(hass, hass_read_only_access_token))


def ok(reply: dict[str, Any]) -> Any:
    assert reply["success"], reply
    return reply["result"]


def failed(reply: dict[str, Any]) -> dict[str, Any]:
    assert not reply["success"], reply
    return reply["error"]


async def next_event(
    ws: MockHAClientWebSocket, subscription: int, wanted: Callable[[dict[str, Any]], bool]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The first pushed event that is `wanted`, and every event before it."""
    seen: list[dict[str, Any]] = []
    while True:
        message = await ws.receive_json()
        assert message["id"] == subscription
        seen.append(message["event"])
        if wanted(message["event"]):
            return message["event"], seen


def add_jobs(ledger: Ledger, entry_id: str, jobs: list[tuple[str, str, int, str]]) -> None:
    """Ended jobs (name, UTC start, gross cents, category) of a printer 'Shelf A1'."""
    for index, (name, start, gross, category) in enumerate(jobs):
        started = datetime.fromisoformat(start).replace(tzinfo=UTC)
        job = ledger.start_job(
            printer_uid="shelf-a1",
            printer_name="Shelf A1",
            entry_id=entry_id,
            job_key=f"shelf-{index}",
            name=name,
            file_name=None,
            started_at=started,
            category=category,
        )
        ledger.finish_job(
            job.job_id,
            status="finished",
            ended_at=started + timedelta(minutes=10 * (index + 1)),
            duration_s=600 * (index + 1),
            paused_s=0,
            last_progress=100.0,
            materials=[MaterialUsage("PLA", 5.0 * (index + 1))],
            energy_kwh=Decimal("0.01"),
            energy_source="estimated",
            prices={},
            cost=CostBreakdown(gross, 0, 0, gross, 0, gross),
            currency="EUR",
            complete=True,
        )


async def test_printers_show_the_live_printer_and_todays_cost(
    hass: HomeAssistant, printed: MockConfigEntry, admin: Command
) -> None:
    """The Core One is online and idle after its job; today's jobs cost 1.37 EUR gross."""
    (printer,) = ok(await admin("printers"))["printers"]
    assert printer["entry_id"] == printed.entry_id
    assert printer["name"] == "Core One"
    assert printer["family"] == "prusa"
    assert printer["online"] is True
    assert printer["status"] in ("finished", "idle")
    assert printer["progress"] is None
    assert printer["today_cost"] == 1.37
    assert printer["entities"]["status"] == "sensor.core_one_status"
    assert printer["entities"]["stop"] == "button.core_one_stop"
    assert printer["entities"]["thumbnail"].startswith("image.core_one")


async def test_printers_survive_a_printer_unloading_while_they_are_read(
    hass: HomeAssistant,
    printed: MockConfigEntry,
    bambu_sim: BambuSimulator,
    admin: Command,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A printer that unloads while today's costs are read (the user just removed it) does not
    break the Farm view: it used to fail with "unknown error" for the whole list."""
    bambu = bambu_entry(bambu_sim)
    bambu.add_to_hass(hass)
    assert await hass.config_entries.async_setup(bambu.entry_id)
    await hass.async_block_till_done()
    report = reports.async_cost_report

    async def report_while_unloading(*args: Any, **kwargs: Any) -> dict[str, Any]:
        await hass.config_entries.async_unload(bambu.entry_id)
        return await report(*args, **kwargs)

    monkeypatch.setattr(reports, "async_cost_report", report_while_unloading)
    printers = ok(await admin("printers"))["printers"]
    assert sorted((p["name"], p["today_cost"]) for p in printers) == [
        ("Core One", 1.37),
        ("Workshop P1S", 0.0),
    ]


async def test_jobs_answer_like_list_jobs(
    hass: HomeAssistant, printed: MockConfigEntry, admin: Command
) -> None:
    """Same jobs, same fields, same money as the list_jobs service."""
    service = await call(hass, "list_jobs")
    command = ok(await admin("jobs"))
    assert command == service
    assert command["total"] == 1
    assert command["jobs"][0]["gross"] == 1.37


async def test_jobs_filter_page_and_sort(
    hass: HomeAssistant, printed: MockConfigEntry, admin: Command
) -> None:
    """Filters as list_jobs; pages of `limit` with the total; any column, both directions."""
    ledger = hass.data[DATA_SHARED].ledger
    await hass.async_add_executor_job(
        add_jobs,
        ledger,
        "other-entry",
        [
            ("b-hook", "2026-11-02T08:00:00", 250, "business"),
            ("a-clip", "2026-11-03T08:00:00", 90, "private"),
            ("c-vase", "2026-10-15T08:00:00", 1200, "business"),
        ],
    )
    everything = ok(await admin("jobs"))
    assert everything["total"] == 4
    assert [j["name"] for j in everything["jobs"]] == [
        "bracket.bgcode",
        "a-clip",
        "b-hook",
        "c-vase",
    ]

    november = ok(await admin("jobs", start="2026-11-01", end="2026-11-30"))
    assert november["total"] == 3
    business = ok(await admin("jobs", category="business"))
    assert [j["name"] for j in business["jobs"]] == ["b-hook", "c-vase"]
    shelf = ok(await admin("jobs", config_entry_id="other-entry", status="finished"))
    assert shelf["total"] == 3

    page = ok(await admin("jobs", limit=2, offset=2))
    assert page["total"] == 4
    assert [j["name"] for j in page["jobs"]] == ["b-hook", "c-vase"]

    by_gross = ok(await admin("jobs", order_by="gross", descending=False))
    assert [j["gross"] for j in by_gross["jobs"]] == [0.9, 1.37, 2.5, 12.0]
    by_name = ok(await admin("jobs", order_by="name", descending=False, limit=3))
    assert [j["name"] for j in by_name["jobs"]] == ["a-clip", "b-hook", "bracket.bgcode"]
    assert by_name["total"] == 4
    by_duration = ok(await admin("jobs", order_by="duration"))
    assert [j["duration_s"] for j in by_duration["jobs"]] == [3600, 1800, 1200, 600]
    by_material = ok(await admin("jobs", order_by="material", category="business"))
    assert [j["material_g"] for j in by_material["jobs"]] == [15.0, 5.0]
    by_printer = ok(await admin("jobs", order_by="printer", descending=False))
    assert [j["printer"] for j in by_printer["jobs"]] == ["Core One", *["Shelf A1"] * 3]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"limit": 0}, "invalid_format"),
        ({"limit": 1001}, "invalid_format"),
        ({"offset": -1}, "invalid_format"),
        ({"order_by": "price; DROP TABLE jobs"}, "invalid_format"),
        ({"status": "lost"}, "invalid_format"),
        ({"start": "yesterday"}, "invalid_format"),
    ],
)
async def test_jobs_refuse_bad_input(
    hass: HomeAssistant, printed: MockConfigEntry, admin: Command, data: dict, code: str
) -> None:
    """Input the schema refuses never reaches the ledger."""
    assert failed(await admin("jobs", **data))["code"] == code


async def test_a_reversed_period_is_a_translated_error(
    hass: HomeAssistant, printed: MockConfigEntry, admin: Command
) -> None:
    """The implementation's translated error arrives with its key and placeholders."""
    error = failed(await admin("jobs", start="2026-11-30", end="2026-11-01"))
    assert error["code"] == "home_assistant_error"
    assert error["translation_key"] == "end_before_start"
    assert error["translation_domain"] == "printernizer"
    assert error["message"] == (
        "The end of the period (2026-11-01) is before its start (2026-11-30)"
    )


async def test_job_detail_update_and_revisions(
    hass: HomeAssistant, printed: MockConfigEntry, admin: Command, hass_admin_user: MockUser
) -> None:
    """A correction is revision 2, recorded with who made it; the detail shows both revisions
    and every price used."""
    job_id = ok(await admin("jobs"))["jobs"][0]["job_id"]
    detail = ok(await admin("job", job_id=job_id))
    assert detail["job"]["revision"] == 1
    assert detail["job"]["prices"]["material:PETG"] == "28"
    assert detail["job"]["prices"]["electricity_price"] == "0.30"
    assert detail["job"]["prices"]["vat_rate"] == "19"
    assert [r["revision"] for r in detail["revisions"]] == [1]

    updated = ok(
        await admin(
            "job/update", job_id=job_id, category="business", customer="ACME GmbH", note="rush"
        )
    )
    assert (updated["revision"], updated["category"], updated["customer"]) == (
        2,
        "business",
        "ACME GmbH",
    )
    assert updated["gross"] == 1.37

    detail = ok(await admin("job", job_id=job_id))
    assert detail["job"]["category"] == "business"
    assert detail["job"]["note"] == "rush"
    first, second = detail["revisions"]
    assert (first["revision"], first["category"], first["changed_fields"]) == (1, "private", [])
    assert second["reason"] == "set_job_category"
    assert second["changed_fields"] == ["category", "customer", "note"]
    assert (first["user_id"], second["user_id"]) == (None, hass_admin_user.id)
    assert detail["job"]["materials"][0]["price_source"] == "table"
    assert second["revised_at"].endswith("+01:00")
    assert (await call(hass, "list_jobs", category="business"))["total"] == 1


async def test_job_commands_refuse_unknown_jobs_and_categories(
    hass: HomeAssistant, printed: MockConfigEntry, admin: Command
) -> None:
    """Unknown job: translated unknown_job; unknown category: refused by the schema."""
    error = failed(await admin("job", job_id=999))
    assert (error["translation_key"], error["translation_placeholders"]) == (
        "unknown_job",
        {"job_id": "999"},
    )
    error = failed(await admin("job/update", job_id=999, category="business"))
    assert error["translation_key"] == "unknown_job"
    assert failed(await admin("job/update", job_id=1, category="hobby"))["code"] == (
        "invalid_format"
    )


async def test_files_download_and_status_change(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    printed: MockConfigEntry,
    prusa_sim: PrusaLinkSimulator,
    admin: Command,
) -> None:
    """A remote file downloads in the background and the list shows it downloaded."""
    key = prusa_sim.add_file("/usb/spacer.bgcode", make_bgcode(materials=[("PLA", 3.0)]))
    await call(hass, "refresh_files")
    files = ok(await admin("files"))["files"]
    by_name = {f["name"]: f for f in files}
    assert by_name["bracket.bgcode"]["status"] == "downloaded"  # the job's file, at its end
    spacer = by_name["spacer.bgcode"]
    assert spacer["status"] == "remote"
    assert spacer["entry_id"] == printed.entry_id
    assert spacer["printer"] == "Core One"

    started = ok(
        await admin("files/download", config_entry_id=printed.entry_id, file_id=spacer["file_id"])
    )
    assert started["status"] == "downloading"
    await hass.async_block_till_done(wait_background_tasks=True)
    done = ok(await admin("files", status="downloaded", name_contains="spacer"))["files"]
    assert [f["name"] for f in done] == ["spacer.bgcode"]
    assert done[0]["size"] == len(prusa_sim.files[key])


async def test_files_commands_refuse_unknown_printers_and_files(
    hass: HomeAssistant, printed: MockConfigEntry, admin: Command
) -> None:
    """Unknown printer, unknown file, no file at all: translated errors."""
    error = failed(await admin("files", config_entry_id="nope"))
    assert error["translation_key"] == "entry_not_found"
    error = failed(await admin("files/download", config_entry_id=printed.entry_id, file_id=999))
    assert error["translation_key"] == "file_not_found"
    error = failed(await admin("files/download", config_entry_id=printed.entry_id))
    assert error["translation_key"] == "path_or_file_id_required"
    both = await admin("files/download", config_entry_id=printed.entry_id, file_id=1, path="/x")
    assert failed(both)["code"] == "invalid_format"


async def test_cleanup_previews_for_everyone_and_deletes_for_admins(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    printed: MockConfigEntry,
    admin: Command,
    user: Command,
) -> None:
    """A dry run lists the job's downloaded file and photo; only an administrator may delete."""
    freezer.tick(timedelta(minutes=1))  # the job's file was downloaded as the job ended
    preview = ok(await user("files/cleanup", older_than_days=0))
    candidate, photo = preview["candidates"]
    assert (candidate["kind"], photo["kind"]) == ("file", "photo")
    assert candidate["printer"] == photo["printer"] == "Core One"
    assert candidate["local_path"].endswith("bracket.bgcode")
    assert photo["local_path"].endswith(f"printernizer/photos/{photo['job_id']}.jpg")
    assert (preview["deleted"], preview["freed_bytes"]) == (0, 0)

    refused = failed(await user("files/cleanup", older_than_days=0, dry_run=False))
    assert refused["code"] == "unauthorized"
    assert ok(await user("files/cleanup", older_than_days=0))["candidates"] == [candidate, photo]

    done = ok(await admin("files/cleanup", older_than_days=0, dry_run=False))
    assert done["deleted"] == 2
    assert done["freed_bytes"] == candidate["size"] + photo["size"]
    assert ok(await admin("files/cleanup", older_than_days=0))["candidates"] == []
    assert failed(await admin("files/cleanup", older_than_days=-1))["code"] == "invalid_format"


async def test_report_matches_cost_report(
    hass: HomeAssistant, printed: MockConfigEntry, user: Command
) -> None:
    """Any user reads the report; it equals the cost_report service."""
    report = ok(await user("report", start="2026-11-01", end="2026-11-30", group_by="material"))
    assert report == await call(
        hass, "cost_report", start="2026-11-01", end="2026-11-30", group_by="material"
    )
    assert report["totals"]["gross"] == 1.37
    assert [g["key"] for g in report["groups"]] == ["PETG"]
    bad = await user("report", start="2026-11-01", end="2026-11-30", group_by="colour")
    assert failed(bad)["code"] == "invalid_format"
    assert failed(await user("report", start="2026-11-01"))["code"] == "invalid_format"


async def test_export_answers_a_signed_url_for_admins_only(
    hass: HomeAssistant,
    printed: MockConfigEntry,
    admin: Command,
    user: Command,
    hass_client_no_auth: ClientSessionGenerator,
    hass_client: ClientSessionGenerator,
    hass_read_only_access_token: str,
) -> None:
    """The signed URL serves the German CSV; without signature or for others: refused."""
    assert failed(await user("export", start="2026-11-01", end="2026-11-30"))["code"] == (
        "unauthorized"
    )
    result = ok(await admin("export", start="2026-11-01", end="2026-11-30", format="csv_de"))
    assert result["rows"] == 1
    assert result["name"].startswith("printernizer_jobs_2026-11-01_2026-11-30_")
    assert result["url"].startswith(f"/api/printernizer/export/{result['name']}?authSig=")

    anonymous = await hass_client_no_auth()
    response = await anonymous.get(result["url"])
    assert response.status == 200
    assert 'filename="printernizer_jobs_2026-11-01' in response.headers["Content-Disposition"]
    body = (await response.read()).decode("utf-8-sig")
    assert "1,37" in body
    assert "20.11.2026" in body

    unsigned = await anonymous.get(result["url"].split("?")[0])
    assert unsigned.status == 401
    reader = await hass_client(hass_read_only_access_token)
    assert (await reader.get(result["url"].split("?")[0])).status == 401
    owner = await hass_client()
    assert (await owner.get("/api/printernizer/export/..%2Fprinternizer.db")).status in (400, 404)
    assert (await owner.get("/api/printernizer/export/.hidden")).status == 404
    assert (await owner.get("/api/printernizer/export/missing.csv")).status == 404


async def test_subscribe_pushes_printer_job_and_file_changes(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    printed: MockConfigEntry,
    prusa_sim: PrusaLinkSimulator,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """A new job, its progress, a correction and a file change arrive; unsubscribing stops it."""
    ws = await hass_ws_client(hass)
    await ws.send_json_auto_id({"type": "printernizer/subscribe"})
    reply = await ws.receive_json()
    assert reply["success"]
    subscription = reply["id"]

    prusa_sim.start_job("/usb/bracket.bgcode")
    prusa_sim.set_progress(25.0, time_printing=900, time_remaining=2700)
    await tick(hass, freezer, 30)
    started, events = await next_event(ws, subscription, lambda e: e["kind"] == "job")
    printers = [e["printer"] for e in events if e["kind"] == "printer"]
    assert printers[-1]["status"] == "printing"
    assert printers[-1]["progress"] == 25.0
    assert printers[-1]["remaining_min"] == 45
    assert printers[-1]["job_name"] == "bracket.bgcode"
    assert (started["event"], started["entry_id"]) == ("started", printed.entry_id)

    other = await hass_ws_client(hass)
    await other.send_json_auto_id(
        {"type": "printernizer/job/update", "job_id": 1, "category": "business"}
    )
    assert (await other.receive_json())["success"]
    revised, _ = await next_event(ws, subscription, lambda e: e.get("event") == "revised")
    assert revised == {"kind": "job", "event": "revised", "entry_id": printed.entry_id, "job_id": 1}

    await call(hass, "refresh_files")
    files, _ = await next_event(ws, subscription, lambda e: e["kind"] == "files")
    assert files == {"kind": "files", "entry_id": printed.entry_id}
    await hass.async_block_till_done(wait_background_tasks=True)
    await ws.send_json_auto_id({"type": "ping"})
    while (await ws.receive_json())["type"] != "pong":
        pass  # events still queued before the unsubscription

    await ws.send_json_auto_id({"type": "unsubscribe_events", "subscription": subscription})
    assert (await ws.receive_json())["success"]
    prusa_sim.set_progress(50.0, time_printing=1800, time_remaining=1800)
    await tick(hass, freezer, 30)
    await call(hass, "refresh_files")
    await ws.send_json_auto_id({"type": "ping"})
    assert (await ws.receive_json())["type"] == "pong"  # nothing was pushed in between


async def test_subscribe_follows_printers_coming_and_going(
    hass: HomeAssistant, printed: MockConfigEntry, hass_ws_client: WebSocketGenerator
) -> None:
    """Unloading a printer tells the panel to reload its list; loading it again too."""
    ws = await hass_ws_client(hass)
    await ws.send_json_auto_id({"type": "printernizer/subscribe"})
    assert (await ws.receive_json())["success"]
    other = MockConfigEntry(domain="sun")  # another integration's change: not followed
    async_dispatcher_send(hass, SIGNAL_CONFIG_ENTRY_CHANGED, ConfigEntryChange.UPDATED, other)
    assert await hass.config_entries.async_unload(printed.entry_id)
    assert (await ws.receive_json())["event"] == {"kind": "printers"}
    assert await hass.config_entries.async_setup(printed.entry_id)
    await hass.async_block_till_done()
    kinds = [(await ws.receive_json())["event"]["kind"]]
    assert kinds == ["printers"]


async def test_jobs_refuse_an_unknown_order(hass: HomeAssistant, printed: MockConfigEntry) -> None:
    """The implementation itself refuses a column it cannot sort by (not only the schema)."""
    with pytest.raises(ServiceValidationError) as err:
        await reports.async_list_jobs(hass, hass.data[DATA_SHARED].ledger, order_by="price")
    assert err.value.translation_key == "invalid_order"
    assert err.value.translation_placeholders == {"order_by": "price"}
