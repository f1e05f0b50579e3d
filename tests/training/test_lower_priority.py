"""The learner gives way to the actor: its process's priority is lowered, the actor's is not."""

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "nice"), reason="POSIX nice values")

CHILD = """
import os
from screen_agent.training.runtime import lower_priority
before = os.nice(0)
lower_priority({niceness})
print(os.nice(0) - before)
"""


@pytest.mark.parametrize(("niceness", "added"), [(10, 10), (0, 0)])
def test_lower_priority_adds_to_the_nice_value(niceness: int, added: int) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD.format(niceness=niceness)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(done.stdout.strip()) == added
