"""A two-colour PNG from a module matrix: the badge's QR code, written without a library.

A 1-bit greyscale image (ISO/IEC 15948: IHDR, one IDAT, IEND; filter 0 on every row) is
all a QR code needs; building each pixel row once with bytes operations and repeating it
`scale` times costs a fraction of a millisecond, where a general image writer costs several.
Dark modules are black (bit 0), light modules and the quiet zone white (bit 1).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_NO_FILTER = b"\x00"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def monochrome_png(matrix: Sequence[bytes | bytearray], *, scale: int, border: int) -> bytes:
    """`matrix` rows hold 1 for a dark module and 0 for a light one; `border` is in modules."""
    if scale < 1 or border < 0 or not matrix:
        raise ValueError("a PNG needs a non-empty matrix, scale >= 1 and border >= 0")
    modules = len(matrix[0])
    width = (modules + 2 * border) * scale
    height = (len(matrix) + 2 * border) * scale
    row_bytes = (width + 7) // 8
    padding = "1" * (row_bytes * 8 - width)  # the unused low bits of a row's last byte
    light, dark = "1" * scale, "0" * scale
    margin = light * border
    blank = _NO_FILTER + b"\xff" * row_bytes
    rows = [blank * (border * scale)]
    for line in matrix:
        if len(line) != modules:
            raise ValueError("every matrix row must have the same length")
        bits = margin + "".join(dark if module else light for module in line) + margin + padding
        rows.append((_NO_FILTER + int(bits, 2).to_bytes(row_bytes, "big")) * scale)
    rows.append(blank * (border * scale))
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    return (
        SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + _chunk(b"IEND", b"")
    )
