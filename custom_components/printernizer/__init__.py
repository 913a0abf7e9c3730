"""Printernizer: Bambu Lab and Prusa printer fleets in Home Assistant."""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta
from pathlib import Path

from homeassistant.const import (
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_USERNAME,
    EVENT_HOMEASSISTANT_STOP,
    Platform,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    issue_registry as ir,
)
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.dispatcher import dispatcher_send
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.typing import ConfigType

from . import panel, websocket_api
from .api import PrinterError, PrinterSnapshot, PrintMetadata
from .api.bambu.client import BambuClient
from .api.bambu.ftps import BambuFtpClient
from .api.prusa.client import PrusaLinkClient
from .const import (
    CONF_ACCESS_CODE,
    CONF_API_KEY,
    CONF_FILE_REFRESH_MINUTES,
    CONF_FTP_PORT,
    CONF_PRINTER_TYPE,
    CONF_SERIAL,
    CONF_TLS_FINGERPRINT,
    DB_FILENAME,
    DEFAULT_BAMBU_PORT,
    DEFAULT_FILE_REFRESH_MINUTES,
    DEFAULT_FTP_PORT,
    DEFAULT_PRUSA_PORT,
    DEFAULT_PRUSA_USERNAME,
    DOMAIN,
    LOGGER,
    PRINTER_TYPE_BAMBU,
    SIGNAL_LEDGER_CHANGED,
    STORAGE_DIR,
)
from .coordinator import (
    BambuCoordinator,
    PrinterCoordinator,
    PrusaCoordinator,
    certificate_issue_id,
)
from .data import DATA_SHARED, PrinternizerConfigEntry, PrinternizerData, PrinternizerShared
from .entity import device_kwargs
from .figures import PrinterLedgerFigures
from .files import BambuFileSource, FileManager, FileSource, PrusaFileSource
from .jobs import (
    JOB_EVENT_CANCELLED,
    JOB_EVENT_FAILED,
    JOB_EVENT_FINISHED,
    JobTracker,
    MetadataPhase,
    job_store,
)
from .ledger import JobRecord, Ledger
from .maintenance import Maintenance
from .migrate import async_migrate_entity_keys
from .photos import async_take_job_photo
from .printing.queue import PrintQueue
from .services import async_setup_services
from .settings import SettingsStore

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

JOB_END_EVENTS = (JOB_EVENT_FINISHED, JOB_EVENT_FAILED, JOB_EVENT_CANCELLED)

PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.CAMERA,
    Platform.EVENT,
    Platform.IMAGE,
    Platform.LIGHT,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.TODO,
]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Open the ledger and the shared settings once, and register the services."""
    settings = SettingsStore(hass)
    await settings.async_load()
    ledger = Ledger(Path(hass.config.path(STORAGE_DIR, DB_FILENAME)))
    await hass.async_add_executor_job(ledger.open)
    queue = PrintQueue(hass, ledger)
    hass.data[DATA_SHARED] = PrinternizerShared(ledger=ledger, settings=settings, queue=queue)

    def _ledger_changed() -> None:
        """In the writing thread, after the commit: statistics and maintenance read again."""
        with suppress(RuntimeError):  # the loop has closed (a write while HA stops)
            dispatcher_send(hass, SIGNAL_LEDGER_CHANGED)

    stop_listening = ledger.add_listener(_ledger_changed)

    async def _close_ledger(_: Event) -> None:
        await queue.async_shutdown()
        stop_listening()
        await hass.async_add_executor_job(ledger.close)

    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, _close_ledger)
    async_setup_services(hass)
    websocket_api.async_setup_commands(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: PrinternizerConfigEntry) -> bool:
    """Connect to one printer and wire its job tracker and file manager."""
    shared = hass.data[DATA_SHARED]
    coordinator: PrinterCoordinator
    if entry.data[CONF_PRINTER_TYPE] == PRINTER_TYPE_BAMBU:
        bambu = BambuClient(
            host=entry.data[CONF_HOST],
            serial=entry.data[CONF_SERIAL],
            access_code=entry.data[CONF_ACCESS_CODE],
            port=entry.data.get(CONF_PORT, DEFAULT_BAMBU_PORT),
            fingerprint=entry.data.get(CONF_TLS_FINGERPRINT),
        )
        coordinator = BambuCoordinator(hass, entry, bambu)
        await coordinator.async_config_entry_first_refresh()
        ftp = BambuFtpClient(
            host=entry.data[CONF_HOST],
            access_code=entry.data[CONF_ACCESS_CODE],
            port=entry.data.get(CONF_FTP_PORT, DEFAULT_FTP_PORT),
            fingerprint=bambu.fingerprint,
        )
        source: FileSource = BambuFileSource(hass, ftp, model=lambda: coordinator.info.model)
    else:
        prusa = PrusaLinkClient(
            async_get_clientsession(hass),
            entry.data[CONF_HOST],
            port=entry.data.get(CONF_PORT, DEFAULT_PRUSA_PORT),
            username=entry.data.get(CONF_USERNAME) or DEFAULT_PRUSA_USERNAME,
            password=entry.data.get(CONF_PASSWORD),
            api_key=entry.data.get(CONF_API_KEY),
        )
        coordinator = prusa_coordinator = PrusaCoordinator(hass, entry, prusa)
        await coordinator.async_config_entry_first_refresh()
        source = PrusaFileSource(hass, prusa, job_metadata=prusa_coordinator.job_file_metadata)

    await async_migrate_entity_keys(hass, entry, coordinator)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **device_kwargs(coordinator)
    )
    files = FileManager(hass, entry, ledger=shared.ledger, settings=shared.settings, source=source)

    async def metadata_provider(
        job: JobRecord, snapshot: PrinterSnapshot, phase: MetadataPhase
    ) -> PrintMetadata | None:
        """The job file's grams and time for the tracker; its picture for the thumbnail."""
        metadata = await files.async_job_metadata(job, snapshot, phase)
        if metadata is not None and metadata.thumbnail_png and coordinator.thumbnail is None:
            coordinator.set_thumbnail(metadata.thumbnail_png)
        return metadata

    async def photo_provider(job: JobRecord, live: bool) -> str | None:
        """The job's photo as it ends: the camera's picture, else the thumbnail."""
        return await async_take_job_photo(hass, entry, shared.ledger, job, live=live)

    tracker = JobTracker(
        hass,
        entry,
        ledger=shared.ledger,
        settings=shared.settings,
        device_id=device.id,
        metadata_provider=metadata_provider,
        model=coordinator.info.model,
        photo_provider=photo_provider,
    )
    await tracker.async_restore()
    uid = coordinator.printer_uid
    figures = PrinterLedgerFigures(
        hass, shared.ledger, uid, on_change=lambda: _refresh_entities(coordinator)
    )
    maintenance = Maintenance(
        hass,
        shared.ledger,
        uid,
        coordinator.family,
        on_change=lambda: _refresh_entities(coordinator),
    )
    await figures.async_refresh()
    await maintenance.async_refresh()
    entry.async_on_unload(figures.async_start())
    entry.async_on_unload(maintenance.async_start())
    entry.runtime_data = PrinternizerData(
        coordinator=coordinator,
        tracker=tracker,
        files=files,
        figures=figures,
        maintenance=maintenance,
    )

    @callback
    def _feed_tracker() -> None:
        """Every live snapshot goes to the job tracker (it keeps them in order itself)."""
        if coordinator.last_update_success and coordinator.data is not None:
            tracker.async_feed(coordinator.data)

    entry.async_on_unload(coordinator.async_add_listener(_feed_tracker))
    entry.async_on_unload(tracker.async_shutdown)
    entry.async_on_unload(files.async_add_listener(lambda *_: _refresh_entities(coordinator)))
    entry.async_on_unload(files.async_shutdown)
    await files.async_load()
    _feed_tracker()

    async def _refresh_files(_: object = None) -> None:
        """Scheduled listing; a busy P1/A1 is left alone (its FTPS is slow and fragile)."""
        if not files.source.may_transfer(coordinator.data):
            return
        try:
            await files.async_refresh()
        except PrinterError as err:
            LOGGER.debug("%s: file listing failed: %s", entry.title, err)

    @callback
    def _job_changed(event_type: str, _: object) -> None:
        """Show new costs and totals; a job that ended leaves its file and a new file list."""
        _refresh_entities(coordinator)
        if event_type in JOB_END_EVENTS:
            if tracker.last_job is not None:
                files.async_job_ended(tracker.last_job, coordinator.data)
            entry.async_create_background_task(
                hass, _refresh_files(), f"{DOMAIN} file refresh {entry.title}"
            )

    entry.async_on_unload(tracker.async_add_listener(_job_changed))

    minutes = entry.options.get(CONF_FILE_REFRESH_MINUTES, DEFAULT_FILE_REFRESH_MINUTES)
    entry.async_on_unload(
        async_track_time_interval(
            hass, _refresh_files, timedelta(minutes=minutes), cancel_on_shutdown=True
        )
    )

    await shared.queue.async_attach(entry)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    entry.async_on_unload(entry.add_update_listener(_async_update_listener))
    await panel.async_register_frontend(hass)
    return True


@callback
def _refresh_entities(coordinator: PrinterCoordinator) -> None:
    """Ledger or file changes: let entities re-check what they show."""
    coordinator.async_update_listeners()


async def _async_update_listener(hass: HomeAssistant, entry: PrinternizerConfigEntry) -> None:
    """Options, reauth or reconfigure changed the entry: reload it."""
    await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: PrinternizerConfigEntry) -> bool:
    """Disconnect from the printer; the panel and the card go with the last printer."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded and not any(
        other.entry_id != entry.entry_id
        for other in hass.config_entries.async_loaded_entries(DOMAIN)
    ):
        panel.async_unregister_frontend(hass)
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: PrinternizerConfigEntry) -> None:
    """Forget the printer's open-job side data and its repair issue and release its queue
    items; its jobs stay in the ledger (GoBD)."""
    ir.async_delete_issue(hass, DOMAIN, certificate_issue_id(entry.entry_id))
    await job_store(hass, entry.unique_id or entry.entry_id).async_remove()
    if (shared := hass.data.get(DATA_SHARED)) is not None:
        await shared.queue.async_printer_removed(entry)
