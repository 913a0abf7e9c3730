"""Real-protocol printer simulators for tests (Bambu: MQTT/TLS, implicit FTPS, SSDP; PrusaLink)."""

from .bambu import BambuSimulator
from .certs import fingerprint_of_pem, make_self_signed_cert
from .ssdp import send_notify
from .threemf import make_3mf, tiny_png

__all__ = [
    "BambuSimulator",
    "fingerprint_of_pem",
    "make_3mf",
    "make_self_signed_cert",
    "send_notify",
    "tiny_png",
]
