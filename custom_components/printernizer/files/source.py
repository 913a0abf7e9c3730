"""One adapter per printer family between the file manager and that family's file client.

Why: the file manager should not know how Bambu and PrusaLink differ (a download by FTP path
or by `refs.download`, how a job's file is found, whether a busy printer may be touched, where
a job's grams come from); each `FileSource` answers those questions for its family.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
import asyncio
from collections.abc import Callable
import functools
from pathlib import Path
import shutil
import tempfile
from typing import TYPE_CHECKING, ClassVar

from homeassistant.core import HomeAssistant

from custom_components.printernizer.api.bambu.ftps import BambuFtpClient
from custom_components.printernizer.api.bambu.report import model_sends_deltas
from custom_components.printernizer.api.errors import FileTransferError
from custom_components.printernizer.api.filewriter import OnBlock
from custom_components.printernizer.api.metadata import read_print_metadata
from custom_components.printernizer.api.models import PrinterSnapshot, PrintMetadata, RemoteFile
from custom_components.printernizer.api.prusa.client import PrusaLinkClient

if TYPE_CHECKING:
    from custom_components.printernizer.ledger import JobRecord


def _remove_tree(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


class FileSource(ABC):
    """List, download, find a job's file and read a job's metadata on one printer."""

    kind: ClassVar[str]  # the file index's `source` column

    def __init__(self, hass: HomeAssistant) -> None:
        """Keep Home Assistant for executor work (temporary files)."""
        self.hass = hass

    @abstractmethod
    async def async_list_files(self) -> list[RemoteFile]:
        """Every file on the printer's storage."""

    @abstractmethod
    async def async_download(
        self,
        remote: RemoteFile,
        dest: Path,
        max_bytes: int | None,
        /,
        *,
        on_block: OnBlock | None = None,
    ) -> int:
        """Write the file to `dest`, at most `max_bytes`; return the bytes written.

        `on_block` is called in the writing thread with each block right after it is
        written, in file order (the download core hashes the file that way).
        """

    @abstractmethod
    async def async_find_job_file(
        self, job: JobRecord, snapshot: PrinterSnapshot
    ) -> RemoteFile | None:
        """The printer's file of `job`, None when it is not there."""

    def downloadable(self, remote: RemoteFile) -> bool:
        """Whether the printer offers this file's bytes at all."""
        return True

    def may_transfer(self, snapshot: PrinterSnapshot | None) -> bool:
        """Whether the printer may be loaded with a listing or transfer now."""
        return True

    def reported_metadata(self) -> PrintMetadata | None:
        """What the printer itself reports about the running job's file (no transfer)."""
        return None

    async def async_read_metadata(
        self, remote: RemoteFile, *, max_bytes: int | None
    ) -> PrintMetadata:
        """Read a file's metadata without keeping it: fetched into a temporary folder.

        The folder is removed however the fetch ends (a cancelled Bambu transfer's thread
        removes its own file should it outlive this call).
        """
        folder = Path(
            await self.hass.async_add_executor_job(
                functools.partial(tempfile.mkdtemp, prefix="printernizer-")
            )
        )
        try:
            dest = folder / "job-file"
            await self.async_download(remote, dest, max_bytes)
            return await self.hass.async_add_executor_job(read_print_metadata, dest)
        finally:
            await asyncio.shield(self.hass.async_add_executor_job(_remove_tree, folder))

    async def async_read_job_metadata(
        self, job: JobRecord, snapshot: PrinterSnapshot, *, max_bytes: int | None
    ) -> PrintMetadata | None:
        """The metadata of the job's file, read without keeping it.

        None where the printer must not be loaded now or the file is not found.
        """
        if not self.may_transfer(snapshot):
            return None
        remote = await self.async_find_job_file(job, snapshot)
        if remote is None or not self.downloadable(remote):
            return None
        return await self.async_read_metadata(remote, max_bytes=max_bytes)


class BambuFileSource(FileSource):
    """A Bambu Lab printer's SD card or USB stick over implicit FTPS."""

    kind = "ftps"

    def __init__(
        self, hass: HomeAssistant, client: BambuFtpClient, *, model: Callable[[], str | None]
    ) -> None:
        """`model` tells the model the printer identified as; a snapshot's is believed first."""
        super().__init__(hass)
        self.client = client
        self._model = model

    async def async_list_files(self) -> list[RemoteFile]:
        """/, /cache, /model and /timelapse."""
        return await self.client.async_list_files()

    async def async_download(
        self,
        remote: RemoteFile,
        dest: Path,
        max_bytes: int | None,
        /,
        *,
        on_block: OnBlock | None = None,
    ) -> int:
        """By FTP path."""
        return await self.client.async_download_file(
            remote.path, dest, max_bytes=max_bytes, on_block=on_block
        )

    async def async_find_job_file(
        self, job: JobRecord, snapshot: PrinterSnapshot
    ) -> RemoteFile | None:
        """The job's 3MF by its task name, else by the G-code file the printer reports."""
        return await self.client.async_find_job_file(
            snapshot.job_name or job.name or "", snapshot.file_name or job.file_name or ""
        )

    def may_transfer(self, snapshot: PrinterSnapshot | None) -> bool:
        """Not while a P1/A1 prints: their FTPS is slow and fragile (X1/H2/P2S cope)."""
        return not (
            snapshot is not None
            and snapshot.status.is_active
            and model_sends_deltas(snapshot.model or self._model())
        )


def _download_ref(remote: RemoteFile) -> str:
    """A PrusaLink file's `refs.download` (a Pi's SD card offers none)."""
    if not remote.download_ref:
        raise FileTransferError(f"{remote.path}: the printer offers no download for it")
    return remote.download_ref


class PrusaFileSource(FileSource):
    """A PrusaLink printer's storages (Buddy: `/usb`; the Raspberry Pi build: local, SD)."""

    kind = "prusalink"

    def __init__(
        self,
        hass: HomeAssistant,
        client: PrusaLinkClient,
        *,
        job_metadata: Callable[[], PrintMetadata | None],
    ) -> None:
        """`job_metadata` gives the `meta` the Pi build reports with the running job."""
        super().__init__(hass)
        self.client = client
        self._job_metadata = job_metadata

    async def async_list_files(self) -> list[RemoteFile]:
        """Every storage and folder (ETag-revalidated)."""
        return await self.client.async_list_files()

    def downloadable(self, remote: RemoteFile) -> bool:
        """Only where the printer offers a download link (not a Pi's SD card)."""
        return bool(remote.download_ref)

    async def async_download(
        self,
        remote: RemoteFile,
        dest: Path,
        max_bytes: int | None,
        /,
        *,
        on_block: OnBlock | None = None,
    ) -> int:
        """By `refs.download`; the client also checks the listed size."""
        return await self.client.async_download_file(
            _download_ref(remote),
            dest,
            max_bytes=max_bytes,
            expected_size=remote.size,
            on_block=on_block,
        )

    async def async_find_job_file(
        self, job: JobRecord, snapshot: PrinterSnapshot
    ) -> RemoteFile | None:
        """By the job's download path, else by its 8.3 or long name in any folder."""
        listing = {remote.path: remote for remote in await self.client.async_list_files()}
        wanted = [p for p in (snapshot.file_path, snapshot.file_name, job.file_name) if p]
        for ref in wanted:
            if (remote := listing.get(ref)) is not None:
                return remote
        for remote in listing.values():
            names = {remote.name, remote.display_name, remote.download_ref}
            for ref in wanted:
                if ref in names or ref.rsplit("/", 1)[-1] in names:
                    return remote
        return None

    def reported_metadata(self) -> PrintMetadata | None:
        """The Pi build's job `meta` (Buddy reports none)."""
        return self._job_metadata()

    async def async_read_metadata(
        self, remote: RemoteFile, *, max_bytes: int | None
    ) -> PrintMetadata:
        """Streamed through the reader in the transfer slot, nothing stored.

        Binary G-code stops at its first G-code block; plain G-code is read to its end.
        """
        return await self.client.async_read_metadata(_download_ref(remote), max_bytes=max_bytes)

    async def async_read_job_metadata(
        self, job: JobRecord, snapshot: PrinterSnapshot, *, max_bytes: int | None
    ) -> PrintMetadata | None:
        """The running job's file straight from its download path, else as found."""
        if snapshot.file_path:
            return await self.client.async_read_metadata(snapshot.file_path, max_bytes=max_bytes)
        return await super().async_read_job_metadata(job, snapshot, max_bytes=max_bytes)
