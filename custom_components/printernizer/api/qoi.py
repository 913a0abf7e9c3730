"""QOI images (https://qoiformat.org) to PNG, in pure Python.

PrusaSlicer 2.8+ writes only QOI thumbnails for the MK4S and Core One (bgcode thumbnail format
2, `; thumbnail_QOI begin` in G-code), while Home Assistant's image entity and the panel show
PNG. Decoding costs about a second per megapixel here: call it from the executor only.
"""

from __future__ import annotations

import struct
import zlib

from .errors import MetadataError

QOI_MAGIC = b"qoif"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

_HEADER = struct.Struct(">4sIIBB")
_END_MARKER = b"\x00" * 7 + b"\x01"
_OP_RGB = 0xFE
_OP_RGBA = 0xFF
_OP_INDEX = 0x00
_OP_DIFF = 0x40
_OP_LUMA = 0x80
_MASK = 0xC0


def qoi_to_png(data: bytes, *, max_pixels: int) -> bytes:
    """Decode a QOI image and encode it as PNG (RGB or RGBA, as the image says).

    Raises MetadataError for anything that is not a complete, valid QOI image or that has more
    than `max_pixels` pixels (the limit is checked before any pixel is decoded).
    """
    if len(data) < _HEADER.size + len(_END_MARKER) or not data.startswith(QOI_MAGIC):
        raise MetadataError("not a QOI image")
    _, width, height, channels, colorspace = _HEADER.unpack_from(data)
    if channels not in (3, 4) or colorspace > 1 or not width or not height:
        raise MetadataError(f"QOI header is invalid ({width}x{height}, {channels} channels)")
    if width * height > max_pixels:
        raise MetadataError(f"QOI image of {width}x{height} is larger than allowed")
    pixels = _decode(data, width * height, channels)
    return _png(pixels, width, height, channels)


def _decode(data: bytes, count: int, channels: int) -> bytes:
    """The pixels, `channels` bytes each, row by row (the QOI specification, section by section).

    Kept in one function with local names: it runs once per pixel operation.
    """
    out = bytearray(count * channels)
    index = [(0, 0, 0, 0)] * 64
    r = g = b = 0
    a = 255
    pos = _HEADER.size
    end = len(data) - len(_END_MARKER)
    run = 0
    write = 0
    rgba = channels == 4
    for _ in range(count):
        if run:
            run -= 1
        else:
            if pos >= end:
                raise MetadataError("QOI data ends before the last pixel")
            byte = data[pos]
            pos += 1
            if byte == _OP_RGB:
                r, g, b = data[pos], data[pos + 1], data[pos + 2]
                pos += 3
            elif byte == _OP_RGBA:
                r, g, b, a = data[pos], data[pos + 1], data[pos + 2], data[pos + 3]
                pos += 4
            else:
                tag = byte & _MASK
                if tag == _OP_INDEX:
                    r, g, b, a = index[byte]
                elif tag == _OP_DIFF:
                    r = (r + ((byte >> 4) & 3) - 2) & 0xFF
                    g = (g + ((byte >> 2) & 3) - 2) & 0xFF
                    b = (b + (byte & 3) - 2) & 0xFF
                elif tag == _OP_LUMA:
                    second = data[pos]
                    pos += 1
                    dg = (byte & 0x3F) - 32
                    r = (r + dg - 8 + ((second >> 4) & 0x0F)) & 0xFF
                    g = (g + dg) & 0xFF
                    b = (b + dg - 8 + (second & 0x0F)) & 0xFF
                else:  # QOI_OP_RUN: this pixel and `run` more like the previous one
                    run = byte & 0x3F
            index[(r * 3 + g * 5 + b * 7 + a * 11) % 64] = (r, g, b, a)
        out[write] = r
        out[write + 1] = g
        out[write + 2] = b
        if rgba:
            out[write + 3] = a
        write += channels
    if pos > end:
        raise MetadataError("QOI data ends inside a pixel")
    return bytes(out)


def _png(pixels: bytes, width: int, height: int, channels: int) -> bytes:
    """A PNG of 8-bit RGB or RGBA rows, each with filter type 0 (none)."""
    stride = width * channels
    raw = b"".join(b"\x00" + pixels[row : row + stride] for row in range(0, len(pixels), stride))
    header = struct.pack(">IIBBBBB", width, height, 8, 6 if channels == 4 else 2, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 6))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, body: bytes) -> bytes:
    return (
        struct.pack(">I", len(body))
        + kind
        + body
        + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    )
