"""Options: one printer's cost and polling settings, or the settings all printers share."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState, ConfigFlowResult, OptionsFlow
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    ObjectSelector,
    SelectSelector,
    SelectSelectorConfig,
)
import voluptuous as vol

from .const import (
    CATEGORIES,
    CATEGORY_PRIVATE,
    CONF_AUTO_DOWNLOAD,
    CONF_CAMERA_ENTITY,
    CONF_DEFAULT_CATEGORY,
    CONF_ENERGY_SENSOR,
    CONF_FILE_REFRESH_MINUTES,
    CONF_MACHINE_RATE,
    CONF_POLL_IDLE,
    CONF_POLL_PRINTING,
    CONF_POWER_WATTS,
    CONF_PRINTER_TYPE,
    DEFAULT_FILE_REFRESH_MINUTES,
    DEFAULT_POLL_IDLE,
    DEFAULT_POLL_PRINTING,
    DOMAIN,
    LOGGER,
    PRINTER_TYPE_PRUSA,
)
from .data import DATA_SHARED
from .jobs import default_power_watts

# The settings form edits these; the others (currency) only through update_settings.
SHARED_SCHEMA = vol.Schema(
    {
        vol.Optional("material_prices"): ObjectSelector(),
        vol.Optional("default_material_price"): NumberSelector(
            NumberSelectorConfig(
                min=0, step=0.01, mode=NumberSelectorMode.BOX, unit_of_measurement="EUR/kg"
            )
        ),
        vol.Optional("electricity_price"): NumberSelector(
            NumberSelectorConfig(
                min=0, step="any", mode=NumberSelectorMode.BOX, unit_of_measurement="EUR/kWh"
            )
        ),
        vol.Optional("vat_rate"): NumberSelector(
            NumberSelectorConfig(
                min=0, max=100, step=0.1, mode=NumberSelectorMode.BOX, unit_of_measurement="%"
            )
        ),
        vol.Optional("small_business"): BooleanSelector(),
        vol.Optional("download_dir"): str,
        vol.Optional("max_download_mb"): NumberSelector(
            NumberSelectorConfig(
                min=1, max=100000, mode=NumberSelectorMode.BOX, unit_of_measurement="MB"
            )
        ),
        vol.Optional("retention_years"): NumberSelector(
            NumberSelectorConfig(min=0, max=30, mode=NumberSelectorMode.BOX)
        ),
        vol.Optional("panel_for_all_users"): BooleanSelector(),
    }
)
SHARED_FIELDS = frozenset(str(key) for key in SHARED_SCHEMA.schema)
# Settings errors that name no field in their placeholders but belong to one.
FIELD_OF_ERROR = {"download_dir_not_allowed": "download_dir", "invalid_vat_rate": "vat_rate"}


def _field_of(err: ServiceValidationError) -> str:
    """The form field a settings error is about ("material_prices.PLA" → material_prices)."""
    placeholders = err.translation_placeholders or {}
    named = str(placeholders.get("key") or placeholders.get("field") or "").split(".")[0]
    field = FIELD_OF_ERROR.get(err.translation_key or "", named)
    return field if field in SHARED_FIELDS else "base"


class PrinternizerOptionsFlow(OptionsFlow):
    """Options: this printer's cost and polling settings, or the settings all printers share."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose what to edit."""
        return self.async_show_menu(step_id="init", menu_options=["printer", "shared"])

    def _model(self) -> str | None:
        """The printer's model: from the running printer, else from its device."""
        entry = self.config_entry
        if entry.state is ConfigEntryState.LOADED:
            coordinator = entry.runtime_data.coordinator
            model = coordinator.info.model or (coordinator.data.model if coordinator.data else None)
            if model:
                return str(model)
        registry = dr.async_get(self.hass)
        return next(
            (
                d.model
                for d in dr.async_entries_for_config_entry(registry, entry.entry_id)
                if d.model
            ),
            None,
        )

    def _own_cameras(self) -> list[str]:
        """Printernizer's cameras: one of them as a printer's camera would show itself."""
        registry = er.async_get(self.hass)
        return [
            entity.entity_id
            for entity in registry.entities.values()
            if entity.platform == DOMAIN and entity.domain == "camera"
        ]

    async def async_step_printer(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Power, energy sensor, machine rate, category, downloads, camera, polling.

        The power field shows the model's typical power; left at that value it is not stored,
        so the model's figure keeps applying (and a corrected figure reaches this printer).
        """
        default_power = default_power_watts(self._model())
        if user_input is not None:
            new = dict(user_input)
            if new.get(CONF_POWER_WATTS) == default_power:
                del new[CONF_POWER_WATTS]
            return self.async_create_entry(data=new)
        options = self.config_entry.options
        fields: dict[Any, Any] = {
            vol.Optional(CONF_POWER_WATTS): NumberSelector(
                NumberSelectorConfig(
                    min=0, max=5000, step=1, mode=NumberSelectorMode.BOX, unit_of_measurement="W"
                )
            ),
            vol.Optional(CONF_ENERGY_SENSOR): EntitySelector(
                EntitySelectorConfig(domain="sensor", device_class="energy")
            ),
            vol.Optional(
                CONF_MACHINE_RATE, default=options.get(CONF_MACHINE_RATE, 0)
            ): NumberSelector(
                NumberSelectorConfig(
                    min=0,
                    max=1000,
                    step=0.01,
                    mode=NumberSelectorMode.BOX,
                    unit_of_measurement="EUR/h",
                )
            ),
            vol.Optional(
                CONF_DEFAULT_CATEGORY, default=options.get(CONF_DEFAULT_CATEGORY, CATEGORY_PRIVATE)
            ): SelectSelector(
                SelectSelectorConfig(options=list(CATEGORIES), translation_key="category")
            ),
            vol.Optional(
                CONF_AUTO_DOWNLOAD, default=options.get(CONF_AUTO_DOWNLOAD, True)
            ): BooleanSelector(),
            vol.Optional(
                CONF_FILE_REFRESH_MINUTES,
                default=options.get(CONF_FILE_REFRESH_MINUTES, DEFAULT_FILE_REFRESH_MINUTES),
            ): NumberSelector(
                NumberSelectorConfig(
                    min=1, max=1440, mode=NumberSelectorMode.BOX, unit_of_measurement="min"
                )
            ),
            vol.Optional(CONF_CAMERA_ENTITY): EntitySelector(
                EntitySelectorConfig(domain="camera", exclude_entities=self._own_cameras())
            ),
        }
        if self.config_entry.data[CONF_PRINTER_TYPE] == PRINTER_TYPE_PRUSA:
            fields[
                vol.Optional(
                    CONF_POLL_PRINTING,
                    default=options.get(CONF_POLL_PRINTING, DEFAULT_POLL_PRINTING),
                )
            ] = NumberSelector(
                NumberSelectorConfig(
                    min=2, max=300, mode=NumberSelectorMode.BOX, unit_of_measurement="s"
                )
            )
            fields[
                vol.Optional(CONF_POLL_IDLE, default=options.get(CONF_POLL_IDLE, DEFAULT_POLL_IDLE))
            ] = NumberSelector(
                NumberSelectorConfig(
                    min=5, max=3600, mode=NumberSelectorMode.BOX, unit_of_measurement="s"
                )
            )
        schema = self.add_suggested_values_to_schema(
            vol.Schema(fields), {CONF_POWER_WATTS: default_power, **options}
        )
        return self.async_show_form(
            step_id="printer",
            data_schema=schema,
            description_placeholders={"power_watts": str(default_power)},
        )

    async def async_step_shared(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Prices, tariff, VAT, Kleinunternehmer, download folder and limits for all printers.

        The form shows the whole material table, so what it sends replaces the table: a
        material deleted in the form is gone (update_settings merges instead).
        """
        store = self.hass.data[DATA_SHARED].settings
        errors: dict[str, str] = {}
        if user_input is not None:
            changes = {**user_input, "material_prices": user_input.get("material_prices") or {}}
            try:
                await store.async_update(changes, replace_material_prices=True)
            except ServiceValidationError as err:
                errors[_field_of(err)] = err.translation_key or "invalid_setting"
            except Exception:
                LOGGER.exception("Unexpected error saving the shared settings")
                errors["base"] = "unknown"
            else:
                return self.async_create_entry(data=dict(self.config_entry.options))
        return self.async_show_form(
            step_id="shared",
            data_schema=self.add_suggested_values_to_schema(
                SHARED_SCHEMA, user_input or store.settings.as_dict()
            ),
            errors=errors,
        )
