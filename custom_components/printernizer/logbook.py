"""Logbook: a job's start and end in words, in the language Home Assistant is set to.

The logbook asks for a describer per bus event and has no translation hook of its own, so the
sentences live in our translation files, under `exceptions` (the free-text section hassfest
accepts and Home Assistant loads, for the configured language, with every integration it sets
up), and are read from Home Assistant's translation cache when the logbook is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from homeassistant.components.logbook.const import LOGBOOK_ENTRY_MESSAGE, LOGBOOK_ENTRY_NAME
from homeassistant.const import EVENT_CORE_CONFIG_UPDATE
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers.translation import (
    async_get_cached_translations,
    async_get_translations,
)

from .const import DOMAIN, EVENT_JOB_FINISHED, EVENT_JOB_STARTED
from .costs import to_decimal

CENT = Decimal("0.01")

# The languages we ship a translation for that write a decimal comma; every other language
# reads the English text, with a decimal point.
DECIMAL_COMMA = frozenset({"de"})


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, str]]], None],
) -> None:
    """Describe printernizer_job_started and printernizer_job_finished."""

    @callback
    def describe(event: Event) -> dict[str, str]:
        data = event.data
        language = hass.config.language
        placeholders = {"job": str(data.get("job_name") or f"#{data.get('job_id')}")}
        if event.event_type == EVENT_JOB_STARTED:
            key = "logbook_job_started"
        else:
            key = f"logbook_job_{data['status']}"
            placeholders["duration"] = duration_text(int(data["duration_s"]))
            placeholders["cost"] = money_text(data["cost_gross"], data["currency"], language)
        return {
            LOGBOOK_ENTRY_NAME: str(data.get("printer") or DOMAIN),
            LOGBOOK_ENTRY_MESSAGE: _sentence(hass, language, key, placeholders),
        }

    async_describe_event(DOMAIN, EVENT_JOB_STARTED, describe)
    async_describe_event(DOMAIN, EVENT_JOB_FINISHED, describe)

    async def load_texts(_: Event) -> None:
        """Home Assistant (2025.4 to 2026.11) loads a new language's texts into a cache that
        no one reads, so load ours where the describer finds them."""
        await async_get_translations(hass, hass.config.language, "exceptions", {DOMAIN})

    @callback
    def language_changed(data: Mapping[str, Any]) -> bool:
        return "language" in data

    hass.bus.async_listen(EVENT_CORE_CONFIG_UPDATE, load_texts, event_filter=language_changed)


def _sentence(hass: HomeAssistant, language: str, key: str, placeholders: Mapping[str, str]) -> str:
    """The translated sentence; English while the new language's texts are still loading.

    Home Assistant loads our texts in English and the configured language when it sets the
    integration up, and again when the language changes.
    """
    cached = async_get_cached_translations(
        hass, language, "exceptions", DOMAIN
    ) or async_get_cached_translations(hass, "en", "exceptions", DOMAIN)
    return cached[f"component.{DOMAIN}.exceptions.{key}.message"].format(**placeholders)


def duration_text(seconds: int) -> str:
    """`25 min`, `1 h`, `2 h 5 min` (the same symbols in English and German)."""
    hours, minutes = divmod((seconds + 30) // 60, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def money_text(amount: float | str, currency: str, language: str) -> str:
    """`1.37 EUR`, or `1,37 EUR` where the text is in a decimal-comma language."""
    text = format(to_decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP), "f")
    if language in DECIMAL_COMMA:
        text = text.replace(".", ",")
    return f"{text} {currency}"
