"""P1/A1 chamber image: JPEG frames over TLS port 6000, one connection per printer shared by all.

Protocol (reference "Cameras"): TLS with the printer's own certificate, then one 80-byte auth
packet (u32le 0x40, u32le 0x3000, 8 zero bytes, then `bblp` and the access code, each zero-padded
to 32 bytes), then frames: a 16-byte header whose first u32le is the payload length, then a JPEG.
The printer closes the connection without a byte when the access code is wrong.

Why one shared, short-lived connection: a P1S serves about two of these streams (a third one
stalls) and Bambu Studio or Handy may hold one. So the connection is opened only while someone
watches or a still is wanted, shared by every viewer, and kept `linger` seconds after the last
one left, so a dashboard that asks for a still every ~10 s reuses it. Stills come from the last
frame while it is at most `max_age` old. Frames are only split here (length-prefixed bytes) and
handed on as they came: nothing is decoded, in the event loop or anywhere else.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import contextlib
import logging
import random
import ssl
import struct

from ..errors import (
    PrinterAuthError,
    PrinterCertificateError,
    PrinterConnectionError,
    PrinterError,
    PrinterTimeoutError,
)
from .tls import async_close_stream, check_pin, make_client_context, normalize_fingerprint

_LOGGER = logging.getLogger(__name__)

USERNAME = "bblp"
DEFAULT_PORT = 6000
#: u32le 0x40 (payload size), u32le 0x3000 (type), 8 zero bytes, user and code (zero-padded).
_AUTH = struct.Struct("<II8x32s32s")
_HEADER_SIZE = 16
#: A 1280x720 JPEG is 50-300 KB; anything far larger is not a frame but a broken stream.
MAX_FRAME_BYTES = 4 * 1024 * 1024
_JPEG_START = b"\xff\xd8"
_JPEG_END = b"\xff\xd9"


def auth_packet(access_code: str) -> bytes:
    """The 80-byte packet that opens the stream."""
    return _AUTH.pack(0x40, 0x3000, USERNAME.encode(), access_code.encode())


class ChamberCamera:
    """The chamber image of one printer: stills and a frame stream over one connection."""

    #: Seconds the connection stays open after the last viewer left.
    linger: float = 30.0
    #: A still is served from the last frame while it is at most this old (seconds).
    max_age: float = 3.0
    connect_timeout: float = 10.0
    #: The printer sends a frame every 1-2 s; this long without one counts as a broken stream.
    frame_timeout: float = 10.0
    #: Reconnect back-off while someone still watches: doubles up to the maximum, ±20 % jitter.
    reconnect_min_delay: float = 1.0
    reconnect_max_delay: float = 60.0

    def __init__(
        self,
        *,
        host: str,
        access_code: str,
        port: int = DEFAULT_PORT,
        fingerprint: str | None = None,
    ) -> None:
        """Store the connection facts; nothing connects until a still or a viewer is wanted."""
        self.host = host
        self.port = port
        self._access_code = access_code
        self.fingerprint: str | None = normalize_fingerprint(fingerprint)
        #: Called once when the printer refuses the code or shows another certificate.
        self.on_fatal_error: Callable[[PrinterError], None] | None = None
        self.frame: bytes | None = None
        self.frame_count = 0
        self.connections = 0
        self.connected = False
        self.last_error: PrinterError | None = None
        self.fatal_error: PrinterError | None = None
        self._frame_time = 0.0
        self._viewers = 0
        self._waiters: list[asyncio.Future[bytes]] = []
        self._task: asyncio.Task[None] | None = None
        self._stopping: set[asyncio.Task[None]] = set()
        self._linger_handle: asyncio.TimerHandle | None = None
        self._context: ssl.SSLContext | None = None
        self._closed = False

    def __repr__(self) -> str:
        """Identify the camera without the access code."""
        return f"<ChamberCamera {self.host}:{self.port}>"

    @property
    def viewers(self) -> int:
        """How many viewers (streams and stills being taken) hold the connection now."""
        return self._viewers

    @property
    def running(self) -> bool:
        """True while the connection (or a reconnect wait) is alive.

        A task being cancelled still runs: its own frame or connect timeout cancels it for a
        moment, and a viewer arriving then must join it, not start a second connection that
        would leave the first one reconnecting for ever. Stopping it drops `_task` first.
        """
        return self._task is not None and not self._task.done()

    async def snapshot(self, *, timeout: float = 10.0) -> bytes:  # noqa: ASYNC109
        """The last frame if it is fresh enough, else the next one (connecting for it).

        Raises PrinterAuthError or PrinterCertificateError (for good: the entry must be set
        up again) or PrinterTimeoutError when no frame arrived in `timeout` seconds.
        """
        self._raise_if_unusable()
        loop = asyncio.get_running_loop()
        if self.frame is not None and loop.time() - self._frame_time <= self.max_age:
            return self.frame
        async with self.watch() as viewer:
            return await viewer.next_frame(timeout=timeout)

    @contextlib.asynccontextmanager
    async def watch(self) -> AsyncIterator[Viewer]:
        """Hold the connection open for one viewer; `Viewer.next_frame` waits for new frames."""
        self._raise_if_unusable()
        self._viewers += 1
        if self._linger_handle is not None:
            self._linger_handle.cancel()
            self._linger_handle = None
        if not self.running:
            self._task = asyncio.get_running_loop().create_task(
                self._async_run(), name=f"bambu chamber camera {self.host}"
            )
        try:
            yield Viewer(self)
        finally:
            self._viewers -= 1
            if self._viewers == 0 and not self._closed and self.running:
                self._linger_handle = asyncio.get_running_loop().call_later(
                    self.linger, self._stop_unwatched
                )

    async def async_close(self) -> None:
        """Close the connection for good (the entry unloads); waiting viewers get an error."""
        self._closed = True
        if self._linger_handle is not None:
            self._linger_handle.cancel()
            self._linger_handle = None
        tasks = {*self._stopping, *([self._task] if self._task is not None else [])}
        self._task = None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._fail_waiters(PrinterConnectionError("the camera was closed"))

    # ----------------------------------------------------------------------------------------

    def _raise_if_unusable(self) -> None:
        if self.fatal_error is not None:
            raise self.fatal_error
        if self._closed:
            raise PrinterConnectionError("the camera was closed")

    def _stop_unwatched(self) -> None:
        """Linger timer: nobody came back, so free the printer's stream slot."""
        self._linger_handle = None
        task = self._task
        if self._viewers == 0 and task is not None:
            _LOGGER.debug("%s: nobody watches any more, closing", self)
            task.cancel()
            self._task = None
            self._stopping.add(task)  # closing its TLS stream takes a moment
            task.add_done_callback(self._stopping.discard)

    async def _async_run(self) -> None:
        """Connect and read frames; reconnect with back-off until stopped or refused for good."""
        delay = self.reconnect_min_delay
        while True:
            frames_before = self.frame_count
            try:
                await self._async_session()
            except (PrinterAuthError, PrinterCertificateError) as err:
                _LOGGER.warning("%s refused: %s", self, err)
                self.fatal_error = err
                self._fail_waiters(err)
                if self.on_fatal_error is not None:
                    self.on_fatal_error(err)
                return
            except PrinterError as err:
                self.last_error = err
                _LOGGER.debug("%s: %s; next try in ~%.0f s", self, err, delay)
            if self.frame_count > frames_before:
                delay = self.reconnect_min_delay
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, self.reconnect_max_delay)

    async def _async_session(self) -> None:
        """One connection: TLS, pin check, auth packet, then frames until it breaks."""
        loop = asyncio.get_running_loop()
        if self._context is None:
            self._context = await loop.run_in_executor(None, make_client_context)
        try:
            async with asyncio.timeout(self.connect_timeout):
                reader, writer = await asyncio.open_connection(
                    self.host, self.port, ssl=self._context, server_hostname=""
                )
        except TimeoutError as err:
            raise PrinterTimeoutError(f"camera {self.host}:{self.port}: no answer") from err
        except (OSError, ssl.SSLError) as err:
            raise PrinterConnectionError(f"camera {self.host}:{self.port}: {err}") from err
        self.connections += 1
        try:
            ssl_object = writer.get_extra_info("ssl_object")
            if ssl_object is None:  # pragma: no cover - asyncio always gives one for ssl=
                raise PrinterConnectionError("the camera connection is not encrypted")
            # Before a single byte goes out: the access code is for the pinned printer only.
            actual = check_pin(ssl_object, self.fingerprint)
            if self.fingerprint is None:
                self.fingerprint = actual  # trust on first use, as the MQTT client does
            writer.write(auth_packet(self._access_code))
            await writer.drain()
            self.connected = True
            await self._async_read_frames(reader)
        except (OSError, ssl.SSLError) as err:
            raise PrinterConnectionError(f"camera {self.host}:{self.port}: {err}") from err
        finally:
            self.connected = False
            await async_close_stream(writer)

    async def _async_read_frames(self, reader: asyncio.StreamReader) -> None:
        """Split the stream into frames: header, then exactly the announced JPEG bytes."""
        first = True
        while True:
            try:
                async with asyncio.timeout(self.frame_timeout):
                    header = await reader.readexactly(_HEADER_SIZE)
                    length = int.from_bytes(header[:4], "little")
                    if not 0 < length <= MAX_FRAME_BYTES:
                        raise PrinterConnectionError(f"camera sent a frame of {length} bytes")
                    payload = await reader.readexactly(length)
            except asyncio.IncompleteReadError as err:
                if first and not err.partial:
                    raise PrinterAuthError(
                        "the printer closed the camera connection after the access code"
                    ) from None
                raise PrinterConnectionError("the camera connection was closed") from None
            except TimeoutError:
                raise PrinterTimeoutError(
                    f"no camera frame within {self.frame_timeout} s"
                ) from None
            first = False
            if not (payload.startswith(_JPEG_START) and payload.endswith(_JPEG_END)):
                _LOGGER.debug("%s: skipping a frame that is not a JPEG", self)
                continue
            self._deliver(payload)

    def _deliver(self, frame: bytes) -> None:
        self.frame = frame
        self.frame_count += 1
        self._frame_time = asyncio.get_running_loop().time()
        self.last_error = None
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(frame)

    def _fail_waiters(self, error: PrinterError) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_exception(error)


class Viewer:
    """One viewer's place in the stream: `next_frame` returns each new frame once."""

    __slots__ = ("_camera", "_seen")

    def __init__(self, camera: ChamberCamera) -> None:
        """Start after the frame the camera has now (a viewer wants what comes next)."""
        self._camera = camera
        self._seen = camera.frame_count

    async def next_frame(self, *, timeout: float = 10.0) -> bytes:  # noqa: ASYNC109
        """The first frame newer than the last one returned; PrinterError when none comes."""
        camera = self._camera
        camera._raise_if_unusable()
        if camera.frame_count > self._seen and camera.frame is not None:
            self._seen = camera.frame_count
            return camera.frame
        waiter: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        camera._waiters.append(waiter)
        try:
            async with asyncio.timeout(timeout):
                frame = await waiter
        except TimeoutError:
            reason = f": {camera.last_error}" if camera.last_error else ""
            raise PrinterTimeoutError(f"no camera frame within {timeout} s{reason}") from None
        finally:
            if waiter in camera._waiters:
                camera._waiters.remove(waiter)
        self._seen = camera.frame_count
        return frame
