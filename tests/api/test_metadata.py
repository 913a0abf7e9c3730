"""Print-file metadata: G-code, binary G-code and 3MF built like the slicers write them."""

from __future__ import annotations

import base64
import pathlib
import struct
import zipfile

import pytest

from custom_components.printernizer.api.errors import MetadataError
from custom_components.printernizer.api.metadata import (
    StreamingMetadataReader,
    parse_duration,
    read_print_metadata,
)
from custom_components.printernizer.api.models import MaterialUsage
from tests.simulators.gcodefiles import make_bgcode, make_gcode, make_png
from tests.simulators.threemf import make_3mf


def _png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", png[16:24])


def _write(tmp_path: pathlib.Path, name: str, data: bytes) -> pathlib.Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("2h 17m 4s", 8224),
        ("1d 2h 3m", 93780),
        ("45m 10s", 2710),
        ("1d 0h 3m 0s", 86580),
        ("59s", 59),
        (" 3725 ", 3725),
        ("", None),
        ("soon", None),
        ("2h and a bit", None),
    ],
)
def test_parse_duration(text: str, seconds: int | None) -> None:
    """PrusaSlicer's estimate strings, seconds, and garbage."""
    assert parse_duration(text) == seconds


def test_gcode(tmp_path: pathlib.Path) -> None:
    """Stats at the end of plain G-code: grams, type, time, model, largest thumbnail."""
    path = _write(tmp_path, "a.gcode", make_gcode(materials=[("PETG", 21.37)], estimated_s=8224))
    meta = read_print_metadata(path)
    assert meta.materials == (MaterialUsage("PETG", 21.37),)
    assert meta.estimated_seconds == 8224
    assert meta.printer_model == "COREONE"
    assert meta.thumbnail_png is not None
    assert _png_size(meta.thumbnail_png) == (313, 173)  # the larger of 16x16 and 313x173


def test_gcode_multi_extruder(tmp_path: pathlib.Path) -> None:
    """Grams pair with types by position; unused extruders drop; same material sums."""
    data = make_gcode(materials=[("PLA", 10.5), ("PETG", 0.0), ("pla", 2.25), ("ASA", 4.0)])
    meta = read_print_metadata(_write(tmp_path, "m.gcode", data))
    assert meta.materials == (MaterialUsage("PLA", 12.75), MaterialUsage("ASA", 4.0))
    assert meta.total_grams == pytest.approx(16.75)


@pytest.mark.parametrize("checksum", [True, False])
@pytest.mark.parametrize("compress", [True, False])
def test_bgcode(tmp_path: pathlib.Path, checksum: bool, compress: bool) -> None:
    """Binary G-code with/without CRC and deflated metadata blocks."""
    data = make_bgcode(
        materials=[("PLA", 96.4), ("PETG", 3.1)],
        estimated_s=18120,
        checksum=checksum,
        compress_metadata=compress,
    )
    meta = read_print_metadata(_write(tmp_path, "b.bgcode", data))
    assert meta.materials == (MaterialUsage("PLA", 96.4), MaterialUsage("PETG", 3.1))
    assert meta.estimated_seconds == 18120
    assert meta.printer_model == "COREONE"
    assert meta.thumbnail_png is not None
    assert _png_size(meta.thumbnail_png) == (313, 173)


def test_bgcode_stream_stops_at_first_gcode_block() -> None:
    """The reader is done at the first G-code block: a few KB of a 3 MB file."""
    data = make_bgcode(gcode_bytes=3_000_000)
    reader = StreamingMetadataReader()
    for start in range(0, len(data), 4096):
        reader.feed(data[start : start + 4096])
        if reader.done:
            break
    assert reader.done
    assert reader.format == "bgcode"
    assert reader.bytes_read < 64 * 1024 < len(data)
    assert reader.result().materials == (MaterialUsage("PETG", 21.37),)


@pytest.mark.parametrize("chunk", [1, 7, 4096, 1 << 20])
def test_stream_chunking_does_not_matter(chunk: int) -> None:
    """Lines and blocks split across chunks at any boundary parse the same."""
    for data in (make_gcode(padding_lines=50), make_bgcode(compress_metadata=True)):
        reader = StreamingMetadataReader()
        for start in range(0, len(data), chunk):
            reader.feed(data[start : start + chunk])
        meta = reader.result()
        assert meta.materials == (MaterialUsage("PETG", 21.37),)
        assert meta.estimated_seconds == 8224
        assert meta.thumbnail_png is not None


def test_gcode_without_trailing_newline_and_overlong_lines() -> None:
    """A 3 MB line without newline is skipped (bounded memory); later keys still count."""
    reader = StreamingMetadataReader()
    reader.feed(b"G28\n; filament_type = PLA\nM117 ")
    for _ in range(3):
        reader.feed(b"x" * 1_000_000)
    reader.feed(b"\n; filament used [g] = 5.5\n; estimated printing time (normal mode) = 1m 1s")
    assert len(reader._carry) < 2 * 1024 * 1024
    meta = reader.result()
    assert meta.materials == (MaterialUsage("PLA", 5.5),)
    assert meta.estimated_seconds == 61


def test_broken_thumbnail_is_ignored() -> None:
    """Bad base64 or a non-PNG payload gives no thumbnail, not an error."""
    good = base64.b64encode(make_png(20, 10)).decode()
    text = (
        f"; thumbnail begin 20x10 {len(good)}\n; {good}\n; thumbnail end\n"
        "; thumbnail begin 400x300 12\n; !!!notbase64!!\n; thumbnail end\n"
        f"; thumbnail_QOI begin 500x500 {len(good)}\n; {good}\n; thumbnail_QOI end\n"
    )
    reader = StreamingMetadataReader()
    reader.feed(text.encode())
    png = reader.result().thumbnail_png
    assert png is not None
    assert _png_size(png) == (20, 10)


def test_3mf(tmp_path: pathlib.Path) -> None:
    """Bambu slice_info: grams per filament summed per type, prediction, plate_1.png."""
    cover = make_png(64, 48)
    data = make_3mf(
        filaments=[("PLA", 12.34), ("PETG", 5.0), ("PLA", 1.66)], prediction_s=3725, plate_png=cover
    )
    meta = read_print_metadata(_write(tmp_path, "p.gcode.3mf", data))
    assert meta.materials == (MaterialUsage("PLA", 14.0), MaterialUsage("PETG", 5.0))
    assert meta.estimated_seconds == 3725
    assert meta.thumbnail_png == cover
    assert meta.printer_model == "C12"


def test_3mf_header_only_is_empty(tmp_path: pathlib.Path) -> None:
    """An unsliced project has only the slice_info header: nothing known."""
    meta = read_print_metadata(_write(tmp_path, "u.3mf", make_3mf(with_plate=False)))
    assert meta.materials == ()
    assert meta.estimated_seconds is None
    assert meta.total_grams is None


def test_3mf_with_dtd_refused(tmp_path: pathlib.Path) -> None:
    """Entity declarations (billion laughs) are refused before parsing."""
    path = tmp_path / "evil.3mf"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "Metadata/slice_info.config",
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><config>&a;</config>',
        )
    with pytest.raises(MetadataError):
        read_print_metadata(path)


def test_truncated_zip_raises_metadata_error(tmp_path: pathlib.Path) -> None:
    """A cut 3MF download is a MetadataError, not a zipfile exception."""
    data = make_3mf()
    with pytest.raises(MetadataError):
        read_print_metadata(_write(tmp_path, "cut.3mf", data[: len(data) // 2]))


def test_streaming_zip_gives_up_at_once() -> None:
    """A 3MF cannot be read as a stream (directory at the end): done, empty."""
    reader = StreamingMetadataReader()
    reader.feed(make_3mf()[:100])
    assert reader.done
    assert reader.result().materials == ()


def test_unknown_text_file(tmp_path: pathlib.Path) -> None:
    """A file without slicer comments yields empty metadata."""
    meta = read_print_metadata(_write(tmp_path, "x.gcode", b"G28\nG1 X10\n"))
    assert meta.materials == ()
    assert meta.estimated_seconds is None
    assert meta.thumbnail_png is None
