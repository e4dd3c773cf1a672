"""The badge PNG, decoded back pixel by pixel: the QR matrix scaled, bordered, nothing shifted.

The decoder below is written from the PNG specification (chunks and CRCs, zlib, the five row
filters, 1-bit greyscale), independently of the encoder; segno's own PNG writer is a second
reference for the same symbol.
"""

from __future__ import annotations

import io
import struct
import uuid
import zlib

import pytest
import segno
from forum_notifications.extras import BADGE_BORDER, BADGE_MASK, BADGE_SCALE, badge_image
from forum_notifications.png import SIGNATURE, monochrome_png
from forum_shared.links import badge_code

Pixels = list[list[int]]  # 1 = white, 0 = black


def _paeth(left: int, up: int, up_left: int) -> int:
    estimate = left + up - up_left
    distances = (abs(estimate - left), abs(estimate - up), abs(estimate - up_left))
    return (left, up, up_left)[distances.index(min(distances))]


def _unfilter(raw: bytes, row_bytes: int, height: int) -> list[bytes]:
    """Undo the per-row filters (bytes per pixel is 1 at a bit depth of 1)."""
    rows: list[bytes] = []
    previous = bytearray(row_bytes)
    stride = row_bytes + 1
    assert len(raw) == stride * height, "IDAT does not hold exactly `height` rows"
    for y in range(height):
        kind, line = raw[y * stride], bytearray(raw[y * stride + 1 : (y + 1) * stride])
        for x in range(row_bytes):
            left = line[x - 1] if x else 0
            up, up_left = previous[x], previous[x - 1] if x else 0
            predictor = (0, left, up, (left + up) // 2, _paeth(left, up, up_left))[kind]
            line[x] = (line[x] + predictor) & 0xFF
        rows.append(bytes(line))
        previous = line
    return rows


def decode_png(data: bytes) -> Pixels:
    assert data.startswith(SIGNATURE)
    offset, chunks = len(SIGNATURE), []
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(kind + body), f"bad CRC in {kind!r}"
        chunks.append((kind, body))
        offset += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1] == (b"IEND", b"")
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", chunks[0][1]
    )
    assert (depth, colour, compression, filtering, interlace) == (1, 0, 0, 0, 0)
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    rows = _unfilter(raw, (width + 7) // 8, height)
    return [[(row[x // 8] >> (7 - x % 8)) & 1 for x in range(width)] for row in rows]


def expected_pixels(
    matrix: list[bytearray] | tuple[bytearray, ...], scale: int, border: int
) -> Pixels:
    side = len(matrix[0]) + 2 * border
    light = [[1] * side for _ in range(border)]
    modules = light + [[1] * border + [1 - m for m in row] + [1] * border for row in matrix] + light
    return [
        [module for module in line for _ in range(scale)] for line in modules for _ in range(scale)
    ]


@pytest.mark.parametrize("seed", range(5))
def test_badge_pixels_are_the_qr_matrix_scaled_with_its_border(seed: int) -> None:
    code = badge_code("badge-test-secret", uuid.UUID(int=seed * 7919 + 1))
    symbol = segno.make_qr(code, error="m", mask=BADGE_MASK)
    pixels = decode_png(badge_image(code).data)
    expected = expected_pixels(symbol.matrix, BADGE_SCALE, BADGE_BORDER)
    side = (len(symbol.matrix) + 2 * BADGE_BORDER) * BADGE_SCALE
    assert (len(pixels), len(pixels[0])) == (side, side) == (222, 222)
    for y, (row, wanted) in enumerate(zip(pixels, expected, strict=True)):
        assert row == wanted, f"pixel row {y} (module row {y // BADGE_SCALE - BADGE_BORDER})"


def test_badge_pixels_equal_segnos_own_png_of_the_same_symbol() -> None:
    code = badge_code("badge-test-secret", uuid.uuid4())
    symbol = segno.make_qr(code, error="m", mask=BADGE_MASK)
    reference = io.BytesIO()
    symbol.save(reference, kind="png", scale=BADGE_SCALE, border=BADGE_BORDER)
    assert decode_png(badge_image(code).data) == decode_png(reference.getvalue())


def test_badge_symbol_keeps_error_level_m_and_the_fixed_mask() -> None:
    code = badge_code("badge-test-secret", uuid.uuid4())
    symbol = segno.make_qr(code, error="m", mask=BADGE_MASK)
    assert symbol.mask == BADGE_MASK
    assert symbol.error in ("M", "Q", "H")  # segno may raise the level at no size cost


@pytest.mark.parametrize(("scale", "border"), [(1, 0), (3, 1), (5, 4)])
def test_widths_that_are_not_whole_bytes_decode_exactly(scale: int, border: int) -> None:
    matrix = [bytearray([1, 0, 1]), bytearray([0, 1, 1]), bytearray([1, 1, 0])]
    pixels = decode_png(monochrome_png(matrix, scale=scale, border=border))
    assert pixels == expected_pixels(matrix, scale, border)


@pytest.mark.parametrize(
    ("matrix", "scale", "border"),
    [
        ([], 6, 2),
        ([bytearray([1])], 0, 2),
        ([bytearray([1])], 1, -1),
        ([b"\x01", b"\x01\x00"], 1, 0),
    ],
)
def test_impossible_images_are_refused(matrix: list[bytes], scale: int, border: int) -> None:
    with pytest.raises(ValueError, match=r"matrix|scale|border|row"):
        monochrome_png(matrix, scale=scale, border=border)
