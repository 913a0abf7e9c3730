"""A small asyncio MQTT 3.1.1 broker over TLS, just big enough to impersonate a Bambu printer.

Why not amqtt or mosquitto: the printer is a broker with one fixed login, a certificate that
can change at runtime, and request topics answered by the device itself. A ~300 line broker
gives exact control over those behaviours, runs inside the test's event loop (no threads) and
closes deterministically.

Supported: CONNECT/CONNACK (return codes 1, 2, 3, 5), SUBSCRIBE/SUBACK with ``+``/``#``
filters, UNSUBSCRIBE/UNSUBACK, PUBLISH QoS 0/1 (PUBACK both ways) and QoS 2 from clients,
PINGREQ/PINGRESP, DISCONNECT, keepalive (1.5x), duplicate client-id takeover, packet
fragmentation (stream reads with ``readexactly``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import dataclass, field
import itertools
import logging
import ssl
import struct

_LOGGER = logging.getLogger(__name__)

__all__ = ["ConnectInfo", "MqttBroker", "MqttSession", "topic_matches"]

CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 1, 2, 3, 4, 5, 6, 7
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT = 8, 9, 10, 11, 12, 13, 14

RC_ACCEPTED = 0
RC_BAD_PROTOCOL = 1
RC_BAD_CLIENT_ID = 2
RC_SERVER_UNAVAILABLE = 3
RC_NOT_AUTHORISED = 5


class ProtocolError(Exception):
    """The peer sent something that is not MQTT 3.1.1; the connection is dropped."""


@dataclass(slots=True)
class ConnectInfo:
    """What a client presented in CONNECT (handed to the authenticator)."""

    client_id: str
    username: str | None
    password: str | None
    keepalive: int
    clean_session: bool
    protocol_level: int


@dataclass(eq=False)
class MqttSession:
    """One accepted client connection."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    info: ConnectInfo | None = None
    subscriptions: dict[str, int] = field(default_factory=dict)
    _packet_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def next_packet_id(self) -> int:
        """Packet ids for broker→client QoS 1 messages, 1..65535 wrapping."""
        return (next(self._packet_ids) - 1) % 65535 + 1

    def send(self, packet: bytes) -> None:
        """Write one whole packet (a single write, so packets never interleave)."""
        if not self.writer.is_closing():
            self.writer.write(packet)

    def close(self) -> None:
        """Drop the TCP/TLS connection without a goodbye, like a rebooting printer."""
        self.writer.close()


def encode_varint(value: int) -> bytes:
    """MQTT remaining-length encoding (7 bits per byte, continuation bit)."""
    out = bytearray()
    while True:
        byte, value = value % 128, value // 128
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _packet(first_byte: int, body: bytes) -> bytes:
    return bytes([first_byte]) + encode_varint(len(body)) + body


def _mqtt_str(value: str | bytes) -> bytes:
    raw = value.encode() if isinstance(value, str) else value
    return struct.pack(">H", len(raw)) + raw


def publish_packet(topic: str, payload: bytes, qos: int = 0, packet_id: int = 0) -> bytes:
    """Encode a PUBLISH packet."""
    body = _mqtt_str(topic) + (struct.pack(">H", packet_id) if qos else b"") + payload
    return _packet((PUBLISH << 4) | (qos << 1), body)


def topic_matches(topic_filter: str, topic: str) -> bool:
    """MQTT wildcard match (``+`` one level, ``#`` the rest)."""
    filt = topic_filter.split("/")
    parts = topic.split("/")
    for i, level in enumerate(filt):
        if level == "#":
            return True
        if i >= len(parts) or (level not in ("+", parts[i])):
            return False
    return len(filt) == len(parts)


class _Reader:
    """Sequential decoder over one packet body."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def u8(self) -> int:
        self._need(1)
        self.pos += 1
        return self.data[self.pos - 1]

    def u16(self) -> int:
        self._need(2)
        self.pos += 2
        return int(struct.unpack_from(">H", self.data, self.pos - 2)[0])

    def raw(self) -> bytes:
        length = self.u16()
        self._need(length)
        self.pos += length
        return self.data[self.pos - length : self.pos]

    def text(self) -> str:
        try:
            return self.raw().decode()
        except UnicodeDecodeError as err:
            raise ProtocolError("invalid UTF-8") from err

    def rest(self) -> bytes:
        return self.data[self.pos :]

    def more(self) -> bool:
        return self.pos < len(self.data)

    def _need(self, count: int) -> None:
        if self.pos + count > len(self.data):
            raise ProtocolError("truncated packet")


class _HoldingProtocol(asyncio.StreamReaderProtocol):
    """Stream protocol that reads nothing until TLS starts.

    ``StreamWriter.start_tls`` only sees bytes that arrive after it is called; a ClientHello
    already buffered by the plain stream would be lost and the handshake would hang. Pausing
    the transport on accept keeps the ClientHello in the kernel until ``start_tls`` (which
    resumes reading) takes over, so the TLS context may be built asynchronously first.
    """

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.ReadTransport)
        transport.pause_reading()
        super().connection_made(transport)


Authenticator = Callable[[ConnectInfo], int]
MessageHandler = Callable[[MqttSession, str, bytes], Awaitable[None]]
ContextProvider = Callable[[], Awaitable[ssl.SSLContext]]


class MqttBroker:
    """MQTT 3.1.1 broker on 127.0.0.1 with TLS negotiated per connection.

    ``ssl_context`` is awaited for every accepted connection, so the owner can swap the
    certificate at runtime and only new connections see it (what a re-keyed printer does).
    ``authenticate`` returns a CONNACK code; ``on_publish`` gets every client PUBLISH.
    """

    def __init__(
        self,
        *,
        host: str,
        port: int,
        ssl_context: ContextProvider | None,
        authenticate: Authenticator,
        on_publish: MessageHandler,
        max_connections: int | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self._ssl_context = ssl_context
        self._authenticate = authenticate
        self._on_publish = on_publish
        self.max_connections = max_connections
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.sessions: set[MqttSession] = set()
        self.connection_count = 0

    @property
    def running(self) -> bool:
        """True while the listener accepts connections."""
        return self._server is not None

    @property
    def active_connections(self) -> int:
        """Connected clients that completed CONNECT successfully."""
        return len(self.sessions)

    async def start(self) -> None:
        """Listen (on ``self.port``; 0 picks a free port, which is then remembered)."""
        if self._server is not None:
            return
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _HoldingProtocol(asyncio.StreamReader(), self._client_connected),
            self.host,
            self.port,
            reuse_address=True,
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and drop every client; returns when all handler tasks ended."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for session in list(self.sessions):
            session.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if server is not None:
            await server.wait_closed()

    def publish(self, topic: str, payload: bytes, qos: int = 0) -> int:
        """Send to every matching subscriber; returns how many sessions got it."""
        delivered = 0
        for session in list(self.sessions):
            granted = max(
                (q for f, q in session.subscriptions.items() if topic_matches(f, topic)),
                default=None,
            )
            if granted is None:
                continue
            eff_qos = min(granted, qos, 1)
            packet_id = session.next_packet_id() if eff_qos else 0
            session.send(publish_packet(topic, payload, eff_qos, packet_id))
            delivered += 1
        return delivered

    # ---------------------------------------------------------------- connection handling

    async def _client_connected(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        session = MqttSession(reader, writer)
        try:
            self.connection_count += 1
            if self._ssl_context is not None:
                await writer.start_tls(await self._ssl_context(), ssl_handshake_timeout=10)
            else:
                writer.transport.resume_reading()  # type: ignore[attr-defined]
            await self._serve(session)
        except (asyncio.IncompleteReadError, OSError, ProtocolError) as err:
            _LOGGER.debug("MQTT client dropped: %r", err)  # includes TLS errors and timeouts
        except asyncio.CancelledError:
            pass
        except Exception:  # a simulator bug: keep serving others, but make it loud
            _LOGGER.exception("MQTT simulator failed handling a client")
        finally:
            self.sessions.discard(session)
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1)
            self._tasks.discard(task)

    async def _read_packet(self, reader: asyncio.StreamReader) -> tuple[int, int, bytes]:
        header = (await reader.readexactly(1))[0]
        length = 0
        for shift in range(0, 28, 7):
            byte = (await reader.readexactly(1))[0]
            length |= (byte & 0x7F) << shift
            if not byte & 0x80:
                break
        else:
            raise ProtocolError("malformed remaining length")
        body = await reader.readexactly(length) if length else b""
        return header >> 4, header & 0x0F, body

    async def _serve(self, session: MqttSession) -> None:
        ptype, _, body = await asyncio.wait_for(self._read_packet(session.reader), 10)
        if ptype != CONNECT:
            raise ProtocolError("first packet is not CONNECT")
        info = self._parse_connect(body)
        session.info = info
        code = self._check_connect(info)
        session.send(_packet(CONNACK << 4, bytes([0, code])))
        if code != RC_ACCEPTED:
            await session.writer.drain()
            return
        for other in [s for s in self.sessions if s.info and s.info.client_id == info.client_id]:
            other.close()  # MQTT: a second client with the same id takes over
        self.sessions.add(session)
        timeout = info.keepalive * 1.5 if info.keepalive else None
        while True:
            ptype, flags, body = await asyncio.wait_for(self._read_packet(session.reader), timeout)
            if ptype == DISCONNECT:
                return
            await self._dispatch(session, ptype, flags, body)

    def _check_connect(self, info: ConnectInfo) -> int:
        if info.protocol_level not in (3, 4):
            return RC_BAD_PROTOCOL
        if not info.client_id and not info.clean_session:
            return RC_BAD_CLIENT_ID
        if self.max_connections is not None and len(self.sessions) >= self.max_connections:
            return RC_SERVER_UNAVAILABLE
        return self._authenticate(info)

    @staticmethod
    def _parse_connect(body: bytes) -> ConnectInfo:
        rd = _Reader(body)
        protocol = rd.text()
        level = rd.u8()
        if protocol not in ("MQTT", "MQIsdp"):
            raise ProtocolError(f"unknown protocol {protocol!r}")
        flags = rd.u8()
        keepalive = rd.u16()
        if level == 5:  # v5 has properties here; we only need to answer "unacceptable"
            return ConnectInfo("", None, None, keepalive, True, level)
        client_id = rd.text()
        if flags & 0x04:  # will topic + message
            rd.text()
            rd.raw()
        username = rd.text() if flags & 0x80 else None
        password = rd.raw().decode(errors="replace") if flags & 0x40 else None
        return ConnectInfo(client_id, username, password, keepalive, bool(flags & 0x02), level)

    async def _dispatch(self, session: MqttSession, ptype: int, flags: int, body: bytes) -> None:
        rd = _Reader(body)
        if ptype == PUBLISH:
            qos = (flags >> 1) & 0x03
            topic = rd.text()
            packet_id = rd.u16() if qos else 0
            payload = rd.rest()
            if qos == 1:
                session.send(_packet(PUBACK << 4, struct.pack(">H", packet_id)))
            elif qos == 2:
                session.send(_packet(PUBREC << 4, struct.pack(">H", packet_id)))
            await self._on_publish(session, topic, payload)
        elif ptype == PUBREL:
            session.send(_packet(PUBCOMP << 4, body[:2]))
        elif ptype in (PUBACK, PUBREC, PUBCOMP):
            if ptype == PUBREC:
                session.send(_packet((PUBREL << 4) | 0x02, body[:2]))
        elif ptype == SUBSCRIBE:
            packet_id = rd.u16()
            granted = bytearray()
            while rd.more():
                topic_filter = rd.text()
                qos = min(rd.u8() & 0x03, 1)
                session.subscriptions[topic_filter] = qos
                granted.append(qos)
            session.send(_packet(SUBACK << 4, struct.pack(">H", packet_id) + bytes(granted)))
        elif ptype == UNSUBSCRIBE:
            packet_id = rd.u16()
            while rd.more():
                session.subscriptions.pop(rd.text(), None)
            session.send(_packet(UNSUBACK << 4, struct.pack(">H", packet_id)))
        elif ptype == PINGREQ:
            session.send(_packet(PINGRESP << 4, b""))
        else:
            raise ProtocolError(f"unexpected packet type {ptype}")
