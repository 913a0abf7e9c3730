"""X1/H2/P2S live video: a loopback relay to the printer's RTSPS port, its certificate pinned.

The printer streams H.264 at `rtsps://bblp:<access code>@<printer>:322/streaming/live/1` with a
self-signed certificate. Home Assistant's stream reader (ffmpeg) cannot pin a certificate, so
given the printer's address it would send the access code to whoever answers there. It never
gets that address: it gets `rtsps://bblp:<code>@127.0.0.1:<relay port>/streaming/live/1`. The
relay listens on the loopback interface only (with a throwaway certificate of its own, so the
code is encrypted there too), opens TLS to the printer for each connection, compares the
printer's certificate with the pin before it forwards a single byte of the client's (the RTSP
requests carry the code), and then passes bytes both ways untouched. It never parses or decodes
the stream.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
import logging
import ssl
from urllib.parse import quote

from ..errors import (
    PrinterCertificateError,
    PrinterConnectionError,
    PrinterError,
    PrinterTimeoutError,
)
from .tls import async_close_stream, check_pin, make_client_context, make_loopback_server_context

_LOGGER = logging.getLogger(__name__)

USERNAME = "bblp"
DEFAULT_PORT = 322
STREAM_PATH = "/streaming/live/1"
LOOPBACK = "127.0.0.1"
_CHUNK = 64 * 1024


class RtspsRelay:
    """Relays loopback RTSPS connections to one printer after checking its pinned certificate."""

    connect_timeout: float = 10.0

    def __init__(
        self,
        *,
        host: str,
        access_code: str,
        port: int = DEFAULT_PORT,
        fingerprint: str | None = None,
    ) -> None:
        """Store the printer's address; nothing listens until `async_start`."""
        self.host = host
        self.port = port
        self._access_code = access_code
        self.fingerprint = fingerprint
        #: Called when the printer shows another certificate than the pinned one.
        self.on_fatal_error: Callable[[PrinterError], None] | None = None
        self.relayed = 0  # connections passed on to the printer
        self.refused = 0  # connections not passed on (certificate, printer unreachable)
        self._server: asyncio.Server | None = None
        self._server_context: ssl.SSLContext | None = None
        self._client_context: ssl.SSLContext | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._start_lock = asyncio.Lock()

    def __repr__(self) -> str:
        """Identify the relay without the access code."""
        return f"<RtspsRelay {self.listen_port} -> {self.host}:{self.port}>"

    @property
    def listen_port(self) -> int | None:
        """The loopback port, once started."""
        if self._server is None or not self._server.sockets:
            return None
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    @property
    def url(self) -> str:
        """The stream URL for Home Assistant (a secret: it carries the access code)."""
        port = self.listen_port
        if port is None:
            raise PrinterConnectionError("the relay is not running")
        code = quote(self._access_code, safe="")
        return f"rtsps://{USERNAME}:{code}@{LOOPBACK}:{port}{STREAM_PATH}"

    async def async_start(self) -> str:
        """Listen on a free loopback port (once); return the stream URL."""
        async with self._start_lock:
            if self._server is None:
                loop = asyncio.get_running_loop()
                if self._server_context is None or self._client_context is None:
                    self._server_context = await loop.run_in_executor(
                        None, make_loopback_server_context
                    )
                    self._client_context = await loop.run_in_executor(None, make_client_context)
                # TLS is started per connection, so a client that fails the handshake is
                # simply hung up on instead of being logged as an error by asyncio.
                self._server = await asyncio.start_server(self._async_relay, LOOPBACK, 0)
                _LOGGER.debug("%r listening", self)
        return self.url

    async def async_stop(self) -> None:
        """Stop listening and cut every relayed connection."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        if server is not None:
            await server.wait_closed()

    async def _async_relay(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        """One client: TLS, connect to the printer (pin first), then pass bytes both ways."""
        transport = client_writer.transport
        assert isinstance(transport, asyncio.Transport)
        transport.pause_reading()  # every byte goes through TLS
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        printer_writer: asyncio.StreamWriter | None = None
        try:
            try:
                async with asyncio.timeout(self.connect_timeout):
                    await client_writer.start_tls(self._server_context)  # type: ignore[arg-type]
            except (TimeoutError, OSError, ssl.SSLError) as err:
                _LOGGER.debug("%r: loopback client failed the TLS handshake: %s", self, err)
                return
            try:
                printer_reader, printer_writer = await self._async_open_printer()
            except PrinterError as err:
                self.refused += 1
                _LOGGER.debug("%r: not relayed: %s", self, err)
                if isinstance(err, PrinterCertificateError) and self.on_fatal_error is not None:
                    self.on_fatal_error(err)
                return
            self.relayed += 1
            pipes = [
                asyncio.ensure_future(_pipe(client_reader, printer_writer)),
                asyncio.ensure_future(_pipe(printer_reader, client_writer)),
            ]
            try:
                # either side hanging up ends the relay of both
                await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for pipe in pipes:
                    pipe.cancel()
                await asyncio.gather(*pipes, return_exceptions=True)
        finally:
            self._connections.discard(task)
            for writer in (client_writer, printer_writer):
                if writer is not None:
                    await async_close_stream(writer)

    async def _async_open_printer(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """TLS to the printer; the certificate is compared with the pin before anything is sent."""
        try:
            async with asyncio.timeout(self.connect_timeout):
                reader, writer = await asyncio.open_connection(
                    self.host, self.port, ssl=self._client_context, server_hostname=""
                )
        except TimeoutError as err:
            raise PrinterTimeoutError(f"RTSPS {self.host}:{self.port}: no answer") from err
        except (OSError, ssl.SSLError) as err:
            raise PrinterConnectionError(f"RTSPS {self.host}:{self.port}: {err}") from err
        try:
            ssl_object = writer.get_extra_info("ssl_object")
            if ssl_object is None:  # pragma: no cover - asyncio always gives one for ssl=
                raise PrinterConnectionError("the RTSPS connection is not encrypted")
            actual = check_pin(ssl_object, self.fingerprint)
        except PrinterError:
            await async_close_stream(writer)
            raise
        if self.fingerprint is None:
            self.fingerprint = actual  # trust on first use, as the MQTT client does
        return reader, writer


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until the reading side closes (bytes only; flow control through drain)."""
    with contextlib.suppress(OSError, ssl.SSLError):
        while chunk := await reader.read(_CHUNK):
            writer.write(chunk)
            await writer.drain()
