"""Names of files sent to a printer: checked once, before any byte leaves.

A remote name comes from a user, an automation or a file on disk; on the printer it becomes a
path. `../x`, separators inside a name and control characters (a CR/LF ends an FTP command
early, a NUL cuts a C string in the firmware) are refused, not repaired: a silently changed
name would start or overwrite a different file than the one asked for.
"""

from __future__ import annotations

from .errors import UnsafeRemoteNameError

#: Longest name in UTF-8 bytes (FAT / ext4 limit of one path component).
MAX_NAME_BYTES = 255
_FORBIDDEN = frozenset('/\\:*?"<>|')


def check_name(name: str) -> str:
    """`name` itself when it is safe as one path component on a printer, else raise."""
    if not name or name in (".", "..") or name != name.strip():
        raise UnsafeRemoteNameError(f"unusable file name {name!r}")
    if any(not char.isprintable() or char in _FORBIDDEN for char in name):
        raise UnsafeRemoteNameError(f"file name {name!r} holds a forbidden character")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise UnsafeRemoteNameError(f"file name longer than {MAX_NAME_BYTES} bytes")
    return name


def join_remote(folder: str | None, name: str) -> str:
    """`/<folder parts>/<name>` with every part checked; `folder` may be `/a/b` or `a/b`."""
    parts = [part for part in (folder or "").replace("\\", "/").split("/") if part]
    return "/" + "/".join([*(check_name(part) for part in parts), check_name(name)])


def check_path(path: str) -> str:
    """A remote path given whole (`/cache/x.3mf`): each part checked, a leading `/` added."""
    folder, _, name = path.rpartition("/")
    return join_remote(folder, name)
