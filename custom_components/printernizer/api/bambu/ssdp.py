"""Bambu SSDP discovery: printers multicast NOTIFY to UDP 2021 (not 1900), so HA's ssdp misses them.

We bind the port, listen for a few seconds and turn each announcement into a `DiscoveredPrinter`
that prefills the config flow (reference §2).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct

from .models import MODEL_CODES, DiscoveredPrinter

_LOGGER = logging.getLogger(__name__)

BAMBU_NT = "urn:bambulab-com:device:3dprinter:1"
SSDP_GROUP = "239.255.255.250"
DEFAULT_PORT = 2021


def _headers(data: bytes) -> tuple[str, dict[str, str]] | None:
    """Start line and lower-cased headers of an SSDP datagram, or None when it is not text."""
    try:
        text = data.decode("utf-8", errors="replace")
    except (UnicodeDecodeError, AttributeError):
        return None
    lines = text.replace("\r\n", "\n").split("\n")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep and name.strip():
            headers[name.strip().lower()] = value.strip()
    return lines[0].strip(), headers


def parse_notify(data: bytes, sender_ip: str) -> DiscoveredPrinter | None:
    """A Bambu NOTIFY (or M-SEARCH answer) -> DiscoveredPrinter; anything else -> None.

    Header names are matched case-insensitively (`Devseclink`, ...). The UDP sender address wins
    over `Location`, which can be stale after a DHCP change.
    """
    parsed = _headers(data)
    if parsed is None:
        return None
    start, headers = parsed
    if not start.upper().startswith(("NOTIFY", "HTTP/1.1 200")):
        return None
    kind = headers.get("nt") or headers.get("st") or ""
    if kind.lower() != BAMBU_NT:
        return None
    if headers.get("nts", "ssdp:alive").lower() == "ssdp:byebye":
        return None
    serial = headers.get("usn", "").strip()
    if "::" in serial:  # tolerate a standard `uuid:...::urn` form
        serial = serial.split("::", 1)[0]
    serial = serial.removeprefix("uuid:")
    if not serial:
        return None
    host = sender_ip or headers.get("location", "").strip()
    if not host:
        return None
    model_code = headers.get("devmodel.bambu.com") or None
    connect = (headers.get("devconnect.bambu.com") or "").lower()
    bind = (headers.get("devbind.bambu.com") or "").lower()
    return DiscoveredPrinter(
        serial=serial,
        name=headers.get("devname.bambu.com") or None,
        model=MODEL_CODES.get(model_code, model_code) if model_code else None,
        model_code=model_code,
        host=host,
        lan_only=connect == "lan",
        bound=None if not bind else bind != "free",
        firmware=headers.get("devversion.bambu.com") or None,
    )


class _DiscoveryProtocol(asyncio.DatagramProtocol):
    """Collects printers by serial; the last announcement of a serial wins."""

    def __init__(self) -> None:
        self.found: dict[str, DiscoveredPrinter] = {}

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        try:
            printer = parse_notify(data, str(addr[0]))
        except Exception:  # a hostile packet must not end the scan
            _LOGGER.debug("Ignoring an unparsable SSDP packet from %s", addr[0], exc_info=True)
            return
        if printer is not None:
            self.found[printer.serial] = printer


def _make_socket(host: str, port: int) -> socket.socket:
    """UDP socket bound to the SSDP port, shared with other listeners (Bambu Studio, ...)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if hasattr(socket, "SO_REUSEPORT"):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        # Printers multicast to the SSDP group; join it where possible (fails harmlessly on
        # hosts without multicast routes, unicast NOTIFY still arrives).
        interface = "0.0.0.0" if host in ("", "0.0.0.0") else host
        with contextlib.suppress(OSError):
            membership = struct.pack(
                "4s4s", socket.inet_aton(SSDP_GROUP), socket.inet_aton(interface)
            )
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


async def async_discover(
    *,
    timeout: float = 5.0,  # noqa: ASYNC109
    port: int = DEFAULT_PORT,
    host: str = "0.0.0.0",
) -> list[DiscoveredPrinter]:
    """Listen for Bambu announcements for `timeout` seconds; one entry per serial, sorted."""
    loop = asyncio.get_running_loop()
    sock = _make_socket(host, port)
    try:
        transport, protocol = await loop.create_datagram_endpoint(_DiscoveryProtocol, sock=sock)
    except BaseException:
        sock.close()
        raise
    try:
        await asyncio.sleep(timeout)
    finally:
        transport.close()
    return sorted(protocol.found.values(), key=lambda printer: printer.serial)
