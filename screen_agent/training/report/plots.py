"""The report's plots, drawn with matplotlib's object API on the Agg canvas (no display, no
pyplot state) and returned as PNG bytes."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from screen_agent.training.report.rundata import RunData
from screen_agent.training.report.stats import (
    RewardKind,
    decision_rates,
    rate_bins,
    rolling_mean,
    rolling_window,
    time_unit,
)

WIDTH_IN = 10.0
"""Figure width in inches; at DPI that is the report's content width in pixels."""
DPI = 100
RETURN_COLOUR = "#9bb7d4"
MEAN_COLOUR = "#1f5fa8"
EVAL_COLOUR = "#d9730d"
RANDOM_COLOUR = "#b3261e"
STYLE = {
    "font.size": 9.5,
    "axes.titlesize": 10.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "legend.fontsize": 8.5,
}


@contextmanager
def _figure(height_in: float, columns: int = 1) -> Iterator[tuple[Figure, list[Axes]]]:
    # rc_context only styles what is drawn inside it and restores the settings afterwards.
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, layout="constrained")
        FigureCanvasAgg(figure)
        axes = [figure.add_subplot(1, columns, i + 1) for i in range(columns)]
        yield figure, axes


def _thousands(value: float, _position: int) -> str:
    """Tick labels for step axes: 25k, 1.5M."""
    if abs(value) >= 1e6:
        return f"{value / 1e6:g}M"
    if abs(value) >= 1e3:
        return f"{value / 1e3:g}k"
    return f"{value:g}"


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def learning_curve(data: RunData) -> bytes | None:
    """Episode returns and their rolling mean, evaluations and the random-policy line, over
    environment steps (left) and training time (right); None without episodes.csv."""
    episodes = data.episodes
    if episodes is None:
        return None
    steps, returns = episodes.column("step"), episodes.column("return")
    if steps is None or returns is None:
        return None
    seconds = data.time.of(episodes) if data.time is not None else None
    keep = np.isfinite(steps) & np.isfinite(returns)  # rows cut short by a crash
    steps, returns = steps[keep], returns[keep]
    if seconds is not None:
        seconds = seconds[keep]
    window = rolling_window(len(returns))
    mean = rolling_mean(returns, window)
    evals = data.evals
    eval_steps = evals.column("step") if evals is not None else None
    eval_means = evals.column("mean_return") if evals is not None else None
    eval_std = evals.column("std_return") if evals is not None else None
    with _figure(4.0, columns=2 if seconds is not None else 1) as (figure, axes):
        x_axes: list[tuple[Axes, np.ndarray, float, str]] = [
            (axes[0], steps, 1.0, "environment steps")
        ]
        if seconds is not None and data.time is not None:
            unit, per = time_unit(max(data.time.total_seconds, float(np.nanmax(seconds))))
            x_axes.append((axes[1], seconds, per, f"training time ({unit})"))
        for ax, x, per, label in x_axes:
            ax.plot(x / per, returns, ".", ms=3, color=RETURN_COLOUR, label="episode return")
            ax.plot(x / per, mean, color=MEAN_COLOUR, lw=2, label=f"rolling mean ({window} ep.)")
            if evals is not None and eval_steps is not None and eval_means is not None:
                by_time = ax is not axes[0] and data.time is not None
                eval_x = data.time.of(evals) if by_time and data.time is not None else eval_steps
                if eval_x is not None:
                    ax.errorbar(
                        eval_x / per,
                        eval_means,
                        yerr=None if eval_std is None else np.nan_to_num(eval_std),
                        fmt="o",
                        ms=4,
                        capsize=3,
                        color=EVAL_COLOUR,
                        label="greedy evaluation (mean ± std)",
                    )
            if data.baseline is not None:
                ax.axhline(
                    float(data.baseline["random_mean"]),
                    color=RANDOM_COLOUR,
                    ls="--",
                    lw=1.2,
                    label="random policy",
                )
            ax.set_xlabel(label)
            ax.set_ylabel("return")
            ax.set_xlim(left=0)
        axes[0].xaxis.set_major_formatter(FuncFormatter(_thousands))
        axes[0].set_title("Over environment steps")
        if len(x_axes) > 1:
            axes[1].set_title("Over training time")
        handles, labels = axes[0].get_legend_handles_labels()
        figure.legend(handles, labels, loc="outside lower center", ncols=len(labels))
        return _png(figure)


def reward_rates(kinds: list[RewardKind], total_seconds: float) -> bytes:
    """Events per minute of each kind of reward, over training time."""
    edges, width = rate_bins(total_seconds)
    unit, per = time_unit(total_seconds)
    centres = (edges[:-1] + edges[1:]) / 2
    with _figure(3.2) as (figure, (ax,)):
        for kind in kinds:
            counts, _ = np.histogram(kind.times_s, bins=edges)
            ax.plot(
                centres / per,
                counts * 60.0 / width,
                marker="o",
                ms=3,
                lw=1.6,
                label=f"{kind.label} ({kind.events} events)",
            )
        ax.set_xlabel(f"training time ({unit})")
        ax.set_ylabel("events per minute")
        ax.set_title(f"Reward events per minute (bins of {width:.0f} s)")
        ax.set_xlim(0, edges[-1] / per)
        ax.set_ylim(bottom=0)
        ax.legend(loc="best")
        return _png(figure)


def realtime_plot(data: RunData) -> bytes | None:
    """Decisions per second, and the tick lateness and capture-to-key latency percentiles of
    each realtime.csv window, over training time."""
    rates = decision_rates(data)
    table = data.realtime
    seconds = data.time.of(table) if table is not None and data.time is not None else None
    if rates is None and seconds is None:
        return None
    total = data.time.total_seconds if data.time is not None else 0.0
    unit, per = time_unit(total)
    with _figure(3.2, columns=3) as (figure, (rate_ax, lateness_ax, latency_ax)):
        if rates is not None:
            rate_ax.plot(rates[0] / per, rates[1], color=MEAN_COLOUR, lw=1.6)
            rate_ax.set_ylim(bottom=0, top=max(1.0, float(np.nanmax(rates[1])) * 1.15))
        rate_ax.set_title("Decisions per second")
        panels = ((lateness_ax, "lateness", "Decision-tick lateness (ms)"),)
        panels += ((latency_ax, "latency", "Capture-to-key latency (ms)"),)
        for ax, name, title in panels:
            ax.set_title(title)
            if table is None or seconds is None:
                continue
            for pct, colour in (("p50", "#2e7d32"), ("p90", "#d9730d"), ("p99", "#b3261e")):
                values = table.column(f"{name}_ms_{pct}")
                if values is not None:
                    ax.plot(seconds / per, values, color=colour, lw=1.3, label=pct)
            ax.set_ylim(bottom=0)
        for ax in (rate_ax, lateness_ax, latency_ax):
            ax.set_xlabel(f"training time ({unit})")
            ax.set_xlim(left=0)
        handles, labels = latency_ax.get_legend_handles_labels()
        if handles:
            figure.legend(handles, labels, loc="outside lower center", ncols=len(labels))
        return _png(figure)
