"""One place where errors become what a person reads: translated Home Assistant errors.

The printer clients (`api/`) raise their own `PrinterError` family and know nothing of Home
Assistant. Every service, button, websocket command and the coordinators pass those errors
through `printer_error` (or the `translate_printer_errors` context manager), so a user never
sees "unknown error" and a traceback: they read what went wrong, in their language. Bad input
to a service is a `ServiceValidationError` from `service_error`. Who may call an admin-only
service or command is decided once, by `async_require_admin`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceValidationError,
    Unauthorized,
    UnknownUser,
)

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


def service_error(translation_key: str, /, **placeholders: Any) -> ServiceValidationError:
    """A translated input error for a service call or command (placeholders become text)."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=translation_key,
        translation_placeholders={k: str(v) for k, v in placeholders.items()} or None,
    )


def ha_error(translation_key: str, /, **placeholders: Any) -> HomeAssistantError:
    """A translated failure of the printer or the system (not the caller's input)."""
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=translation_key,
        translation_placeholders={k: str(v) for k, v in placeholders.items()} or None,
    )


def _error_text(err: BaseException) -> str:
    """One printable line of the client's message (printer-supplied text is untrusted)."""
    text = str(err) or type(err).__name__
    return "".join(c if c.isprintable() else " " for c in text)[:300]


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
    printer = entry.title if entry is not None else "?"
    placeholders: dict[str, Any] = {"printer": printer, "command": action}
    if isinstance(err, PrinterStateConflictError | PrinterJobNotFoundError):
        return service_error("command_not_possible", **placeholders, status=status or "-")
    if isinstance(err, PrinterCommandTimeoutError):
        return ha_error("command_not_acknowledged", **placeholders)
    if isinstance(err, PrinterAuthError):
        if entry is not None:
            entry.async_start_reauth(hass)
        return ha_error("printer_auth_failed", printer=printer)
    if isinstance(err, PrinterCertificateError):
        return ha_error("certificate_changed", printer=printer)
    if isinstance(err, FileTransferError):
        return ha_error("transfer_failed", printer=printer, error=_error_text(err))
    if isinstance(err, PrinterConnectionError):
        return ha_error("printer_unreachable", printer=printer, error=_error_text(err))
    return ha_error("command_failed", **placeholders, error=_error_text(err))


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
