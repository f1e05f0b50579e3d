"""The run report: one self-contained ``report.html`` that shows what happened in a run.

``write_report(run_dir)`` reads what the run directory holds (see ``rundata``), draws the plots
with matplotlib on the headless Agg canvas (``plots``), animates the best evaluated episode
with Pillow (``animation``) and writes the page (``page``) atomically. Sections whose files
are missing say so in one line. Reading CSVs needs no torch; the checkpoint is opened only
when config.json is missing.
"""

from __future__ import annotations

from pathlib import Path

from screen_agent.files import atomic_write_bytes
from screen_agent.training.report.page import render
from screen_agent.training.report.rundata import RunData, read_run

REPORT_FILE = "report.html"

__all__ = ["REPORT_FILE", "RunData", "read_run", "write_report"]


def write_report(run_dir: Path) -> Path:
    """Write ``run_dir/report.html`` (replacing an older one atomically) and return its path.

    Raises:
        UserError: ``run_dir`` does not exist or is not a run directory.
    """
    run_dir = Path(run_dir)
    data = read_run(run_dir)
    path = run_dir / REPORT_FILE
    atomic_write_bytes(path, render(data).encode("utf-8"))
    return path
