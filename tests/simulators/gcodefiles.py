"""Print files made by tests: PrusaSlicer-style G-code and Prusa binary G-code (bgcode).

The integration reads grams, material and time estimates out of print files because Buddy
printers report none of it. These builders write the same comments and blocks PrusaSlicer
writes, so the real parsers are tested against realistic bytes instead of fixtures.
bgcode layout follows prusa3d/libbgcode doc/specifications.md (little-endian throughout).
PrusaSlicer 2.8+ writes QOI previews for the MK4S and Core One (https://qoiformat.org): the
encoder below follows that specification, so the integration's decoder is tested against
independent bytes.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
import functools
import math
import re
import struct
import zlib

DEFAULT_MATERIALS: tuple[tuple[str, float], ...] = (("PETG", 21.37),)
DEFAULT_SLICER = "PrusaSlicer 2.8.1"

BGCODE_MAGIC = b"GCDE"
# Block types from the libbgcode specification.
BLOCK_FILE_METADATA = 0
BLOCK_GCODE = 1
BLOCK_SLICER_METADATA = 2
BLOCK_PRINTER_METADATA = 3
BLOCK_PRINT_METADATA = 4
BLOCK_THUMBNAIL = 5
# Thumbnail formats (the first thumbnail parameter).
THUMBNAIL_PNG = 0
THUMBNAIL_QOI = 2

# g/cm³; used to turn grams into filament length the way the slicer reports both.
_DENSITY = {"PLA": 1.24, "PETG": 1.27, "ASA": 1.07, "ABS": 1.04, "PC": 1.2, "TPU": 1.21}
_FILAMENT_AREA_MM2 = math.pi * 0.875**2  # 1.75 mm filament
_PRICE_PER_KG = 25.0
_TEMPS = {"PLA": (215, 60), "PETG": (240, 80), "ASA": (260, 100), "ABS": (255, 100)}
_THUMB_SIZES = ((16, 16), (313, 173))
_GCODE_BLOCK_MAX = 65536


def make_png(width: int, height: int, rgb: tuple[int, int, int] = (250, 104, 38)) -> bytes:
    """Return a valid single-colour PNG; thumbnails must decode in real image code."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    row = b"\x00" + bytes(rgb) * width
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(row * height, 9))
        + chunk(b"IEND", b"")
    )


def qoi_pattern(width: int, height: int, *, alpha: bool = True) -> bytes:
    """RGBA pixels that make a QOI encoder use every operation: a run of one colour, steps of
    one (DIFF), larger even steps (LUMA), noise (RGB), a small palette seen before (INDEX) and,
    with `alpha`, a translucent band (RGBA)."""
    out = bytearray()
    for y in range(height):
        for x in range(width):
            band = 5 * x // width
            if band == 0:
                px = (250, 104, 38, 255)
            elif band == 1:
                px = (x % 256, y % 256, (x + y) % 256, 255)
            elif band == 2:
                px = (x * 5 % 256, x * 4 % 256, (x * 6 + y) % 256, 255)
            elif band == 3:
                px = (x * 37 % 256, y * 91 % 256, x * y * 13 % 256, 255)
            else:
                px = (x // 3 % 4 * 60, 200, 90, 128 if alpha and y % 5 == 0 else 255)
            out += bytes(px)
    return bytes(out)


def make_qoi(width: int, height: int, rgba: bytes, *, channels: int = 4) -> bytes:
    """Encode RGBA pixels as QOI, operation by operation as the specification describes."""
    out = bytearray(b"qoif" + struct.pack(">IIBB", width, height, channels, 0))
    index = [(0, 0, 0, 0)] * 64
    prev = (0, 0, 0, 255)
    run = 0
    count = width * height
    for i in range(count):
        px = tuple(rgba[i * 4 : i * 4 + 4])
        if channels == 3:
            px = (*px[:3], 255)
        if px == prev:
            run += 1
            if run == 62 or i == count - 1:
                out.append(0xC0 | (run - 1))
                run = 0
            continue
        if run:
            out.append(0xC0 | (run - 1))
            run = 0
        slot = (px[0] * 3 + px[1] * 5 + px[2] * 7 + px[3] * 11) % 64
        if index[slot] == px:
            out.append(slot)
        else:
            index[slot] = px
            if px[3] == prev[3]:
                dr, dg, db = (((px[c] - prev[c] + 128) & 0xFF) - 128 for c in range(3))
                dr_dg, db_dg = dr - dg, db - dg
                if -3 < dr < 2 and -3 < dg < 2 and -3 < db < 2:
                    out.append(0x40 | (dr + 2) << 4 | (dg + 2) << 2 | (db + 2))
                elif -33 < dg < 32 and -9 < dr_dg < 8 and -9 < db_dg < 8:
                    out += bytes((0x80 | (dg + 32), (dr_dg + 8) << 4 | (db_dg + 8)))
                else:
                    out += bytes((0xFE, *px[:3]))
            else:
                out += bytes((0xFF, *px))
        prev = px
    return bytes(out + b"\x00" * 7 + b"\x01")


@functools.cache
def _thumbnail(width: int, height: int, image_format: str) -> bytes:
    """A preview in the slicer's format: "png" or "qoi"."""
    if image_format == "qoi":
        return make_qoi(width, height, qoi_pattern(width, height))
    return make_png(width, height)


def format_duration(seconds: int) -> str:
    """Format like PrusaSlicer's estimate ("2h 17m 4s", "1d 0h 3m 0s", "45s")."""
    d, rest = divmod(int(seconds), 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    if d:
        return f"{d}d {h}h {m}m {s}s"
    if h:
        return f"{h}h {m}m {s}s"
    if m:
        return f"{m}m {s}s"
    return f"{s}s"


def parse_duration(text: str) -> int:
    """Inverse of format_duration, for the simulator's own time estimates."""
    units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)\s*([dhms])", text))


def _stats(materials: Sequence[tuple[str, float]], estimated_s: int) -> dict[str, str]:
    """The statistics PrusaSlicer computes, formatted as it writes them (per tool ", ")."""
    grams = [g for _, g in materials]
    cm3 = [g / _DENSITY.get(t.upper(), 1.24) for t, g in materials]
    mm = [v * 1000 / _FILAMENT_AREA_MM2 for v in cm3]
    cost = [g * _PRICE_PER_KG / 1000 for g in grams]

    def join(values: list[float]) -> str:
        return ", ".join(f"{v:.2f}" for v in values)

    return {
        "filament used [mm]": join(mm),
        "filament used [cm3]": join(cm3),
        "filament used [g]": join(grams),
        "filament cost": join(cost),
        "total filament used [g]": f"{sum(grams):.2f}",
        "total filament cost": f"{sum(cost):.2f}",
        "total filament used for wipe tower [g]": "0.00",
        "estimated printing time (normal mode)": format_duration(estimated_s),
        "estimated printing time (silent mode)": format_duration(round(estimated_s * 1.03)),
        "estimated first layer printing time (normal mode)": format_duration(min(estimated_s, 212)),
    }


def _config(materials: Sequence[tuple[str, float]], printer_model: str) -> dict[str, str]:
    """A slice of the slicer config that printers and Prusa-Link read back as metadata."""
    first = materials[0][0].upper() if materials else "PLA"
    nozzle, bed = _TEMPS.get(first, (215, 60))
    return {
        "bed_temperature": ",".join(str(_TEMPS.get(t.upper(), (215, 60))[1]) for t, _ in materials)
        or str(bed),
        "brim_width": "0",
        "fill_density": "15%",
        "filament_type": ";".join(t for t, _ in materials),
        "ironing": "0",
        "layer_height": "0.2",
        "max_layer_z": "18.2",
        "nozzle_diameter": ",".join("0.4" for _ in materials) or "0.4",
        "printer_model": printer_model,
        "support_material": "0",
        "temperature": ",".join(str(_TEMPS.get(t.upper(), (215, 60))[0]) for t, _ in materials)
        or str(nozzle),
    }


def _gcode_head(slicer: str, thumbnail_format: str = "png") -> bytes:
    """Header comment plus PrusaSlicer's base64 thumbnail blocks (16x16 icon, 313x173 preview);
    QOI previews are marked `thumbnail_QOI`, PNG ones plain `thumbnail` (as PrusaSlicer does)."""
    lines = [f"; generated by {slicer} on 2025-07-13 at 09:15:14 UTC", ";", ""]
    tag = "thumbnail_QOI" if thumbnail_format == "qoi" else "thumbnail"
    for w, h in _THUMB_SIZES:
        b64 = base64.b64encode(_thumbnail(w, h, thumbnail_format)).decode()
        lines.append(";")
        lines.append(f"; {tag} begin {w}x{h} {len(b64)}")
        lines.extend(f"; {b64[i : i + 78]}" for i in range(0, len(b64), 78))
        lines.append(f"; {tag} end")
        lines.append(";")
    lines += ["", "M73 P0 R137", "M201 X4000 Y4000 Z200 E2500", "G28 ; home all without mesh", ""]
    return ("\n".join(lines) + "\n").encode()


def _gcode_foot(
    materials: Sequence[tuple[str, float]], estimated_s: int, printer_model: str
) -> bytes:
    """Statistics and config comments PrusaSlicer appends at the very end of the file."""
    lines = ["M107", "M84 X Y E ; disable motors", ""]
    lines += [f"; {k} = {v}" for k, v in _stats(materials, estimated_s).items()]
    lines += ["", "; prusaslicer_config = begin"]
    lines += [f"; {k} = {v}" for k, v in sorted(_config(materials, printer_model).items())]
    lines += ["; prusaslicer_config = end", ""]
    return "\n".join(lines).encode()


def _move_lines(count: int, start: int = 0) -> bytes:
    """Deterministic extrusion moves, so files are byte-for-byte reproducible."""
    return "".join(
        f"G1 X{(i * 7) % 250 + 0.125:.3f} Y{(i * 13) % 220 + 0.5:.3f} E{(i % 97) / 1000 + 0.01:.5f}\n"
        for i in range(start, start + count)
    ).encode()


def make_gcode(
    *,
    materials: Sequence[tuple[str, float]] = DEFAULT_MATERIALS,
    estimated_s: int = 8224,
    padding_lines: int = 200,
    slicer: str = DEFAULT_SLICER,
    printer_model: str = "COREONE",
    thumbnail_format: str = "png",
) -> bytes:
    """Plain G-code with the stats at the END, as PrusaSlicer writes it (forces a full read)."""
    return (
        _gcode_head(slicer, thumbnail_format)
        + _move_lines(padding_lines)
        + _gcode_foot(materials, estimated_s, printer_model)
    )


def iter_gcode(
    *,
    total_bytes: int,
    materials: Sequence[tuple[str, float]] = DEFAULT_MATERIALS,
    estimated_s: int = 8224,
    slicer: str = DEFAULT_SLICER,
    printer_model: str = "COREONE",
    chunk_size: int = 1 << 20,
) -> Iterator[bytes]:
    """Stream a G-code file of exactly total_bytes (when that exceeds head + stats) in chunks.

    Benchmarks need 100+ MB files; the body is one precomputed chunk repeated, so memory stays
    at about chunk_size.
    """
    head = _gcode_head(slicer)
    foot = _gcode_foot(materials, estimated_s, printer_model)
    yield head
    remaining = total_bytes - len(head) - len(foot)
    if remaining > 0:
        block = bytearray()
        i = 0
        while len(block) < chunk_size:
            block += _move_lines(256, i)
            i += 256
        cut = block.rfind(b"\n", 0, chunk_size) + 1
        pattern = bytes(block[:cut])
        while remaining >= len(pattern):
            yield pattern
            remaining -= len(pattern)
        if remaining:
            cut = pattern.rfind(b"\n", 0, remaining) + 1
            filler = remaining - cut
            tail = pattern[:cut]
            if filler == 1:
                tail += b"\n"
            elif filler > 1:
                tail += b";" + b" " * (filler - 2) + b"\n"
            yield tail
    yield foot


def _ini(values: dict[str, str]) -> bytes:
    return "".join(f"{k}={v}\n" for k, v in values.items()).encode()


def _block(block_type: int, params: bytes, data: bytes, *, compress: bool, checksum: bool) -> bytes:
    """One bgcode block: header, parameters, (deflated) data and an optional CRC32."""
    if compress:
        packed = zlib.compress(data)
        header = struct.pack("<HHII", block_type, 1, len(data), len(packed))
    else:
        packed = data
        header = struct.pack("<HHI", block_type, 0, len(data))
    body = header + params + packed
    if checksum:
        body += struct.pack("<I", zlib.crc32(body) & 0xFFFFFFFF)
    return body


def make_bgcode(
    *,
    materials: Sequence[tuple[str, float]] = DEFAULT_MATERIALS,
    estimated_s: int = 8224,
    checksum: bool = True,
    compress_metadata: bool = False,
    gcode_bytes: int = 4096,
    slicer: str = DEFAULT_SLICER,
    printer_model: str = "COREONE",
    thumbnail_format: str = "png",
) -> bytes:
    """Binary G-code in PrusaSlicer's block order; metadata comes before the first G-code block.

    `thumbnail_format` "qoi" writes QOI previews only (format 2), as PrusaSlicer 2.8+ does for
    the MK4S and Core One.
    """
    stats = _stats(materials, estimated_s)
    config = _config(materials, printer_model)
    ini = struct.pack("<H", 0)  # encoding parameter: 0 = INI
    meta = {"compress": compress_metadata, "checksum": checksum}
    out = bytearray(BGCODE_MAGIC + struct.pack("<IH", 1, 1 if checksum else 0))
    out += _block(BLOCK_FILE_METADATA, ini, _ini({"Producer": slicer}), **meta)
    printer = {
        "printer_model": printer_model,
        "filament_type": config["filament_type"],
        "nozzle_diameter": config["nozzle_diameter"],
        "bed_temperature": config["bed_temperature"],
        "brim_width": "0",
        "fill_density": "15%",
        "layer_height": "0.2",
        "temperature": config["temperature"],
        "ironing": "0",
        "support_material": "0",
        "max_layer_z": config["max_layer_z"],
        "extruder_colour": '""',
        "filament used [mm]": stats["filament used [mm]"],
        "filament used [g]": stats["filament used [g]"],
        "estimated printing time (normal mode)": stats["estimated printing time (normal mode)"],
        "estimated printing time (silent mode)": stats["estimated printing time (silent mode)"],
    }
    out += _block(BLOCK_PRINTER_METADATA, ini, _ini(printer), **meta)
    image_format = THUMBNAIL_QOI if thumbnail_format == "qoi" else THUMBNAIL_PNG
    for w, h in _THUMB_SIZES:
        params = struct.pack("<HHH", image_format, w, h)
        image = _thumbnail(w, h, thumbnail_format)
        out += _block(BLOCK_THUMBNAIL, params, image, compress=False, checksum=checksum)
    print_meta = {**stats, "filament_type": config["filament_type"]}
    out += _block(BLOCK_PRINT_METADATA, ini, _ini(print_meta), **meta)
    out += _block(BLOCK_SLICER_METADATA, ini, _ini(config), **meta)
    gcode = _move_lines(gcode_bytes // 20 + 1)[:gcode_bytes]
    for i in range(0, len(gcode), _GCODE_BLOCK_MAX):
        part = gcode[i : i + _GCODE_BLOCK_MAX]
        out += _block(BLOCK_GCODE, ini, part, compress=False, checksum=checksum)
    return bytes(out)


def iter_bgcode_blocks(data: bytes) -> Iterator[tuple[int, bytes, bytes]]:
    """Yield (type, params, uncompressed data) per block; the simulator reads its own files."""
    if data[:4] != BGCODE_MAGIC:
        raise ValueError("not a bgcode file")
    _version, checksum_type = struct.unpack_from("<IH", data, 4)
    pos = 10
    while pos + 8 <= len(data):
        block_type, compression, size = struct.unpack_from("<HHI", data, pos)
        pos += 8
        stored = size
        if compression:
            (stored,) = struct.unpack_from("<I", data, pos)
            pos += 4
        param_len = 6 if block_type == BLOCK_THUMBNAIL else 2
        params = data[pos : pos + param_len]
        payload = data[pos + param_len : pos + param_len + stored]
        pos += param_len + stored + (4 if checksum_type == 1 else 0)
        if compression == 1:
            payload = zlib.decompress(payload)
        elif compression:
            raise ValueError(f"unsupported compression {compression}")
        yield block_type, params, payload


_COMMENT_KV = re.compile(rb"^; ([^=\n;][^=\n]*?) = ([^\n]*)$", re.MULTILINE)
_THUMB_RE = re.compile(rb"; thumbnail begin (\d+)x(\d+) \d+\n(.*?); thumbnail end", re.DOTALL)


def read_metadata(data: bytes) -> dict[str, str]:
    """Slicer metadata of a print file as strings (bgcode blocks, or G-code tail comments)."""
    if data[:4] == BGCODE_MAGIC:
        result: dict[str, str] = {}
        order = (BLOCK_FILE_METADATA, BLOCK_SLICER_METADATA, BLOCK_PRINTER_METADATA)
        blocks: dict[int, dict[str, str]] = {}
        for block_type, _params, payload in iter_bgcode_blocks(data):
            if block_type == BLOCK_GCODE:
                break
            if block_type != BLOCK_THUMBNAIL:
                text = payload.decode("utf-8", "replace")
                kv = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
                blocks.setdefault(block_type, {}).update(kv)
        for block_type in (*order, BLOCK_PRINT_METADATA):  # print metadata wins
            result.update(blocks.get(block_type, {}))
        return result
    tail = data[-262144:]
    return {
        k.decode(errors="replace"): v.decode(errors="replace").strip()
        for k, v in _COMMENT_KV.findall(tail)
    }


def extract_thumbnails(data: bytes) -> list[tuple[int, int, bytes]]:
    """PNG previews (width, height, bytes) embedded in a print file, in file order."""
    found: list[tuple[int, int, bytes]] = []
    if data[:4] == BGCODE_MAGIC:
        for block_type, params, payload in iter_bgcode_blocks(data):
            if block_type == BLOCK_GCODE:
                break
            if block_type == BLOCK_THUMBNAIL:
                fmt, w, h = struct.unpack("<HHH", params)
                if fmt == THUMBNAIL_PNG:
                    found.append((w, h, payload))
        return found
    for w, h, body in _THUMB_RE.findall(data[:1048576]):
        b64 = b"".join(line[2:] for line in body.splitlines() if line.startswith(b"; "))
        found.append((int(w), int(h), base64.b64decode(b64)))
    return found
