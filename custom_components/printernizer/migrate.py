"""Entity unique ids that changed between versions: moved in the entity registry, so users keep
their entity ids, names and history instead of finding orphaned entities.

Minor version 2 of a config entry: external-spool keys follow the physical spool (the main spool
is `ams255_tray0`, the deputy `ams255_tray1`), and external spools lost their remaining sensor
(nothing measures it). Which old key showed which spool depends on what the printer reports, so
this runs during set-up, once the first report is in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from .api.bambu.report import external_spool_key_moves
from .const import LOGGER
from .coordinator import BambuCoordinator, PrinterCoordinator

if TYPE_CHECKING:
    from .data import PrinternizerConfigEntry

#: Config entries below this minor version still have the old external-spool keys.
EXTERNAL_SPOOL_KEYS_VERSION: Final = 2
_EXTERNAL_SPOOLS: Final = ("ams255_tray0", "ams255_tray1")
_STAGED: Final = "#moving"  # marks a unique id between the two passes of a swap


async def async_migrate_entity_keys(
    hass: HomeAssistant, entry: PrinternizerConfigEntry, coordinator: PrinterCoordinator
) -> None:
    """Bring an older entry's unique ids up to date (once: the entry then gets version 2)."""
    if entry.minor_version >= EXTERNAL_SPOOL_KEYS_VERSION:
        return
    if isinstance(coordinator, BambuCoordinator):
        moves = external_spool_key_moves(coordinator.client.state)
        await async_migrate_external_spools(hass, entry, coordinator.printer_uid, moves)
    hass.config_entries.async_update_entry(entry, minor_version=EXTERNAL_SPOOL_KEYS_VERSION)


async def async_migrate_external_spools(
    hass: HomeAssistant,
    entry: PrinternizerConfigEntry,
    printer_uid: str,
    moves: dict[str, str | None],
) -> None:
    """Apply `moves` (old tray key -> new tray key, None to drop) to this entry's sensors.

    Two passes, because the H2D Pro, H2C and X2D swap their two keys: first every moving id is
    staged under a temporary id, then it takes its final one.
    """
    registry = er.async_get(hass)
    renames: dict[str, str | None] = {}
    for old in _EXTERNAL_SPOOLS:
        renames[f"{printer_uid}_{old}_remaining"] = None
        if old in moves:
            new = moves[old]
            renames[f"{printer_uid}_{old}_material"] = (
                None if new is None else f"{printer_uid}_{new}_material"
            )

    def stage(entity: er.RegistryEntry) -> dict[str, Any] | None:
        if entity.domain != Platform.SENSOR or entity.unique_id not in renames:
            return None
        target = renames[entity.unique_id]
        if target is None:
            LOGGER.info("%s: removing %s (no longer provided)", entry.title, entity.entity_id)
            registry.async_remove(entity.entity_id)
            return None
        return {"new_unique_id": target + _STAGED}

    def finish(entity: er.RegistryEntry) -> dict[str, Any] | None:
        if entity.domain != Platform.SENSOR or not entity.unique_id.endswith(_STAGED):
            return None
        target = entity.unique_id.removesuffix(_STAGED)
        if registry.async_get_entity_id(Platform.SENSOR, entity.platform, target):
            registry.async_remove(entity.entity_id)  # the new key exists already: keep that one
            return None
        LOGGER.info("%s: %s now has unique id %s", entry.title, entity.entity_id, target)
        return {"new_unique_id": target}

    await er.async_migrate_entries(hass, entry.entry_id, stage)
    await er.async_migrate_entries(hass, entry.entry_id, finish)
