"""The badge symbol built from its precomputed parts is the very symbol segno makes."""

from __future__ import annotations

import random
import string
import uuid

import pytest
import segno
from forum_notifications.extras import BADGE_MASK
from forum_notifications.qr import LONGEST, SHORTEST, BadgeSymbol
from forum_shared.links import badge_code

SYMBOL = BadgeSymbol(BADGE_MASK)


def _segno_rows(code: str) -> list[bytes]:
    return [bytes(row) for row in segno.make_qr(code, error="m", mask=BADGE_MASK).matrix]


def _rows(code: str) -> list[bytes]:
    return [bytes(row) for row in SYMBOL.matrix(code)]


def test_badge_codes_take_the_precomputed_path_and_match_segno() -> None:
    for n in range(50):
        code = badge_code("badge-test-secret", uuid.UUID(int=n * 104729 + 3))
        assert SYMBOL.fits(code)
        assert _rows(code) == _segno_rows(code)


@pytest.mark.parametrize("length", range(SHORTEST, LONGEST + 1))
def test_every_length_served_matches_segno(length: int) -> None:
    chosen = random.Random(length)
    for _ in range(5):
        code = "".join(chosen.choice(string.printable[:94]) for _ in range(length))
        assert SYMBOL.fits(code) or code.upper() == code
        assert _rows(code) == _segno_rows(code)


@pytest.mark.parametrize(
    "code",
    [
        "short",
        "x" * (SHORTEST - 1),  # segno raises the error level to Q
        "y" * (LONGEST + 1),  # needs version 5
        "PEV1:" + "A" * 50,  # alphanumeric mode
        "Ж" * 50,  # not ASCII
    ],
)
def test_other_payloads_go_to_segno(code: str) -> None:
    assert not SYMBOL.fits(code)
    assert _rows(code) == _segno_rows(code)
