"""The Statistics view shows what printer_stats answers, in English and German."""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import OpenSession
from .harness import Stack
from .test_panel import open_view


def number(value: float, digits: int, language: str) -> str:
    """What Intl shows for a number with fixed decimals (en 1,234.5 / de 1.234,5)."""
    text = f"{value:,.{digits}f}"
    if language == "de":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return text


def percent(value: float | None, language: str) -> str:
    return "—" if value is None else f"{number(value, 1, language)} %"


def test_statistics_match_printer_stats(stack: Stack, session: OpenSession) -> None:
    """Per printer: jobs, success rate, utilisation and print hours equal the service's answer
    for the last 30 days; the material chart and the maintenance lists are there."""
    for language, tab in (("en", "Statistics"), ("de", "Statistik")):
        s = session(language=language)
        page = s.page
        open_view(page, stack, "stats")
        expect(page.locator("printernizer-panel [role=tab][data-view=stats]")).to_have_text(tab)
        expected = stack.service("printer_stats")["printers"]
        assert expected, "the stack's printers are set up"
        view = page.locator("printernizer-stats")
        for printer in expected:
            row = view.locator(
                f"tr[data-printer='{printer['config_entry_id'] or printer['name']}']"
            )
            expect(row.locator("td.jobs")).to_have_text(number(printer["jobs"], 0, language))
            expect(row.locator(".success")).to_have_text(percent(printer["success_rate"], language))
            expect(row.locator(".utilisation")).to_have_text(
                percent(printer["utilisation"], language)
            )
            expect(row.locator("td.hours")).to_have_text(
                f"{number(printer['print_hours'], 2, language)} h"
            )
        maintenance = stack.service(
            "set_maintenance_task", **_first_entry(expected), task="plate_cleaning"
        )
        tasks = view.locator("section.printer-tasks li[data-task]")
        expect(tasks.first).to_be_visible()
        assert tasks.count() >= len(maintenance["tasks"])
        usage = stack.service("material_usage", group_by="month")
        if usage["groups"]:
            expect(
                view.locator(f".month[data-month='{usage['groups'][-1]['key']}']")
            ).to_be_visible()
        s.shot("stats")


def _first_entry(rows: list[dict]) -> dict:
    entry = next(row["config_entry_id"] for row in rows if row["config_entry_id"])
    return {"config_entry_id": entry}
