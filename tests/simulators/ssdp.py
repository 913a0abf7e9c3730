"""Bambu-flavoured SSDP NOTIFY packets (reference §2).

Printers multicast these to UDP 2021 (and 1990); the integration listens there. Tests send
the same bytes as a unicast datagram to 127.0.0.1:<port> so the listener can be exercised
without multicast.
"""

from __future__ import annotations

from collections.abc import Mapping
import socket
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .bambu import BambuSimulator

__all__ = ["notify_headers", "notify_packet", "send_notify"]

_DEFAULTS: dict[str, str] = {
    "HOST": "239.255.255.250:1900",
    "Server": "UPnP/1.0",
    "Location": "127.0.0.1",
    "NT": "urn:bambulab-com:device:3dprinter:1",
    "NTS": "ssdp:alive",
    "USN": "01P00A000000001",
    "Cache-Control": "max-age=1800",
    "DevModel.bambu.com": "C12",
    "DevName.bambu.com": "Sim P1S",
    "DevSignal.bambu.com": "-54",
    "DevConnect.bambu.com": "lan",
    "DevBind.bambu.com": "free",
    "Devseclink.bambu.com": "secure",
    "DevInf.bambu.com": "wlan0",
    "DevVersion.bambu.com": "01.09.01.00",
    "DevCap.bambu.com": "1",
}


def notify_headers(sim_or_fields: BambuSimulator | Mapping[str, Any]) -> dict[str, str]:
    """Header dict for a simulator, or the defaults overridden by a plain mapping.

    A mapping may use the exact header names (``"DevModel.bambu.com"``) to override or add
    headers; a value of ``None`` drops that header (e.g. to mimic packets without DevSignal).
    """
    headers = dict(_DEFAULTS)
    if isinstance(sim_or_fields, Mapping):
        for key, value in sim_or_fields.items():
            if value is None:
                headers.pop(key, None)
            else:
                headers[key] = str(value)
        return headers
    sim = sim_or_fields
    signal = str(sim.state.get("wifi_signal", "-54dBm")).removesuffix("dBm")
    headers.update(
        {
            "Location": sim.host,
            "USN": sim.serial,
            "DevModel.bambu.com": sim.model_info.code,
            "DevName.bambu.com": sim.name,
            "DevSignal.bambu.com": signal,
            "DevVersion.bambu.com": sim.model_info.firmware,
        }
    )
    return headers


def notify_packet(sim_or_fields: BambuSimulator | Mapping[str, Any]) -> bytes:
    """The NOTIFY datagram as the printer sends it (CRLF lines, blank line at the end)."""
    lines = ["NOTIFY * HTTP/1.1"]
    lines += [f"{key}: {value}" for key, value in notify_headers(sim_or_fields).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def send_notify(
    sim_or_fields: BambuSimulator | Mapping[str, Any], port: int, host: str = "127.0.0.1"
) -> None:
    """Send one NOTIFY as a UDP datagram to ``host:port`` (non-blocking, never waits)."""
    packet = notify_packet(sim_or_fields)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        sock.sendto(packet, (host, port))
