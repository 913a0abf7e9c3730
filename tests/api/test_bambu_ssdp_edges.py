"""Edge cases of the Bambu SSDP listener, exercised through real UDP sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import errno
import socket

import pytest

from custom_components.printernizer.api.bambu.ssdp import async_discover
from tests.api.test_bambu_ssdp import REAL_NOTIFY, _free_udp_port
from tests.simulators.ssdp import notify_packet, send_notify

#: Datagrams a real network can deliver to port 2021 that are not printer announcements.
HOSTILE_DATAGRAMS: list[bytes] = [
    b"",  # empty datagram
    b"\xff\xfe\x00\x80\xc0garbage\x00\r\n\r\n",  # invalid UTF-8 with NUL bytes
    b"\r\n" * 50,  # only line breaks: empty start line
    b":::\r\n:\r\nNT\r\n",  # header lines without names or values
    b"NOTIFY * HTTP/1.1\r\nNT: " + b"\xe9" * 2000 + b"\r\nUSN: x\r\n\r\n",  # Latin-1 NT
    b"X" * 60_000,  # near the UDP size limit, no line breaks at all
    b"M-SEARCH * HTTP/1.1\r\nST: urn:bambulab-com:device:3dprinter:1\r\n\r\n",  # a request
    notify_packet({"USN": "uuid:"}),  # Bambu NOTIFY with an empty serial
    notify_packet({"NT": "upnp:rootdevice", "USN": "01P00A0000000FF"}),  # other SSDP device
    notify_packet({"NTS": "ssdp:byebye", "USN": "01P00A0000000EE"}),  # printer leaving
]


async def _send_raw(port: int, *datagrams: bytes) -> None:
    """Send each datagram from one raw UDP socket to 127.0.0.1:port, then close it."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        for datagram in datagrams:
            sock.sendto(datagram, ("127.0.0.1", port))
            await asyncio.sleep(0)


async def test_hostile_datagrams_do_not_end_the_scan(socket_enabled: None) -> None:
    """Garbage, oversize, non-Bambu and byebye datagrams are skipped; later printers still arrive.

    Anything on the LAN can send to UDP 2021; one bad packet must neither crash the listener
    nor turn into a bogus printer in the config flow.
    """
    port = _free_udp_port()

    async def traffic() -> None:
        await asyncio.sleep(0.1)
        await send_notify({"USN": "01P00A000000001"}, port)  # before the noise
        await _send_raw(port, *HOSTILE_DATAGRAMS)
        await send_notify(
            {"USN": "00M09A000000002", "DevModel.bambu.com": "BL-P001", "DevName.bambu.com": "X"},
            port,
        )  # after the noise

    sender = asyncio.create_task(traffic())
    found = await async_discover(timeout=0.6, port=port, host="127.0.0.1")
    await sender
    assert [(p.serial, p.model, p.name, p.host) for p in found] == [
        ("00M09A000000002", "X1C", "X", "127.0.0.1"),
        ("01P00A000000001", "P1S", "Sim P1S", "127.0.0.1"),
    ]


async def test_latest_announcement_of_a_serial_wins(socket_enabled: None) -> None:
    """A printer re-announcing with a new name and firmware is reported with the newest values.

    Printers announce every ~5 s; after a rename or firmware update during the scan the config
    flow must prefill what the printer says now, and still list it only once.
    """
    port = _free_udp_port()
    first = REAL_NOTIFY
    second = REAL_NOTIFY.replace(b"3DP-01P-426", b"Workshop").replace(
        b"01.09.01.00", b"01.10.00.00"
    )

    async def traffic() -> None:
        await asyncio.sleep(0.1)
        await _send_raw(port, first)
        await asyncio.sleep(0.05)
        await _send_raw(port, second)

    sender = asyncio.create_task(traffic())
    found = await async_discover(timeout=0.5, port=port, host="127.0.0.1")
    await sender
    assert [(p.serial, p.name, p.firmware, p.host) for p in found] == [
        ("01P00A000000000", "Workshop", "01.10.00.00", "127.0.0.1")
    ]


async def test_port_held_exclusively_raises_address_in_use(socket_enabled: None) -> None:
    """A program holding the port without SO_REUSEADDR blocks the scan with EADDRINUSE.

    Sharing only works with cooperative listeners; otherwise the caller must get the OSError
    (to tell the user) instead of a silently empty scan.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as holder:
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
        with pytest.raises(OSError) as excinfo:
            await async_discover(timeout=0.05, port=port, host="127.0.0.1")
    assert excinfo.value.errno == errno.EADDRINUSE


async def test_cancel_while_the_listener_starts_releases_the_port(socket_enabled: None) -> None:
    """Cancelling the scan right after the socket is bound (flow aborted, HA stopping).

    The task is cancelled while the datagram endpoint is still being set up: the cancellation
    must propagate and the bound socket must be closed, so the port can be bound exclusively.
    """
    port = _free_udp_port()
    task = asyncio.create_task(async_discover(timeout=30, port=port, host="127.0.0.1"))
    await asyncio.sleep(0)  # the task binds the socket and waits for the transport to start
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert task.cancelled()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", port))  # EADDRINUSE if the listener's socket leaked


async def test_cancel_during_the_scan_releases_the_port(socket_enabled: None) -> None:
    """Cancelling a running scan after a printer was heard: CancelledError, port released.

    A long scan must stop promptly when its caller goes away and leave no listener behind.
    """
    port = _free_udp_port()
    task = asyncio.create_task(async_discover(timeout=30, port=port, host="127.0.0.1"))
    await asyncio.sleep(0.1)
    await send_notify({}, port)
    await asyncio.sleep(0.05)
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0)  # the transport closes its socket on the next loop turn
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", port))
