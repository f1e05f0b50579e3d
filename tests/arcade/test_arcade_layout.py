"""Catch's window geometry: score band and field apart, digits that decode back."""

from __future__ import annotations

import numpy as np

from screen_agent.arcade.catch import CatchConfig
from screen_agent.arcade.layout import CatchLayout, score_text
from screen_agent.reward.seven_segment import SEGMENTS_OF, DigitBox, decode


def overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def test_score_and_field_do_not_overlap_and_fit_the_window() -> None:
    for cell in (10, 20, 40, 60):
        lay = CatchLayout(CatchConfig(), cell)
        assert not overlap(lay.score_region, lay.field)
        for x, y, w, h in (lay.score_region, lay.field):
            assert x >= 0 and y >= 0 and x + w <= lay.width and y + h <= lay.height


def test_default_window_size() -> None:
    lay = CatchLayout(CatchConfig(), 40)
    assert (lay.width, lay.height) == (400, 560)
    assert lay.field == (0, 80, 400, 480)


def test_score_text() -> None:
    assert score_text(0) == "  0"
    assert score_text(-3) == " -3"
    assert score_text(-10) == "-10"
    assert score_text(10) == " 10"


def test_every_character_decodes_from_its_drawing() -> None:
    box = DigitBox(width=30, height=56, thickness=8)
    for char in SEGMENTS_OF:
        canvas = np.zeros((box.height, box.width), bool)
        for x, y, w, h in box.rects(char):
            canvas[y : y + h, x : x + w] = True
        lit = {s: bool(canvas[cy, cx]) for s in "abcdefg" for cx, cy in [box.segment_centre(s)]}
        assert decode(lit) == char


def test_arcade_core_does_not_import_qt() -> None:
    import subprocess
    import sys

    code = (
        "import sys, screen_agent.arcade.catch, screen_agent.arcade.atari, "
        "screen_agent.arcade.clock, screen_agent.arcade.layout, screen_agent.arcade.app; "
        "sys.exit(any(m.startswith('PySide6') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
