"""The file index repository on its own: how a listing moves rows between statuses, filters."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
import pathlib

import pytest

from custom_components.printernizer.api.models import RemoteFile
from custom_components.printernizer.ledger import Ledger, files as file_repo

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def ledger(tmp_path: pathlib.Path) -> Iterator[Ledger]:
    book = Ledger(tmp_path / "printernizer.db")
    book.open()
    yield book
    book.close()


def _listing(*paths: str) -> list[RemoteFile]:
    return [
        RemoteFile(path=p, name=p.rsplit("/", 1)[-1], size=100 + i) for i, p in enumerate(paths)
    ]


def _merge(ledger: Ledger, *paths: str, printer: str = "P1", entry: str = "E1") -> None:
    file_repo.merge_listing(
        ledger, printer_uid=printer, entry_id=entry, source="ftps", files=_listing(*paths), now=NOW
    )


def _status(ledger: Ledger, path: str, printer: str = "P1") -> str:
    record = file_repo.get_by_path(ledger, printer, path)
    assert record is not None
    return record.status


def test_files_that_come_back_return_to_what_they_were(ledger: Ledger) -> None:
    """Gone from the printer: never downloaded -> deleted, held locally -> local_only; listed
    again: remote and downloaded again (the local copy is still ours)."""
    _merge(ledger, "/a.3mf", "/b.3mf")
    kept = file_repo.get_by_path(ledger, "P1", "/b.3mf")
    assert kept is not None
    file_repo.set_downloaded(
        ledger, kept.file_id, local_path="/x/b.3mf", sha256="ab" * 32, size=101, downloaded_at=NOW
    )
    _merge(ledger)  # the printer's storage is empty now
    assert (_status(ledger, "/a.3mf"), _status(ledger, "/b.3mf")) == ("deleted", "local_only")
    _merge(ledger, "/a.3mf", "/b.3mf")
    assert (_status(ledger, "/a.3mf"), _status(ledger, "/b.3mf")) == ("remote", "downloaded")


def test_list_files_filters_by_entry_statuses_and_limit(ledger: Ledger) -> None:
    """Entry, several statuses at once, a literal name filter and a limit, newest first."""
    _merge(ledger, "/a.3mf", "/b_1%.3mf", "/c.3mf")
    _merge(ledger, "/other.3mf", printer="P2", entry="E2")
    failed = file_repo.get_by_path(ledger, "P1", "/c.3mf")
    assert failed is not None
    file_repo.set_failed(ledger, failed.file_id, error="cut")
    assert [f.name for f in file_repo.list_files(ledger, entry_id="E2")] == ["other.3mf"]
    both = file_repo.list_files(ledger, printer_uid="P1", status=("failed", "remote"))
    assert sorted(f.name for f in both) == ["a.3mf", "b_1%.3mf", "c.3mf"]
    assert [f.name for f in file_repo.list_files(ledger, status="failed")] == ["c.3mf"]
    assert [f.name for f in file_repo.list_files(ledger, name_contains="_1%")] == ["b_1%.3mf"]
    assert file_repo.list_files(ledger, name_contains="b_2") == []
    assert len(file_repo.list_files(ledger, printer_uid="P1", limit=2)) == 2


def test_changing_an_unknown_row_is_an_error(ledger: Ledger) -> None:
    """A row id that does not exist is a KeyError naming it, never a silent no-op."""
    with pytest.raises(KeyError, match="no file with id 42"):
        file_repo.set_downloaded(
            ledger,
            42,
            local_path="/x",
            sha256="00" * 32,
            size=1,
            downloaded_at=NOW + timedelta(seconds=1),
        )
