"""Input: turning action ids into key presses, safely.

- :class:`InputSink` protocol and :class:`InputStatus`; the shared semantics are documented
  in :mod:`screen_agent.input.sink`;
- :class:`KeyboardSink`: pyautogui, focus-checked, released on every exit path;
- :class:`RecordingSink`: sends nothing, records (for tests and env checks);
- :data:`KEY_NAMES`, :class:`KeyNotAllowedError`.

Nothing here imports pyautogui at import time (it needs a display).
"""

from screen_agent.input.keys import KEY_NAMES, KeyNotAllowedError
from screen_agent.input.sink import InputSink, InputStatus, KeySink, RecordingSink

__all__ = [
    "KEY_NAMES",
    "InputSink",
    "InputStatus",
    "KeyNotAllowedError",
    "KeySink",
    "KeyboardSink",
    "RecordingSink",
]


def __getattr__(name: str):
    # Lazy, so `import screen_agent.input` works headless.
    if name == "KeyboardSink":
        from screen_agent.input.keyboard import KeyboardSink

        return KeyboardSink
    raise AttributeError(name)
