"""A job's file: its grams while the job runs and once it ended, and its one auto-download.

Why two phases: the grams price the job, so they are wanted early, but reading the file loads
the printer. At the start only what is cheap and safe while printing is read (the source
decides); what is still unknown when the job ends is read then, from the auto-downloaded copy
when the user keeps copies. The auto-download runs when the job ends, as its option says.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from homeassistant.core import callback
from homeassistant.exceptions import HomeAssistantError

from custom_components.printernizer.api.errors import MetadataError, PrinterError
from custom_components.printernizer.api.metadata import read_print_metadata
from custom_components.printernizer.api.models import PrinterSnapshot, PrintMetadata, RemoteFile
from custom_components.printernizer.const import CONF_AUTO_DOWNLOAD, LOGGER
from custom_components.printernizer.ledger import files as file_repo

from .download import _stat_size
from .paths import error_text, printable

if TYPE_CHECKING:
    from custom_components.printernizer.jobs import MetadataPhase
    from custom_components.printernizer.ledger import JobRecord

    from .manager import FileManager

type JobFileResult = tuple[dict[str, Any] | None, PrintMetadata | None]

REMEMBERED_JOBS = 16  # jobs whose auto-download ran or runs: one per job, never twice


def _has_grams(metadata: PrintMetadata | None) -> bool:
    return metadata is not None and any(m.grams > 0 for m in metadata.materials)


class JobFiles:
    """The job files of one printer, on top of its FileManager (index and downloads)."""

    def __init__(self, files: FileManager) -> None:
        """Bind to the printer's file manager."""
        self._files = files
        self._downloads: dict[int, asyncio.Task[JobFileResult]] = {}

    @property
    def auto_download(self) -> bool:
        """Whether each job's file is kept once the job ended (option, default on)."""
        return bool(self._files.entry.options.get(CONF_AUTO_DOWNLOAD, True))

    async def async_metadata(
        self, job: JobRecord, snapshot: PrinterSnapshot, phase: MetadataPhase
    ) -> PrintMetadata | None:
        """Grams, time and thumbnail of a job's file.

        "start" (in the background as a job starts): only what is cheap and safe while the
        printer prints, as the source decides: PrusaLink streams the file (or the Pi reports
        its `meta`), X1/H2/P2S fetch it over FTPS, a P1/A1 is left alone (None).
        "end" (the grams are still unknown): from the auto-downloaded copy when auto-download
        is on (the download runs now, once), else read without keeping a copy.
        Never raises for printer, file or parse problems: the job is recorded either way.
        """
        source = self._files.source
        reported = source.reported_metadata()
        if _has_grams(reported):
            return reported
        try:
            if phase == "end" and self.auto_download:
                # shielded: a tracker that stops waiting must not cut the auto-download
                _, metadata = await asyncio.shield(self._download_task(job, snapshot))
            else:
                metadata = await source.async_read_job_metadata(
                    job, snapshot, max_bytes=self._files.max_bytes
                )
        except (PrinterError, HomeAssistantError, MetadataError, OSError) as err:
            LOGGER.warning(
                "%s: no metadata for job %s: %s",
                printable(self._files.printer_name),
                printable(job.name or str(job.job_id)),
                error_text(err),
            )
            return reported
        return metadata if _has_grams(metadata) or reported is None else reported

    @callback
    def async_job_ended(self, job: JobRecord, snapshot: PrinterSnapshot | None) -> None:
        """A job ended: download its file in the background when auto-download is on.

        Once per job: when the "end" metadata request already started it, this joins it.
        """
        if self.auto_download:
            self._download_task(job, snapshot)

    def _download_task(
        self, job: JobRecord, snapshot: PrinterSnapshot | None
    ) -> asyncio.Task[JobFileResult]:
        """The one auto-download of a job's file, started by whoever asks first."""
        task = self._downloads.get(job.job_id)
        if task is None:
            task = self._files.background(
                self.async_download(job, snapshot), f"job file {job.job_id}"
            )
            self._downloads[job.job_id] = task
            while len(self._downloads) > REMEMBERED_JOBS:
                del self._downloads[next(iter(self._downloads))]
        return task

    async def async_download(
        self, job: JobRecord, snapshot: PrinterSnapshot | None
    ) -> JobFileResult:
        """Fetch the file a job printed, link it to the job and read its metadata.

        A copy that is still the printer's file is reused. Never raises for printer, file or
        parse problems; (None, None) when the file cannot be found or the printer is busy.
        """
        files = self._files
        if not files.source.may_transfer(snapshot):
            LOGGER.info(
                "%s is printing again; the file of job %s is not downloaded",
                printable(files.printer_name),
                job.job_id,
            )
            return None, None
        try:
            remote = await files.source.async_find_job_file(job, snapshot or PrinterSnapshot())
        except (PrinterError, HomeAssistantError) as err:
            LOGGER.info("Could not look up the file of job %s: %s", job.job_id, error_text(err))
            return None, None
        if remote is None:
            return None, None
        record = await files.async_track_remote(remote)
        local = await self._async_existing_copy(record, remote)
        if local is not None:
            result = files.download_answer(await files.async_link_job(record.file_id, job.job_id))
        else:
            try:
                result = await files.async_download(file_id=record.file_id, job=job)
            except HomeAssistantError as err:
                LOGGER.info("Job %s file not downloaded: %s", job.job_id, error_text(err))
                await files.async_link_job(record.file_id, job.job_id)
                return None, None
            if result["status"] != file_repo.STATUS_DOWNLOADED:
                await files.async_link_job(record.file_id, job.job_id)
                return result, None
            local = Path(result["local_path"])
        try:
            metadata: PrintMetadata | None = await files.hass.async_add_executor_job(
                read_print_metadata, local
            )
        except (MetadataError, OSError) as err:
            LOGGER.info("No metadata in %s: %s", printable(local.name), error_text(err))
            metadata = None
        return result, metadata

    async def _async_existing_copy(
        self, record: file_repo.FileRecord, remote: RemoteFile
    ) -> Path | None:
        """The local copy when it is present and still matches the printer's file."""
        if record.status != file_repo.STATUS_DOWNLOADED or not record.local_path:
            return None
        path = Path(record.local_path)
        try:
            size = await self._files.hass.async_add_executor_job(_stat_size, path)
        except OSError:
            return None
        if remote.size is not None and remote.size != size:
            return None
        if (
            remote.modified is not None
            and record.downloaded_at is not None
            and remote.modified > record.downloaded_at
        ):
            return None
        return path
