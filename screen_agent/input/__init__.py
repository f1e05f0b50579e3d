"""Input: turning action ids into key presses, safely.

- :class:`InputSink` protocol and :class:`InputStatus`; the shared semantics are documented
  in :mod:`screen_agent.input.sink`;
- :class:`KeyboardSink`: through the desktop backend, focus-checked, released on every exit path;
- :class:`RecordingSink`: sends nothing, records (for tests and env checks).
"""

from screen_agent.input.keyboard import KeyboardSink
from screen_agent.input.sink import InputSink, InputStatus, KeySink, RecordingSink
from screen_agent.keys import KeyNotAllowedError

__all__ = [
    "InputSink",
    "InputStatus",
    "KeyNotAllowedError",
    "KeySink",
    "KeyboardSink",
    "RecordingSink",
]
