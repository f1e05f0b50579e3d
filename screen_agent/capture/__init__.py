"""Capture: where frames come from.

- :class:`FrameSource` protocol, :class:`Frame` (RGB pixels + monotonic time), :func:`crop`;
- :class:`MssSource`: the live screen (mss, only the profile's region; follows the window);
- :class:`RecordedSource` and :func:`record`: frames saved to disk and replayed, for tests of
  reward rules and env checks without the game.

Nothing here imports mss or Xlib at import time (they need a display); the sources do when
they are created.
"""

from screen_agent.capture.frame import Frame, FrameSource, crop
from screen_agent.capture.recorded import RecordedSource, record

__all__ = ["Frame", "FrameSource", "MssSource", "RecordedSource", "crop", "record"]


def __getattr__(name: str):
    # Lazy, so `import screen_agent.capture` never touches mss.
    if name == "MssSource":
        from screen_agent.capture.mss_source import MssSource

        return MssSource
    raise AttributeError(name)
