"""Drucker-Dateien: the printers' files, downloaded safely into a tidy folder tree.

- `manager`: one `FileManager` per printer: the ledger's file index, downloads to
  `<root>/<printer>/<YYYY-MM-DD>/<name>`;
- `jobfiles`: a job's file: its grams while the job runs and once it ended, the auto-download;
- `source`: one `FileSource` per printer family (Bambu FTPS, PrusaLink): list, download, find
  a job's file, read a job's metadata;
- `download`: the transfer into a hidden temp file, verified and renamed only when complete;
- `paths`: untrusted names made safe, every target kept inside the download root;
- `cleanup`: old local copies deleted, business files kept for their retention period.
"""

from __future__ import annotations

from .download import (
    DOWNLOAD_SLOTS,
    MAX_PARALLEL_DOWNLOADS,
    TEMP_MARKER,
    BlockFetch,
    DownloadIntegrityError,
    FetchResult,
    FileTooLargeError,
    async_fetch_verified,
    download_slots,
)
from .jobfiles import JobFiles
from .manager import DOWNLOAD_ATTEMPTS, FREE_SPACE_MARGIN, FileManager
from .paths import (
    FALLBACK_NAME,
    MAX_NAME_BYTES,
    UnsafePathError,
    check_download_dir,
    default_download_dir,
    safe_target,
    sanitize_filename,
    target_folder,
)
from .source import BambuFileSource, FileSource, PrusaFileSource

__all__ = [
    "DOWNLOAD_ATTEMPTS",
    "DOWNLOAD_SLOTS",
    "FALLBACK_NAME",
    "FREE_SPACE_MARGIN",
    "MAX_NAME_BYTES",
    "MAX_PARALLEL_DOWNLOADS",
    "TEMP_MARKER",
    "BambuFileSource",
    "BlockFetch",
    "DownloadIntegrityError",
    "FetchResult",
    "FileManager",
    "FileSource",
    "FileTooLargeError",
    "JobFiles",
    "PrusaFileSource",
    "UnsafePathError",
    "async_fetch_verified",
    "check_download_dir",
    "default_download_dir",
    "download_slots",
    "safe_target",
    "sanitize_filename",
    "target_folder",
]
