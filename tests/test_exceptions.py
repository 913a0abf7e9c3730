"""The one error mapper and the one admin check (exceptions.py)."""

from __future__ import annotations

import json
from pathlib import Path

from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryError,
    HomeAssistantError,
    ServiceValidationError,
    Unauthorized,
    UnknownUser,
)
from homeassistant.helpers.translation import async_get_translations
from homeassistant.helpers.update_coordinator import UpdateFailed
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.printernizer.api.errors import (
    FileTransferError,
    PrinterAuthError,
    PrinterCertificateError,
    PrinterCommandTimeoutError,
    PrinterConnectionError,
    PrinterError,
    PrinterJobNotFoundError,
    PrinterStateConflictError,
    PrinterTimeoutError,
)
from custom_components.printernizer.const import DOMAIN
from custom_components.printernizer.exceptions import (
    async_require_admin,
    printer_error,
    service_error,
    translate_printer_errors,
    update_error,
)

TRANSLATIONS = Path(__file__).parent.parent / "custom_components" / "printernizer" / "translations"


async def rendered(hass: HomeAssistant, language: str, err: HomeAssistantError) -> str:
    """The message the frontend shows in `language` (every placeholder must be filled)."""
    assert err.translation_key is not None
    texts = await async_get_translations(hass, language, "exceptions", {DOMAIN})
    template = texts[f"component.{DOMAIN}.exceptions.{err.translation_key}.message"]
    return template.format(**(err.translation_placeholders or {}))


def test_every_exception_text_is_a_message() -> None:
    """Home Assistant reads `exceptions.<key>.message`; a bare string is never shown."""
    for language in ("en", "de"):
        texts = json.loads((TRANSLATIONS / f"{language}.json").read_text("utf-8"))
        malformed = {
            key: value
            for key, value in texts["exceptions"].items()
            if not (isinstance(value, dict) and isinstance(value.get("message"), str))
        }
        assert malformed == {}, language


def _entry(hass: HomeAssistant) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN, title="Shop P1S", unique_id="SN1", data={"printer_type": "bambu"}
    )
    entry.add_to_hass(hass)
    return entry


@pytest.mark.parametrize(
    ("error", "kind", "key", "placeholders"),
    [
        (
            PrinterStateConflictError("idle"),
            ServiceValidationError,
            "command_not_possible",
            {"printer": "Shop P1S", "command": "pause", "status": "idle"},
        ),
        (
            PrinterJobNotFoundError("no job"),
            ServiceValidationError,
            "command_not_possible",
            {"printer": "Shop P1S", "command": "pause", "status": "idle"},
        ),
        (
            PrinterCommandTimeoutError("no ack"),
            HomeAssistantError,
            "command_not_acknowledged",
            {"printer": "Shop P1S", "command": "pause"},
        ),
        (
            PrinterCertificateError("aa", "bb"),
            HomeAssistantError,
            "certificate_changed",
            {"printer": "Shop P1S"},
        ),
        (
            FileTransferError("cut\nshort"),
            HomeAssistantError,
            "transfer_failed",
            {"printer": "Shop P1S", "error": "cut short"},
        ),
        (
            PrinterTimeoutError("no answer"),
            HomeAssistantError,
            "printer_unreachable",
            {"printer": "Shop P1S", "error": "no answer"},
        ),
        (
            PrinterConnectionError(""),
            HomeAssistantError,
            "printer_unreachable",
            {"printer": "Shop P1S", "error": "PrinterConnectionError"},
        ),
        (
            PrinterError("odd"),
            HomeAssistantError,
            "command_failed",
            {"printer": "Shop P1S", "command": "pause", "error": "odd"},
        ),
    ],
)
async def test_printer_errors_are_translated(
    hass: HomeAssistant,
    error: PrinterError,
    kind: type[HomeAssistantError],
    key: str,
    placeholders: dict[str, str],
) -> None:
    """Each client error becomes its translated HA error with the printer's name."""
    entry = _entry(hass)
    mapped = printer_error(hass, error, entry=entry, action="pause", status="idle")
    assert type(mapped) is kind
    assert mapped.translation_domain == DOMAIN
    assert mapped.translation_key == key
    assert mapped.translation_placeholders == placeholders
    assert not hass.config_entries.flow.async_progress()  # only auth errors start reauth
    for language in ("en", "de"):
        assert "{" not in await rendered(hass, language, mapped)


async def test_auth_error_starts_reauth(hass: HomeAssistant) -> None:
    """A refused code asks the user for a new one instead of repeating the error."""
    entry = _entry(hass)
    mapped = printer_error(hass, PrinterAuthError("401"), entry=entry, action="download")
    assert mapped.translation_key == "printer_auth_failed"
    assert (await rendered(hass, "de", mapped)).startswith(
        "Shop P1S hat den Zugangscode oder das Passwort abgelehnt."
    )
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert flows[0]["context"]["entry_id"] == entry.entry_id


async def test_context_manager_translates_and_passes_others(hass: HomeAssistant) -> None:
    """Only PrinterErrors are translated; other exceptions pass unchanged."""
    entry = _entry(hass)
    with (
        pytest.raises(HomeAssistantError) as err,
        translate_printer_errors(hass, entry, "refresh"),
    ):
        raise PrinterConnectionError("gone")
    assert err.value.translation_key == "printer_unreachable"
    assert isinstance(err.value.__cause__, PrinterConnectionError)
    with pytest.raises(KeyError), translate_printer_errors(hass, entry, "refresh"):
        raise KeyError("x")


def test_service_error_placeholders_are_text() -> None:
    """Placeholders become strings; none at all gives None (HA's default)."""
    err = service_error("invalid_days", days=-1)
    assert err.translation_placeholders == {"days": "-1"}
    assert service_error("path_or_file_id_required").translation_placeholders is None


async def test_require_admin(
    hass: HomeAssistant, hass_admin_user: MockUser, hass_read_only_user: MockUser
) -> None:
    """Admins and calls without a user pass; other users and unknown ids are refused."""
    await async_require_admin(hass, Context())
    await async_require_admin(hass, Context(user_id=hass_admin_user.id))
    with pytest.raises(Unauthorized):
        await async_require_admin(hass, Context(user_id=hass_read_only_user.id))
    with pytest.raises(UnknownUser):
        await async_require_admin(hass, Context(user_id="no-such-user"))


@pytest.mark.parametrize(
    ("error", "kind", "key", "placeholders"),
    [
        (PrinterAuthError("401"), ConfigEntryAuthFailed, "printer_auth_failed", {}),
        (PrinterCertificateError("aa", "bb"), ConfigEntryError, "certificate_changed", {}),
        (
            PrinterTimeoutError("no answer"),
            UpdateFailed,
            "printer_unreachable",
            {"error": "no answer"},
        ),
        (PrinterError("odd\x00reply"), UpdateFailed, "printer_unreachable", {"error": "odd reply"}),
    ],
)
async def test_update_errors_are_translated(
    hass: HomeAssistant,
    error: PrinterError,
    kind: type[HomeAssistantError],
    key: str,
    placeholders: dict[str, str],
) -> None:
    """What a coordinator raises: the kind decides reauth / give up / retry, the key the text."""
    entry = _entry(hass)
    mapped = update_error(entry, error)
    assert type(mapped) is kind
    assert mapped.translation_domain == DOMAIN
    assert mapped.translation_key == key
    assert mapped.translation_placeholders == {"printer": "Shop P1S", **placeholders}
    assert "{" not in await rendered(hass, "de", mapped)
    assert not hass.config_entries.flow.async_progress()  # HA starts reauth, not the mapper
