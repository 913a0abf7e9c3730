"""Implicit-TLS FTPS server that behaves like a Bambu printer's port 990 (reference §3).

Built on pyftpdlib + pyOpenSSL, running its own IOLoop in one thread (pyftpdlib is not
asyncio). Printer quirks reproduced:

- implicit TLS: the handshake starts on accept, before the 220 banner; PBSZ/PROT P are
  treated as already set;
- login ``bblp`` + the current access code (read live, so a changed code is honoured);
- data connections are TLS and MUST resume the control connection's TLS session, otherwise
  ``522 SSL connection failed: session reuse required`` (the vsftpd message printers send).
  pyOpenSSL has no public ``session_reused()``; cryptography's bindings export
  ``SSL_session_reused`` and we call it on the connection's ``_ssl`` handle;
- ``cut_transfer_after[path] = n`` sends n bytes of that file, then drops the data connection
  without a TLS close_notify and answers ``426`` on the control connection (nothing at all with
  ``reply_after_cut = False``, as a printer whose transfer task died);
- ``stall_transfer_after[path] = n`` sends n bytes, then keeps the data connection open and
  silent (a hung printer);
- ``sessions`` counts control connections and ``retrieved`` lists every RETR path, so tests can
  prove that a busy printer was left alone and a file was fetched once;
- STOR answers ``226`` only once the file is written and closed (``stored`` lists each path
  stored completely); ``cut_upload_after[path] = n`` stores n bytes of an upload, then drops
  the data connection and answers ``426``; ``answer_426_after_store`` answers ``426`` after a
  complete upload, as a P2S may; ``upload_bps`` receives at most that many bytes per second
  (a P1/A1 takes about 70 KB/s);
- ``SIZE`` works in ASCII mode too; X1 models answer ``NLST`` with full paths.

The virtual tree lives in a temporary directory that ``stop()`` removes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import os
from pathlib import Path, PurePosixPath
import shutil
import sys
import tempfile
import threading
import time
from typing import IO, Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from OpenSSL import SSL
from OpenSSL._util import lib as _openssl_lib
from pyftpdlib.authorizers import AuthenticationFailed, DummyAuthorizer
from pyftpdlib.exceptions import _FileReadWriteError
from pyftpdlib.filesystems import AbstractedFS
from pyftpdlib.handlers import TLS_FTPHandler
from pyftpdlib.handlers.ftps.data import TLS_DTPHandler
from pyftpdlib.ioloop import IOLoop
from pyftpdlib.log import logger as _ftp_logger
from pyftpdlib.servers import FTPServer

__all__ = ["FTP_USER", "BambuFtpsServer", "openssl_context"]

FTP_USER = "bblp"
SESSION_REUSE_REQUIRED = "522 SSL connection failed: session reuse required"


def openssl_context(cert_pem: bytes, key_pem: bytes) -> SSL.Context:
    """pyOpenSSL server context from PEM bytes (no files needed, safe in the event loop)."""
    ctx = SSL.Context(SSL.TLS_SERVER_METHOD)
    ctx.set_options(SSL.OP_NO_SSLv2 | SSL.OP_NO_SSLv3 | SSL.OP_NO_COMPRESSION)
    ctx.use_certificate(x509.load_pem_x509_certificate(cert_pem))
    ctx.use_privatekey(load_pem_private_key(key_pem, password=None))  # type: ignore[arg-type]
    ctx.set_session_id(b"printernizer-sim")
    return ctx


class _TransferCutError(ConnectionAbortedError):
    """Raised by a cut file once its byte budget is spent."""


class _TransferStallError(_TransferCutError):
    """Raised by a stalling file once its byte budget is spent."""


class _CutFile:
    """File wrapper that yields ``limit`` bytes and then fails, like a dropped Wi-Fi link."""

    def __init__(self, fobj: IO[bytes], limit: int, *, stall: bool = False) -> None:
        self._fobj = fobj
        self._left = max(limit, 1)
        self._error = _TransferStallError if stall else _TransferCutError

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            if self._fobj.read(1):
                raise self._error("simulated cut transfer")
            return b""
        want = self._left if size < 0 else min(size, self._left)
        data = self._fobj.read(want)
        self._left -= len(data)
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fobj, name)


class _CutWriteFile:
    """Upload target that stores ``limit`` bytes and then fails, like a link dropped mid-upload."""

    def __init__(self, fobj: IO[bytes], limit: int) -> None:
        self._fobj = fobj
        self._left = max(limit, 0)

    def write(self, data: bytes) -> int:
        if len(data) > self._left:
            self._fobj.write(data[: self._left])
            self._left = 0
            raise _TransferCutError("simulated cut upload")
        self._left -= len(data)
        return self._fobj.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fobj, name)


class _Authorizer(DummyAuthorizer):
    """Single user ``bblp`` whose password is whatever the printer's access code is now."""

    def __init__(self, home: str, password: Callable[[], str]) -> None:
        super().__init__()
        self._password = password
        self.add_user(FTP_USER, "", home, perm="elradfmwMT")

    def validate_authentication(self, username: str, password: str, handler: Any) -> None:
        if username != FTP_USER or password != self._password():
            raise AuthenticationFailed("Login incorrect.")


class _FS(AbstractedFS):
    """Real temp-dir filesystem; ``open`` applies the simulator's cut-transfer table."""

    def open(self, filename: str, mode: str) -> Any:
        fobj = super().open(filename, mode)
        server: BambuFtpsServer = self.cmd_channel.ftps
        path = self.fs2ftp(filename)
        if "r" not in mode:
            if (limit := server.cut_upload_after.get(path)) is not None:
                return _CutWriteFile(fobj, limit)
            return fobj
        if (limit := server.stall_transfer_after.get(path)) is not None:
            return _CutFile(fobj, limit, stall=True)
        if (limit := server.cut_transfer_after.get(path)) is not None:
            return _CutFile(fobj, limit)
        return fobj


class _DTP(TLS_DTPHandler):
    """Data channel: enforce TLS session reuse and turn cut files into a dropped link."""

    def send(self, data: bytes) -> int:
        """Hold data until our handshake hook ran.

        pyftpdlib pushes the payload straight away; pyOpenSSL's ``send`` would then finish
        the handshake inside SSL_write and transmit before the session-reuse check.
        """
        if not self._ssl_established:
            return 0
        return int(super().send(data))

    def recv(self, buffer_size: int) -> bytes:
        """Receive, held to ``upload_bps`` by pausing the channel (pyftpdlib's throttle)."""
        limit = self.cmd_channel.ftps.upload_bps
        if limit:
            buffer_size = min(buffer_size, max(limit // 10, 1024))
        chunk: bytes = super().recv(buffer_size)
        if limit and chunk:
            self._throttle(len(chunk), limit)
        return chunk

    def _throttle(self, size: int, limit: int) -> None:
        now = time.monotonic()
        began = getattr(self, "_throttle_began", None)
        if began is None:
            began = self._throttle_began = now
            self._throttle_bytes = 0
        self._throttle_bytes += size
        ahead = self._throttle_bytes / limit - (now - began)
        if ahead > 0.01:
            self.del_channel()

            def wake() -> None:
                if not self._closed:
                    self.add_channel(events=self.ioloop.READ)

            self._throttle_timer = self.ioloop.call_later(ahead, wake, _errback=self.handle_error)

    def close(self) -> None:
        """Answer 426 after a complete upload when asked to (P2S); list stored files."""
        timer = getattr(self, "_throttle_timer", None)
        if timer is not None and not timer.cancelled:
            timer.cancel()
        ftps = self.cmd_channel.ftps
        if not self._closed and self.receive and self.transfer_finished and self.file_obj:
            path = self.cmd_channel.fs.fs2ftp(self.file_obj.name)
            ftps.stored.append(path)
            if ftps.answer_426_after_store and self._resp:
                self._resp = ("426 Connection closed; transfer aborted.", _ftp_logger.info)
        super().close()

    def handle_ssl_established(self) -> None:
        if not _openssl_lib.SSL_session_reused(self.socket._ssl):
            self.cmd_channel.respond(SESSION_REUSE_REQUIRED)
            self._error = True  # close abruptly, no 426 on top of the 522
            self._resp = ()
            self.close()

    def handle_error(self) -> None:
        exc = sys.exc_info()[1]
        cause = exc.__cause__ if isinstance(exc, _FileReadWriteError) else None
        if isinstance(cause, _TransferStallError):
            # stop serving this channel but keep its socket open: the client hears nothing
            self._error = True  # and closing it on stop sends no close_notify
            self.del_channel()
            self.cmd_channel.ftps.stalled.append(self)
            return
        if isinstance(cause, _TransferCutError):
            self._error = True  # no TLS close_notify: the client just sees the stream end
            self._resp = (
                ("426 Connection closed; transfer aborted.", _ftp_logger.info)
                if self.cmd_channel.ftps.reply_after_cut
                else ()
            )
            self.close()
            return
        super().handle_error()


class _Handler(TLS_FTPHandler):
    """Control channel with implicit TLS (handshake before the banner)."""

    ftps: BambuFtpsServer
    dtp_handler = _DTP
    abstracted_fs = _FS
    banner = "Service ready for new user."
    auth_failed_timeout = 0.05
    timeout = 60

    def __init__(self, conn: Any, server: Any, ioloop: Any = None) -> None:
        super().__init__(conn, server, ioloop)
        if not self.connected:
            return
        self.ftps.sessions += 1
        self.secure_connection(self.ssl_context)
        self._pbsz = True
        self._prot = True

    def flush_account(self) -> None:
        super().flush_account()
        self._pbsz = True
        self._prot = True

    def ftp_AUTH(self, line: str) -> None:
        self.respond("534 Implicit TLS already in use.")

    def ftp_SIZE(self, path: str) -> None:
        """Answer SIZE whatever TYPE is active (pyftpdlib refuses it in ASCII mode)."""
        saved, self._current_type = self._current_type, "i"
        try:
            super().ftp_SIZE(path)
        finally:
            self._current_type = saved

    def ftp_RETR(self, file: str) -> str | None:
        self.ftps.retrieved.append(self.fs.fs2ftp(file))
        return super().ftp_RETR(file)  # type: ignore[no-any-return]

    def ftp_NLST(self, path: str) -> str | None:
        if not self.ftps.nlst_full_paths or not self.fs.isdir(path):
            return super().ftp_NLST(path)
        base = PurePosixPath(self.fs.fs2ftp(path))
        try:
            names = sorted(self.run_as_current_user(self.fs.listdir, path))
        except OSError as err:
            self.respond(f"550 {err.strerror}.")
            return None
        data = "".join(f"{base / name}\r\n" for name in names)
        self.push_dtp_data(data.encode(self.encoding), cmd="NLST")
        return path


class BambuFtpsServer:
    """The printer's FTPS service; one pyftpdlib IOLoop in a thread, started and joined here."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        password: Callable[[], str],
        files: dict[str, bytes],
        cert_pem: bytes,
        key_pem: bytes,
        nlst_full_paths: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self._password = password
        self._initial_files = dict(files)
        self.nlst_full_paths = nlst_full_paths
        self.cut_transfer_after: dict[str, int] = {}
        self.reply_after_cut = True
        self.stall_transfer_after: dict[str, int] = {}
        self.stalled: list[_DTP] = []  # stalled data channels, closed on stop
        self.sessions = 0
        self.retrieved: list[str] = []
        self.cut_upload_after: dict[str, int] = {}
        self.answer_426_after_store = False
        self.upload_bps: int | None = None
        self.stored: list[str] = []
        self.root: Path | None = None
        self._handler_cls: type[_Handler] = type(
            "_SimHandler", (_Handler,), {"ftps": self, "ssl_context": None}
        )
        self.set_certificate(cert_pem, key_pem)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def set_certificate(self, cert_pem: bytes, key_pem: bytes) -> None:
        """Use this certificate for control (and thus data) connections accepted from now on."""
        self._handler_cls.ssl_context = openssl_context(cert_pem, key_pem)

    async def start(self) -> None:
        """Create the file tree and start serving; returns once the port is bound."""
        if self._thread is not None:
            return
        self.root = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="bambu-ftps-"))
        for path, data in self._initial_files.items():
            await self.put_file(path, data)
        self._stop.clear()
        self._ready.clear()
        self._thread = threading.Thread(target=self._run, name="bambu-sim-ftps", daemon=True)
        self._thread.start()
        await asyncio.to_thread(self._ready.wait, 10)
        if self._error is not None:
            raise RuntimeError("FTPS simulator failed to start") from self._error

    async def stop(self) -> None:
        """Close every connection, join the thread and delete the file tree."""
        if self._thread is not None:
            self._stop.set()
            await asyncio.to_thread(self._thread.join, 10)
            self._thread = None
        if self.root is not None:
            await asyncio.to_thread(shutil.rmtree, self.root, True)
            self.root = None

    def _local(self, path: str) -> Path:
        assert self.root is not None, "server not started"
        rel = PurePosixPath("/", path).relative_to("/")
        if ".." in rel.parts:
            raise ValueError(f"bad path {path!r}")
        return self.root.joinpath(*rel.parts)

    async def put_file(self, path: str, data: bytes, *, mtime: float | None = None) -> None:
        """Add or replace a file (a path ending in ``/`` creates an empty directory)."""
        local = self._local(path)

        def write() -> None:
            if path.endswith("/"):
                local.mkdir(parents=True, exist_ok=True)
                return
            local.parent.mkdir(parents=True, exist_ok=True)
            local.write_bytes(data)
            if mtime is not None:
                os.utime(local, (mtime, mtime))

        await asyncio.to_thread(write)

    async def remove_file(self, path: str) -> None:
        """Delete a file from the tree (missing files are ignored)."""
        await asyncio.to_thread(self._local(path).unlink, True)

    async def list_files(self) -> dict[str, bytes]:
        """Snapshot of the tree as ``{"/dir/name": bytes}`` (e.g. to verify a DELE)."""
        root = self.root
        assert root is not None

        def walk() -> dict[str, bytes]:
            return {
                "/" + p.relative_to(root).as_posix(): p.read_bytes()
                for p in sorted(root.rglob("*"))
                if p.is_file()
            }

        return await asyncio.to_thread(walk)

    def _run(self) -> None:
        ioloop = IOLoop()
        try:
            assert self.root is not None
            self._handler_cls.authorizer = _Authorizer(str(self.root), self._password)
            server = FTPServer((self.host, self.port), self._handler_cls, ioloop=ioloop)
            self.port = server.address[1]
        except BaseException as err:
            self._error = err
            self._ready.set()
            ioloop.close()
            return
        self._ready.set()
        try:
            while not self._stop.is_set():
                ioloop.loop(timeout=0.05, blocking=False)
        finally:
            for channel in self.stalled:
                channel.close()  # no longer in the IOLoop's map: close_all would miss it
            self.stalled.clear()
            server.close_all()  # closes every channel and the IOLoop
