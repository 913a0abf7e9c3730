"""Print-file metadata: G-code, binary G-code and 3MF built like the slicers write them."""

from __future__ import annotations

import base64
import io
import pathlib
import struct
import zipfile
import zlib

from PIL import Image
import pytest

from custom_components.printernizer.api.errors import MetadataError
from custom_components.printernizer.api.metadata import (
    StreamingMetadataReader,
    parse_duration,
    read_print_metadata,
)
from custom_components.printernizer.api.models import MaterialUsage, PrintMetadata
from tests.simulators.gcodefiles import make_bgcode, make_gcode, make_png, make_qoi, qoi_pattern
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
    """Bad base64, or a payload that is not the image it claims to be, gives no thumbnail."""
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


# -- edge cases ----------------------------------------------------------------------------------


def _bg_header(checksum: bool = False) -> bytes:
    return b"GCDE" + struct.pack("<IH", 1, 1 if checksum else 0)


def _bg_block(
    block_type: int,
    payload: bytes,
    *,
    compression: int = 0,
    stored: bytes | None = None,
    params: bytes | None = None,
) -> bytes:
    """One bgcode block; `stored` are the bytes on disk when they differ from `payload`."""
    if params is None:
        params = struct.pack("<H", 0)
    data = payload if stored is None else stored
    if compression:
        header = struct.pack("<HHII", block_type, compression, len(payload), len(data))
    else:
        header = struct.pack("<HHI", block_type, 0, len(payload))
    return header + params + data


_INI = b"filament used [g] = 7.5\nfilament_type = ASA\nestimated printing time (normal mode) = 1d 2h 3m\n"
_GCODE_BLOCK = _bg_block(1, b"G28\n")


def _feed_all(data: bytes, chunk: int) -> StreamingMetadataReader:
    reader = StreamingMetadataReader()
    for start in range(0, len(data), chunk):
        reader.feed(data[start : start + chunk])
    return reader


@pytest.mark.parametrize(
    ("text", "seconds"),
    [(",", None), ("1.5h", 5400), ("2H 3M", 7380), ("3m, 4s", 184), ("2.4", 2), ("h", None)],
)
def test_parse_duration_more_forms(text: str, seconds: int | None) -> None:
    """Fractions, upper case units and comma separators; a bare separator is no duration."""
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("chunk", [1, 4096, 1 << 20])
def test_bgcode_unknown_and_oversized_blocks_are_skipped(chunk: int) -> None:
    """An unknown block type and a > 4 MiB metadata block are skipped, at any chunking, and the
    metadata after them is still read."""
    unknown = _bg_block(9, b"\xff" * 300)
    big = _bg_block(2, b"k=v\n" * (1024 * 1024 + 10))
    data = _bg_header() + unknown + big + _bg_block(4, _INI) + _GCODE_BLOCK
    if chunk == 1:
        data = _bg_header() + unknown + _bg_block(4, _INI) + _GCODE_BLOCK  # keep it fast
    reader = _feed_all(data, chunk)
    assert reader.done
    meta = reader.result()
    assert meta.materials == (MaterialUsage("ASA", 7.5),)
    assert meta.estimated_seconds == 93780


def test_bgcode_deflate_forms_and_unsupported_compression() -> None:
    """zlib and raw deflate blocks are read; corrupt deflate and heatshrink blocks are ignored;
    a deflated PNG thumbnail is used, a "QOI" block holding a PNG is not."""
    raw = zlib.compressobj(wbits=-15)
    raw_deflate = raw.compress(b"printer_model = MK4S\n") + raw.flush()
    png = make_png(40, 30)
    data = (
        _bg_header(checksum=False)
        + _bg_block(4, _INI, compression=1, stored=zlib.compress(_INI))
        + _bg_block(3, b"printer_model = MK4S\n", compression=1, stored=raw_deflate)
        + _bg_block(2, b"filament_type = PC\n", compression=1, stored=b"not deflate")
        + _bg_block(2, b"filament used [g] = 99\n", compression=3, stored=b"\x00" * 10)
        + _bg_block(
            5, png, compression=1, stored=zlib.compress(png), params=struct.pack("<HHH", 0, 40, 30)
        )
        + _bg_block(5, make_png(90, 90), params=struct.pack("<HHH", 2, 90, 90))
        + _GCODE_BLOCK
    )
    reader = _feed_all(data, 64)
    meta = reader.result()
    assert meta.materials == (MaterialUsage("ASA", 7.5),)
    assert meta.printer_model == "MK4S"
    assert meta.thumbnail_png == png


def test_bgcode_checksummed_blocks_split_anywhere() -> None:
    """With CRCs (4 bytes per block) every block boundary still lines up."""
    body = _bg_block(4, _INI, compression=1, stored=zlib.compress(_INI))
    data = _bg_header(checksum=True) + body + b"CRC!" + _GCODE_BLOCK + b"CRC!"
    reader = _feed_all(data, 3)
    assert reader.done
    assert reader.result().estimated_seconds == 93780


def _thumb(width: int, height: int) -> tuple[str, bytes]:
    png = make_png(width, height)
    return base64.b64encode(png).decode(), png


def test_gcode_several_thumbnails_keeps_largest() -> None:
    """The largest complete preview wins, whatever the order; a smaller later one is skipped."""
    small, _ = _thumb(16, 16)
    large, large_png = _thumb(300, 200)
    medium, _ = _thumb(100, 100)
    text = "".join(
        f"; thumbnail_PNG begin {w}x{h} {len(b64)}\n; {b64}\n; thumbnail_PNG end\n"
        for w, h, b64 in ((16, 16, small), (300, 200, large), (100, 100, medium))
    )
    reader = StreamingMetadataReader()
    reader.feed(("G28\n" + text).encode())
    assert reader.result().thumbnail_png == large_png


def test_gcode_malformed_thumbnails() -> None:
    """A begin inside a block, an empty block and an unterminated (truncated) block give
    nothing; the complete small preview before them stays."""
    small, small_png = _thumb(20, 10)
    big, _ = _thumb(200, 200)
    text = (
        f"; thumbnail begin 20x10 {len(small)}\n; {small}\n; thumbnail end\n"
        f"; thumbnail begin 200x200 {len(big)}\n; {big[:100]}\n"
        f"; thumbnail begin 300x300 {len(big)}\n; {big}\n; thumbnail end\n"  # aborted block
        "; thumbnail begin 400x400 10\n; thumbnail end\n"  # empty
        f"; thumbnail begin 500x500 {len(big)}\n; {big[:200]}\n"  # file ends mid-block
    )
    reader = StreamingMetadataReader()
    reader.feed(text.encode())
    assert reader.result().thumbnail_png == small_png


def test_gcode_thumbnail_longer_than_limit_is_dropped() -> None:
    """A block whose data grows past the base64 limit (lying about its length) is dropped."""
    small, small_png = _thumb(20, 10)
    line = "; " + "A" * 76 + "\n"
    text = (
        f"; thumbnail begin 20x10 {len(small)}\n; {small}\n; thumbnail end\n"
        "; thumbnail begin 900x900 100\n"
        + line * (6 * 1024 * 1024 // 76)
        + "; thumbnail end\n; filament used [g] = 3\n; filament_type = PLA\n"
    )
    reader = StreamingMetadataReader()
    reader.feed(text.encode())
    meta = reader.result()
    assert meta.thumbnail_png == small_png
    assert meta.materials == (MaterialUsage("PLA", 3.0),)


def test_gcode_overlong_line_after_newline() -> None:
    """An overlong line starting right after a newline in the same chunk is skipped too."""
    reader = StreamingMetadataReader()
    reader.feed(b"G28\n; filament_type = PETG\n" + b"y" * (1024 * 1024 + 5))
    assert len(reader._carry) == 0
    reader.feed(b"yyy\n; filament used [g] = 1.25\n")
    assert reader.result().materials == (MaterialUsage("PETG", 1.25),)


def _zip(tmp_path: pathlib.Path, members: dict[str, bytes]) -> pathlib.Path:
    path = tmp_path / "x.3mf"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_3mf_without_slice_info(tmp_path: pathlib.Path) -> None:
    """A plain (unsliced) 3MF without slice_info is empty metadata, not an error."""
    meta = read_print_metadata(_zip(tmp_path, {"3D/3dmodel.model": b"<model/>"}))
    assert meta == PrintMetadata()


def test_3mf_oversized_slice_info(tmp_path: pathlib.Path) -> None:
    """A slice_info above 4 MiB is refused before it is read."""
    xml = b"<config>" + b" " * (4 * 1024 * 1024 + 1) + b"</config>"
    with pytest.raises(MetadataError, match="implausibly large"):
        read_print_metadata(_zip(tmp_path, {"Metadata/slice_info.config": xml}))


def test_3mf_several_plates_first_with_data(tmp_path: pathlib.Path) -> None:
    """Plates without weight or time are skipped; the first with data gives its own cover."""
    cover1, cover2 = make_png(8, 8), make_png(32, 16)
    xml = b"""<?xml version="1.0"?><config>
      <plate><metadata key="index" value="1"/><metadata key="prediction" value=""/></plate>
      <plate><metadata key="index" value="2"/><metadata key="prediction" value="1d 2h 3m"/>
        <metadata key="printer_model_id" value="N2S"/>
        <filament id="1" type="PETG" used_g="4.5"/><filament id="2" type="petg" used_g="0.5"/>
        <filament id="3" used_g="1"/></plate>
      <plate><metadata key="index" value="3"/><metadata key="prediction" value="60"/>
        <filament id="1" type="PLA" used_g="9"/></plate>
    </config>"""
    path = _zip(
        tmp_path,
        {
            "Metadata/slice_info.config": xml,
            "Metadata/plate_1.png": cover1,
            "Metadata/plate_2.png": cover2,
        },
    )
    meta = read_print_metadata(path)
    assert meta.materials == (MaterialUsage("PETG", 5.0), MaterialUsage("unknown", 1.0))
    assert meta.estimated_seconds == 93780
    assert meta.thumbnail_png == cover2
    assert meta.printer_model == "N2S"


def test_3mf_plate_without_weight(tmp_path: pathlib.Path) -> None:
    """A plate with a time but no filament gives the time, no materials, and no cover if the
    plate's PNG is missing; a plate with neither gives nothing."""
    xml = b'<config><plate><metadata key="prediction" value="45m 10s"/></plate></config>'
    meta = read_print_metadata(_zip(tmp_path, {"Metadata/slice_info.config": xml}))
    assert meta.materials == ()
    assert meta.total_grams is None
    assert meta.estimated_seconds == 2710
    assert meta.thumbnail_png is None
    assert meta.printer_model is None
    empty = b'<config><plate><metadata key="index" value="1"/></plate></config>'
    (tmp_path / "x.3mf").unlink()
    meta = read_print_metadata(_zip(tmp_path, {"Metadata/slice_info.config": empty}))
    assert meta == PrintMetadata()


def test_3mf_broken_xml(tmp_path: pathlib.Path) -> None:
    """Unparseable slice_info is a MetadataError."""
    path = _zip(tmp_path, {"Metadata/slice_info.config": b"<config><plate>"})
    with pytest.raises(MetadataError, match="cannot read 3MF"):
        read_print_metadata(path)


# -- QOI previews (PrusaSlicer 2.8+ for MK4S / Core One) -----------------------------------------


def _rgba(png: bytes) -> bytes:
    image = Image.open(io.BytesIO(png))
    return image.convert("RGBA").tobytes()


@pytest.mark.parametrize("checksum", [True, False])
def test_bgcode_with_only_qoi_thumbnails(tmp_path: pathlib.Path, checksum: bool) -> None:
    """Defect 4: a bgcode whose previews are QOI (format 2) only yields the largest one as PNG."""
    data = make_bgcode(printer_model="MK4S", thumbnail_format="qoi", checksum=checksum)
    meta = read_print_metadata(_write(tmp_path, "hook.bgcode", data))
    assert meta.printer_model == "MK4S"
    assert meta.materials == (MaterialUsage("PETG", 21.37),)
    assert meta.thumbnail_png is not None
    assert _png_size(meta.thumbnail_png) == (313, 173)
    assert _rgba(meta.thumbnail_png) == qoi_pattern(313, 173)


def test_gcode_with_qoi_thumbnails(tmp_path: pathlib.Path) -> None:
    """Defect 4: `; thumbnail_QOI begin` blocks in plain G-code are decoded to PNG."""
    data = make_gcode(thumbnail_format="qoi", printer_model="COREONE")
    assert b"; thumbnail_QOI begin 313x173 " in data
    meta = read_print_metadata(_write(tmp_path, "hook.gcode", data))
    assert meta.thumbnail_png is not None
    assert _png_size(meta.thumbnail_png) == (313, 173)
    assert _rgba(meta.thumbnail_png) == qoi_pattern(313, 173)


def test_streamed_qoi_decodes_only_in_result() -> None:
    """Feeding (done in the event loop) keeps the QOI bytes; `result` decodes them."""
    data = make_bgcode(thumbnail_format="qoi")
    reader = _feed_all(data, 4096)
    assert reader.done
    assert reader._thumbnail is not None
    assert reader._thumbnail.startswith(b"qoif")
    assert _png_size(reader.result().thumbnail_png or b"") == (313, 173)


def test_png_wins_a_tie_and_the_larger_preview_wins() -> None:
    """Same size in PNG and QOI: the PNG is taken as it is; a larger QOI beats a smaller PNG."""
    png = make_png(40, 30)
    qoi_small = make_qoi(40, 30, qoi_pattern(40, 30))
    qoi_large = make_qoi(60, 50, qoi_pattern(60, 50))
    params = struct.pack("<HHH", 2, 40, 30)
    tie = (
        _bg_header()
        + _bg_block(5, qoi_small, params=params)
        + _bg_block(5, png, params=struct.pack("<HHH", 0, 40, 30))
        + _bg_block(5, qoi_small, params=params)
        + _GCODE_BLOCK
    )
    assert _feed_all(tie, 100).result().thumbnail_png == png
    larger = (
        _bg_header()
        + _bg_block(5, png, params=struct.pack("<HHH", 0, 40, 30))
        + _bg_block(5, qoi_large, params=struct.pack("<HHH", 2, 60, 50))
        + _bg_block(5, make_png(8, 8), params=struct.pack("<HHH", 1, 99, 99))  # JPG: skipped
        + _GCODE_BLOCK
    )
    assert _rgba(_feed_all(larger, 100).result().thumbnail_png or b"") == qoi_pattern(60, 50)


def test_broken_or_oversized_qoi_gives_no_thumbnail() -> None:
    """A QOI preview that does not decode, or is above the pixel limit, is no preview."""
    broken = make_qoi(40, 30, qoi_pattern(40, 30))[:-60] + b"\x00" * 7 + b"\x01"
    huge = (
        b"qoif" + struct.pack(">IIBB", 5000, 5000, 4, 0) + b"\xfe\x01\x02\x03" + bytes(7) + b"\x01"
    )
    for image, (w, h) in ((broken, (40, 30)), (huge, (5000, 5000))):
        data = _bg_header() + _bg_block(5, image, params=struct.pack("<HHH", 2, w, h))
        assert _feed_all(data + _GCODE_BLOCK, 100).result().thumbnail_png is None
