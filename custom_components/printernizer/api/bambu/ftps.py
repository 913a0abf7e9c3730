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
import threading
from typing import Any, TypeVar

from ..errors import (
    FileTransferError,
    PrinterAuthError,
    PrinterConnectionError,
    PrinterError,
    PrinterTimeoutError,
    RemoteFileExistsError,
)
from ..filewriter import OnBlock
from ..models import RemoteFile
from ..remotepath import check_path
from .tls import check_pin, make_client_context, normalize_fingerprint

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")

USERNAME = "bblp"
DEFAULT_PORT = 990
DEFAULT_FOLDERS: tuple[str, ...] = ("/", "/cache", "/model", "/timelapse")
BLOCK_SIZE = 1 << 20
#: Upload blocks: small enough that progress moves and a cancel is seen at 70 KB/s.
UPLOAD_BLOCK = 64 * 1024
#: Longest wait for the final reply after the data (BB waits 60 s; starting before it fails).
FINAL_REPLY_TIMEOUT = 60.0

#: Progress of an upload: (bytes sent, total bytes); called in the executor thread.
type OnProgress = Callable[[int, int], None]

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

#: A listed folder entry: (name, is_dir, size, modified UTC).
type _Entry = tuple[str, bool, int | None, datetime | None]


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


def _parse_mlsd_line(line: str) -> _Entry | None:
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


class _AbortedError(PrinterError):
    """The awaiting task was cancelled; the executor thread stops here (nobody reads this)."""


class _Abort:
    """Cancellation of one FTPS operation, shared by the event loop and its executor thread.

    Why: cancelling the task that awaits `run_in_executor` does not stop the thread, which
    would carry on logging in and could create a download's temp file after the download
    core already deleted it. The loop calls `set()`; the thread checks between steps and
    before every block, and `set()` also shuts down the sockets the thread may be blocked
    on, so a slow printer (70 KB/s: 15 s per 1 MiB block) does not keep it for long.
    Sockets are registered under a lock and unregistered before they are closed, so a
    shutdown never reaches a descriptor number the OS has handed to someone else.
    """

    __slots__ = ("_flag", "_lock", "_sockets")

    def __init__(self) -> None:
        self._flag = threading.Event()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []

    def is_set(self) -> bool:
        return self._flag.is_set()

    def check(self) -> None:
        """Raise _AbortedError once cancelled (called in the executor thread)."""
        if self._flag.is_set():
            raise _AbortedError("the operation was cancelled")

    def set(self) -> None:
        """Cancel: later checks raise, blocked socket calls return at once."""
        with self._lock:
            self._flag.set()
            for sock in self._sockets:
                self._shutdown(sock)

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self._flag.is_set():
                self._shutdown(sock)

    def forget(self, sock: socket.socket | None) -> None:
        with self._lock:
            self._sockets = [known for known in self._sockets if known is not sock]

    @staticmethod
    def _shutdown(sock: socket.socket) -> None:
        # socket.socket's own shutdown, not SSLSocket's (which drops the SSL object under a
        # thread that may be reading): the blocked read then sees EOF or an error.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _ImplicitFtpTls(ftplib.FTP_TLS):
    """FTP_TLS for implicit TLS with a certificate pin and TLS session reuse on data sockets."""

    def __init__(
        self,
        *,
        context: ssl.SSLContext,
        pinned: str | None,
        timeout: float,
        abort: _Abort | None = None,
    ) -> None:
        super().__init__(context=context, timeout=timeout)
        self.pinned = pinned
        self.seen_fingerprint: str | None = None
        self.cancel = abort or _Abort()

    def _close_socket(self, sock: socket.socket) -> None:
        self.cancel.forget(sock)
        sock.close()

    def close(self) -> None:
        """Close the control connection (unregistered from the abort first)."""
        self.cancel.forget(self.sock)
        super().close()

    def connect(
        self, host: str = "", port: int = 0, timeout: float = -999, source_address: Any = None
    ) -> str:
        """Connect and handshake at once; check the pin before reading the banner or logging in."""
        self.host = host
        self.port = port
        if timeout != -999:
            self.timeout = timeout
        self.cancel.check()
        sock = self._secure(socket.create_connection((host, port), self.timeout))
        try:
            self.seen_fingerprint = check_pin(sock, self.pinned)
        except BaseException:
            self._close_socket(sock)
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
        self.cancel.check()
        control = self.sock
        assert isinstance(control, ssl.SSLSocket)
        raw, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        return self._secure(raw, control.session), size

    def _secure(self, raw: socket.socket, session: ssl.SSLSession | None = None) -> ssl.SSLSocket:
        """TLS-wrap and handshake `raw`, watched by the abort and closed if either step fails."""
        self.cancel.watch(raw)
        try:
            sock = self.context.wrap_socket(
                raw, server_hostname=None, session=session, do_handshake_on_connect=False
            )
        except BaseException:
            self._close_socket(raw)
            raise
        self.cancel.forget(raw)  # detached: `sock` owns the descriptor now
        self.cancel.watch(sock)
        try:
            sock.do_handshake()
        except BaseException:
            self._close_socket(sock)
            raise
        return sock

    def read_data(
        self,
        cmd: str,
        sink: Callable[[bytes], None],
        *,
        limit: int | None = None,
        expected: int | None = None,
    ) -> int:
        """Run a transfer command, stream the data in 1 MiB blocks into `sink`, return the byte count.

        No TLS `unwrap()` at the end: some printers never answer the close_notify, so the end
        of the stream alone cannot tell a complete transfer from a dropped one. The size can:
        a stream that ends short of `expected` (or of the size in the 150 reply) is a cut
        transfer, reported at once instead of after waiting the read timeout for a final
        reply that a printer which dropped the link may never send. A data connection that
        stays open but silent still fails only after the read timeout.
        """
        total = 0
        conn, announced = self.ntransfercmd(cmd)
        size = expected if expected is not None else announced
        try:
            with conn.makefile("rb") as stream:
                while block := stream.read(BLOCK_SIZE):
                    total += len(block)
                    if limit is not None and total > limit:
                        raise FileTransferError(f"transfer larger than the {limit} byte limit")
                    sink(block)
        finally:
            self._close_socket(conn)
        if size is not None and total < size:
            raise FileTransferError(
                f"{cmd}: got {total} of {size} bytes: the data connection closed"
            )
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
        self,
        path: str,
        dest: pathlib.Path,
        *,
        max_bytes: int | None = None,
        on_block: OnBlock | None = None,
    ) -> int:
        """Stream `path` into `dest` (written in the executor); return the bytes written.

        A cut transfer, a size mismatch, a missing file or more than `max_bytes` raise
        FileTransferError; `dest` may then hold a partial file for the caller to delete.
        Cancelled, the executor thread stops at its next step or block and removes `dest`
        itself if it created it, even after this coroutine has returned (the caller's own
        cleanup may run first); the next operation on this client waits for that.
        `on_block` (optional) is called in the executor thread right after each block (up to
        1 MiB) is written, in file order, so a caller can hash the file as it is written; an
        exception from it aborts the download.
        """
        return await self._async_run(
            functools.partial(
                self._download,
                path=path,
                dest=pathlib.Path(dest),
                max_bytes=max_bytes,
                on_block=on_block,
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

    async def async_upload_file(
        self,
        source: pathlib.Path,
        remote_path: str,
        *,
        overwrite: bool = False,
        on_progress: OnProgress | None = None,
    ) -> int:
        """Store `source` on the printer as `remote_path` (STOR); return the bytes stored.

        Streamed from disk in 64 KiB blocks (never the whole file in memory) over a data
        channel that resumes the control connection's TLS session. Success only after the
        final 226, which the printer sends once the file is written (starting a print before
        it fails with 0500-C010); a 426 after a complete transfer (P2S) is checked against
        the size the printer reports. A cut transfer raises FileTransferError and is never
        reported as stored. An existing file without `overwrite` raises RemoteFileExistsError.
        """
        path = check_path(remote_path)
        return await self._async_run(
            functools.partial(
                self._upload,
                source=pathlib.Path(source),
                path=path,
                overwrite=overwrite,
                on_progress=on_progress,
            )
        )

    async def async_file_size(self, remote_path: str) -> int | None:
        """Size of a file on the printer (SIZE), None when it is not there."""
        path = check_path(remote_path)
        return await self._async_run(functools.partial(_remote_size, path=path))

    # ------------------------------------------------------------------------------ plumbing

    async def _async_run(self, operation: Callable[[_ImplicitFtpTls], _T]) -> _T:
        """One connection per operation, serialised, blocking work in the executor.

        Cancelled while the thread runs: the thread is told to stop (`_Abort`; a download
        then removes the file it created) and the lock stays held until it has, so the next
        operation never opens a second session next to a dying one (printers allow few).
        """
        loop = asyncio.get_running_loop()
        await self._lock.acquire()
        handed_over = False
        try:
            if self._context is None:
                self._context = await loop.run_in_executor(None, make_client_context)
            abort = _Abort()
            job = loop.run_in_executor(None, self._session, operation, abort)
            try:
                # shielded: cancelling the future would not stop a running thread anyway
                return await asyncio.shield(job)
            except asyncio.CancelledError:
                abort.set()
                if not job.done():
                    job.add_done_callback(self._release_after)
                    handed_over = True
                else:
                    _drop_result(job)
                raise
        finally:
            if not handed_over:
                self._lock.release()

    def _release_after(self, job: asyncio.Future[Any]) -> None:
        """Done callback of a cancelled operation's thread: nobody awaits its result."""
        _drop_result(job)
        self._lock.release()

    def _session(self, operation: Callable[[_ImplicitFtpTls], _T], abort: _Abort) -> _T:
        abort.check()  # cancelled while still queued in the executor
        ftp = self._open(abort)
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

    def _open(self, abort: _Abort) -> _ImplicitFtpTls:
        assert self._context is not None
        ftp = _ImplicitFtpTls(
            context=self._context, pinned=self.fingerprint, timeout=self.timeout, abort=abort
        )
        try:
            ftp.connect(self.host, self.port)
            abort.check()
            if self.fingerprint is None:
                self.fingerprint = ftp.seen_fingerprint  # trust on first use
            try:
                ftp.login(USERNAME, self._access_code)
            except ftplib.error_perm as err:
                if _reply_code(err) in ("530", "430"):
                    raise PrinterAuthError(f"{self.host} refused the access code") from None
                raise
            abort.check()
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

    def _list_folder(self, ftp: _ImplicitFtpTls, folder: str) -> list[_Entry] | None:
        """Entries of one folder, None if it does not exist. MLSD when offered, else LIST."""
        if self.use_mlsd is not False:
            try:
                lines = ftp.lines(f"MLSD {folder}")
            except ftplib.error_perm as err:
                code = _reply_code(err)
                if code == "550":
                    return None
                if code in ("500", "502"):
                    self.use_mlsd = False  # not implemented, as on the printers
                # Other refusals (501 for a missing folder, RFC 3659): ask LIST about this one.
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
        parsed: list[_Entry] = [
            entry for line in lines if (entry := parse_list_line(line, now=now))
        ]
        if parsed or not any(line.strip() for line in lines):
            return parsed
        # Unknown LIST format: names only. X1 answers NLST with full paths, P1 with bare names.
        names = ftp.lines(f"NLST {folder}")
        return [(name.rsplit("/", 1)[-1], False, None, None) for name in names if name.strip()]

    def _upload(
        self,
        ftp: _ImplicitFtpTls,
        source: pathlib.Path,
        path: str,
        overwrite: bool,
        on_progress: OnProgress | None,
    ) -> int:
        if not overwrite and _remote_size(ftp, path) is not None:
            raise RemoteFileExistsError(f"{path} already exists on the printer")
        _make_folders(ftp, path)
        try:
            sent = _send_file(ftp, source, path, on_progress)
        except (OSError, EOFError, ftplib.Error) as err:
            ftp.cancel.check()
            _remove_partial(ftp, path, reply_pending=True)
            raise FileTransferError(f"upload of {path} was cut short: {err}") from err
        if ftp.sock is not None:
            ftp.sock.settimeout(FINAL_REPLY_TIMEOUT)
        try:
            reply = ftp.getresp()
        except ftplib.error_temp as err:
            if _reply_code(err) != "426":
                raise FileTransferError(f"upload of {path} failed: {err}") from err
            reply = str(err)  # P2S: 426 after a complete transfer; the size decides
        except ftplib.error_perm as err:
            raise FileTransferError(f"upload of {path} refused: {err}") from err
        except (OSError, EOFError) as err:
            raise FileTransferError(f"no final reply for {path}: {err}") from err
        if ftp.sock is not None:
            ftp.sock.settimeout(self.timeout)
        stored = _remote_size(ftp, path)
        if stored != sent:
            _remove_partial(ftp, path, reply_pending=False)
            raise FileTransferError(
                f"upload of {path}: the printer holds {stored} of {sent} bytes ({reply[:3]})"
            )
        return sent

    def _download(
        self,
        ftp: _ImplicitFtpTls,
        path: str,
        dest: pathlib.Path,
        max_bytes: int | None,
        on_block: OnBlock | None = None,
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
        abort = ftp.cancel
        abort.check()
        try:
            try:
                with dest.open("wb") as handle:
                    # Checked after creating `dest`: a cancel that came before this check is
                    # seen here; one that comes after it comes before the caller's cleanup.
                    abort.check()

                    def sink(block: bytes) -> None:
                        abort.check()
                        handle.write(block)
                        if on_block is not None:
                            on_block(block)

                    written = ftp.read_data(
                        f"RETR {path}", sink, limit=max_bytes, expected=expected
                    )
                abort.check()  # the aborted sockets may look like a clean end of data
            except ftplib.error_perm as err:
                raise FileTransferError(f"cannot download {path}: {err}") from err
            except (ftplib.error_temp, ftplib.error_reply, OSError, EOFError) as err:
                raise FileTransferError(f"download of {path} was cut short: {err}") from err
        except BaseException:
            if abort.is_set():
                # Cancelled: the awaiting caller is gone and may have cleaned up already,
                # so this thread removes what it created (no half file left behind).
                with contextlib.suppress(OSError):
                    dest.unlink(missing_ok=True)
            raise
        if expected is not None and written != expected:
            raise FileTransferError(f"download of {path} got {written} of {expected} bytes")
        return written


def _remote_size(ftp: _ImplicitFtpTls, path: str) -> int | None:
    """SIZE of `path`; None when the printer says it does not exist."""
    try:
        return ftp.size(path)
    except ftplib.error_perm as err:
        if _reply_code(err) in ("550", "450"):
            return None
        raise


def _make_folders(ftp: _ImplicitFtpTls, path: str) -> None:
    """Create the folders above `path` that are missing (the root always exists)."""
    folder = ""
    for part in path.strip("/").split("/")[:-1]:
        folder = f"{folder}/{part}"
        with contextlib.suppress(ftplib.error_perm):
            ftp.mkd(folder)  # 550 when it exists


def _remove_partial(ftp: _ImplicitFtpTls, path: str, *, reply_pending: bool) -> None:
    """Best effort: delete what a cut upload left, so no half file waits to be printed.

    The printer answers the cut transfer (426) first; a printer that answers nothing within
    a few seconds keeps its half file (it is never reported as uploaded either way).
    """
    if ftp.sock is None:
        return
    with contextlib.suppress(OSError, EOFError, ftplib.Error):
        ftp.sock.settimeout(5.0)
        if reply_pending:
            with contextlib.suppress(ftplib.error_temp, ftplib.error_perm):
                ftp.getresp()
        ftp.delete(path)


def _send_file(
    ftp: _ImplicitFtpTls, source: pathlib.Path, path: str, on_progress: OnProgress | None
) -> int:
    """STOR `path` from `source`; return the bytes sent (the final reply is not read yet)."""
    abort = ftp.cancel
    total = source.stat().st_size
    sent = 0
    conn, _ = ftp.ntransfercmd(f"STOR {path}")
    try:
        with source.open("rb") as handle:
            while block := handle.read(UPLOAD_BLOCK):
                abort.check()
                conn.sendall(block)
                sent += len(block)
                if on_progress is not None:
                    on_progress(sent, total)
        abort.check()
        if isinstance(conn, ssl.SSLSocket):
            # close_notify: the end of the file. Some printers never answer it: do not wait.
            conn.settimeout(min(ftp.timeout or 5.0, 5.0))
            with contextlib.suppress(OSError, ValueError):
                conn.unwrap()
    finally:
        ftp._close_socket(conn)
    return sent


def _drop_result(job: asyncio.Future[Any]) -> None:
    """Mark a finished job's error as seen (its awaiting task was cancelled)."""
    if not job.cancelled():
        job.exception()


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
