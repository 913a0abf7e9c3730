"""Realistic Bambu Studio sliced 3MF files built in memory.

The integration reads grams, metres, print time and the cover image from these archives
(reference §3), so the files must be real ZIPs with the same member names and XML/JSON shapes
Bambu Studio writes, not stubs.
"""

from __future__ import annotations

import io
import json
import math
import struct
from xml.sax.saxutils import quoteattr
import zipfile
import zlib

__all__ = ["DENSITY_G_CM3", "make_3mf", "tiny_png"]

#: Typical densities (g/cm³) used to derive ``used_m`` from grams like the slicer does.
DENSITY_G_CM3: dict[str, float] = {
    "PLA": 1.24,
    "PETG": 1.27,
    "ABS": 1.04,
    "ASA": 1.07,
    "TPU": 1.22,
    "PA": 1.14,
    "PC": 1.20,
}
_COLOURS = ("#FFFFFF", "#000000", "#FF0000", "#0A2989", "#00AE42", "#F4EE2A")
_FILAMENT_DIAMETER_MM = 1.75


def tiny_png(width: int = 4, height: int = 4, rgb: tuple[int, int, int] = (255, 0, 0)) -> bytes:
    """Return a valid RGB PNG of one colour (real chunks and CRCs, so image decoders accept it)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    row = b"\x00" + bytes(rgb) * width  # filter type 0 per scanline
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def _metres(material: str, grams: float) -> float:
    """Filament length for ``grams`` of 1.75 mm filament, as the slicer computes it."""
    density = DENSITY_G_CM3.get(material.upper(), 1.24)
    area_cm2 = math.pi * (_FILAMENT_DIAMETER_MM / 20) ** 2
    return grams / (density * area_cm2) / 100


def _fmt_duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes}m {secs}s" if hours else f"{minutes}m {secs}s"


def _slice_info(
    filaments: list[tuple[str, float]], prediction_s: int, printer_model_id: str, with_plate: bool
) -> str:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<config>",
        "  <header>",
        '    <header_item key="X-BBL-Client-Type" value="slicer"/>',
        '    <header_item key="X-BBL-Client-Version" value="02.01.01.52"/>',
        "  </header>",
    ]
    if with_plate:
        total = sum(grams for _, grams in filaments)
        meta = {
            "index": "1",
            "extruder_type": "0",
            "nozzle_volume_type": "0",
            "printer_model_id": printer_model_id,
            "nozzle_diameters": "0.4",
            "timelapse_type": "0",
            "prediction": str(prediction_s),
            "weight": f"{total:.2f}",
            "outside": "false",
            "support_used": "false",
            "label_object_enabled": "true",
            "first_layer_time": "214.5",
            "filament_maps": " ".join("1" for _ in filaments),
        }
        lines.append("  <plate>")
        lines += [
            f"    <metadata key={quoteattr(k)} value={quoteattr(v)}/>" for k, v in meta.items()
        ]
        lines.append('    <object identify_id="75" name="cube.stl" skipped="false" />')
        for idx, (material, grams) in enumerate(filaments, start=1):
            colour = _COLOURS[(idx - 1) % len(_COLOURS)]
            lines.append(
                f'    <filament id="{idx}" tray_info_idx="GF{material[:1].upper()}99"'
                f' type={quoteattr(material)} color="{colour}"'
                f' used_m="{_metres(material, grams):.2f}" used_g="{grams:.2f}"'
                ' used_for_object="true" used_for_support="false" group_id="0"'
                ' nozzle_diameter="0.40" volume_type="Standard"/>'
            )
        lines.append("  </plate>")
    lines.append("</config>")
    return "\n".join(lines) + "\n"


def _moves(count: int) -> str:
    """Deterministic, poorly compressible extrusion moves so files have realistic sizes."""
    seed, lines = 12345, []
    for _ in range(count):
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        x, y = 20 + seed % 21000 / 100, 20 + (seed >> 8) % 21000 / 100
        lines.append(f"G1 X{x:.3f} Y{y:.3f} E{(seed % 997) / 10000:.5f}\n")
    return "".join(lines)


def _gcode(filaments: list[tuple[str, float]], prediction_s: int, moves: int) -> str:
    weights = ",".join(f"{g:.2f}" for _, g in filaments)
    lengths = ",".join(f"{_metres(m, g) * 1000:.2f}" for m, g in filaments)
    densities = ",".join(f"{DENSITY_G_CM3.get(m.upper(), 1.24):.2f}" for m, _ in filaments)
    model_s = max(prediction_s - 420, 0)
    return (
        "; HEADER_BLOCK_START\n"
        "; BambuStudio 02.01.01.52\n"
        f"; model printing time: {_fmt_duration(model_s)};"
        f" total estimated time: {_fmt_duration(prediction_s)}\n"
        "; total layer number: 50\n"
        f"; total filament length [mm] : {lengths}\n"
        f"; total filament weight [g] : {weights}\n"
        f"; filament_density: {densities}\n"
        "; filament_diameter: 1.75\n"
        "; max_z_height: 10.00\n"
        f"; filament: {','.join(str(i) for i in range(1, len(filaments) + 1))}\n"
        "; HEADER_BLOCK_END\n"
        "\n"
        "; EXECUTABLE_BLOCK_START\n"
        "M73 P0 R62\n"
        "G28\n"
        "G1 Z0.2 F3000\n"
        "G1 X10 Y10 E1.5 F1500\n"
        f"{_moves(moves)}"
        "M73 P100 R0\n"
        "; EXECUTABLE_BLOCK_END\n"
    )


_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
 <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
 <Default Extension="model" ContentType="application/vnd.ms-package.3dmanufacturing-3dmodel+xml"/>
 <Default Extension="png" ContentType="image/png"/>
 <Default Extension="gcode" ContentType="text/x.gcode"/>
</Types>
"""
_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
 <Relationship Target="/3D/3dmodel.model" Id="rel-1" Type="http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"/>
 <Relationship Target="/Metadata/plate_1.png" Id="rel-2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail"/>
</Relationships>
"""
_MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<model unit="millimeter" xml:lang="en-US" xmlns="http://schemas.microsoft.com/3dmanufacturing/core/2015/02">
 <metadata name="Application">BambuStudio-02.01.01.52</metadata>
 <resources>
  <object id="1" type="model">
   <mesh>
    <vertices>
     <vertex x="0" y="0" z="0"/><vertex x="10" y="0" z="0"/><vertex x="0" y="10" z="0"/><vertex x="0" y="0" z="10"/>
    </vertices>
    <triangles>
     <triangle v1="0" v2="2" v3="1"/><triangle v1="0" v2="1" v3="3"/><triangle v1="0" v2="3" v3="2"/><triangle v1="1" v2="2" v3="3"/>
    </triangles>
   </mesh>
  </object>
 </resources>
 <build><item objectid="1"/></build>
</model>
"""


def make_3mf(
    *,
    filaments: list[tuple[str, float]] | None = None,
    prediction_s: int = 3725,
    plate_png: bytes | None = None,
    printer_model_id: str = "C12",
    with_plate: bool = True,
    filament_costs: list[str] | None = None,
    gcode_moves: int = 20,
) -> bytes:
    """Build a sliced Bambu 3MF (ZIP) in memory.

    ``filaments`` is ``[(material, grams), ...]`` in slicer order (default ``[("PLA", 12.34)]``);
    ``filament_costs`` are the slicer's price-per-kg strings for project_settings.config
    (default "24.99" each); ``gcode_moves`` pads the plate G-code with that many moves
    (about 12 compressed bytes each) for realistic file sizes. ``with_plate=False`` writes an unsliced project: slice_info has
    only the header and there is no plate G-code.
    """
    if filaments is None:
        filaments = [("PLA", 12.34)]
    if filament_costs is None:
        filament_costs = ["24.99"] * len(filaments)
    settings = {
        "printer_model": "Bambu Lab P1S",
        "printer_settings_id": "Bambu Lab P1S 0.4 nozzle",
        "filament_type": [m for m, _ in filaments],
        "filament_cost": filament_costs,
        "filament_density": [f"{DENSITY_G_CM3.get(m.upper(), 1.24):g}" for m, _ in filaments],
        "filament_colour": [_COLOURS[i % len(_COLOURS)] for i in range(len(filaments))],
        "filament_settings_id": [f"Generic {m} @BBL P1S" for m, _ in filaments],
        "nozzle_diameter": ["0.4"],
    }
    plate_json = {"bed_type": "textured_plate", "nozzle_diameter": 0.4, "version": 2}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("3D/3dmodel.model", _MODEL)
        zf.writestr(
            "Metadata/slice_info.config",
            _slice_info(filaments, prediction_s, printer_model_id, with_plate),
        )
        zf.writestr("Metadata/project_settings.config", json.dumps(settings, indent=4))
        zf.writestr("Metadata/plate_1.png", plate_png if plate_png is not None else tiny_png())
        if with_plate:
            zf.writestr("Metadata/plate_1.json", json.dumps(plate_json))
            zf.writestr("Metadata/plate_1.gcode", _gcode(filaments, prediction_s, gcode_moves))
    return buf.getvalue()
