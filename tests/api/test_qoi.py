"""QOI to PNG: every QOI operation, checked against the source pixels and against Pillow."""

from __future__ import annotations

import io
import struct

from PIL import Image
import pytest

from custom_components.printernizer.api.errors import MetadataError
from custom_components.printernizer.api.qoi import qoi_to_png
from tests.simulators.gcodefiles import make_qoi, qoi_pattern


def _pixels(png: bytes) -> tuple[tuple[int, int], str, bytes]:
    """Size, mode and RGBA pixels of a PNG, as Pillow reads it."""
    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.format == "PNG"
    return image.size, image.mode, image.convert("RGBA").tobytes()


@pytest.mark.parametrize(
    ("width", "height", "channels"),
    [(313, 173, 4), (16, 16, 4), (16, 16, 3), (1, 1, 4), (200, 3, 3), (64, 64, 4)],
)
def test_decodes_to_the_source_pixels(width: int, height: int, channels: int) -> None:
    """The PNG holds exactly the encoded pixels; RGB images stay RGB, RGBA keep their alpha."""
    source = qoi_pattern(width, height, alpha=channels == 4)
    data = make_qoi(width, height, source, channels=channels)
    size, mode, pixels = _pixels(qoi_to_png(data, max_pixels=width * height))
    assert size == (width, height)
    assert mode == ("RGBA" if channels == 4 else "RGB")
    assert pixels == source


def test_agrees_with_pillow() -> None:
    """Pillow's own QOI reader sees the same image in the test encoder's bytes as we do."""
    data = make_qoi(313, 173, qoi_pattern(313, 173))
    reference = Image.open(io.BytesIO(data))
    assert reference.format == "QOI"
    assert _pixels(qoi_to_png(data, max_pixels=10**6))[2] == reference.convert("RGBA").tobytes()


def test_long_runs_and_index_hits() -> None:
    """A one-colour image is runs of 62 pixels; a two-colour checkerboard is index hits."""
    flat = bytes((12, 34, 56, 255)) * (100 * 7)
    data = make_qoi(100, 7, flat)
    assert len(data) < 14 + 8 + 20
    assert _pixels(qoi_to_png(data, max_pixels=700))[2] == flat
    checker = b"".join(
        bytes((255, 255, 255, 255) if (x + y) % 2 else (0, 0, 0, 255))
        for y in range(9)
        for x in range(9)
    )
    assert _pixels(qoi_to_png(make_qoi(9, 9, checker), max_pixels=81))[2] == checker


def test_size_limit_is_checked_before_decoding() -> None:
    """An image above the limit is refused by its header alone (a bomb never decodes)."""
    header = b"qoif" + struct.pack(">IIBB", 40000, 40000, 4, 0)
    with pytest.raises(MetadataError, match="larger than allowed"):
        qoi_to_png(header + b"\x00" * 7 + b"\x01", max_pixels=1024 * 1024)
    data = make_qoi(32, 32, qoi_pattern(32, 32))
    with pytest.raises(MetadataError, match="larger than allowed"):
        qoi_to_png(data, max_pixels=32 * 32 - 1)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not a QOI image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 30, "not a QOI image"),
        (b"qoif" + struct.pack(">IIBB", 4, 4, 5, 0) + b"\x00" * 7 + b"\x01", "invalid"),
        (b"qoif" + struct.pack(">IIBB", 4, 4, 4, 2) + b"\x00" * 7 + b"\x01", "invalid"),
        (b"qoif" + struct.pack(">IIBB", 0, 4, 4, 0) + b"\x00" * 7 + b"\x01", "invalid"),
        (b"qoif" + struct.pack(">IIBB", 4, 4, 4, 0) + b"\x00" * 7 + b"\x01", "ends before"),
    ],
)
def test_broken_images_raise(data: bytes, message: str) -> None:
    """Not QOI, a bad header, or no pixel data: MetadataError, never an IndexError."""
    with pytest.raises(MetadataError, match=message):
        qoi_to_png(data, max_pixels=1024)


def test_truncated_stream_raises() -> None:
    """Cut anywhere, the image is refused instead of decoding garbage or reading past it."""
    data = make_qoi(20, 20, qoi_pattern(20, 20))
    for cut in range(22, len(data) - 8, 7):
        with pytest.raises(MetadataError):
            qoi_to_png(data[:cut] + b"\x00" * 7 + b"\x01", max_pixels=400)


def test_stream_ending_inside_the_last_pixel_raises() -> None:
    """An RGB operation whose colour bytes would be the end marker is a cut image."""
    data = b"qoif" + struct.pack(">IIBB", 1, 1, 3, 0) + b"\xfe" + b"\x00" * 7 + b"\x01"
    with pytest.raises(MetadataError, match="inside a pixel"):
        qoi_to_png(data, max_pixels=1)
