"""Shared settings in the HA Store: defaults, validated updates, persistence."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
import pytest

from custom_components.printernizer.const import DOMAIN
from custom_components.printernizer.data import DATA_SHARED
from custom_components.printernizer.settings import STORAGE_KEY, Settings, SettingsStore

from .conftest import prusa_entry
from .simulators.prusa import PrusaLinkSimulator

pytestmark = pytest.mark.usefixtures("http_started")

D = Decimal


async def test_defaults(hass: HomeAssistant) -> None:
    """Nothing stored: documented defaults, download folder below the config dir."""
    store = SettingsStore(hass)
    settings = await store.async_load()
    assert settings == store.settings
    assert settings.material_prices == {"PLA": D(25), "PETG": D(28)}
    assert settings.default_material_price == D(25)
    assert settings.electricity_price == D("0.30")
    assert settings.vat_rate == D(19)
    assert settings.small_business is False
    assert settings.currency == "EUR"
    assert settings.download_dir == hass.config.path("printernizer", "files")
    assert settings.max_download_mb == 1024
    assert settings.retention_years == 10
    assert settings.as_dict() == {
        "material_prices": {"PLA": 25, "PETG": 28},
        "default_material_price": 25,
        "electricity_price": 0.3,
        "vat_rate": 19,
        "small_business": False,
        "currency": "EUR",
        "download_dir": hass.config.path("printernizer", "files"),
        "max_download_mb": 1024,
        "retention_years": 10,
        "panel_for_all_users": False,
    }


async def test_update_keeps_other_keys_and_persists(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """One key changes, the rest stays; the Store holds Decimal strings; a new store reads it."""
    store = SettingsStore(hass)
    await store.async_load()
    updated = await store.async_update({"electricity_price": 0.35, "vat_rate": 7})
    assert updated.electricity_price == D("0.35")  # from float 0.35 via str: exact
    assert updated.vat_rate == D(7)
    assert updated.material_prices == {"PLA": D(25), "PETG": D(28)}
    assert updated.retention_years == 10
    stored = hass_storage[STORAGE_KEY]
    assert stored["version"] == 1
    assert stored["data"]["electricity_price"] == "0.35"
    assert stored["data"]["vat_rate"] == "7"
    assert stored["data"]["download_dir"] is None  # default folder is not pinned
    again = SettingsStore(hass)
    assert await again.async_load() == updated


async def test_material_prices_merge_case_insensitive(hass: HomeAssistant) -> None:
    """Given materials are set (case-insensitive), None removes one, others stay."""
    store = SettingsStore(hass)
    await store.async_load()
    settings = await store.async_update({"material_prices": {"pla": 22, "TPU": "35.5"}})
    assert settings.material_prices == {"PETG": D(28), "pla": D(22), "TPU": D("35.5")}
    assert settings.price_per_kg("PLA") == D(22)
    assert settings.price_per_kg("tpu") == D("35.5")
    settings = await store.async_update({"material_prices": {"tpu": None}})
    assert settings.material_prices == {"PETG": D(28), "pla": D(22)}
    assert settings.price_per_kg("TPU") == D(25)  # default


async def test_none_resets_to_default(hass: HomeAssistant) -> None:
    """A value of None restores the default of that key."""
    hass.config.allowlist_external_dirs = {"/media"}
    store = SettingsStore(hass)
    await store.async_load()
    await store.async_update(
        {"small_business": True, "download_dir": "/media/prints", "currency": "chf"}
    )
    assert store.settings.small_business is True
    assert store.settings.download_dir == "/media/prints"
    assert store.settings.currency == "CHF"
    await store.async_update({"small_business": None, "download_dir": None})
    assert store.settings.small_business is False
    assert store.settings.download_dir == hass.config.path("printernizer", "files")
    assert store.settings.currency == "CHF"


@pytest.mark.parametrize(
    ("changes", "key", "placeholders"),
    [
        ({"electricity_price": -0.1}, "negative_amount", {"field": "electricity_price", "value": "-0.1"}),
        ({"default_material_price": -1}, "negative_amount", {"field": "default_material_price", "value": "-1"}),
        ({"material_prices": {"PLA": -5}}, "negative_amount", {"field": "material_prices.PLA", "value": "-5"}),
        ({"vat_rate": 101}, "invalid_vat_rate", {"value": "101"}),
        ({"vat_rate": -1}, "invalid_vat_rate", {"value": "-1"}),
        ({"colour": "red"}, "unknown_setting", {"key": "colour"}),
        ({"small_business": "yes"}, "invalid_setting", {"key": "small_business", "value": "yes"}),
        ({"electricity_price": "cheap"}, "invalid_setting", {"key": "electricity_price", "value": "cheap"}),
        ({"electricity_price": True}, "invalid_setting", {"key": "electricity_price", "value": "True"}),
        ({"max_download_mb": 0}, "invalid_setting", {"key": "max_download_mb", "value": "0"}),
        ({"max_download_mb": 1.5}, "invalid_setting", {"key": "max_download_mb", "value": "1.5"}),
        ({"retention_years": "10"}, "invalid_setting", {"key": "retention_years", "value": "10"}),
        ({"currency": "EURO"}, "invalid_setting", {"key": "currency", "value": "EURO"}),
        ({"download_dir": "relative/path"}, "invalid_setting", {"key": "download_dir", "value": "relative/path"}),
        ({"material_prices": ["PLA"]}, "invalid_setting", {"key": "material_prices", "value": "['PLA']"}),
        ({"vat_rate": float("nan")}, "invalid_setting", {"key": "vat_rate", "value": "nan"}),
    ],
)  # fmt: skip
async def test_update_rejects_bad_input(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    changes: dict[str, Any],
    key: str,
    placeholders: dict[str, str],
) -> None:
    """Bad input raises ServiceValidationError with a translation key and changes nothing."""
    store = SettingsStore(hass)
    before = await store.async_load()
    with pytest.raises(ServiceValidationError) as err:
        await store.async_update({"electricity_price": 0.5, **changes})
    assert err.value.translation_domain == "printernizer"
    assert err.value.translation_key == key
    assert err.value.translation_placeholders == placeholders
    assert store.settings == before  # the valid part of the same call was not applied either
    assert STORAGE_KEY not in hass_storage


async def test_damaged_storage_falls_back_per_key(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """A bad stored value only loses that key."""
    hass_storage[STORAGE_KEY] = {
        "version": 1,
        "minor_version": 1,
        "key": STORAGE_KEY,
        "data": {"vat_rate": "250", "electricity_price": "0.41", "small_business": True},
    }
    settings = await SettingsStore(hass).async_load()
    assert settings.vat_rate == D(19)
    assert settings.electricity_price == D("0.41")
    assert settings.small_business is True


def test_settings_price_lookup() -> None:
    """price_per_kg matches names case-insensitively and falls back to the default."""
    settings = Settings(material_prices={"PETG-CF": D(40)}, default_material_price=D(21))
    assert settings.price_per_kg("petg-cf") == D(40)
    assert settings.price_per_kg(None) == D(21)
    assert settings.price_per_kg("ASA") == D(21)
    with pytest.raises(TypeError):
        settings.material_prices["X"] = D(1)  # type: ignore[index]


async def test_a_download_folder_home_assistant_does_not_allow_is_refused_when_set(
    hass: HomeAssistant, hass_storage: dict[str, Any], tmp_path: Path
) -> None:
    """Defect 6: a folder outside allowlist_external_dirs is refused by the update itself
    (it was saved, and every later download failed in the background); allowed folders and
    the integration's own folder are taken."""
    allowed = tmp_path / "allowed"
    hass.config.allowlist_external_dirs = {str(allowed)}
    store = SettingsStore(hass)
    before = await store.async_load()
    with pytest.raises(ServiceValidationError) as err:
        await store.async_update({"vat_rate": 7, "download_dir": str(tmp_path / "elsewhere")})
    assert err.value.translation_key == "download_dir_not_allowed"
    assert err.value.translation_placeholders == {"path": str(tmp_path / "elsewhere")}
    assert store.settings == before
    assert STORAGE_KEY not in hass_storage

    await store.async_update({"download_dir": str(allowed / "prints")})
    assert store.settings.download_dir == str(allowed / "prints")
    own = hass.config.path("printernizer", "archive")
    await store.async_update({"download_dir": own})
    assert hass_storage[STORAGE_KEY]["data"]["download_dir"] == own
    await store.async_update({"download_dir": None})  # back to the default, always allowed
    assert store.settings.download_dir == hass.config.path("printernizer", "files")


async def test_update_settings_and_the_shared_form_refuse_it_too(
    hass: HomeAssistant, prusa_sim: PrusaLinkSimulator, tmp_path: Path
) -> None:
    """The service answers the translated error that explains allowlist_external_dirs; the
    shared settings form shows the same error and keeps the old folder."""
    entry = prusa_entry(prusa_sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    folder = str(tmp_path / "not-allowed")
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "update_settings",
            {"download_dir": folder},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "download_dir_not_allowed"
    assert "allowlist_external_dirs" in str(err.value)
    assert folder in str(err.value)

    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "shared"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"download_dir": folder}
    )
    assert result["type"] is FlowResultType.FORM
    assert list(result["errors"].values()) == ["download_dir_not_allowed"]
    settings = hass.data[DATA_SHARED].settings.settings
    assert settings.download_dir == hass.config.path("printernizer", "files")
    assert await hass.config_entries.async_unload(entry.entry_id)
