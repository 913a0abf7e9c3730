"""The notification blueprint end to end: a job ends, the automation made from the blueprint
sends the companion app's push with the job's photo (a real push gateway on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
import shutil
from typing import Any

from aiohttp import web
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.printernizer.api.bambu.camera import ChamberCamera
from tests.conftest import bambu_entry
from tests.simulators.bambu import BambuSimulator
from tests.test_bambu import setup, wait_for

BLUEPRINT = (
    Path(__file__).parents[1] / "blueprints/automation/printernizer/notify_print_finished.yaml"
)


@pytest.fixture
async def push_gateway(socket_enabled: None) -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    """A push gateway like the companion app's: records every notification it is sent."""
    received: list[dict[str, Any]] = []

    async def push(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/push", push)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/push", received
    await runner.cleanup()


async def phone(hass: HomeAssistant, push_url: str, user: MockUser) -> str:
    """A phone registered with the mobile app integration; returns its device id."""
    entry = MockConfigEntry(
        domain="mobile_app",
        title="Phone",
        data={
            "app_data": {"push_token": "token-1", "push_url": push_url},
            "app_id": "io.homeassistant.companion.android",
            "app_name": "Home Assistant",
            "app_version": "2025.4",
            "device_id": "phone-1",
            "device_name": "Phone",
            "manufacturer": "Fairphone",
            "model": "FP5",
            "os_name": "Android",
            "os_version": "14",
            "supports_encryption": False,
            "user_id": user.id,
            "webhook_id": "hook-1",
        },
    )
    entry.add_to_hass(hass)
    assert await async_setup_component(hass, "mobile_app", {})
    await hass.async_block_till_done()
    device = dr.async_get(hass).async_get_device(identifiers={("mobile_app", "phone-1")})
    assert device is not None
    return device.id


async def test_notification_carries_the_photo(
    hass: HomeAssistant,
    bambu_sim: BambuSimulator,
    push_gateway: tuple[str, list[dict[str, Any]]],
    hass_admin_user: MockUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The push has the job's text and `image` = the photo's /media/local path."""
    monkeypatch.setattr(ChamberCamera, "linger", 0.3)
    push_url, pushes = push_gateway
    device_id = await phone(hass, push_url, hass_admin_user)
    target = Path(hass.config.path("blueprints/automation/printernizer/notify_print_finished.yaml"))
    await hass.async_add_executor_job(lambda: target.parent.mkdir(parents=True))
    await hass.async_add_executor_job(shutil.copy, BLUEPRINT, target)
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "use_blueprint": {
                    "path": "printernizer/notify_print_finished.yaml",
                    "input": {"notify_device": device_id},
                }
            }
        },
    )
    await setup(hass, bambu_entry(bambu_sim))
    await bambu_sim.start_job("cube")
    await bambu_sim.progress(50)
    await bambu_sim.finish_job()
    await wait_for(hass, lambda: bool(pushes))

    (push,) = pushes
    assert push["title"] == "3D print ended"
    assert push["message"].startswith("Workshop P1S: cube finished after 0 h 0 min – ")
    job_id = push["data"]["image"].removeprefix("/media/local/printernizer/photos/")
    assert push["data"] == {"image": f"/media/local/printernizer/photos/{job_id}"}
    assert job_id.endswith(".jpg")
    assert push["push_token"] == "token-1"
