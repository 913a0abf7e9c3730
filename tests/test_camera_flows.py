"""The camera in the flows: the camera port (set-up, reconfigure) and the camera option."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from tests.conftest import BAMBU_CODE, bambu_entry, prusa_entry
from tests.simulators.bambu import BambuSimulator
from tests.simulators.prusa import PrusaLinkSimulator
from tests.test_bambu import setup
from tests.test_camera import Webcam, webcam  # noqa: F401 - the webcam fixture
from tests.test_config_flow import _manual_input, _start, mock_setup_entry  # noqa: F401

pytestmark = pytest.mark.usefixtures("http_started")


@pytest.mark.usefixtures("mock_setup_entry")
@pytest.mark.parametrize(("given", "stored"), [({"camera_port": 6001.0}, 6001), ({}, None)])
async def test_manual_camera_port(
    hass: HomeAssistant, bambu_sim: BambuSimulator, given: dict, stored: int | None
) -> None:
    """Like the FTPS port; left empty, the model's standard port applies (nothing stored)."""
    result = await _start(hass, "bambu", "bambu_manual")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _manual_input(bambu_sim, **given)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"].get("camera_port") == stored


@pytest.mark.usefixtures("mock_setup_entry")
async def test_reconfigure_camera_port(hass: HomeAssistant, bambu_sim: BambuSimulator) -> None:
    """A new camera port is stored; an empty one goes back to the model's standard port."""
    entry = bambu_entry(bambu_sim)
    entry.add_to_hass(hass)
    base = {"host": "127.0.0.1", "access_code": BAMBU_CODE, "port": bambu_sim.mqtt_port}
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**base, "camera_port": 6002}
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["camera_port"] == 6002
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], base)
    assert result["reason"] == "reconfigure_successful"
    assert "camera_port" not in entry.data
    await hass.async_block_till_done()


async def test_camera_option(
    hass: HomeAssistant,
    prusa_sim: PrusaLinkSimulator,
    bambu_sim: BambuSimulator,
    webcam: Webcam,  # noqa: F811
) -> None:
    """The printer form offers every camera but Printernizer's own; the choice is the
    printer's camera after the reload."""
    await setup(hass, bambu_entry(bambu_sim))
    entry = await setup(hass, prusa_entry(prusa_sim))
    assert hass.states.get("camera.core_one_camera") is None
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "printer"}
    )
    field = next(key for key in result["data_schema"].schema if key == "camera_entity")
    selector = result["data_schema"].schema[field]
    assert selector.config["domain"] == ["camera"]
    assert selector.config["exclude_entities"] == ["camera.workshop_p1s_camera"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"camera_entity": "camera.webcam"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options["camera_entity"] == "camera.webcam"
    assert hass.states.get("camera.core_one_camera") is not None
