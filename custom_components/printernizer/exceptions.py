"""One place where errors become what a person reads: translated Home Assistant errors.

The printer clients (`api/`) raise their own `PrinterError` family and know nothing of Home
Assistant. Every service, button and websocket command passes those errors through
`printer_error` (or the `translate_printer_errors` context manager), and the coordinators
through `update_error`, so a user never sees "unknown error" and a traceback, nor an English
set-up error in a German Home Assistant: they read what went wrong, in their language. Bad input
to a service is a `ServiceValidationError` from `service_error`. Who may call an admin-only
service or command is decided once, by `async_require_admin`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryError,
    HomeAssistantError,
    ServiceValidationError,
    Unauthorized,
    UnknownUser,
)
from homeassistant.helpers.update_coordinator import UpdateFailed

from .api.errors import (
    FileTransferError,
    PrinterAuthError,
    PrinterCertificateError,
    PrinterCommandTimeoutError,
    PrinterConnectionError,
    PrinterError,
    PrinterJobNotFoundError,
    PrinterStateConflictError,
)
from .const import DOMAIN

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import Context, HomeAssistant


def _as_text(placeholders: dict[str, Any]) -> dict[str, str] | None:
    """Placeholders as the text Home Assistant formats into the message (None: none)."""
    return {k: str(v) for k, v in placeholders.items()} or None


def service_error(translation_key: str, /, **placeholders: Any) -> ServiceValidationError:
    """A translated input error for a service call or command (placeholders become text)."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=translation_key,
        translation_placeholders=_as_text(placeholders),
    )


def ha_error(translation_key: str, /, **placeholders: Any) -> HomeAssistantError:
    """A translated failure of the printer or the system (not the caller's input)."""
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=translation_key,
        translation_placeholders=_as_text(placeholders),
    )


def _error_text(err: BaseException) -> str:
    """One printable line of the client's message (printer-supplied text is untrusted)."""
    text = str(err) or type(err).__name__
    return "".join(c if c.isprintable() else " " for c in text)[:300]


def _describe(
    err: PrinterError, printer: str, action: str, status: str | None
) -> tuple[str, dict[str, Any]]:
    """The translation key and placeholders that say what went wrong."""
    if isinstance(err, PrinterStateConflictError | PrinterJobNotFoundError):
        return "command_not_possible", {
            "printer": printer,
            "command": action,
            "status": status or "-",
        }
    if isinstance(err, PrinterCommandTimeoutError):
        return "command_not_acknowledged", {"printer": printer, "command": action}
    if isinstance(err, PrinterAuthError):
        return "printer_auth_failed", {"printer": printer}
    if isinstance(err, PrinterCertificateError):
        return "certificate_changed", {"printer": printer}
    if isinstance(err, FileTransferError):
        return "transfer_failed", {"printer": printer, "error": _error_text(err)}
    if isinstance(err, PrinterConnectionError):
        return "printer_unreachable", {"printer": printer, "error": _error_text(err)}
    return "command_failed", {"printer": printer, "command": action, "error": _error_text(err)}


def printer_error(
    hass: HomeAssistant,
    err: PrinterError,
    *,
    entry: ConfigEntry | None,
    action: str,
    status: str | None = None,
) -> HomeAssistantError:
    """The translated error for a client error raised while doing `action` on a printer.

    A refused access code or password also starts Home Assistant's reauthentication of the
    entry, so the user is asked for the new one instead of reading the same error forever.
    """
    key, placeholders = _describe(err, entry.title if entry else "?", action, status)
    if isinstance(err, PrinterAuthError) and entry is not None:
        entry.async_start_reauth(hass)
    if key == "command_not_possible":
        return service_error(key, **placeholders)
    return ha_error(key, **placeholders)


def update_error(
    entry: ConfigEntry, err: PrinterError
) -> ConfigEntryAuthFailed | ConfigEntryError | UpdateFailed:
    """What a coordinator raises when it cannot read its printer (at set-up or later).

    Refused credentials: ConfigEntryAuthFailed, so Home Assistant starts reauthentication. A
    changed certificate: ConfigEntryError, as retrying cannot help (a repair issue explains
    it). Anything else: UpdateFailed, the entities go unavailable and set-up is retried. Each
    carries its translation, so the entry's card reads in the user's language.
    """
    printer = entry.title
    kind: type[ConfigEntryAuthFailed | ConfigEntryError | UpdateFailed]
    if isinstance(err, PrinterAuthError):
        kind, key = ConfigEntryAuthFailed, "printer_auth_failed"
        placeholders: dict[str, Any] = {"printer": printer}
    elif isinstance(err, PrinterCertificateError):
        kind, key = ConfigEntryError, "certificate_changed"
        placeholders = {"printer": printer}
    else:
        kind, key = UpdateFailed, "printer_unreachable"
        placeholders = {"printer": printer, "error": _error_text(err)}
    return kind(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=_as_text(placeholders),
    )


@contextmanager
def translate_printer_errors(
    hass: HomeAssistant, entry: ConfigEntry | None, action: str, *, status: str | None = None
) -> Iterator[None]:
    """Run a block; a `PrinterError` leaving it becomes the translated HA error.

    A plain `with` around `await`s is fine: nothing is awaited on entry or exit.
    """
    try:
        yield
    except PrinterError as err:
        raise printer_error(hass, err, entry=entry, action=action, status=status) from err


async def async_require_admin(hass: HomeAssistant, context: Context) -> None:
    """Refuse a call from a non-admin user (`Unauthorized`), like an admin-only service.

    Calls without a user (automations, scripts, Home Assistant itself) are allowed, as
    `async_register_admin_service` allows them; it cannot be used here because on 2025.4 it
    cannot answer with response data.
    """
    if context.user_id is None:
        return
    user = await hass.auth.async_get_user(context.user_id)
    if user is None:
        raise UnknownUser(context=context, user_id=context.user_id)
    if not user.is_admin:
        raise Unauthorized(context=context, user_id=context.user_id)
