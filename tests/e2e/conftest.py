"""Fixtures of the browser tests: the running stack, Chromium, logged-in pages.

Run without the Home Assistant test plugin and above this folder's conftest files:
`pytest -p no:homeassistant --confcutdir=tests/e2e tests/e2e` (scripts/test does). A missing
Chromium or Playwright is an error, never a skip.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
import json
from pathlib import Path
import re
import shutil
import time

from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Error,
    Page,
    WebSocket,
    sync_playwright,
)
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
# Home Assistant's frontend has loaded: connected, its config, panels and translations are in.
FRONTEND_READY = """() => {
  const hass = document.querySelector('home-assistant')?.hass;
  return !!(hass && hass.connected && hass.config && hass.config.state === 'RUNNING'
    && hass.panels && hass.user && hass.localize && hass.localize('ui.common.cancel'));
}"""


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


def goto(page: Page, url: str) -> None:
    """Open a page and wait until Home Assistant's frontend has loaded on it.

    Leaving a page while the frontend still starts makes its own code throw (it reads
    `hass.config` before that has arrived), which the console check would blame on us.
    """
    page.goto(url)
    page.wait_for_function(FRONTEND_READY, timeout=30_000)


@dataclass
class Session:
    """A logged-in page and the console errors it produced."""

    page: Page
    name: str
    errors: list[str] = field(default_factory=list)
    unknown_commands: list[str] = field(default_factory=list)

    def shot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{self.name}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


type OpenSession = Callable[..., Session]


def _console_error(session: Session, message: ConsoleMessage, own: str) -> None:
    """Keep a console error unless it is the missing internet (a resource of another host) or
    the browser looking for the sources of Home Assistant's bundle to print a stack trace."""
    if message.type != "error" or OFFLINE_NOISE.search(message.text):
        return
    url = message.location.get("url", "")
    if message.text.startswith("Failed to load resource") and (
        not url.startswith(own) or url.startswith(f"{own}/unknown/src/")
    ):
        return
    text = message.text
    if "unknown_command" in text:
        text += f" (commands Home Assistant did not know: {session.unknown_commands})"
    session.errors.append(f"{text} ({url})")


def _page_error(session: Session, error: Error) -> None:
    """Keep an uncaught error, unless it is Home Assistant's own integration list failing.

    HA 2025.4's virtualised list of integrations (its key function reads `item.domain`) now
    and then throws while the add-integration dialog fills; the stack lies wholly in HA's
    frontend bundle. An error that passes through any of our code is always kept.
    """
    stack = error.stack or ""
    frames = re.findall(r"\(?(https?://[^\s)]+)", stack)
    if (
        "reading 'domain'" in error.message
        and frames
        and all("/frontend_latest/" in frame for frame in frames)
    ):
        return
    session.errors.append(f"page error: {error}\n{stack}")


def _record_unknown_commands(session: Session, socket: WebSocket) -> None:
    """Note the websocket commands Home Assistant did not know: a rejection nobody handled
    shows in the page only as "Object"."""
    sent: dict[int, str] = {}

    def messages(payload: str | bytes) -> list[dict[str, object]]:
        try:
            decoded = json.loads(payload)
        except ValueError:
            return []
        return [
            m for m in (decoded if isinstance(decoded, list) else [decoded]) if isinstance(m, dict)
        ]

    def on_sent(payload: str | bytes) -> None:
        for message in messages(payload):
            if isinstance(message.get("id"), int):
                sent[message["id"]] = str(message.get("type"))  # type: ignore[index]

    def on_received(payload: str | bytes) -> None:
        for message in messages(payload):
            error = message.get("error")
            if isinstance(error, dict) and error.get("code") == "unknown_command":
                session.unknown_commands.append(str(sent.get(message["id"])))  # type: ignore[arg-type]

    socket.on("framesent", on_sent)
    socket.on("framereceived", on_received)


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
        # A rejected promise nobody handles reaches "pageerror" as just "Object": say what it was.
        context.add_init_script(
            """addEventListener('unhandledrejection', (e) => console.error(
              'unhandled rejection: ' + JSON.stringify(e.reason) + ' ' + (e.reason?.stack ?? '')));"""
        )
        if dark:  # the profile's "Theme: dark", as the frontend stores it
            context.add_init_script(
                """localStorage.setItem('selectedTheme', '{"theme":"default","dark":true}')"""
            )
        page = context.new_page()
        page.set_default_timeout(20_000)
        current = Session(page=page, name=f"{language}-{width}{'-dark' if dark else ''}")
        page.on("console", lambda m: _console_error(current, m, stack.url))
        page.on("pageerror", lambda err: _page_error(current, err))
        page.on("websocket", lambda socket: _record_unknown_commands(current, socket))
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
        page.wait_for_function(FRONTEND_READY, timeout=30_000)
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
