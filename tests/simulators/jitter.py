"""Report jitter: readings that wander around their set point the way a printer's sensors do.

A printer's heaters hold their target within fractions of a degree and its Wi-Fi signal moves
by a dBm or so between reports (reference payloads; bambu-lan-protocol.md §1: "wifi_signal is
noisy"). Simulated printers report with this jitter so that what Home Assistant writes to its
database from them is what it would write from a real fleet.
"""

from __future__ import annotations

import random


class Wander:
    """Mean-reverting noise around a centre within ``spread`` (± half a ``step``), in ``step`` units.

    Each call moves the offset a little (an AR(1) walk), so successive reports are close to
    each other like a regulated heater, not independent dice throws.
    """

    def __init__(self, rng: random.Random, spread: float, step: float) -> None:
        """``spread``: the largest offset from the centre; ``step``: the reading's resolution."""
        self._rng = rng
        self._spread = spread
        self._step = step
        self._offset = 0.0

    def __call__(self, centre: float) -> float:
        """The next reading around ``centre``."""
        offset = 0.8 * self._offset + self._rng.gauss(0.0, self._spread / 4)
        self._offset = max(-self._spread, min(self._spread, offset))
        # round(): 0.1 steps would otherwise print as 239.60000000000002.
        return round(round((centre + self._offset) / self._step) * self._step, 6)
