"""The core runs headless: nothing outside screen_agent.gui and screen_agent.arcade imports Qt."""

import pkgutil
import subprocess
import sys

import screen_agent

QT_PACKAGES = ("screen_agent.gui", "screen_agent.arcade")


def core_modules() -> list[str]:
    names = [
        info.name
        for info in pkgutil.walk_packages(screen_agent.__path__, "screen_agent.")
        if not info.name.startswith(QT_PACKAGES)
    ]
    assert "screen_agent.agent.dqn" in names and "screen_agent.cli" in names
    return names


def test_core_modules_do_not_import_qt():
    script = (
        "import importlib, sys\n"
        f"for name in {core_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "qt = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'PyQt')))\n"
        "print(qt)\n"
        "sys.exit(1 if qt else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"Qt imported by the core: {result.stdout} {result.stderr}"
