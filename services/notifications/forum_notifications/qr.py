"""The badge's QR symbol without re-deriving its fixed parts for every badge.

A badge code (`PEV1:<uuid>:<signature>`, 58 ASCII characters) always becomes the same kind
of symbol: byte mode, version 4, error level M, data mask 2. Everything but the data modules
is then the same for every badge (finder, timing and alignment patterns, format information,
where each data bit goes and the mask over it), so it is built once here, with segno's own
building blocks, and a badge costs only its codewords: the bit stream, the Reed-Solomon
error correction of its two blocks, and flipping the data modules whose bit is 1. That takes
a tenth of what `segno.make_qr` takes (which lays out and masks the whole matrix each time).

The result is the very matrix `segno.make_qr(code, error="m", mask=2)` gives (the tests
compare the two over random codes of every length served here); any other payload goes to
segno itself.
"""

from __future__ import annotations

from itertools import chain, pairwise
from typing import Any

import segno
from segno import consts as segno_consts
from segno import encoder as segno_encoder

# segno's building blocks: untyped and not its public API. uv.lock pins segno, and the tests
# compare every symbol served here with `segno.make_qr`'s.
qr: Any = segno_encoder
consts: Any = segno_consts

VERSION = 4
ERROR: int = consts.ERROR_LEVEL_M
_SIZE = 17 + 4 * VERSION
# Byte mode fits version 4-M up to 62 bytes (4 mode + 8 count + 8 per byte <= 512 bits);
# up to 46 bytes segno raises the level to Q (it still fits version 4), up to 42 it picks
# version 3: those go to segno.
SHORTEST, LONGEST = 47, 62
_ALPHANUMERIC = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
_PAD = bytes((0xEC, 0x11)) * 32
# The bits that are 1 in each byte value, most significant first (bit 0 = 0x80).
_SET_BITS = tuple(tuple(bit for bit in range(8) if value & (0x80 >> bit)) for value in range(256))


def _function_patterns() -> tuple[bytearray, ...]:
    """Finder, timing and alignment patterns; 0x2 where data goes, format area reserved."""
    matrix: tuple[bytearray, ...] = qr.make_matrix(_SIZE, _SIZE)
    qr.add_finder_patterns(matrix, _SIZE, _SIZE)
    qr.add_alignment_patterns(matrix, _SIZE, _SIZE)
    return matrix


def _data_positions() -> list[tuple[int, int]]:
    """Where the bits of the final message go, in order (ISO/IEC 18004:2015 §7.7.3)."""
    matrix = _function_patterns()
    positions = []
    for right in range(_SIZE - 1, 0, -2):
        if right <= 6:
            right -= 1
        for vertical in range(_SIZE):
            for z in range(2):
                j = right - z
                upwards = ((right & 2) == 0) ^ (j < 6)
                i = (_SIZE - 1 - vertical) if upwards else vertical
                if matrix[i][j] == 0x2:
                    positions.append((i, j))
    return positions


def _blank(mask: int) -> tuple[bytearray, ...]:
    """The symbol of an all-zero message: function patterns, format information, the mask."""
    matrix = _function_patterns()
    (ec,) = consts.ECC[VERSION][ERROR]
    bits = 8 * ec.num_blocks * ec.num_total + 7  # 7 remainder bits in versions 2-6
    qr.add_codewords(matrix, bytearray(bits), VERSION)
    _, matrix = qr.find_and_apply_best_mask(matrix, _SIZE, _SIZE, mask)
    qr.add_format_info(matrix, VERSION, ERROR, mask)
    return tuple(matrix)


def _generator_multiples(degree: int) -> list[list[int]]:
    """For each leading coefficient, the generator polynomial times it (GF(256))."""
    log, exp, gen = consts.GALIOS_LOG, consts.GALIOS_EXP, consts.GEN_POLY[degree]
    rows = [[0] * degree]
    for coefficient in range(1, 256):
        rows.append([exp[log[coefficient] + g] for g in gen])
    return rows


class BadgeSymbol:
    """Builds the matrix of a version 4-M, byte-mode symbol with one fixed mask."""

    def __init__(self, mask: int) -> None:
        self.mask = mask
        self._blank = _blank(mask)
        self._positions = _data_positions()
        (ec,) = consts.ECC[VERSION][ERROR]
        self._blocks, self._data_len = ec.num_blocks, ec.num_data
        self._ec_len = ec.num_total - ec.num_data
        self._multiples = _generator_multiples(self._ec_len)

    def fits(self, code: str) -> bool:
        """True when segno would make this very kind of symbol of `code`."""
        return (
            SHORTEST <= len(code) <= LONGEST
            and code.isascii()
            and not _ALPHANUMERIC.issuperset(code)
        )

    def matrix(self, code: str) -> tuple[bytearray, ...]:
        """Rows of 0/1 modules (1 dark), as `segno.make_qr(code, error="m", mask=...)`."""
        if not self.fits(code):
            return tuple(segno.make_qr(code, error="m", mask=self.mask).matrix)
        data = code.encode("ascii")
        # Mode 0100, an 8-bit count, the bytes, a 4-bit terminator: whole bytes already.
        head = (0x4 << 12 | len(data) << 4 | data[0] >> 4).to_bytes(2, "big")
        body = bytes((a & 0x0F) << 4 | b >> 4 for a, b in pairwise(data))
        # segno then adds a zero byte of "padding bits" although the stream already ends on
        # a byte boundary (harmless: readers stop at the terminator); done here too, so the
        # symbol stays the very one segno draws.
        stream = head + body + bytes(((data[-1] & 0x0F) << 4, 0))
        total = self._blocks * self._data_len
        stream = (stream + _PAD[: max(0, total - len(stream))])[:total]
        blocks = [
            stream[k * self._data_len : (k + 1) * self._data_len] for k in range(self._blocks)
        ]
        corrections = [self._correction(block) for block in blocks]
        message = bytes(chain(*zip(*blocks, strict=True), *zip(*corrections, strict=True)))
        rows = tuple(bytearray(row) for row in self._blank)
        positions = self._positions
        for index, byte in enumerate(message):
            base = 8 * index
            for bit in _SET_BITS[byte]:
                i, j = positions[base + bit]
                rows[i][j] ^= 1
        return rows

    def _correction(self, block: bytes) -> list[int]:
        """The Reed-Solomon error-correction codewords of one data block."""
        remainder = [0] * self._ec_len
        multiples = self._multiples
        for byte in block:
            factor = byte ^ remainder[0]
            remainder = [r ^ m for r, m in zip([*remainder[1:], 0], multiples[factor], strict=True)]
        return remainder
