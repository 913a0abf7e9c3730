"""Settings shared by all printers (prices, tariff, VAT, folders), kept in a Home Assistant Store.

Why a Store and not config entry options: these values belong to the business, not to one
printer, and every entry (and the services) must see the same numbers. Money is Decimal here
and stored as strings, so 0.30 EUR/kWh never becomes 0.29999….
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
import os
from types import MappingProxyType
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.storage import Store

from .const import LOGGER, STORAGE_DIR
from .costs import to_decimal
from .exceptions import service_error
from .files.paths import check_download_dir

STORAGE_KEY = "printernizer.settings"
STORAGE_VERSION = 1

DEFAULT_MATERIAL_PRICES: Mapping[str, Decimal] = MappingProxyType(
    {"PLA": Decimal(25), "PETG": Decimal(28)}
)
DEFAULT_MATERIAL_PRICE = Decimal(25)
DEFAULT_ELECTRICITY_PRICE = Decimal("0.30")
DEFAULT_VAT_RATE = Decimal(19)
DEFAULT_CURRENCY = "EUR"
DEFAULT_MAX_DOWNLOAD_MB = 1024
DEFAULT_RETENTION_YEARS = 10

SETTING_KEYS = (
    "material_prices",
    "default_material_price",
    "electricity_price",
    "vat_rate",
    "small_business",
    "currency",
    "download_dir",
    "max_download_mb",
    "retention_years",
    "panel_for_all_users",
)


@dataclass(frozen=True)
class Settings:
    """One immutable view of the settings; replace it to change anything."""

    material_prices: Mapping[str, Decimal] = field(default_factory=lambda: DEFAULT_MATERIAL_PRICES)
    default_material_price: Decimal = DEFAULT_MATERIAL_PRICE
    electricity_price: Decimal = DEFAULT_ELECTRICITY_PRICE
    vat_rate: Decimal = DEFAULT_VAT_RATE
    small_business: bool = False
    currency: str = DEFAULT_CURRENCY
    download_dir: str = ""
    max_download_mb: int = DEFAULT_MAX_DOWNLOAD_MB
    retention_years: int = DEFAULT_RETENTION_YEARS
    # The sidebar panel shows to administrators; with this, to every user (read-only).
    panel_for_all_users: bool = False
    _by_casefold: Mapping[str, Decimal] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        """Freeze the price table and index it case-insensitively once."""
        prices = MappingProxyType(dict(self.material_prices))
        object.__setattr__(self, "material_prices", prices)
        object.__setattr__(
            self, "_by_casefold", {k.strip().casefold(): v for k, v in prices.items()}
        )

    @property
    def effective_vat_rate(self) -> Decimal:
        """The VAT rate applied to costs: 0 for a Kleinunternehmer (§19 UStG)."""
        return Decimal(0) if self.small_business else self.vat_rate

    def price_per_kg(self, material: str | None) -> Decimal:
        """EUR per kg for a material name (case-insensitive), else the default price."""
        if material is None:
            return self.default_material_price
        return self._by_casefold.get(material.strip().casefold(), self.default_material_price)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly numbers (not Decimal strings) for service responses."""
        return {
            "material_prices": {k: _number(v) for k, v in self.material_prices.items()},
            "default_material_price": _number(self.default_material_price),
            "electricity_price": _number(self.electricity_price),
            "vat_rate": _number(self.vat_rate),
            "small_business": self.small_business,
            "currency": self.currency,
            "download_dir": self.download_dir,
            "max_download_mb": self.max_download_mb,
            "retention_years": self.retention_years,
            "panel_for_all_users": self.panel_for_all_users,
        }


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _decimal(key: str, value: Any) -> Decimal:
    """A number from a service value (int, float, Decimal or numeric text)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise service_error("invalid_setting", key=key, value=value)
    try:
        return to_decimal(value)
    except (TypeError, ValueError):
        raise service_error("invalid_setting", key=key, value=value)


def _amount(key: str, value: Any) -> Decimal:
    """A non-negative money amount from a service value."""
    amount = _decimal(key, value)
    if amount < 0:
        raise service_error("negative_amount", field=key, value=value)
    return amount


def _integer(key: str, value: Any, minimum: int, maximum: int) -> int:
    if isinstance(value, bool):
        raise service_error("invalid_setting", key=key, value=value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or not minimum <= value <= maximum:
        raise service_error("invalid_setting", key=key, value=value)
    return value


def validate_changes(
    current: Settings,
    changes: Mapping[str, Any],
    default_download_dir: str,
    *,
    replace_material_prices: bool = False,
) -> Settings:
    """Apply `changes` to `current`, or raise ServiceValidationError naming the bad key.

    A value of None resets a key to its default. `material_prices` is merged: given materials
    are set, a material mapped to None is removed, others stay; with `replace_material_prices`
    (a form showing the whole table) the given table replaces the old one.
    """
    if not isinstance(changes, Mapping):
        raise service_error("invalid_setting", key="changes", value=changes)
    values: dict[str, Any] = {}
    defaults = Settings(download_dir=default_download_dir)
    for key, value in changes.items():
        if key not in SETTING_KEYS:
            raise service_error("unknown_setting", key=key)
        if value is None:
            values[key] = getattr(defaults, key)
            continue
        if key == "material_prices":
            if not isinstance(value, Mapping):
                raise service_error("invalid_setting", key=key, value=value)
            prices = (
                {} if replace_material_prices else dict(values.get(key, current.material_prices))
            )
            for material, price in value.items():
                if not isinstance(material, str) or not material.strip():
                    raise service_error("invalid_setting", key=key, value=material)
                name = material.strip()
                # one entry per material regardless of case: the new spelling wins
                for existing in [m for m in prices if m.casefold() == name.casefold()]:
                    del prices[existing]
                if price is not None:
                    prices[name] = _amount(f"{key}.{name}", price)
            values[key] = prices
        elif key in ("default_material_price", "electricity_price"):
            values[key] = _amount(key, value)
        elif key == "vat_rate":
            rate = _decimal(key, value)
            if not Decimal(0) <= rate <= Decimal(100):
                raise service_error("invalid_vat_rate", value=value)
            values[key] = rate
        elif key in ("small_business", "panel_for_all_users"):
            if not isinstance(value, bool):
                raise service_error("invalid_setting", key=key, value=value)
            values[key] = value
        elif key == "currency":
            if not isinstance(value, str) or not (
                len(value.strip()) == 3 and value.strip().isalpha() and value.strip().isascii()
            ):
                raise service_error("invalid_setting", key=key, value=value)
            values[key] = value.strip().upper()
        elif key == "download_dir":
            if not isinstance(value, str) or not value.strip() or "\x00" in value:
                raise service_error("invalid_setting", key=key, value=value)
            if not os.path.isabs(value.strip()):
                raise service_error("invalid_setting", key=key, value=value)
            values[key] = os.path.normpath(value.strip())
        elif key == "max_download_mb":
            values[key] = _integer(key, value, 1, 1024 * 1024)
        elif key == "retention_years":
            values[key] = _integer(key, value, 1, 100)
    return replace(current, **values)


def settings_to_storage(settings: Settings, default_download_dir: str) -> dict[str, Any]:
    """Store representation: Decimal as strings; the default folder is stored as None."""
    return {
        "material_prices": {k: format(v, "f") for k, v in settings.material_prices.items()},
        "default_material_price": format(settings.default_material_price, "f"),
        "electricity_price": format(settings.electricity_price, "f"),
        "vat_rate": format(settings.vat_rate, "f"),
        "small_business": settings.small_business,
        "currency": settings.currency,
        "download_dir": (
            None if settings.download_dir == default_download_dir else settings.download_dir
        ),
        "max_download_mb": settings.max_download_mb,
        "retention_years": settings.retention_years,
        "panel_for_all_users": settings.panel_for_all_users,
    }


def settings_from_storage(data: Mapping[str, Any] | None, default_download_dir: str) -> Settings:
    """Rebuild Settings from the Store; a damaged key falls back to its default (logged)."""
    settings = Settings(download_dir=default_download_dir)
    if not data:
        return settings
    for key in SETTING_KEYS:
        if key not in data:
            continue
        try:
            settings = validate_changes(settings, {key: data[key]}, default_download_dir)
        except ServiceValidationError:
            LOGGER.warning("Ignoring invalid stored setting %s; using the default", key)
    return settings


class SettingsStore:
    """Load, validate and persist the shared settings."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Bind to the HA Store `printernizer.settings` (nothing is read yet)."""
        self._hass = hass
        self._store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, STORAGE_KEY)
        self._default_download_dir = hass.config.path(STORAGE_DIR, "files")
        self._settings = Settings(download_dir=self._default_download_dir)
        self._listeners: list[Callable[[Settings], None]] = []

    def async_add_listener(self, listener: Callable[[Settings], None]) -> Callable[[], None]:
        """Call `listener` with the new settings after each change; returns the remover."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @property
    def settings(self) -> Settings:
        """The current settings (defaults until async_load ran)."""
        return self._settings

    async def async_load(self) -> Settings:
        """Read the stored settings once at setup."""
        data = await self._store.async_load()
        self._settings = settings_from_storage(data, self._default_download_dir)
        return self._settings

    async def async_update(
        self, changes: Mapping[str, Any], *, replace_material_prices: bool = False
    ) -> Settings:
        """Validate and apply `changes` (other keys are kept), then persist.

        The new settings are in effect before the write finishes, so two updates in a row never
        lose one another. Raises ServiceValidationError (translation keys `unknown_setting`,
        `invalid_setting`, `negative_amount`, `invalid_vat_rate`, and
        `download_dir_not_allowed` for a download folder Home Assistant does not allow: refused
        here, not by every later download). `material_prices` is merged into the table, or
        replaces it with `replace_material_prices` (see validate_changes).
        """
        new = validate_changes(
            self._settings,
            changes,
            self._default_download_dir,
            replace_material_prices=replace_material_prices,
        )
        if changes.get("download_dir") is not None:
            await check_download_dir(self._hass, new.download_dir)
        if new == self._settings:
            return new
        self._settings = new
        for listener in list(self._listeners):
            listener(new)
        await self._store.async_save(settings_to_storage(new, self._default_download_dir))
        return new
