"""MssSource: grabs one region of the screen with mss, following the game window if it moves."""

from __future__ import annotations

import time
from typing import Any

import cv2
import numpy as np

from screen_agent.capture.frame import Frame
from screen_agent.capture.window import ClientRect, client_rect, find_window, open_display
from screen_agent.profile import GameProfile, ProfileError, Region, check_on_screen

FOLLOW_INTERVAL_S = 0.5
"""How often the window's position is re-queried, in seconds: two X round trips (~0.1 ms)
each time, so a moved window is followed within half a second at no cost per frame."""


class MssSource:
    """Grabs a profile region with mss (XShmGetImage on Linux: shared memory, no copy over the
    socket), never the whole screen.

    For window-relative profiles the window is found by its exact title (python-xlib, in
    process) and its client-area position re-read at most every :data:`FOLLOW_INTERVAL_S`.
    """

    def __init__(
        self,
        profile: GameProfile,
        region: str | None = "game",
        *,
        display: str | None = None,
        window_id: int | None = None,
    ) -> None:
        """
        Args:
            profile: the game's profile.
            region: name of the profile region to grab; None grabs the window's whole client
                area (for absolute profiles: the bounding box of all regions), so every region
                can be cropped from the frames later (what :func:`record` stores).
            display: X display name (default ``$DISPLAY``).
            window_id: the game window's X id, when the caller knows it (skips the title search).
        """
        import mss

        self.profile = profile
        self._region_name = region
        self._sct: Any = None
        self._xdisplay: Any = None
        self._window: Any = None
        self._origin = (0, 0)
        self._next_follow = 0.0
        self._sct = mss.MSS(display=display)
        try:
            if profile.window is not None:
                self._xdisplay = open_display(display)
                if window_id is not None:
                    self._window = self._xdisplay.create_resource_object("window", window_id)
                else:
                    self._window = find_window(self._xdisplay, profile.window.title)
                rect = client_rect(self._window)
                self._check_size(rect)
                self._origin = (rect.left, rect.top)
                self._next_follow = time.monotonic() + FOLLOW_INTERVAL_S
            self.region = self._relative_region(region)
            check_on_screen(self.profile, self._sct.monitors, self._origin)
        except BaseException:
            self.close()
            raise

    @property
    def window(self) -> Any:
        """The Xlib window followed, or None for absolute profiles."""
        return self._window

    @property
    def screen_region(self) -> Region:
        """The grabbed region in screen coordinates, as of the last position check."""
        return self.region.offset(*self._origin)

    @property
    def performance_status(self) -> list[str]:
        """mss's notes on its backend (e.g. why MIT-SHM is not used), for diagnostics."""
        return list(self._sct.performance_status)

    def grab(self) -> Frame:
        """The region's pixels now, RGB, stamped with ``time.monotonic()`` after the grab."""
        if self._window is not None and time.monotonic() >= self._next_follow:
            self._follow()
        shot = self._sct.grab(self.screen_region.as_monitor())
        stamp = time.monotonic()
        bgra = np.frombuffer(shot.raw, dtype=np.uint8).reshape(shot.height, shot.width, 4)
        # One pass BGRA -> contiguous RGB; the result is a new array the caller may keep.
        return Frame(cv2.cvtColor(bgra, cv2.COLOR_BGRA2RGB), stamp)

    def close(self) -> None:
        """Close the mss and X connections; idempotent."""
        if self._sct is not None:
            self._sct.close()
            self._sct = None
        if self._xdisplay is not None:
            self._xdisplay.close()
            self._xdisplay = None

    def __enter__(self) -> MssSource:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _follow(self) -> None:
        rect = client_rect(self._window)
        self._check_size(rect)
        self._origin = (rect.left, rect.top)
        self._next_follow = time.monotonic() + FOLLOW_INTERVAL_S

    def _check_size(self, rect: ClientRect) -> None:
        ref = self.profile.window
        assert ref is not None
        if (ref.width is not None and rect.width != ref.width) or (
            ref.height is not None and rect.height != ref.height
        ):
            raise ProfileError(
                f"{self.profile.name}: window: the window {ref.title!r} is {rect.width}x{rect.height}, "
                f"the profile expects {ref.width}x{ref.height}; resize the window (or the game's scale) "
                "or recalibrate the profile"
            )

    def _relative_region(self, name: str | None) -> Region:
        """The region to grab, relative to the window's client area (or the screen)."""
        if name is not None:
            if name not in self.profile.regions:
                raise ProfileError(
                    f"{self.profile.name}: regions.{name}: no such region; use one of {', '.join(self.profile.regions)}"
                )
            return self.profile.regions[name]
        if self._window is not None:
            rect = client_rect(self._window)
            return Region(0, 0, rect.width, rect.height)
        return Region.bounding(self.profile.regions.values())
