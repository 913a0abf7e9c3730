"""The cameras of a simulated Bambu printer: the P1/A1 chamber image and the X1 RTSPS port.

ChamberImageServer (port 6000 on a P1/A1, reference "Cameras"): TLS with the printer's
certificate, one 80-byte auth packet, then a 16-byte header (u32le length, 0, 1, 0) and a JPEG
per frame at `fps`. A wrong access code closes the connection without a byte (what the printer
does); more than `max_streams` viewers at once get a connection that stays silent (a P1S serves
two, a third stalls). Every connection's auth packet is recorded, so tests can prove that a
client refused the certificate before sending the code.

RtspsServer (port 322 on X1/H2/P2S): TLS with the printer's certificate and enough RTSP
(OPTIONS, DESCRIBE with Basic auth, SETUP, PLAY, TEARDOWN) to prove that a relay passes the
bytes both ways; after PLAY it sends interleaved RTP packets (`$`, channel, length, payload).
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
import contextlib
import functools
import io
import ssl
import struct

from PIL import Image, ImageDraw

__all__ = ["ChamberImageServer", "RtspsServer", "make_jpeg"]

AUTH_SIZE = 80
_AUTH = struct.Struct("<II8x32s32s")
_HEADER = struct.Struct("<IIII")
SslContextFactory = Callable[[], Awaitable[ssl.SSLContext]]


@functools.lru_cache(maxsize=64)
def make_jpeg(index: int, size: tuple[int, int] = (64, 48)) -> bytes:
    """A real JPEG that differs per `index`, cached per size.

    Small ones are a colour and a stripe; from 320 px wide it looks like a chamber: a dark
    room, the build plate, a part that grows with `index` and the frame number.
    """
    width, height = size
    if width < 320:
        image = Image.new("RGB", size, ((index * 47) % 256, (index * 91) % 256, (index * 13) % 256))
        draw = ImageDraw.Draw(image)
        stripe = (index * 7) % max(width - 8, 1)
        draw.rectangle((stripe, 0, stripe + 8, height), fill=(255, 255, 255))
    else:
        image = Image.new("RGB", size, (28, 30, 34))
        draw = ImageDraw.Draw(image)
        for y in range(0, height, 4):  # sensor noise and a light gradient: realistic sizes
            shade = 30 + (y * 40) // height + (y * 7 + index) % 5
            draw.line((0, y, width, y), fill=(shade, shade, shade + 4))
        bed_top = height * 2 // 3
        draw.polygon(
            [(width // 8, height - 8), (width * 7 // 8, height - 8),
             (width * 3 // 4, bed_top), (width // 4, bed_top)],
            fill=(70, 72, 78),
        )  # fmt: skip
        part = min(height // 3, 8 + index * 3 % (height // 3))
        left = width // 2 - width // 12
        draw.rectangle(
            (left, bed_top + 10 - part, left + width // 6, bed_top + 10), fill=(10, 80, 170)
        )
        draw.text((10, 10), f"Sim chamber  frame {index}", fill=(230, 230, 230))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


class _TlsServer:
    """A TLS server whose certificate is the printer's current one, read at each accept."""

    def __init__(self, *, host: str, port: int, ssl_context: SslContextFactory) -> None:
        self.host = host
        self._port = port
        self._ssl_context = ssl_context
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self.connections = 0

    @property
    def port(self) -> int:
        """The bound port (0 before start)."""
        return self._port

    async def start(self) -> None:
        """Listen; a new certificate of the printer applies to connections accepted later."""
        if self._server is not None:
            return
        self._server = await asyncio.start_server(self._accept, self.host, self._port)
        self._port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Close the listener and every connection."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        if server is not None:
            await server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Not a byte read before TLS is on (the ClientHello must reach the TLS layer).
        writer.transport.pause_reading()
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self.connections += 1
        try:
            # TLS starts on accept with the certificate of this moment (it may have changed)
            await writer.start_tls(await self._ssl_context())
            await self._serve(reader, writer)
        except (OSError, ssl.SSLError, asyncio.IncompleteReadError):
            pass
        finally:
            self._handlers.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                async with asyncio.timeout(1):
                    await writer.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError


class ChamberImageServer(_TlsServer):
    """Port 6000 of a P1/A1 printer."""

    def __init__(
        self,
        *,
        host: str,
        port: int = 0,
        ssl_context: SslContextFactory,
        access_code: Callable[[], str],
        fps: float = 4.0,
        max_streams: int = 2,
        frame_size: tuple[int, int] = (64, 48),
    ) -> None:
        super().__init__(host=host, port=port, ssl_context=ssl_context)
        self._access_code = access_code
        self.fps = fps
        self.max_streams = max_streams
        self.frame_size = frame_size
        #: The auth packet of each connection, in order (b"" when the client sent none).
        self.auth_packets: list[bytes] = []
        self.streaming = 0
        self.frames_sent = 0
        self.last_frame: bytes | None = None
        self.paused = False  # True: accepted viewers get no frames (a stalled stream)
        #: Sent (once each) instead of the next frames: odd payloads for edge tests.
        self.odd_payloads: list[bytes] = []

    def next_frame(self) -> bytes:
        """The JPEG the printer sends next."""
        if self.odd_payloads:
            return self.odd_payloads.pop(0)
        return make_jpeg(self.frames_sent, self.frame_size)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(5):
                packet = await reader.readexactly(AUTH_SIZE)
        except (asyncio.IncompleteReadError, TimeoutError) as err:
            partial = err.partial if isinstance(err, asyncio.IncompleteReadError) else b""
            self.auth_packets.append(partial)
            return
        self.auth_packets.append(packet)
        size, kind, user, code = _AUTH.unpack(packet)
        if (size, kind, user.rstrip(b"\0"), code.rstrip(b"\0")) != (
            0x40,
            0x3000,
            b"bblp",
            self._access_code().encode(),
        ):
            return  # closed without a byte: what a printer does with a wrong code
        if self.streaming >= self.max_streams:
            await asyncio.Event().wait()  # a third viewer stalls until it gives up
        self.streaming += 1
        gone = asyncio.ensure_future(reader.read(1))  # the viewer closed the connection
        try:
            while not gone.done():
                if not self.paused:
                    frame = self.next_frame()
                    writer.write(_HEADER.pack(len(frame), 0, 1, 0) + frame)
                    await writer.drain()
                    self.frames_sent += 1
                    self.last_frame = frame
                await asyncio.wait([gone], timeout=1 / self.fps)
        finally:
            gone.cancel()
            self.streaming -= 1


class RtspsServer(_TlsServer):
    """Port 322 of an X1/H2/P2S printer: RTSP over TLS, Basic auth with `bblp` + the code."""

    def __init__(
        self,
        *,
        host: str,
        port: int = 0,
        ssl_context: SslContextFactory,
        access_code: Callable[[], str],
    ) -> None:
        super().__init__(host=host, port=port, ssl_context=ssl_context)
        self._access_code = access_code
        #: Every request line received, and the credentials of each authorised request.
        self.requests: list[str] = []
        self.credentials: list[str] = []
        self.rtp_packets = 3

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        expected = base64.b64encode(f"bblp:{self._access_code()}".encode()).decode()
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            self.requests.append(lines[0])
            method = lines[0].split(" ", 1)[0]
            headers = {
                key.strip().lower(): value.strip()
                for key, _, value in (line.partition(":") for line in lines[1:] if line)
            }
            cseq = headers.get("cseq", "0")
            auth = headers.get("authorization", "")
            if method != "OPTIONS" and auth != f"Basic {expected}":
                writer.write(
                    f"RTSP/1.0 401 Unauthorized\r\nCSeq: {cseq}\r\n"
                    'WWW-Authenticate: Basic realm="LIVE555 Streaming Media"\r\n\r\n'.encode()
                )
                await writer.drain()
                continue
            if auth:
                self.credentials.append(base64.b64decode(auth.split(" ", 1)[1]).decode())
            if method == "OPTIONS":
                extra = "Public: OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY\r\n"
                body = b""
            elif method == "DESCRIBE":
                body = (
                    b"v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=Bambu live\r\nt=0 0\r\n"
                    b"m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:track1\r\n"
                )
                extra = f"Content-Type: application/sdp\r\nContent-Length: {len(body)}\r\n"
            elif method == "SETUP":
                extra = "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nSession: 4711\r\n"
                body = b""
            elif method == "PLAY":
                writer.write(f"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\nSession: 4711\r\n\r\n".encode())
                for n in range(self.rtp_packets):
                    payload = bytes([0x80, 96]) + n.to_bytes(2, "big") + bytes(range(64))
                    writer.write(b"$\x00" + len(payload).to_bytes(2, "big") + payload)
                await writer.drain()
                continue
            else:  # TEARDOWN
                writer.write(f"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\n\r\n".encode())
                await writer.drain()
                return
            writer.write(f"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\n{extra}\r\n".encode() + body)
            await writer.drain()
