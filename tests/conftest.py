"""Fixtures shared by all tests."""

import importlib.util
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# The end-to-end fixtures (a private Xvfb for the whole session, arcade games in real windows,
# pyautogui bound to that display, a focus-stealing helper window) are defined once, here, for
# every test folder: a second session fixture in a sub-folder would start a second Xvfb, and
# pyautogui binds to the first display it is imported on. Loaded by path: tests/ is no package.
_spec = importlib.util.spec_from_file_location(
    "e2e_fixtures", Path(__file__).with_name("e2e_fixtures.py")
)
assert _spec is not None and _spec.loader is not None
_e2e = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _e2e  # dataclasses look their module up there
_spec.loader.exec_module(_e2e)
xvfb_display = _e2e.xvfb_display
arcade_window = _e2e.arcade_window
screen = _e2e.screen
keyboard = _e2e.keyboard
desktop = _e2e.desktop
helper_window = _e2e.helper_window

SCREEN_AGENT = str(Path(sys.executable).with_name("screen-agent"))
"""The installed console script: tests run the program as a user would."""


@pytest.fixture
def screen_agent_command() -> list[str]:
    return [SCREEN_AGENT]


@pytest.fixture
def cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``screen-agent ARGS...`` and return the finished process (stdout, stderr as text)."""

    def run(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [SCREEN_AGENT, *args], capture_output=True, text=True, timeout=timeout, check=False
        )

    return run


def pytest_configure(config: pytest.Config) -> None:
    # A command started in the background by a shell without job control (`(cmd &)`, a CI
    # script) inherits SIGINT ignored, and exec keeps it ignored in every child: the tests that
    # press Ctrl+C on a run would see it ignored. A handler (not SIG_IGN) is reset to the
    # default by exec, so the workers and the programs they start get Ctrl+C back.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--quiet-tests",
        choices=("with", "without", "only"),
        default="with",
        help="tests marked quiet (wall-clock bounds) run with the others, are left out, or "
        "run alone (scripts/test.sh runs them after the parallel workers, on a quiet machine)",
    )


@pytest.hookimpl(trylast=True)  # after pytest-xdist has tagged its groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    _check_xdist_groups(config, items)
    mode = config.getoption("--quiet-tests")
    if mode == "with":
        return
    keep, drop = [], []
    for item in items:
        quiet = item.get_closest_marker("quiet") is not None
        (keep if quiet == (mode == "only") else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


_UNGROUPED = pytest.StashKey[str]()
"""On a test whose xdist group was lost: why it must not run."""


def _check_xdist_groups(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In a pytest-xdist worker with ``--dist loadgroup``, a grouped test must carry its group
    in its node id (that is how xdist sends a group to one worker); a pytest that this xdist
    does not know can lose it silently, and the learning tests would then run side by side
    and slow each other to failure. Such tests fail at setup, saying so."""
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        if item.get_closest_marker("xdist_group") is not None and "@" not in item.nodeid:
            item.stash[_UNGROUPED] = (
                "pytest-xdist lost this test's xdist_group: this pytest and pytest-xdist do not "
                "work together; install the versions the test extra of pyproject.toml allows "
                "(scripts/setup-venv.sh --test)"
            )


def pytest_runtest_setup(item: pytest.Item) -> None:
    if _UNGROUPED in item.stash:
        pytest.fail(item.stash[_UNGROUPED], pytrace=False)
