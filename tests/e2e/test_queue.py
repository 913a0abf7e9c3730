"""The Queue view as a user sees it: an item queued by the service shows up live, and a user
takes it out of the queue again, in English and German."""

from __future__ import annotations

import re

from playwright.sync_api import expect
import pytest

from .conftest import OpenSession
from .harness import Stack
from .test_panel import open_view

TEXTS = {
    "en": ("Queue", "Waiting", "Cancel", "Remove from queue", "Plate not clear"),
    "de": (
        "Warteschlange",
        "Wartend",
        "Abbrechen",
        "Aus der Warteschlange nehmen",
        "Druckplatte belegt",
    ),
}


@pytest.mark.parametrize("language", ["en", "de"])
def test_queue_view_shows_a_queued_item_and_cancels_it(
    stack: Stack, session: OpenSession, language: str
) -> None:
    """Both printers hold a finished job (plates not clear), so the item waits; it appears
    without a reload, and Cancel (confirmed) takes it out of the queue."""
    tab, waiting, cancel, remove, not_clear = TEXTS[language]
    entries = [
        e["entry_id"]
        for e in stack.api("GET", "/api/config/config_entries/entry?domain=printernizer")  # type: ignore[union-attr]
    ]
    s = session(language=language)
    page = s.page
    open_view(page, stack, "queue")
    expect(page.locator("printernizer-panel [role=tab][data-view=queue]")).to_have_text(tab)
    expect(page.locator("printernizer-queue .printers li")).to_have_count(len(entries))
    expect(page.locator("printernizer-queue [data-plate=not_clear]").first).to_have_text(not_clear)

    (queue_id,) = stack.service(
        "queue_print", config_entry_id=entries, path=f"/usb/e2e-{language}.bgcode"
    )["queue_ids"]
    row = page.locator(f"printernizer-queue tr[data-queue='{queue_id}']")
    expect(row).to_be_visible()  # pushed by printernizer/subscribe
    expect(row.locator(".chip")).to_have_text(waiting)
    expect(row.locator("td.name")).to_contain_text(f"e2e-{language}.bgcode")
    s.shot("queue")

    row.get_by_role("button", name=re.compile(f"^{cancel}:")).click()
    page.locator("printernizer-confirm").get_by_role("button", name=remove).click()
    expect(row).to_have_count(0)
    items = stack.service("list_queue", include_ended=True)["items"]
    assert [i["status"] for i in items if i["queue_id"] == queue_id] == ["cancelled"]
