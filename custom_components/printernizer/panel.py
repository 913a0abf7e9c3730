"""The sidebar panel and the printer card: the committed bundles, served and registered once.

Why once and not per printer: the panel shows every printer, and Home Assistant refuses a
second panel at the same URL. The static files and the export view stay for the whole run
(aiohttp cannot take a route back); the panel and the card's module come with the first loaded
printer and go with the last. Who sees the panel follows the shared setting
`panel_for_all_users` (administrators only by default), changed without a restart.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
import hashlib
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web
from homeassistant.components import frontend, panel_custom
from homeassistant.components.http import StaticPathConfig
from homeassistant.components.http.const import KEY_HASS_USER
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN, STORAGE_DIR
from .data import DATA_SHARED
from .reports import EXPORT_DIR

if TYPE_CHECKING:
    from collections.abc import Callable

    from .settings import Settings

STATIC_URL = f"/{DOMAIN}_static"
PANEL_URL = DOMAIN
PANEL_ELEMENT = "printernizer-panel"
PANEL_TITLE = "Printernizer"
PANEL_ICON = "mdi:printer-3d"
PANEL_FILE = "printernizer-panel.js"
CARD_FILE = "printernizer-card.js"
DIST_DIR = Path(__file__).parent / "frontend" / "dist"
EXPORT_URL = f"/api/{DOMAIN}/export"


@dataclass
class _Frontend:
    """What is registered: static paths once per run; panel and card while printers exist."""

    versions: dict[str, str]
    card_url: str | None = None
    unsubscribe: list[Callable[[], None]] = field(default_factory=list)


DATA_FRONTEND: HassKey[_Frontend] = HassKey(f"{DOMAIN}_frontend")
# Home Assistant sets up all printers at once at start: one of them registers, the others wait.
DATA_FRONTEND_LOCK: HassKey[asyncio.Lock] = HassKey(f"{DOMAIN}_frontend_lock")


def _bundle_versions() -> dict[str, str]:
    """A content hash per bundle: browsers fetch a bundle again exactly when it changed."""
    return {
        name: hashlib.sha256((DIST_DIR / name).read_bytes()).hexdigest()[:12]
        for name in (PANEL_FILE, CARD_FILE)
    }


async def async_register_frontend(hass: HomeAssistant) -> None:
    """Serve the bundles and show panel and card (a no-op while they are registered)."""
    async with hass.data.setdefault(DATA_FRONTEND_LOCK, asyncio.Lock()):
        await _async_register_frontend(hass)


async def _async_register_frontend(hass: HomeAssistant) -> None:
    state = hass.data.get(DATA_FRONTEND)
    if state is None:
        versions = await hass.async_add_executor_job(_bundle_versions)
        await hass.http.async_register_static_paths(
            [StaticPathConfig(STATIC_URL, str(DIST_DIR), cache_headers=True)]
        )
        hass.http.register_view(ExportView())
        state = hass.data[DATA_FRONTEND] = _Frontend(versions=versions)
    if state.card_url is not None:
        return
    state.card_url = f"{STATIC_URL}/{CARD_FILE}?v={state.versions[CARD_FILE]}"
    frontend.add_extra_js_url(hass, state.card_url)
    store = hass.data[DATA_SHARED].settings
    await _async_register_panel(hass, store.settings, update=False)
    last = {"all_users": store.settings.panel_for_all_users}

    @callback
    def _settings_changed(settings: Settings) -> None:
        if settings.panel_for_all_users != last["all_users"]:
            last["all_users"] = settings.panel_for_all_users
            hass.async_create_task(_async_register_panel(hass, settings, update=True))

    state.unsubscribe.append(store.async_add_listener(_settings_changed))


async def _async_register_panel(hass: HomeAssistant, settings: Settings, *, update: bool) -> None:
    state = hass.data[DATA_FRONTEND]
    if update:
        if state.card_url is None:
            return  # the last printer went while the change was pending
        frontend.async_remove_panel(hass, PANEL_URL, warn_if_unknown=False)
    await panel_custom.async_register_panel(
        hass,
        frontend_url_path=PANEL_URL,
        webcomponent_name=PANEL_ELEMENT,
        sidebar_title=PANEL_TITLE,
        sidebar_icon=PANEL_ICON,
        module_url=f"{STATIC_URL}/{PANEL_FILE}?v={state.versions[PANEL_FILE]}",
        require_admin=not settings.panel_for_all_users,
    )


@callback
def async_unregister_frontend(hass: HomeAssistant) -> None:
    """The last printer went: remove the panel and the card's module (files stay served)."""
    state = hass.data.get(DATA_FRONTEND)
    if state is None or state.card_url is None:
        return
    frontend.async_remove_panel(hass, PANEL_URL, warn_if_unknown=False)
    frontend.remove_extra_js_url(hass, state.card_url)
    state.card_url = None
    while state.unsubscribe:
        state.unsubscribe.pop()()


def export_folder(hass: HomeAssistant) -> Path:
    """Where export_report writes its files."""
    return Path(hass.config.path(STORAGE_DIR, EXPORT_DIR))


def _export_file(folder: Path, name: str) -> Path | None:
    """The export `name` when it is a plain file directly inside `folder` (blocking)."""
    if not name or name.startswith(".") or "/" in name or "\\" in name:
        return None
    path = folder / name
    if path.is_symlink() or not path.is_file() or path.resolve().parent != folder.resolve():
        return None
    return path


class ExportView(HomeAssistantView):
    """Serves one export file to an administrator (the panel opens it by a signed URL)."""

    url = EXPORT_URL + "/{name}"
    name = f"api:{DOMAIN}:export"
    requires_auth = True

    async def get(self, request: web.Request, name: str) -> web.StreamResponse:
        """The file as a download; 401 for other users, 404 for anything but an export."""
        if not request[KEY_HASS_USER].is_admin:
            return web.Response(status=HTTPStatus.UNAUTHORIZED)
        hass = request.app[KEY_HASS]
        path = await hass.async_add_executor_job(_export_file, export_folder(hass), name)
        if path is None:
            return web.Response(status=HTTPStatus.NOT_FOUND)
        return web.FileResponse(
            path, headers={"Content-Disposition": f'attachment; filename="{path.name}"'}
        )
