"""Where a printer's file may land: safe names, the download root and the target path.

Names come from the printer and are untrusted: they are sanitised before they touch a path
(no separators, no `..`, valid on Windows), and every target is resolved and checked to stay
inside the download root, so a hostile name or a planted symlink never writes elsewhere.
"""

from __future__ import annotations

from datetime import date
import hashlib
from pathlib import Path
import re
import unicodedata

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from custom_components.printernizer.const import STORAGE_DIR
from custom_components.printernizer.exceptions import service_error

# ---------------------------------------------------------------------------------------------
# Names and paths
# ---------------------------------------------------------------------------------------------

MAX_NAME_BYTES = 200
FALLBACK_NAME = "file"
_FORBIDDEN_CHARS = frozenset('<>:"|?*/\\')
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"COM{c}" for c in "0123456789¹²³"}
    | {f"LPT{c}" for c in "0123456789¹²³"}
)
# Up to two short suffixes make the extension we keep when shortening (".gcode.3mf").
_EXT_RE = re.compile(r"((?:\.[A-Za-z0-9]{1,10}){1,2})$")
_DOTS_RE = re.compile(r"\.{2,}")


def _clean_char(char: str) -> str:
    """Map one character to itself or `_` (control, format, separator or Windows-forbidden)."""
    if char in _FORBIDDEN_CHARS:
        return "_"
    category = unicodedata.category(char)
    # Cc: NUL, newline, DEL...; Cf: bidi overrides that disguise names in logs; Zl/Zp: line breaks
    if category in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"):
        return "_"
    return char


def _split_ext(name: str) -> tuple[str, str]:
    """(stem, extension): the extension kept when a name is shortened, never the whole name."""
    match = _EXT_RE.search(name)
    ext = match.group(1) if match and match.start() > 0 else ""
    return name[: len(name) - len(ext)], ext


def _truncate_utf8(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` UTF-8 bytes without splitting a character."""
    return text.encode("utf-8")[: max(limit, 0)].decode("utf-8", errors="ignore")


def sanitize_filename(name: str) -> str:
    """Turn an untrusted name (from a printer) into one safe path component.

    The result has no separators, no `..`, no control characters, is valid on Windows (no
    reserved device names, no `<>:"|?*`, no trailing dot or space), is at most 200 UTF-8 bytes
    with its extension kept, does not start with a dot (temp files do, so they never collide)
    and is never empty.
    """
    text = unicodedata.normalize("NFC", str(name))
    text = "".join(_clean_char(c) for c in text)
    text = _DOTS_RE.sub(".", text)
    text = text.strip(" .\t")
    if not text:
        return FALLBACK_NAME
    if text.partition(".")[0].rstrip(" ").upper() in _WINDOWS_RESERVED:
        text = f"_{text}"
    if len(text.encode("utf-8")) > MAX_NAME_BYTES:
        stem, ext = _split_ext(text)
        budget = MAX_NAME_BYTES - len(ext.encode("utf-8"))
        text = _truncate_utf8(stem, budget).rstrip(" .") + ext
        text = text.strip(" .")
    return text or FALLBACK_NAME


def printable(text: str) -> str:
    """A printer-supplied name made safe for one log line."""
    return "".join(c if c.isprintable() else "?" for c in text)[:300]


def error_text(err: BaseException) -> str:
    """A short, single-line error for the ledger, events and logs (printer text is untrusted)."""
    text = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
    return "".join(c if c.isprintable() else " " for c in text)[:500]


class UnsafePathError(HomeAssistantError):
    """A computed target left the download root (never expected after sanitising)."""


def _inside(path: Path, root: Path) -> bool:
    """True when the resolved `path` is `root` or below it."""
    return path == root or path.is_relative_to(root)


def _numbered(name: str, number: int) -> str:
    """`name (n).ext`, keeping a double extension like `.gcode.3mf` together."""
    stem, ext = _split_ext(name)
    suffix = f" ({number})"
    budget = MAX_NAME_BYTES - len(ext.encode("utf-8")) - len(suffix)
    return _truncate_utf8(stem, budget).rstrip(" .") + suffix + ext


def _file_sha256(path: Path) -> str:
    """Stream a file through sha256 (1 MiB blocks: bounded memory for any size)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def _same_file(path: Path, size: int | None, sha256: str | None) -> bool:
    """True when the file at `path` has exactly this content (size first: cheap)."""
    if sha256 is None:
        return False
    try:
        if not path.is_file() or (size is not None and path.stat().st_size != size):
            return False
        return _file_sha256(path) == sha256
    except OSError:
        return False


def target_folder(root: Path, printer_name: str, day: date) -> Path:
    """`<root>/<sanitised printer name>/<YYYY-MM-DD>`, resolved and checked to stay in root."""
    base = root.resolve()
    folder = (base / sanitize_filename(printer_name) / day.isoformat()).resolve()
    if not _inside(folder, base) or folder == base:
        raise UnsafePathError(f"target folder {folder} is outside {base}")
    return folder


def safe_target(
    root: Path,
    printer_name: str,
    day: date,
    file_name: str,
    *,
    sha256: str | None = None,
    size: int | None = None,
) -> Path:
    """Where a downloaded file goes; blocking (stat, maybe hash): run in the executor.

    Layout `<root>/<printer>/<YYYY-MM-DD>/<name>`. The path is resolved (symlinks too) and must
    stay inside `root`, else UnsafePathError. When a different file already sits there the name
    gets ` (2)`, ` (3)`... so nothing is ever overwritten; when the same content (same sha256)
    is already there, that path is returned so a re-download does not duplicate it.
    """
    base = root.resolve()
    folder = target_folder(base, printer_name, day)
    name = sanitize_filename(file_name)
    number = 1
    while True:
        candidate = folder / (name if number == 1 else _numbered(name, number))
        if not candidate.is_symlink():  # a planted symlink is never written through
            if candidate.resolve().parent != folder:
                raise UnsafePathError(f"target {candidate} is outside {folder}")
            if not candidate.exists():
                return candidate
            if _same_file(candidate, size, sha256):
                return candidate
        number += 1
        if number > 10_000:
            raise UnsafePathError(f"too many files named {name} in {folder}")


# ---------------------------------------------------------------------------------------------
# The download root
# ---------------------------------------------------------------------------------------------


def default_download_dir(hass: HomeAssistant) -> Path:
    """`<config>/printernizer/files`: the integration's own folder, allowed without asking."""
    return Path(hass.config.path(STORAGE_DIR, "files"))


def _is_allowed_root(hass: HomeAssistant, path: Path) -> bool:
    """Blocking (resolves symlinks): HA's allowlist, or inside our own `<config>/printernizer`.

    HA's default allowlist holds only `www` and the media folders, not the config folder, so
    the integration's own default folder is accepted explicitly; anything else must be in
    `allowlist_external_dirs` like for every other integration that writes files.
    """
    resolved = path.resolve()
    own = Path(hass.config.path(STORAGE_DIR)).resolve()
    if _inside(resolved, own):
        return True
    # asked for a (non-existent) file inside the root: HA then checks the root itself, which
    # also works for a root that will only be created by the first download
    return hass.config.is_allowed_path(str(resolved / ".printernizer-probe"))


async def check_download_dir(hass: HomeAssistant, path: str | Path | None) -> Path:
    """Validate the download root and return it resolved.

    A relative path is taken inside HA's config folder. Raises
    ServiceValidationError(download_dir_not_allowed) for one outside HA's allowed folders
    (and the integration's own folder).
    """
    raw = Path(path) if path else default_download_dir(hass)
    if not raw.is_absolute():
        raw = Path(hass.config.path(str(raw)))
    if await hass.async_add_executor_job(_is_allowed_root, hass, raw):
        return await hass.async_add_executor_job(raw.resolve)
    raise service_error("download_dir_not_allowed", path=raw)
