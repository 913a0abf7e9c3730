"""One coordinator per printer: push for Bambu Lab (MQTT), gentle polling for PrusaLink."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
import time
from typing import TYPE_CHECKING, Any

from homeassistant.exceptions import ConfigEntryNotReady, HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api import (
    PrinterAuthError,
    PrinterCertificateError,
    PrinterError,
    PrinterFamily,
    PrinterInfo,
    PrinterSnapshot,
    PrinterStateConflictError,
    PrinterStatus,
    PrintMetadata,
)
from .api.prusa.parse import parse_file_meta, parse_snapshot
from .const import (
    CONF_POLL_IDLE,
    CONF_POLL_PRINTING,
    CONF_TLS_FINGERPRINT,
    DEFAULT_POLL_IDLE,
    DEFAULT_POLL_PRINTING,
    DOMAIN,
    LOGGER,
)
from .exceptions import translate_printer_errors, update_error

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .api.bambu.client import BambuClient
    from .api.prusa.client import PrusaLinkClient
    from .data import PrinternizerConfigEntry

# PrusaLink: after this many failed polls in a row the printer counts as gone.
PRUSA_MAX_FAILURES = 5
PRUSA_BACKOFF_INTERVAL = timedelta(seconds=60)
# PrusaLink: re-read /api/v1/job at most this often while printing (it changes rarely).
PRUSA_JOB_REFRESH = 60.0


def certificate_issue_id(entry_id: str) -> str:
    """The repair issue raised when a printer's TLS certificate changed."""
    return f"certificate_changed_{entry_id}"


class PrinterCoordinator(DataUpdateCoordinator[PrinterSnapshot]):
    """What every printer offers Home Assistant: a snapshot, device facts, control."""

    config_entry: PrinternizerConfigEntry
    family: PrinterFamily

    def __init__(self, hass: HomeAssistant, entry: PrinternizerConfigEntry, **kwargs: Any) -> None:
        """Name the coordinator after the printer."""
        super().__init__(hass, LOGGER, config_entry=entry, name=entry.title, **kwargs)
        self.info = PrinterInfo(family=self.family)
        self.thumbnail: bytes | None = None
        self.thumbnail_updated: datetime | None = None

    @property
    def printer_uid(self) -> str:
        """The printer's stable id (the config entry's unique id)."""
        return self.config_entry.unique_id or self.config_entry.entry_id

    def set_thumbnail(self, image: bytes | None) -> None:
        """Show a new job thumbnail (from the printer or the job's file)."""
        if self._store_thumbnail(image):
            self.async_update_listeners()

    def _store_thumbnail(self, image: bytes | None) -> bool:
        """Keep `image` if it changed, stamping the time the image entity reloads on."""
        if image == self.thumbnail:
            return False
        self.thumbnail = image
        self.thumbnail_updated = dt_util.utcnow()
        return True

    async def async_pause(self) -> None:
        """Pause the running job."""
        await self._async_command("pause", self._async_pause)

    async def async_resume(self) -> None:
        """Resume a paused job."""
        await self._async_command("resume", self._async_resume)

    async def async_stop(self) -> None:
        """Stop (cancel) the running job."""
        await self._async_command("stop", self._async_stop)

    async def async_refresh_printer(self) -> None:
        """Ask the printer for a fresh full state."""
        await self._async_command("refresh", self._async_refresh_printer)

    async def async_config_entry_first_refresh(self) -> None:
        """Set up and read the printer once; a failure keeps its translated reason.

        HA 2025.4 raises a bare ConfigEntryNotReady here, so the entry's card shows the
        English text of the cause; HA 2026.x copies the cause's translation. Copy it on both.
        """
        try:
            await super().async_config_entry_first_refresh()
        except ConfigEntryNotReady as err:
            cause = err.__cause__
            if err.translation_key is None and isinstance(cause, HomeAssistantError):
                raise ConfigEntryNotReady(
                    translation_domain=cause.translation_domain,
                    translation_key=cause.translation_key,
                    translation_placeholders=cause.translation_placeholders,
                ) from cause
            raise

    async def _async_command(self, command: str, action: Callable[[], Awaitable[None]]) -> None:
        """Run a control command; client errors become translated HA errors (a refused code
        starts reauthentication)."""
        with translate_printer_errors(
            self.hass, self.config_entry, command, status=str(self._status)
        ):
            await action()

    @property
    def _status(self) -> PrinterStatus:
        return self.data.status if self.data else PrinterStatus.OFFLINE

    async def _async_pause(self) -> None:
        raise NotImplementedError

    async def _async_resume(self) -> None:
        raise NotImplementedError

    async def _async_stop(self) -> None:
        raise NotImplementedError

    async def _async_refresh_printer(self) -> None:
        raise NotImplementedError


class BambuCoordinator(PrinterCoordinator):
    """Bambu Lab: the printer pushes reports over one MQTT connection; nothing is polled."""

    family = PrinterFamily.BAMBU

    def __init__(
        self, hass: HomeAssistant, entry: PrinternizerConfigEntry, client: BambuClient
    ) -> None:
        """Wire the client's callbacks to the coordinator."""
        super().__init__(hass, entry, update_interval=None)
        self.client = client
        client.on_snapshot = self._handle_snapshot
        client.on_connection_change = self._handle_connection_change
        client.on_fatal_error = self.handle_fatal_error

    async def _async_setup(self) -> None:
        """Connect once; the client then keeps the connection and reconnects by itself."""
        try:
            await self.client.async_connect()
        except PrinterError as err:
            if isinstance(err, PrinterCertificateError):
                self._raise_certificate_issue(err)
            raise update_error(self.config_entry, err) from err
        ir.async_delete_issue(self.hass, DOMAIN, certificate_issue_id(self.config_entry.entry_id))
        if self.client.info is not None:
            self.info = self.client.info
        fingerprint = self.client.fingerprint
        if fingerprint and self.config_entry.data.get(CONF_TLS_FINGERPRINT) != fingerprint:
            # Trust on first use for entries created without a pin.
            self.hass.config_entries.async_update_entry(
                self.config_entry,
                data={**self.config_entry.data, CONF_TLS_FINGERPRINT: fingerprint},
            )

    async def _async_update_data(self) -> PrinterSnapshot:
        """Return the latest pushed state (used by the first refresh)."""
        if self.client.snapshot is None or not self.client.connected:
            raise UpdateFailed(translation_domain=DOMAIN, translation_key="printer_offline")
        return self.client.snapshot

    async def async_shutdown(self) -> None:
        """Close the MQTT connection with the entry."""
        await super().async_shutdown()
        await self.client.async_disconnect()

    def _handle_snapshot(self, snapshot: PrinterSnapshot) -> None:
        if self.client.info is not None:
            self.info = self.client.info
        self.async_set_updated_data(snapshot)

    def _handle_connection_change(self, connected: bool) -> None:
        if not connected and self.last_update_success:
            self.async_set_update_error(
                UpdateFailed(translation_domain=DOMAIN, translation_key="printer_offline")
            )

    def handle_fatal_error(self, err: PrinterError) -> None:
        """A client (MQTT, camera) was refused for good: ask the user to act."""
        if isinstance(err, PrinterAuthError):
            self.config_entry.async_start_reauth(self.hass)
        elif isinstance(err, PrinterCertificateError):
            self._raise_certificate_issue(err)
        self.async_set_update_error(update_error(self.config_entry, err))

    def _raise_certificate_issue(self, err: PrinterCertificateError) -> None:
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            certificate_issue_id(self.config_entry.entry_id),
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key="certificate_changed",
            translation_placeholders={
                "printer": self.config_entry.title,
                "expected": err.expected or "-",
                "actual": err.actual,
            },
        )

    async def _async_pause(self) -> None:
        await self.client.async_pause()

    async def _async_resume(self) -> None:
        await self.client.async_resume()

    async def _async_stop(self) -> None:
        await self.client.async_stop()

    async def _async_refresh_printer(self) -> None:
        await self.client.async_refresh()

    async def async_set_chamber_light(self, on: bool) -> None:
        """Switch the chamber light on or off."""
        await self._async_command("chamber_light", lambda: self.client.async_set_chamber_light(on))

    async def async_set_print_speed(self, level: int) -> None:
        """Set the speed level (1 silent, 2 standard, 3 sport, 4 ludicrous)."""
        await self._async_command("print_speed", lambda: self.client.async_set_print_speed(level))


class PrusaCoordinator(PrinterCoordinator):
    """PrusaLink: poll /api/v1/status gently; read /api/v1/job only when it can have changed."""

    family = PrinterFamily.PRUSA

    def __init__(
        self, hass: HomeAssistant, entry: PrinternizerConfigEntry, client: PrusaLinkClient
    ) -> None:
        """Start with the idle interval; it shortens while printing."""
        super().__init__(hass, entry, update_interval=self._idle_interval(entry))
        self.client = client
        self.failures = 0
        # Why the last poll failed (None after a good one); a missed poll keeps the old data.
        self.poll_error: PrinterError | None = None
        self._job: dict[str, Any] | None = None
        self._job_id: Any = None
        self._job_read_at = 0.0
        self._thumbnail_ref: str | None = None

    @staticmethod
    def _idle_interval(entry: PrinternizerConfigEntry) -> timedelta:
        return timedelta(seconds=entry.options.get(CONF_POLL_IDLE, DEFAULT_POLL_IDLE))

    @staticmethod
    def _printing_interval(entry: PrinternizerConfigEntry) -> timedelta:
        return timedelta(seconds=entry.options.get(CONF_POLL_PRINTING, DEFAULT_POLL_PRINTING))

    async def _async_setup(self) -> None:
        """Read the device facts once."""
        try:
            self.info = await self.client.async_get_printer_info()
        except PrinterError as err:
            raise update_error(self.config_entry, err) from err

    async def _async_update_data(self) -> PrinterSnapshot:
        """Poll status (and the job when needed); tolerate a few misses before going away."""
        try:
            status = await self.client.async_get_status()
            job = status.get("job")
            job_id = job.get("id") if isinstance(job, dict) else None
            now = time.monotonic()
            if job_id is None:
                self._job = None
            elif job_id != self._job_id or now - self._job_read_at >= PRUSA_JOB_REFRESH:
                self._job = await self.client.async_get_job()
                self._job_read_at = now
            self._job_id = job_id
        except PrinterError as err:
            self.poll_error = err
            if isinstance(err, PrinterAuthError):
                raise update_error(self.config_entry, err) from err
            self.failures += 1
            if self.failures < PRUSA_MAX_FAILURES and self.data is not None:
                LOGGER.debug("%s: poll %s failed: %s", self.name, self.failures, err)
                return self.data
            self.update_interval = PRUSA_BACKOFF_INTERVAL
            raise update_error(self.config_entry, err) from err
        self.failures = 0
        self.poll_error = None
        snapshot = parse_snapshot(status, self._job, previous=self.data)
        self.update_interval = (
            self._printing_interval(self.config_entry)
            if snapshot.status.is_active
            else self._idle_interval(self.config_entry)
        )
        await self._async_update_thumbnail(snapshot.thumbnail_ref)
        return snapshot

    async def _async_update_thumbnail(self, ref: str | None) -> None:
        """Fetch the job thumbnail once per job file."""
        if ref == self._thumbnail_ref:
            return
        self._thumbnail_ref = ref
        image = None
        if ref:
            try:
                image = await self.client.async_get_thumbnail(ref)
            except PrinterError as err:
                LOGGER.debug("%s: thumbnail %s not available: %s", self.name, ref, err)
        # No listener call: the poll that fetched it is about to publish its snapshot.
        self._store_thumbnail(image)

    def job_file_metadata(self) -> PrintMetadata | None:
        """What the Raspberry Pi build tells about the job's file (`meta`); Buddy tells nothing."""
        file = (self._job or {}).get("file")
        meta = file.get("meta") if isinstance(file, dict) else None
        if not meta:
            return None
        metadata = parse_file_meta(meta)
        return metadata if metadata.materials else None

    def _job_id_for_command(self) -> int:
        job_id = self._job_id
        if job_id is None:
            raise PrinterStateConflictError("no job")
        return int(job_id)

    async def _async_pause(self) -> None:
        await self.client.async_pause_job(self._job_id_for_command())
        await self.async_request_refresh()

    async def _async_resume(self) -> None:
        await self.client.async_resume_job(self._job_id_for_command())
        await self.async_request_refresh()

    async def _async_stop(self) -> None:
        await self.client.async_cancel_job(self._job_id_for_command())
        await self.async_request_refresh()

    async def _async_refresh_printer(self) -> None:
        """Poll now; a printer that does not answer is an error, not a silent no-op."""
        self._job_read_at = 0.0
        await self.async_refresh()
        if self.poll_error is not None:
            raise self.poll_error
