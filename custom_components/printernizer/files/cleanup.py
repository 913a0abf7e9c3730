"""Cleanup of downloaded copies and job photos: old ones go, business ones stay for retention.

Only local copies inside the current download root, and photos inside the media folder's
photo folder, are deleted (never a file on a printer, never through a symlink); GoBD asks to
keep what documents a sale, so a business job's file and photo stay while the job is within
`retention_years` unless the caller says otherwise.
"""

from __future__ import annotations

from datetime import datetime, timedelta
import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from custom_components.printernizer.const import CATEGORY_BUSINESS, LOGGER
from custom_components.printernizer.exceptions import service_error
from custom_components.printernizer.ledger import files as file_repo, photos as photo_repo
from custom_components.printernizer.photos import PHOTO_FOLDER, media_folder

from .paths import UnsafePathError, _inside, check_download_dir, printable

if TYPE_CHECKING:
    from custom_components.printernizer.ledger import Ledger
    from custom_components.printernizer.settings import Settings


def _remove_local(path: Path, root: Path) -> int:
    """Delete one downloaded file (only a regular file inside `root`); return bytes freed.

    Empty date and printer folders left behind are removed too.
    """
    if path.is_symlink() or not _inside(path.resolve(), root):
        raise UnsafePathError(f"{path} is not inside {root}")
    freed = 0
    if path.is_file():
        freed = path.stat().st_size
        path.unlink()
    parent = path.parent
    for _ in range(2):  # <printer>/<day>
        if parent == root or not _inside(parent, root):
            break
        try:
            parent.rmdir()
        except OSError:
            break
        parent = parent.parent
    return freed


def _add_years(when: datetime, years: int) -> datetime:
    """`when` + whole years (29 February becomes 28 February)."""
    try:
        return when.replace(year=when.year + years)
    except ValueError:
        return when.replace(year=when.year + years, day=28)


async def async_cleanup(
    hass: HomeAssistant,
    ledger: Ledger,
    settings: Settings,
    *,
    printer_uid: str,
    older_than_days: int,
    dry_run: bool,
    include_business: bool,
) -> dict[str, Any]:
    """Delete one printer's local copies downloaded more than `older_than_days` ago.

    Answers the candidates and, unless `dry_run`, how many were deleted and the bytes freed.
    """
    if (
        isinstance(older_than_days, bool)
        or not isinstance(older_than_days, int)
        or older_than_days < 0
    ):
        raise service_error("invalid_days", days=older_than_days)
    now = dt_util.utcnow()
    older_than = now - timedelta(days=older_than_days)

    def may_go(category: str | None, job_end: datetime | None) -> bool:
        """Not a business record within its retention period (unless the caller says so)."""
        return (
            include_business
            or category != CATEGORY_BUSINESS
            or (job_end is not None and _add_years(job_end, settings.retention_years) <= now)
        )

    rows = await hass.async_add_executor_job(
        functools.partial(
            file_repo.cleanup_candidates, ledger, older_than=older_than, printer_uid=printer_uid
        )
    )
    candidates = [record for record, category, job_end in rows if may_go(category, job_end)]
    photo_folder = media_folder(hass)
    photos: list[tuple[photo_repo.PhotoCandidate, Path]] = []
    if photo_folder is not None:
        found = await hass.async_add_executor_job(
            functools.partial(
                photo_repo.cleanup_candidates,
                ledger,
                printer_uid=printer_uid,
                older_than=older_than,
            )
        )
        photos = [(p, photo_folder / p.path) for p in found if may_go(p.category, p.job_end)]
    answer: dict[str, Any] = {
        "candidates": [
            {"kind": "file", "file_id": r.file_id, "local_path": r.local_path, "size": r.size}
            for r in candidates
        ]
        + [
            {"kind": "photo", "job_id": p.job_id, "local_path": str(path), "size": p.size}
            for p, path in photos
        ],
        "deleted": 0,
        "freed_bytes": 0,
    }
    if dry_run or not (candidates or photos):
        return answer
    deleted = freed = 0
    if candidates:
        root = await check_download_dir(hass, settings.download_dir)
        for record in candidates:
            assert record.local_path is not None
            try:
                freed += await hass.async_add_executor_job(
                    _remove_local, Path(record.local_path), root
                )
            except (OSError, UnsafePathError) as err:
                LOGGER.warning("Cleanup skipped %s: %s", printable(record.local_path), err)
                continue
            await hass.async_add_executor_job(file_repo.mark_local_deleted, ledger, record.file_id)
            deleted += 1
    if photos:
        assert photo_folder is not None
        photo_root = await hass.async_add_executor_job((photo_folder / PHOTO_FOLDER).resolve)
    for photo, path in photos:
        try:
            freed += await hass.async_add_executor_job(_remove_local, path, photo_root)
        except (OSError, UnsafePathError) as err:
            LOGGER.warning("Cleanup skipped %s: %s", printable(photo.path), err)
            continue
        await hass.async_add_executor_job(
            functools.partial(photo_repo.mark_deleted, ledger, photo.job_id, deleted_at=now)
        )
        deleted += 1
    answer["deleted"] = deleted
    answer["freed_bytes"] = freed
    return answer
