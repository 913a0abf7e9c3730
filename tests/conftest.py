"""Shared fixtures.

Importing the integration here makes the harness find *our* `custom_components.printernizer`
rather than its own testing_config folder of the same name.
"""

from __future__ import annotations

import pytest

import custom_components.printernizer  # noqa: F401


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom integrations in every test."""
