"""The sidebar panel and the printer card: registered once, gone with the last printer."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from homeassistant.components import panel_custom
from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator, WebSocketGenerator

from custom_components.printernizer import panel
from custom_components.printernizer.data import DATA_SHARED
from custom_components.printernizer.panel import CARD_FILE, DIST_DIR, PANEL_FILE
from tests.conftest import prusa_entry
from tests.simulators.prusa import PrusaLinkSimulator
from tests.test_services import call


async def panels(
    hass: HomeAssistant, ws_client: WebSocketGenerator, token: str | None = None
) -> dict[str, Any]:
    """What the frontend's sidebar gets for a user (admin by default)."""
    ws = await ws_client(hass, token) if token else await ws_client(hass)
    await ws.send_json_auto_id({"type": "get_panels"})
    reply = await ws.receive_json()
    assert reply["success"]
    return reply["result"]


def card_urls(hass: HomeAssistant) -> list[str]:
    return [url for url in hass.data[DATA_EXTRA_MODULE_URL].urls if CARD_FILE in url]


async def setup_printer(
    hass: HomeAssistant, sim: PrusaLinkSimulator, title: str
) -> MockConfigEntry:
    entry = prusa_entry(sim)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, title=title)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def test_panel_and_card_once_for_all_printers(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator, hass_ws_client: WebSocketGenerator
) -> None:
    """Two printers, one panel and one card module; both go with the last printer only."""
    first = await setup_printer(hass, prusa_sim, "Core One")
    panel = (await panels(hass, hass_ws_client))["printernizer"]
    assert panel["title"] == "Printernizer"
    assert panel["icon"] == "mdi:printer-3d"
    assert panel["require_admin"] is True
    custom = panel["config"]["_panel_custom"]
    assert custom["name"] == "printernizer-panel"
    assert re.fullmatch(
        r"/printernizer_static/printernizer-panel\.js\?v=[0-9a-f]{12}", custom["module_url"]
    )
    (card,) = card_urls(hass)
    assert re.fullmatch(r"/printernizer_static/printernizer-card\.js\?v=[0-9a-f]{12}", card)

    async with PrusaLinkSimulator(
        flavour="buddy", password="secretpass123", serial="SECOND-1"
    ) as sim:
        second = await setup_printer(hass, sim, "MK4")
        assert list(await panels(hass, hass_ws_client)).count("printernizer") == 1
        assert card_urls(hass) == [card]
        # Home Assistant refuses a second panel at the same URL: registering per printer would fail.
        with pytest.raises(ValueError, match="Overwriting panel printernizer"):
            await panel_custom.async_register_panel(
                hass, frontend_url_path="printernizer", webcomponent_name="x", module_url="/x.js"
            )

        assert await hass.config_entries.async_unload(first.entry_id)
        assert "printernizer" in await panels(hass, hass_ws_client)
        assert card_urls(hass) == [card]
        assert await hass.config_entries.async_unload(second.entry_id)
        await hass.async_block_till_done()

    assert "printernizer" not in await panels(hass, hass_ws_client)
    assert card_urls(hass) == []
    assert await hass.config_entries.async_setup(first.entry_id)
    await hass.async_block_till_done()
    assert "printernizer" in await panels(hass, hass_ws_client)
    assert card_urls(hass) == [card]


async def test_bundles_are_served_and_the_card_is_small(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator, hass_client: ClientSessionGenerator
) -> None:
    """Both bundles are served as JavaScript; the card bundle carries none of the panel."""
    await setup_printer(hass, prusa_sim, "Core One")
    client = await hass_client()
    for name, element in (
        (PANEL_FILE, "printernizer-panel"),
        (CARD_FILE, "printernizer-printer-card"),
    ):
        response = await client.get(f"/printernizer_static/{name}")
        assert response.status == 200
        assert "javascript" in response.headers["Content-Type"]
        body = await response.text()
        assert body == (DIST_DIR / name).read_text("utf-8")
        assert f'"{element}"' in body
    card = (DIST_DIR / CARD_FILE).read_text("utf-8")
    for panel_only in ("printernizer/jobs", "printernizer-costs", "Kostenaufstellung"):
        assert panel_only not in card
    assert len(card.encode()) < (DIST_DIR / PANEL_FILE).stat().st_size / 2


async def test_panel_for_all_users_is_a_shared_setting(
    hass: HomeAssistant,
    prusa_sim: PrusaLinkSimulator,
    hass_ws_client: WebSocketGenerator,
    hass_read_only_access_token: str,
) -> None:
    """Other users see the panel (read-only) only while the setting says so."""
    await setup_printer(hass, prusa_sim, "Core One")
    assert "printernizer" not in await panels(hass, hass_ws_client, hass_read_only_access_token)

    settings = await call(hass, "update_settings", panel_for_all_users=True)
    assert settings["panel_for_all_users"] is True
    await hass.async_block_till_done()
    shown = await panels(hass, hass_ws_client, hass_read_only_access_token)
    assert shown["printernizer"]["require_admin"] is False

    await call(hass, "update_settings", panel_for_all_users=False)
    await hass.async_block_till_done()
    assert "printernizer" not in await panels(hass, hass_ws_client, hass_read_only_access_token)

    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "update_settings", panel_for_all_users="yes")
    assert err.value.translation_key == "invalid_setting"


async def test_printers_set_up_at_the_same_time_share_one_panel(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator, hass_ws_client: WebSocketGenerator
) -> None:
    """At start Home Assistant sets up all printers at once: none may fail on the panel."""
    async with PrusaLinkSimulator(
        flavour="buddy", password="secretpass123", serial="SECOND-2"
    ) as sim:
        entries = [prusa_entry(prusa_sim), prusa_entry(sim)]
        for entry in entries:
            entry.add_to_hass(hass)
        results = await asyncio.gather(
            *(hass.config_entries.async_setup(entry.entry_id) for entry in entries)
        )
        await hass.async_block_till_done()
        assert results == [True, True]
        assert [e.state for e in entries] == [ConfigEntryState.LOADED] * 2
        assert "printernizer" in await panels(hass, hass_ws_client)
        assert len(card_urls(hass)) == 1
        for entry in entries:
            assert await hass.config_entries.async_unload(entry.entry_id)


async def test_a_setting_change_after_the_last_printer_went_shows_no_panel(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator, hass_ws_client: WebSocketGenerator
) -> None:
    """A pending re-registration finds the panel gone with the last printer and leaves it so."""
    await setup_printer(hass, prusa_sim, "Core One")
    settings = hass.data[DATA_SHARED].settings.settings
    panel.async_unregister_frontend(hass)
    await panel._async_register_panel(hass, settings, update=True)
    assert "printernizer" not in await panels(hass, hass_ws_client)
