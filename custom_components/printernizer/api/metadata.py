"""What a print file says about itself: grams per material, time estimate, thumbnail.

Buddy printers report no filament data, so the cost of a print has to come from the file:
PrusaSlicer G-code (stats at the end), binary G-code (metadata blocks before the first G-code
block) or a Bambu 3MF (`Metadata/slice_info.config`). Everything here is synchronous and meant
for the executor, except `StreamingMetadataReader.feed`, which is fed chunks as they arrive
over HTTP and keeps memory bounded for files of any size (its `result` may decode a QOI
thumbnail: executor again).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
import math
import pathlib
import re
import struct
from xml.etree import ElementTree
import zipfile
import zlib

from .errors import MetadataError
from .models import MaterialUsage, PrintMetadata
from .qoi import PNG_SIGNATURE, QOI_MAGIC, qoi_to_png

BGCODE_MAGIC = b"GCDE"
ZIP_MAGIC = b"PK\x03\x04"

# binary G-code (libbgcode) block types and compression kinds
_BLOCK_GCODE = 1
_BLOCK_THUMBNAIL = 5
_THUMBNAIL_PNG = 0
_THUMBNAIL_QOI = 2  # the only format PrusaSlicer 2.8+ writes for the MK4S and Core One
_COMPRESSION_NONE = 0
_COMPRESSION_DEFLATE = 1

_MAX_METADATA_BLOCK = 4 * 1024 * 1024  # INI blocks are a few KB; anything bigger is skipped
_MAX_THUMBNAIL = 4 * 1024 * 1024  # decoded PNG bytes kept at most
_MAX_THUMBNAIL_BASE64 = _MAX_THUMBNAIL * 4 // 3 + 4  # the same limit before decoding
_MAX_QOI_PIXELS = 1024 * 1024  # slicer previews are at most a few hundred pixels wide
_MAX_LINE = 1024 * 1024  # a plain G-code line longer than this is skipped
_READ_BLOCK = 1024 * 1024

KEY_GRAMS = "filament used [g]"
KEY_TYPE = "filament_type"
KEY_TIME = "estimated printing time (normal mode)"
KEY_MODEL = "printer_model"
_WANTED_KEYS = frozenset({KEY_GRAMS, KEY_TYPE, KEY_TIME, KEY_MODEL})

_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)\s*([dhms])", re.IGNORECASE)
_DURATION_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
# `; ` at a line start: PrusaSlicer's stats, config and thumbnail lines; the body's own
# comments (";TYPE:", ";Z:", ";LAYER_CHANGE") carry no space and are not even matched.
_COMMENT_RE = re.compile(rb"\n; ([^\n]*)")
_THUMB_BEGIN_RE = re.compile(r"thumbnail(_PNG|_QOI)? begin (\d+)x(\d+) (\d+)")
_THUMB_END = ("thumbnail end", "thumbnail_PNG end", "thumbnail_QOI end")


def parse_duration(text: str) -> int | None:
    """Turn a slicer duration ("2h 17m 4s", "1d 2h 3m", "45m 10s") into seconds.

    A plain number is taken as seconds. Returns None when the text holds no duration.
    """
    text = text.strip()
    if not text:
        return None
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return round(float(text))
    if _DURATION_RE.sub("", text).strip(" ,"):
        return None  # leftovers: not a duration we understand
    parts = _DURATION_RE.findall(text)
    if not parts:
        return None
    return round(sum(float(value) * _DURATION_UNITS[unit.lower()] for value, unit in parts))


def grams_from_text(text: str) -> float:
    """One extruder's grams; unreadable, infinite or non-positive counts as 0 (extruder unused)."""
    try:
        value = float(text)
    except ValueError:
        return 0.0
    return value if math.isfinite(value) and value > 0 else 0.0


def _floats(text: str) -> list[float]:
    return [grams_from_text(part.strip()) for part in text.split(",")]


def combine_materials(grams: list[float], types: list[str]) -> tuple[MaterialUsage, ...]:
    """Pair grams with material types by extruder position, drop unused extruders, sum by type.

    Names compare case-insensitively ("petg" and "PETG" are one material); the spelling seen
    first is kept. An extruder without a type counts as "unknown".
    """
    names: dict[str, str] = {}
    totals: dict[str, float] = {}
    for index, amount in enumerate(grams):
        if amount <= 0:
            continue
        material = (types[index].strip() if index < len(types) else "") or "unknown"
        key = material.upper()
        names.setdefault(key, material)
        totals[key] = totals.get(key, 0.0) + amount
    return tuple(MaterialUsage(names[key], round(amount, 4)) for key, amount in totals.items())


class StreamingMetadataReader:
    """Parse a print file fed in chunks, keeping memory bounded for any file size.

    Binary G-code: `done` turns True at the first G-code block header, so a caller downloading
    the file can stop there. Plain G-code: PrusaSlicer writes its statistics at the end, so the
    whole file is fed; only the few wanted comment lines are kept. A zip (3MF) cannot be read
    as a stream (its directory is at the end): `done` is set at once and the result is empty;
    use `read_print_metadata` on a downloaded 3MF instead.
    """

    def __init__(self) -> None:
        """Start undecided: the first four bytes choose the format."""
        self.bytes_read = 0
        self.done = False
        self._format: str | None = None  # "gcode", "bgcode", "zip"
        self._buffer = bytearray()
        self._values: dict[str, str] = {}
        self._thumbnail: bytes | None = None  # the largest preview so far, PNG or QOI
        self._thumbnail_area = 0
        # plain G-code state
        self._carry = b"\n"
        self._skip_line = False
        self._thumb_parts: list[str] | None = None
        self._thumb_area = 0
        self._thumb_len = 0
        self._thumb_magic = PNG_SIGNATURE
        # binary G-code state
        self._header_seen = False
        self._checksum_size = 0
        self._skip = 0

    @property
    def format(self) -> str | None:
        """The detected format ("gcode", "bgcode" or "zip"), None before any data."""
        return self._format

    def feed(self, chunk: bytes) -> None:
        """Consume the next chunk of the file (ignored once `done`)."""
        if self.done or not chunk:
            return
        self.bytes_read += len(chunk)
        if self._format is None:
            self._buffer += chunk
            if len(self._buffer) < 4:
                return
            data = bytes(self._buffer)
            head = data[:4]
            self._buffer.clear()
            if head == BGCODE_MAGIC:
                self._format = "bgcode"
            elif head == ZIP_MAGIC:
                self._format = "zip"
                self.done = True
                return
            else:
                self._format = "gcode"
            chunk = data
        if self._format == "bgcode":
            self._feed_bgcode(chunk)
        else:
            self._feed_gcode(chunk)

    def result(self) -> PrintMetadata:
        """Return what was found so far (after the last chunk for plain G-code)."""
        if self._format == "gcode" and self._carry.strip():
            # the last line may lack a newline
            self._feed_gcode(b"\n")
        values = self._values
        grams = _floats(values[KEY_GRAMS]) if KEY_GRAMS in values else []
        types = [t.strip() for t in values.get(KEY_TYPE, "").split(";")]
        seconds = parse_duration(values[KEY_TIME]) if KEY_TIME in values else None
        model = values.get(KEY_MODEL, "").strip() or None
        return PrintMetadata(
            materials=combine_materials(grams, types),
            estimated_seconds=seconds,
            thumbnail_png=_as_png(self._thumbnail),
            printer_model=model,
        )

    # -- plain G-code -------------------------------------------------------------------------

    def _feed_gcode(self, chunk: bytes) -> None:
        end = chunk.rfind(b"\n")
        if end < 0:
            if not self._skip_line:
                self._carry += chunk
                if len(self._carry) > _MAX_LINE:
                    self._carry, self._skip_line = b"", True
            return
        if self._skip_line:
            # the rest of an overlong line: drop it, keep the newline as a line start
            data = chunk[: end + 1]
            data = data[data.find(b"\n") :]
            self._skip_line = False
        else:
            data = self._carry + chunk[: end + 1]
        self._carry = chunk[end:]  # starts with "\n" so a line at the chunk start still matches
        if len(self._carry) > _MAX_LINE:
            self._carry, self._skip_line = b"", True
        for match in _COMMENT_RE.finditer(data, 0, len(data) - 1):
            self._comment(match.group(1).decode("utf-8", "replace").rstrip("\r"))

    def _comment(self, line: str) -> None:
        if self._thumb_parts is not None:
            if line.startswith(_THUMB_END):
                self._finish_thumbnail()
            elif line.startswith("thumbnail"):
                self._thumb_parts = None  # malformed block: a new begin without an end
            else:
                self._thumb_parts.append(line.strip())
                self._thumb_len += len(line)
                if self._thumb_len > _MAX_THUMBNAIL_BASE64:
                    self._thumb_parts = None
            return
        if line.startswith("thumbnail"):
            begin = _THUMB_BEGIN_RE.match(line)
            if begin is not None:
                kind = begin.group(1)
                width, height, length = (int(g) for g in begin.groups()[1:])
                area = width * height
                if area >= self._thumbnail_area and length <= _MAX_THUMBNAIL_BASE64:
                    self._thumb_parts, self._thumb_area, self._thumb_len = [], area, 0
                    self._thumb_magic = QOI_MAGIC if kind == "_QOI" else PNG_SIGNATURE
            return
        self._keep(line)

    def _keep(self, line: str) -> None:
        """Store a `key = value` line if it is one of the wanted keys."""
        key, sep, value = line.partition("=")
        if sep:
            key = key.strip()
            if key in _WANTED_KEYS:
                self._values[key] = value.strip()

    def _finish_thumbnail(self) -> None:
        parts, self._thumb_parts = self._thumb_parts, None
        if not parts:
            return
        try:
            image = base64.b64decode("".join(parts), validate=True)
        except (binascii.Error, ValueError):
            return
        self._offer_thumbnail(image, self._thumb_area, self._thumb_magic)

    def _offer_thumbnail(self, image: bytes, area: int, magic: bytes) -> None:
        """Keep `image` if it is the largest preview so far (PNG on a tie) and really is the PNG
        or QOI image (`magic`) the file says it is."""
        if not image.startswith(magic) or len(image) > _MAX_THUMBNAIL:
            return
        if area > self._thumbnail_area or (
            area == self._thumbnail_area and image.startswith(PNG_SIGNATURE)
        ):
            self._thumbnail, self._thumbnail_area = image, area

    # -- binary G-code ------------------------------------------------------------------------

    def _feed_bgcode(self, chunk: bytes) -> None:
        if self._skip:
            dropped = min(self._skip, len(chunk))
            self._skip -= dropped
            chunk = chunk[dropped:]
        self._buffer += chunk
        buf = self._buffer
        while not self.done:
            if self._skip:
                dropped = min(self._skip, len(buf))
                del buf[:dropped]
                self._skip -= dropped
                if self._skip:
                    return
            if not self._header_seen:
                if len(buf) < 10:
                    return
                (checksum_type,) = struct.unpack_from("<H", buf, 8)
                self._checksum_size = 4 if checksum_type == 1 else 0
                del buf[:10]
                self._header_seen = True
                continue
            if len(buf) < 8:
                return
            block_type, compression, size = struct.unpack_from("<HHI", buf, 0)
            if block_type == _BLOCK_GCODE:
                self.done = True
                buf.clear()
                return
            header_len = 12 if compression else 8
            if len(buf) < header_len:
                return
            stored = struct.unpack_from("<I", buf, 8)[0] if compression else size
            params = 6 if block_type == _BLOCK_THUMBNAIL else 2
            total = header_len + params + stored + self._checksum_size
            if stored > _MAX_METADATA_BLOCK or block_type > _BLOCK_THUMBNAIL:
                # too big to be metadata we want (or unknown): skip it without buffering
                dropped = min(total, len(buf))
                del buf[:dropped]
                self._skip = total - dropped
                continue
            if len(buf) < total:
                return
            param_bytes = bytes(buf[header_len : header_len + params])
            payload = bytes(buf[header_len + params : header_len + params + stored])
            del buf[:total]
            self._bgcode_block(block_type, compression, param_bytes, payload)

    def _bgcode_block(self, block_type: int, compression: int, params: bytes, data: bytes) -> None:
        if compression == _COMPRESSION_DEFLATE:
            try:
                data = zlib.decompress(data)
            except zlib.error:
                try:
                    data = zlib.decompress(data, -15)
                except zlib.error:
                    return
        elif compression != _COMPRESSION_NONE:
            return  # heatshrink is only used for G-code blocks
        if block_type == _BLOCK_THUMBNAIL:
            image_format, width, height = struct.unpack("<HHH", params)
            if image_format == _THUMBNAIL_PNG:
                self._offer_thumbnail(data, width * height, PNG_SIGNATURE)
            elif image_format == _THUMBNAIL_QOI:
                self._offer_thumbnail(data, width * height, QOI_MAGIC)
            return
        for line in data.decode("utf-8", "replace").splitlines():
            self._keep(line)


def _as_png(image: bytes | None) -> bytes | None:
    """The preview as PNG: QOI is decoded (a broken or oversized one counts as no preview)."""
    if image is None or not image.startswith(QOI_MAGIC):
        return image
    try:
        return qoi_to_png(image, max_pixels=_MAX_QOI_PIXELS)
    except MetadataError:
        return None


def _read_3mf(path: pathlib.Path) -> PrintMetadata:
    """Read grams per material, time and cover from a Bambu / Orca 3MF.

    The first `<plate>` that carries data is used: a sliced file sent to a printer holds the
    one plate being printed. A project that was never sliced has only the header: empty result.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "Metadata/slice_info.config" not in names:
                return PrintMetadata()
            info = archive.getinfo("Metadata/slice_info.config")
            if info.file_size > _MAX_METADATA_BLOCK:
                raise MetadataError("slice_info.config is implausibly large")
            xml = archive.read(info)
            if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
                # slicers never write these; refusing them rules out entity expansion attacks
                raise MetadataError("slice_info.config carries a DTD")
            root = ElementTree.fromstring(xml)
            for plate in root.iter("plate"):
                meta = {
                    item.get("key", ""): item.get("value", "") for item in plate.iter("metadata")
                }
                grams: list[float] = []
                types: list[str] = []
                for filament in plate.iter("filament"):
                    grams.extend(_floats(filament.get("used_g", "0")))
                    types.append(filament.get("type", ""))
                seconds = parse_duration(meta.get("prediction", ""))
                if not grams and seconds is None:
                    continue
                index = meta.get("index", "1").strip() or "1"
                thumbnail = None
                cover = f"Metadata/plate_{index}.png"
                if cover in names and archive.getinfo(cover).file_size <= _MAX_THUMBNAIL:
                    thumbnail = archive.read(cover)
                return PrintMetadata(
                    materials=combine_materials(grams, types),
                    estimated_seconds=seconds,
                    thumbnail_png=thumbnail,
                    printer_model=meta.get("printer_model_id") or None,
                )
    except (zipfile.BadZipFile, ElementTree.ParseError, KeyError, OSError) as err:
        raise MetadataError(f"cannot read 3MF: {err}") from err
    return PrintMetadata()


def read_print_metadata(path: pathlib.Path) -> PrintMetadata:
    """Read a print file's metadata; blocking, run it in the executor.

    Dispatches on the magic bytes: zip (3MF), `GCDE` (binary G-code), else plain G-code text.
    G-code is streamed in 1 MiB blocks, so memory stays flat for any file size.
    """
    with path.open("rb") as handle:
        head = handle.read(4)
        if head == ZIP_MAGIC:
            return _read_3mf(path)
        reader = StreamingMetadataReader()
        reader.feed(head)
        while not reader.done:
            block = handle.read(_READ_BLOCK)
            if not block:
                break
            reader.feed(block)
    return reader.result()


@dataclass(frozen=True, slots=True)
class PlateFilament:
    """One filament a 3MF plate prints with: slicer id, type, `#RRGGBB` colour, grams."""

    filament_id: int
    material: str
    color: str | None
    grams: float


def read_plate_filaments(path: pathlib.Path, plate: int = 1) -> tuple[PlateFilament, ...]:
    """The filaments of plate `plate` in a sliced 3MF (empty for other files); blocking.

    What maps a file's filaments to AMS trays: `Metadata/slice_info.config` per plate
    `<filament id type color used_g>`. A file holding one sliced plate answers it for any number.
    """
    with path.open("rb") as handle:
        if handle.read(4) != ZIP_MAGIC:
            return ()
    try:
        with zipfile.ZipFile(path) as archive:
            if "Metadata/slice_info.config" not in archive.namelist():
                return ()
            info = archive.getinfo("Metadata/slice_info.config")
            if info.file_size > _MAX_METADATA_BLOCK:
                raise MetadataError("slice_info.config is implausibly large")
            xml = archive.read(info)
    except (zipfile.BadZipFile, KeyError, OSError) as err:
        raise MetadataError(f"cannot read 3MF: {err}") from err
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        raise MetadataError("slice_info.config carries a DTD")
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as err:
        raise MetadataError(f"cannot read 3MF: {err}") from err
    plates = [p for p in root.iter("plate") if any(True for _ in p.iter("filament"))]
    chosen = None
    for candidate in plates:
        meta = {item.get("key", ""): item.get("value", "") for item in candidate.iter("metadata")}
        if meta.get("index", "").strip() == str(plate):
            chosen = candidate
    if chosen is None and len(plates) == 1:
        chosen = plates[0]
    if chosen is None:
        return ()
    found: list[PlateFilament] = []
    for filament in chosen.iter("filament"):
        try:
            filament_id = int(filament.get("id", "0"))
        except ValueError:
            filament_id = 0
        color = (filament.get("color") or "").strip().upper() or None
        if color is not None and not color.startswith("#"):
            color = "#" + color
        grams = sum(_floats(filament.get("used_g", "0")))
        found.append(PlateFilament(filament_id, filament.get("type", "").strip(), color, grams))
    return tuple(found)
