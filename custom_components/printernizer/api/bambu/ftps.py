"""Files on a Bambu printer over implicit-TLS FTPS (port 990): list, download, find a job's 3MF.

Connections are short-lived and serialised per printer (P1/A1 allow very few sessions and move
about 70 KB/s). ftplib is blocking, so every operation runs in the executor. Two quirks
(reference §3): the control socket is wrapped right after connect (implicit TLS), and data sockets
must resume the control connection's TLS session. The pinned certificate is checked right after
the handshake, before USER/PASS carry the access code.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
import contextlib
from datetime import UTC, datetime, timedelta
import ftplib
import functools
import logging
import pathlib
import re
import socket
import ssl
from typing import Any, TypeVar

from custom_components.printernizer.api.errors import (
    FileTransferError,
    PrinterAuthError,
    PrinterConnectionError,
    PrinterError,
    PrinterTimeoutError,
)
from custom_components.printernizer.api.models import RemoteFile

from .tls import check_pin, make_client_context, normalize_fingerprint

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")

USERNAME = "bblp"
DEFAULT_PORT = 990
DEFAULT_FOLDERS: tuple[str, ...] = ("/", "/cache", "/model", "/timelapse")
BLOCK_SIZE = 1 << 20

_MONTHS = {
    name: index
    for index, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
# "-rw-r--r--   1 owner group   1234 Jun 18 00:27 name with spaces.3mf" (group optional)
_LIST_LINE = re.compile(
    r"^(?P<kind>[-dlbcps])[rwxsStT-]{9}\S*\s+\d+\s+(?:\S+\s+){1,2}?(?P<size>\d+)\s+"
    r"(?P<month>[A-Za-z]{3})\s+(?P<day>\d{1,2})\s+(?P<when>\d{4}|\d{1,2}:\d{2})\s(?P<name>.+)$"
)
_HALF_YEAR = timedelta(days=183)


def parse_list_line(
    line: str, *, now: datetime | None = None
) -> tuple[str, bool, int, datetime | None] | None:
    """One Unix `LIST` line -> (name, is_dir, size, modified UTC) or None when unparsable.

    Recent entries carry no year (`Jun 18 00:27`) and the printer's clock zone is inconsistent,
    so the year is the one that puts the date closest to now (within ±6 months), read as UTC.
    """
    match = _LIST_LINE.match(line.rstrip("\r\n"))
    if match is None:
        return None
    name = match["name"]
    if match["kind"] == "l" and " -> " in name:
        name = name.split(" -> ", 1)[0]
    month = _MONTHS.get(match["month"].lower())
    modified: datetime | None = None
    if month is not None:
        day = int(match["day"])
        when = match["when"]
        try:
            if ":" in when:
                hour, minute = (int(part) for part in when.split(":"))
                current = now or datetime.now(UTC)
                candidates = []
                for year in (current.year - 1, current.year, current.year + 1):
                    with contextlib.suppress(ValueError):
                        candidates.append(datetime(year, month, day, hour, minute, tzinfo=UTC))
                near = [c for c in candidates if abs(c - current) <= _HALF_YEAR]
                pool = near or candidates
                modified = min(pool, key=lambda c: abs(c - current)) if pool else None
            else:
                modified = datetime(int(when), month, day, tzinfo=UTC)
        except ValueError:
            modified = None
    return name, match["kind"] == "d", int(match["size"]), modified


def _parse_mlsd_line(line: str) -> tuple[str, bool, int | None, datetime | None] | None:
    """`type=file;size=12;modify=20250101120000; name` -> (name, is_dir, size, modified UTC)."""
    facts_text, sep, name = line.rstrip("\r\n").partition(" ")
    if not sep or not name:
        return None
    facts: dict[str, str] = {}
    for fact in facts_text.split(";"):
        key, eq, value = fact.partition("=")
        if eq:
            facts[key.strip().lower()] = value.strip()
    kind = facts.get("type", "file").lower()
    if kind in ("cdir", "pdir"):
        return None
    size = int(facts["size"]) if facts.get("size", "").isdigit() else None
    modified = None
    modify = facts.get("modify", "")
    with contextlib.suppress(ValueError):
        modified = datetime.strptime(modify[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    return name, kind == "dir", size, modified


def _join(folder: str, name: str) -> str:
    return f"{folder.rstrip('/')}/{name}"


def _reply_code(err: BaseException) -> str:
    return str(err)[:3]


class _ImplicitFtpTls(ftplib.FTP_TLS):
    """FTP_TLS for implicit TLS with a certificate pin and TLS session reuse on data sockets."""

    def __init__(self, *, context: ssl.SSLContext, pinned: str | None, timeout: float) -> None:
        super().__init__(context=context, timeout=timeout)
        self.pinned = pinned
        self.seen_fingerprint: str | None = None

    def connect(
        self, host: str = "", port: int = 0, timeout: float = -999, source_address: Any = None
    ) -> str:
        """Connect and handshake at once; check the pin before reading the banner or logging in."""
        self.host = host
        self.port = port
        if timeout != -999:
            self.timeout = timeout
        raw = socket.create_connection((host, port), self.timeout)
        try:
            sock = self.context.wrap_socket(raw, server_hostname=None)
        except BaseException:
            raw.close()
            raise
        try:
            self.seen_fingerprint = check_pin(sock, self.pinned)
        except BaseException:
            sock.close()
            raise
        self.af = sock.family
        self.sock = sock
        self.file = sock.makefile("r", encoding=self.encoding)
        self.welcome = self.getresp()
        self._prot_p = True  # implicit TLS: data channels are always protected
        return self.welcome

    def ntransfercmd(
        self, cmd: str, rest: int | str | None = None
    ) -> tuple[socket.socket, int | None]:
        """Data socket wrapped with the control connection's session (the printer requires reuse)."""
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        try:
            control = self.sock
            assert isinstance(control, ssl.SSLSocket)
            conn = self.context.wrap_socket(conn, server_hostname=None, session=control.session)
        except BaseException:
            conn.close()
            raise
        return conn, size

    def read_data(
        self, cmd: str, sink: Callable[[bytes], None], *, limit: int | None = None
    ) -> int:
        """Run a transfer command, stream the data in 1 MiB blocks into `sink`, return the byte count.

        No TLS `unwrap()` at the end: some printers never answer the close_notify.
        """
        total = 0
        conn, _size = self.ntransfercmd(cmd)
        try:
            with conn.makefile("rb") as stream:
                while block := stream.read(BLOCK_SIZE):
                    total += len(block)
                    if limit is not None and total > limit:
                        raise FileTransferError(f"transfer larger than the {limit} byte limit")
                    sink(block)
        finally:
            conn.close()
        self.voidresp()
        return total

    def lines(self, cmd: str) -> list[str]:
        chunks: list[bytes] = []
        self.read_data(cmd, chunks.append)
        return b"".join(chunks).decode(self.encoding, errors="replace").splitlines()


class BambuFtpClient:
    """Short-lived FTPS sessions to one printer, one operation at a time."""

    #: None: try MLSD first and fall back to LIST; False: LIST only (what printers speak).
    use_mlsd: bool | None = None

    def __init__(
        self,
        *,
        host: str,
        access_code: str,
        port: int = DEFAULT_PORT,
        fingerprint: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        """Store the connection facts; each operation opens and closes its own connection."""
        self.host = host
        self.port = port
        self._access_code = access_code
        self.fingerprint = normalize_fingerprint(fingerprint)
        self.timeout = timeout
        self._lock = asyncio.Lock()
        self._context: ssl.SSLContext | None = None

    def __repr__(self) -> str:
        """Identify the printer without the access code."""
        return f"<BambuFtpClient {self.host}:{self.port}>"

    # ------------------------------------------------------------------------------ public API

    async def async_list_files(self, folders: Sequence[str] = DEFAULT_FOLDERS) -> list[RemoteFile]:
        """Files (not directories) in the given folders; missing folders are skipped."""
        return await self._async_run(functools.partial(self._list_folders, folders=tuple(folders)))

    async def async_download_file(
        self, path: str, dest: pathlib.Path, *, max_bytes: int | None = None
    ) -> int:
        """Stream `path` into `dest` (written in the executor); return the bytes written.

        A cut transfer, a size mismatch, a missing file or more than `max_bytes` raise
        FileTransferError; `dest` may then hold a partial file for the caller to delete.
        """
        return await self._async_run(
            functools.partial(
                self._download, path=path, dest=pathlib.Path(dest), max_bytes=max_bytes
            )
        )

    async def async_find_job_file(
        self, subtask_name: str | None, gcode_file: str | None
    ) -> RemoteFile | None:
        """The current job's 3MF, searched like ha-bambulab does (reference §3).

        Candidates in order: `subtask_name` + `.3mf` / `.gcode.3mf`, then the `gcode_file`
        basename likewise, each in `/cache` then `/`. Without a subtask name: the newest `.3mf`.
        """
        names = job_file_candidates(subtask_name, gcode_file)
        files = await self.async_list_files(("/cache", "/"))
        by_path = {remote.path: remote for remote in files}
        for exact in (True, False):
            for name in names:
                for folder in ("/cache", "/"):
                    wanted = _join(folder, name)
                    if exact:
                        found = by_path.get(wanted)
                    else:
                        found = next((f for f in files if f.path.lower() == wanted.lower()), None)
                    if found is not None:
                        return found
        if subtask_name:
            return None
        threemfs = [f for f in files if f.name.lower().endswith(".3mf")]
        if not threemfs:
            return None
        oldest = datetime.min.replace(tzinfo=UTC)
        return max(threemfs, key=lambda f: f.modified or oldest)

    # ------------------------------------------------------------------------------ plumbing

    async def _async_run(self, operation: Callable[[_ImplicitFtpTls], _T]) -> _T:
        """One connection per operation, serialised, blocking work in the executor."""
        loop = asyncio.get_running_loop()
        async with self._lock:
            if self._context is None:
                self._context = await loop.run_in_executor(None, make_client_context)
            return await loop.run_in_executor(None, self._session, operation)

    def _session(self, operation: Callable[[_ImplicitFtpTls], _T]) -> _T:
        ftp = self._open()
        try:
            return operation(ftp)
        except PrinterError:
            raise
        except ftplib.Error as err:
            raise FileTransferError(f"FTPS error from {self.host}: {err}") from err
        except (OSError, EOFError) as err:
            raise PrinterConnectionError(f"FTPS connection to {self.host} failed: {err}") from err
        finally:
            with contextlib.suppress(Exception):
                ftp.close()

    def _open(self) -> _ImplicitFtpTls:
        assert self._context is not None
        ftp = _ImplicitFtpTls(context=self._context, pinned=self.fingerprint, timeout=self.timeout)
        try:
            ftp.connect(self.host, self.port)
            if self.fingerprint is None:
                self.fingerprint = ftp.seen_fingerprint  # trust on first use
            try:
                ftp.login(USERNAME, self._access_code)
            except ftplib.error_perm as err:
                if _reply_code(err) in ("530", "430"):
                    raise PrinterAuthError(f"{self.host} refused the access code") from None
                raise
            with contextlib.suppress(ftplib.error_perm, ftplib.error_reply):
                ftp.voidcmd("PBSZ 0")
                ftp.voidcmd("PROT P")
            ftp.voidcmd("TYPE I")
        except BaseException as err:
            with contextlib.suppress(Exception):
                ftp.close()
            if isinstance(err, PrinterError):
                raise
            if isinstance(err, TimeoutError):
                raise PrinterTimeoutError(f"FTPS on {self.host}:{self.port} timed out") from err
            if isinstance(err, OSError | EOFError | ftplib.Error):
                raise PrinterConnectionError(f"FTPS on {self.host}:{self.port}: {err}") from err
            raise
        return ftp

    def _list_folders(self, ftp: _ImplicitFtpTls, folders: Iterable[str]) -> list[RemoteFile]:
        files: list[RemoteFile] = []
        for folder in folders:
            entries = self._list_folder(ftp, folder)
            if entries is None:
                continue
            for name, is_dir, size, modified in entries:
                if is_dir or name in (".", ".."):
                    continue
                path = _join(folder, name)
                files.append(
                    RemoteFile(
                        path=path,
                        name=name,
                        size=size,
                        modified=modified,
                        storage=folder,
                        download_ref=path,
                    )
                )
        return files

    def _list_folder(
        self, ftp: _ImplicitFtpTls, folder: str
    ) -> list[tuple[str, bool, int | None, datetime | None]] | None:
        """Entries of one folder, None if it does not exist. MLSD when offered, else LIST."""
        if self.use_mlsd is not False:
            try:
                lines = ftp.lines(f"MLSD {folder}")
            except ftplib.error_perm as err:
                if _reply_code(err) == "550":
                    return None
                self.use_mlsd = False  # 500/502: not implemented, as on the printers
            else:
                self.use_mlsd = True
                return [entry for line in lines if (entry := _parse_mlsd_line(line))]
        try:
            lines = ftp.lines(f"LIST {folder}")
        except ftplib.error_perm as err:
            if _reply_code(err) in ("550", "450"):
                return None
            raise
        now = datetime.now(UTC)
        parsed = [entry for line in lines if (entry := parse_list_line(line, now=now))]
        if parsed or not any(line.strip() for line in lines):
            return list(parsed)
        # Unknown LIST format: names only. X1 answers NLST with full paths, P1 with bare names.
        names = ftp.lines(f"NLST {folder}")
        return [(name.rsplit("/", 1)[-1], False, None, None) for name in names if name.strip()]

    def _download(
        self, ftp: _ImplicitFtpTls, path: str, dest: pathlib.Path, max_bytes: int | None
    ) -> int:
        expected: int | None = None
        try:
            expected = ftp.size(path)
        except ftplib.error_perm as err:
            if _reply_code(err) == "550":
                raise FileTransferError(f"{path} not found on the printer") from err
        except (ftplib.error_reply, ftplib.error_temp, ValueError):
            expected = None
        if max_bytes is not None and expected is not None and expected > max_bytes:
            raise FileTransferError(f"{path} is {expected} bytes, above the {max_bytes} byte limit")
        try:
            with dest.open("wb") as handle:
                written = ftp.read_data(f"RETR {path}", handle.write, limit=max_bytes)
        except ftplib.error_perm as err:
            raise FileTransferError(f"cannot download {path}: {err}") from err
        except (ftplib.error_temp, ftplib.error_reply, OSError, EOFError) as err:
            raise FileTransferError(f"download of {path} was cut short: {err}") from err
        if expected is not None and written != expected:
            raise FileTransferError(f"download of {path} got {written} of {expected} bytes")
        return written


def job_file_candidates(subtask_name: str | None, gcode_file: str | None) -> list[str]:
    """File names that may hold the current job, best first (ha-bambulab's order)."""
    names: list[str] = []

    def add(name: str) -> None:
        if name and "/" not in name and name not in names:
            names.append(name)

    def add_stem(base: str) -> None:
        lowered = base.lower()
        if lowered.endswith(".3mf"):
            add(base)
        for suffix in (".gcode.3mf", ".3mf", ".gcode"):
            if lowered.endswith(suffix):
                base = base[: -len(suffix)]
                break
        if base:
            add(f"{base}.3mf")
            add(f"{base}.gcode.3mf")

    if subtask_name and subtask_name.strip():
        add_stem(subtask_name.strip())
    if gcode_file and gcode_file.strip():
        add_stem(gcode_file.strip().rsplit("/", 1)[-1])
    return names
