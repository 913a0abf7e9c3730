"""Reports of real Bambu Lab printers (ha-bambulab's test data; fixtures/SOURCES.md says which).

Each capture holds a full `push_status` (`print` object) and the `get_version` reply, in one of
the two layouts ha-bambulab uses; some add deltas seen on the same printer (door, extruder).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from custom_components.printernizer.api.bambu.report import deep_merge, parse_version

CAPTURES = Path(__file__).parent / "fixtures" / "ha_bambulab"


def load(name: str) -> dict[str, Any]:
    """The capture file `name` (without `.json`) as stored."""
    return json.loads((CAPTURES / f"{name}.json").read_text(encoding="utf-8"))


def report(name: str) -> dict[str, Any]:
    """The capture's full `print` object (a fresh copy)."""
    data = load(name)
    body = data["pushall"]["print"] if "pushall" in data else data["push_all"]
    return copy.deepcopy(body)


def version(name: str) -> dict[str, Any]:
    """The capture's `info` (get_version) object."""
    reply = load(name)["get_version"]
    return copy.deepcopy(reply.get("info", reply))


def model_and_firmware(name: str) -> tuple[str | None, str | None]:
    """What `parse_version` makes of the capture's module list."""
    return parse_version(version(name), None)


def merged(name: str, *deltas: str) -> dict[str, Any]:
    """The full report merged with the named deltas of the same capture, in order."""
    data = load(name)
    state: dict[str, Any] = {}
    deep_merge(state, report(name), full=True)
    for delta in deltas:
        deep_merge(state, copy.deepcopy(data[delta]))
    return state
