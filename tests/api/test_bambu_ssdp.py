"""SSDP NOTIFY parsing and the UDP 2021-style listener."""

from __future__ import annotations

import asyncio
import errno
import socket

import pytest

from custom_components.printernizer.api.bambu.models import DiscoveredPrinter
from custom_components.printernizer.api.bambu.ssdp import async_discover, parse_notify
from tests.simulators.ssdp import notify_packet, send_notify

REAL_NOTIFY = (
    b"NOTIFY * HTTP/1.1\r\n"
    b"HOST: 239.255.255.250:1900\r\n"
    b"Server: UPnP/1.0\r\n"
    b"Location: 192.168.1.61\r\n"
    b"NT: urn:bambulab-com:device:3dprinter:1\r\n"
    b"NTS: ssdp:alive\r\n"
    b"USN: 01P00A000000000\r\n"
    b"Cache-Control: max-age=1800\r\n"
    b"DevModel.bambu.com: C12\r\n"
    b"DevName.bambu.com: 3DP-01P-426\r\n"
    b"DevSignal.bambu.com: -38\r\n"
    b"DevConnect.bambu.com: lan\r\n"
    b"DevBind.bambu.com: free\r\n"
    b"Devseclink.bambu.com: secure\r\n"
    b"DevInf.bambu.com: wlan0\r\n"
    b"DevVersion.bambu.com: 01.09.01.00\r\n"
    b"DevCap.bambu.com: 1\r\n\r\n"
)


def test_parse_real_notify_prefers_sender_address() -> None:
    """All fields of the reference packet; the UDP sender wins over a stale Location."""
    assert parse_notify(REAL_NOTIFY, "192.168.1.77") == DiscoveredPrinter(
        serial="01P00A000000000",
        name="3DP-01P-426",
        model="P1S",
        model_code="C12",
        host="192.168.1.77",
        lan_only=True,
        bound=False,
        firmware="01.09.01.00",
    )
    assert parse_notify(REAL_NOTIFY, "").host == "192.168.1.61"  # type: ignore[union-attr]


def test_parse_is_case_insensitive_and_maps_models() -> None:
    """Lower-case header names, cloud-bound X1C with a legacy model code."""
    packet = REAL_NOTIFY.lower().replace(b"c12", b"3DPrinter-X1-Carbon")
    packet = packet.replace(b"devconnect.bambu.com: lan", b"devconnect.bambu.com: cloud")
    packet = packet.replace(b"devbind.bambu.com: free", b"devbind.bambu.com: occupied")
    printer = parse_notify(packet, "10.0.0.5")
    assert printer is not None
    assert printer.serial == "01p00a000000000"
    assert (printer.model, printer.model_code) == ("X1C", "3DPrinter-X1-Carbon")
    assert (printer.lan_only, printer.bound) == (False, True)


@pytest.mark.parametrize(
    "packet",
    [
        REAL_NOTIFY.replace(b"urn:bambulab-com:device:3dprinter:1", b"upnp:rootdevice"),
        REAL_NOTIFY.replace(b"USN: 01P00A000000000\r\n", b""),
        REAL_NOTIFY.replace(b"ssdp:alive", b"ssdp:byebye"),
        b"M-SEARCH * HTTP/1.1\r\nST: urn:bambulab-com:device:3dprinter:1\r\n\r\n",
        b"\xff\xfe\x00garbage",
        b"",
    ],
)
def test_ignores_other_packets(packet: bytes) -> None:
    """Non-Bambu NT, no serial, byebye, requests and garbage are not printers."""
    assert parse_notify(packet, "10.0.0.5") is None


def test_unknown_model_code_kept() -> None:
    """A model code we do not know yet is passed through, not dropped."""
    printer = parse_notify(
        notify_packet({"DevModel.bambu.com": "Z9", "DevBind.bambu.com": None}), "1.2.3.4"
    )
    assert printer is not None
    assert (printer.model, printer.model_code, printer.bound) == ("Z9", "Z9", None)


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_async_discover_finds_announcements(socket_enabled: None) -> None:
    """Two printers, one announcing twice, plus noise: one entry per serial."""
    port = _free_udp_port()

    async def announce() -> None:
        await asyncio.sleep(0.2)
        await send_notify({}, port)
        await send_notify({"USN": "00M09A000000002", "DevModel.bambu.com": "BL-P001"}, port)
        await send_notify({}, port)
        await send_notify({"NT": "upnp:rootdevice", "USN": "noise"}, port)

    sender = asyncio.create_task(announce())
    found = await async_discover(timeout=0.8, port=port, host="127.0.0.1")
    await sender
    assert [(p.serial, p.model, p.host) for p in found] == [
        ("00M09A000000002", "X1C", "127.0.0.1"),
        ("01P00A000000001", "P1S", "127.0.0.1"),
    ]


def test_parse_standard_usn_and_search_answer() -> None:
    """An M-SEARCH answer (ST instead of NT) with a `uuid:...::urn` USN gives the bare serial."""
    packet = (
        b"HTTP/1.1 200 OK\r\n"
        b"ST: urn:bambulab-com:device:3dprinter:1\r\n"
        b"USN: uuid:01S00C000000003::urn:bambulab-com:device:3dprinter:1\r\n"
        b"DEVMODEL.BAMBU.COM: N2S\r\n\r\n"
    )
    printer = parse_notify(packet, "10.0.0.9")
    assert printer is not None
    assert (printer.serial, printer.host, printer.model_code) == (
        "01S00C000000003",
        "10.0.0.9",
        "N2S",
    )
    assert (printer.name, printer.firmware, printer.bound, printer.lan_only) == (
        None,
        None,
        None,
        False,
    )


def test_parse_header_variants() -> None:
    """Mixed-case header names, LF-only lines, spaces around values, a lower-case start line."""
    packet = (
        b"notify * HTTP/1.1\n"
        b"nt:   URN:BAMBULAB-COM:DEVICE:3DPRINTER:1  \n"
        b"uSn: 01P00A000000009\n"
        b": no name\n"
        b"no colon at all\n"
        b"DEVNAME.bambu.com:  Shop P1S \n"
        b"devConnect.Bambu.Com: LAN\n\n"
    )
    printer = parse_notify(packet, "10.0.0.10")
    assert printer is not None
    assert (printer.serial, printer.name, printer.lan_only) == ("01P00A000000009", "Shop P1S", True)


@pytest.mark.parametrize(
    ("packet", "sender"),
    [
        (REAL_NOTIFY.replace(b"Location: 192.168.1.61\r\n", b""), ""),  # no address at all
        (REAL_NOTIFY.replace(b"USN: 01P00A000000000", b"USN: uuid:"), "10.0.0.5"),  # empty serial
        (REAL_NOTIFY.replace(b"USN: 01P00A000000000", b"USN: ::urn:x"), "10.0.0.5"),
        (REAL_NOTIFY.replace(b"NOTIFY * HTTP/1.1", b"HTTP/1.1 404 Not Found"), "10.0.0.5"),
        (REAL_NOTIFY.replace(b"NT: ", b"X-NT: "), "10.0.0.5"),  # no NT / ST
        (REAL_NOTIFY[:40], "10.0.0.5"),  # truncated datagram
    ],
)
def test_ignores_malformed_notify(packet: bytes, sender: str) -> None:
    """Bambu-looking packets without a usable serial, address, NT or start line are skipped."""
    assert parse_notify(packet, sender) is None


def test_parse_rejects_non_bytes() -> None:
    """Something that is not a datagram's bytes is ignored rather than crashing the scan."""
    assert parse_notify("NOTIFY * HTTP/1.1", "10.0.0.5") is None  # type: ignore[arg-type]


async def test_async_discover_with_nothing_announced(socket_enabled: None) -> None:
    """A quiet network: an empty list after the timeout, and the port is released again."""
    port = _free_udp_port()
    assert await async_discover(timeout=0.05, port=port, host="127.0.0.1") == []
    await asyncio.sleep(0)  # the transport closes its socket on the next loop turn
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", port))  # would fail with EADDRINUSE if the socket leaked


async def test_async_discover_shares_the_port(socket_enabled: None) -> None:
    """Another listener (Bambu Studio) on the same port does not stop the scan."""
    port = _free_udp_port()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        other.bind(("127.0.0.1", port))
        assert await async_discover(timeout=0.05, port=port, host="127.0.0.1") == []


async def test_async_discover_unbindable_address(socket_enabled: None) -> None:
    """An address this host does not have -> the OSError surfaces (no silent empty scan)."""
    with pytest.raises(OSError) as excinfo:
        await async_discover(timeout=0.05, port=0, host="192.0.2.1")
    assert excinfo.value.errno == errno.EADDRNOTAVAIL
