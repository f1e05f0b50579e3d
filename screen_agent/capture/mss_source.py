"""MssSource: grabs the game window's client area (or one region of it) with mss, following the
window as it moves; on Linux mss uses XShmGetImage (shared memory, no copy over the socket), on
Windows GDI."""

from __future__ import annotations

import time
from typing import Any

import cv2
import numpy as np

from screen_agent.capture.frame import Frame
from screen_agent.desktop import Desktop
from screen_agent.desktop.tracking import GameWindow
from screen_agent.errors import UserError
from screen_agent.geometry import Region
from screen_agent.profile import GameProfile, ProfileError, check_in_window, check_on_screen


class CaptureError(UserError):
    """A grab failed: the window lies partly off the screen, or the display went away."""


class MssSource:
    """Grabs a profile region with mss, never the whole screen.

    Window-relative profiles follow ``window`` (its position is re-read at most every
    ``tracking.FOLLOW_INTERVAL_S``); absolute profiles grab fixed screen coordinates.
    """

    def __init__(
        self,
        profile: GameProfile,
        desktop: Desktop,
        window: GameWindow | None,
        region: str | None = "game",
        *,
        display: str | None = None,
        source: str | None = None,
    ) -> None:
        """
        Args:
            profile: the game's profile.
            desktop: the platform backend (monitors).
            window: the followed game window; None for absolute profiles.
            region: name of the profile region to grab; None grabs the window's whole client
                area (for absolute profiles: the bounding box of all regions), so every region
                can be cropped from the frames later.
            display: X display name for mss (default ``$DISPLAY``; ignored off X11).
            source: the profile's path, for messages.
        """
        import mss

        if profile.window is not None and window is None:
            raise ValueError("a window-relative profile needs its window")
        self.profile = profile
        self.window = window
        self.source = source or profile.name
        self._sct: Any = mss.MSS(display=display) if display else mss.MSS()
        try:
            self._size: tuple[int, int] | None = None
            self.region = self._relative_region(region)
            screens = [m.area for m in desktop.monitors()]
            check_on_screen(self.profile, screens, self._origin(), self.source)
            self._screen = Region.bounding(screens)
            """The virtual screen: what one grab can reach."""
        except BaseException:
            self.close()
            raise

    @property
    def screen_region(self) -> Region:
        """The grabbed region in screen coordinates, as of the last position check."""
        return self.region.offset(*self._origin())

    @property
    def performance_status(self) -> list[str]:
        """mss's notes on its backend (e.g. why MIT-SHM is not used), for diagnostics."""
        return list(getattr(self._sct, "performance_status", []))

    def grab(self) -> Frame:
        """The region's pixels now, RGB, stamped with ``time.monotonic()`` after the grab."""
        if self.window is not None:
            self._check_size(self.window.refresh())
        import mss.exception

        area = self.screen_region
        # A window moved partly off the screen is grabbed where it is on it, the rest black;
        # the session sees it is off the screen and drops such frames.
        visible = area.intersection(self._screen)
        if visible is None:
            return Frame(np.zeros((area.height, area.width, 3), np.uint8), time.monotonic())
        try:
            shot = self._sct.grab(visible.as_monitor())
        except mss.exception.ScreenShotError as error:
            raise CaptureError(
                f"cannot grab {visible.width}x{visible.height} at ({visible.x}, {visible.y}) of "
                f"the screen ({str(error).splitlines()[0][:120]}); is the display still there?"
            ) from None
        stamp = time.monotonic()
        bgra = np.frombuffer(shot.raw, dtype=np.uint8).reshape(shot.height, shot.width, 4)
        # One pass BGRA -> contiguous RGB; the result is a new array the caller may keep.
        rgb = cv2.cvtColor(bgra, cv2.COLOR_BGRA2RGB)
        if visible == area:
            return Frame(rgb, stamp)
        frame = np.zeros((area.height, area.width, 3), np.uint8)
        part = visible.offset(-area.x, -area.y)
        frame[part.y : part.bottom, part.x : part.right] = rgb
        return Frame(frame, stamp)

    def close(self) -> None:
        """Close the mss connection; idempotent (the window belongs to the caller)."""
        if self._sct is not None:
            self._sct.close()
            self._sct = None

    def __enter__(self) -> MssSource:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _origin(self) -> tuple[int, int]:
        if self.window is None:
            return (0, 0)
        client = self.window.client
        return (client.x, client.y)

    def _check_size(self, window: Any) -> None:
        size = (window.client.width, window.client.height)
        if size != self._size:
            check_in_window(self.profile, *size, source=self.source)
            self._size = size

    def _relative_region(self, name: str | None) -> Region:
        """The region to grab, relative to the window's client area (or the screen)."""
        if self.window is not None:
            self._check_size(self.window.refresh(force=True))
        if name is not None:
            if name not in self.profile.regions:
                raise ProfileError(
                    f"{self.source}: regions.{name}: no such region; use one of {', '.join(self.profile.regions)}"
                )
            return self.profile.regions[name]
        if self.window is not None:
            client = self.window.client
            return Region(0, 0, client.width, client.height)
        return Region.bounding(self.profile.regions.values())
