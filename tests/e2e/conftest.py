"""Fixtures of the browser tests: the running stack, Chromium, logged-in pages.

Run without the Home Assistant test plugin and above this folder's conftest files:
`pytest -p no:homeassistant --confcutdir=tests/e2e tests/e2e` (scripts/test does). A missing
Chromium or Playwright is an error, never a skip.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
import re
import shutil
import time

from playwright.sync_api import Browser, Page, sync_playwright
import pytest

from .harness import PASSWORD, ROOT, USERNAME, Stack

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / ".e2e-screenshots"
# The machine has no internet: Home Assistant's own pages try brand images and the like.
OFFLINE_NOISE = re.compile(r"net::ERR_(NAME_NOT_RESOLVED|INTERNET_DISCONNECTED|CONNECTION_REFUSED)")


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """Home Assistant with both simulated printers, for the whole run."""
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup (installs Debian's chromium)")
    running = Stack()
    try:
        running.start()
        deadline = time.monotonic() + 180
        # A finished job on each printer (the simulators finish one every ~25 s).
        while True:
            finished = running.service("list_jobs", status="finished", limit=100)["jobs"]
            if len({job["entry_id"] for job in finished}) >= 2:
                break
            if time.monotonic() > deadline:
                pytest.fail("no finished job on both printers within 180 s")
            time.sleep(2)
        yield running
    except BaseException:
        print(running.log_tail("home-assistant"))
        raise
    finally:
        running.stop()
        shutil.rmtree(running.workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@dataclass
class Session:
    """A logged-in page and the console errors it produced."""

    page: Page
    name: str
    errors: list[str] = field(default_factory=list)

    def shot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{self.name}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


type OpenSession = Callable[..., Session]


@pytest.fixture
def session(stack: Stack, browser: Browser) -> Iterator[OpenSession]:
    """Open a browser page logged in through Home Assistant's login page.

    `session(language="de", width=390, dark=True)`; at the end every page must have stayed
    free of console errors.
    """
    opened: list[tuple[Session, object]] = []

    def open_session(
        language: str = "en", width: int = 1280, height: int = 900, *, dark: bool = False
    ) -> Session:
        context = browser.new_context(
            viewport={"width": width, "height": height},
            locale="de-DE" if language == "de" else "en-US",
            timezone_id="Europe/Berlin",
            accept_downloads=True,
        )
        context.add_init_script(
            f"localStorage.setItem('selectedLanguage', JSON.stringify('{language}'))"
        )
        if dark:  # the profile's "Theme: dark", as the frontend stores it
            context.add_init_script(
                """localStorage.setItem('selectedTheme', '{"theme":"default","dark":true}')"""
            )
        page = context.new_page()
        page.set_default_timeout(20_000)
        current = Session(page=page, name=f"{language}-{width}{'-dark' if dark else ''}")
        page.on(
            "console",
            lambda m: current.errors.append(m.text)
            if m.type == "error" and not OFFLINE_NOISE.search(m.text)
            else None,
        )
        page.on("pageerror", lambda err: current.errors.append(f"page error: {err}"))
        # The console says only "status of 500"; the response says which address failed.
        page.on(
            "response",
            lambda r: current.errors.append(f"HTTP {r.status} {r.url}")
            if r.status >= 500
            else None,
        )
        page.goto(stack.url)
        page.locator("input[name=username]").fill(USERNAME)
        page.locator("input[name=password]").fill(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: "auth/authorize" not in url, timeout=30_000)
        page.wait_for_function("() => !!localStorage.getItem('hassTokens')")
        opened.append((current, context))
        return current

    yield open_session
    errors = {s.name: s.errors for s, _ in opened if s.errors}
    for _, context in opened:
        context.close()  # type: ignore[attr-defined]
    if errors:
        ha_errors = [
            line for line in stack.log_tail("home-assistant", 400).splitlines() if " ERROR " in line
        ]
        raise AssertionError(f"console errors: {errors}\nHome Assistant's errors: {ha_errors}")
