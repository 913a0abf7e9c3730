"""Errors raised by the printer clients (no Home Assistant types here)."""

from __future__ import annotations


class PrinterError(Exception):
    """Base class for every printer client error."""


class PrinterConnectionError(PrinterError):
    """The printer could not be reached or the connection broke."""


class PrinterTimeoutError(PrinterConnectionError):
    """The printer did not answer in time."""


class PrinterAuthError(PrinterError):
    """The printer refused the credentials (access code, password or API key)."""


class PrinterCertificateError(PrinterConnectionError):
    """The printer's TLS certificate does not match the pinned fingerprint."""

    def __init__(self, expected: str | None, actual: str) -> None:
        """Keep both fingerprints so the user can be told what changed."""
        super().__init__(f"certificate fingerprint {actual} does not match the pinned {expected}")
        self.expected = expected
        self.actual = actual


class PrinterCommandError(PrinterError):
    """A control command was refused or not acknowledged."""


class PrinterCommandTimeoutError(PrinterCommandError):
    """A command was sent but never acknowledged (Bambu: LAN-only + Developer Mode needed)."""


class PrinterStateConflictError(PrinterCommandError):
    """The command does not fit the printer's current state (e.g. pause while idle)."""


class PrinterJobNotFoundError(PrinterCommandError):
    """The job the command targets is not the printer's current job."""


class NotAPrinterError(PrinterError):
    """The host answered, but not as the expected printer API."""


class FileTransferError(PrinterError):
    """A file listing or download failed or was cut short."""


class MetadataError(PrinterError):
    """A print file could not be parsed."""


class RemoteFileExistsError(FileTransferError):
    """The printer already holds a file of that name and overwriting was not asked for."""


class UnsafeRemoteNameError(PrinterError, ValueError):
    """A file or folder name that must not reach a printer (`..`, separators, control chars)."""
