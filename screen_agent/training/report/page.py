"""The report as one self-contained HTML page: inline stylesheet, images as data URIs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import numpy as np

from screen_agent.training.episode_recording import RECORDING_FILE
from screen_agent.training.metrics import BASELINE_JSON
from screen_agent.training.report import animation, plots
from screen_agent.training.report.config_fields import dqn_config_fields
from screen_agent.training.report.markup import (
    STYLE,
    data_uri,
    date,
    escape,
    html_table,
    missing,
    number,
    plot,
    section,
)
from screen_agent.training.report.rundata import RunData
from screen_agent.training.report.stats import (
    best_eval_row,
    decision_rates,
    format_duration,
    latency_summaries,
    reward_kinds,
    rolling_window,
)


def render(data: RunData) -> str:
    """The whole report page for ``data``."""
    builders = (_header, _learning, _evaluations, _rewards, _realtime, _episode, _configuration)
    sections = [_guarded(build, data) for build in builders]
    sections += [_notes(data), _footer(data)]
    title = f"Run report: {data.name}"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        "<body>\n<main>\n" + "\n".join(s for s in sections if s) + "\n</main>\n</body>\n</html>\n"
    )


AGENT_VIEW_PX = 252
"""Displayed size of the 84x84 agent's view (3x; the stylesheet's img.agent)."""


def _guarded(build: Callable[[RunData], str], data: RunData) -> str:
    """One section; if it fails (odd data in a file), a line saying so instead of no report."""
    try:
        return build(data)
    except Exception as error:
        name = build.__name__.strip("_")
        data.notes.append(f"the {name} section failed: {type(error).__name__}: {error}")
        return section(name, name.capitalize(), [missing(f"This section failed: {error!r}")])


def _header(data: RunData) -> str:
    kind = "screen game" if data.is_screen_run else "gymnasium"
    facts: list[tuple[str, str]] = [
        ("Profile" if data.is_screen_run else "Environment", data.name),
        ("Kind", kind),
        ("Started", date(data.started)),
        ("Last written", date(data.finished)),
    ]
    if data.time is not None:
        estimated = "" if data.time.source == "wall clock" else " (estimated)"
        facts.append(("Training time", format_duration(data.time.total_seconds) + estimated))
    facts.append(("Steps", number(data.steps)))
    facts.append(("Episodes", number(data.episodes_done)))
    if data.sessions is not None:
        starts = data.sessions.texts.get("event", []).count("start")
        facts.append(("Sessions", f"{starts} (resumed {starts - 1}×)" if starts > 1 else "1"))
    evals = data.evals
    if evals is not None and (best := best_eval_row(evals)) is not None:
        means, steps = evals.numbers["mean_return"], evals.column("step")
        at = f" at step {number(steps[best])}" if steps is not None else ""
        facts.append(("Best evaluation", f"{number(means[best], 2)}{at}"))
    returns = data.episodes.column("return") if data.episodes is not None else None
    if returns is not None and (finite := returns[np.isfinite(returns)]).size:
        window = rolling_window(len(finite))
        last = float(finite[-window:].mean())
        facts.append((f"Last {window} episodes", f"{number(last, 2)} mean return"))
    if data.baseline is not None:
        facts.append(("Random policy", f"{number(float(data.baseline['random_mean']), 2)}"))
    items = "".join(f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in facts)
    return (
        f"<header>\n<h1>Run report: {escape(data.name)}</h1>\n"
        f'<p class="path">{escape(data.run_dir.resolve())}</p>\n<dl class="facts">{items}</dl>\n'
        "</header>"
    )


def _learning(data: RunData) -> str:
    png = plots.learning_curve(data)
    if png is None:
        body = [missing("No learning curve: episodes.csv is missing or has no episodes yet.")]
        return section("learning", "Learning curve", body)
    atari = data.env_id is not None and ("NoFrameskip" in data.env_id or "ALE/" in data.env_id)
    caption = (
        "Dots: the return of each training episode, exploring"
        + ("; a lost life ends one and rewards are clipped to their sign" if atari else "")
        + ". Line: their rolling mean. Orange: greedy evaluations of whole episodes "
        "(mean ± std). "
    )
    if data.baseline is not None:
        episodes = data.baseline.get("episodes")
        policy = data.baseline.get("policy", "a random policy")
        over = f" over {episodes} episodes" if episodes else ""
        caption += f"Red dashed: {policy} ({BASELINE_JSON}{over})."
    else:
        caption += (
            f'No random-policy line: the run directory has no {BASELINE_JSON} ({{"random_mean": '
            "...}})."
        )
    if data.time is not None and data.time.source != "wall clock":
        caption += f" Training time {data.time.source}."
    body = [plot(png, "Learning curve over steps and over training time", escape(caption))]
    return section("learning", "Learning curve", body)


def _evaluations(data: RunData) -> str:
    evals = data.evals
    best = best_eval_row(evals) if evals is not None else None
    if evals is None or best is None:
        body = [missing("No evaluations: eval.csv is missing or empty (eval_interval 0?).")]
        return section("evaluations", "Evaluations", body)
    columns = [evals.numbers.get(name) for name in ("step", "mean_return", "std_return")]
    columns.append(evals.numbers.get("episodes"))
    rows = [
        [*("–" if c is None else number(c[i], 2) for c in columns), "★ best" if i == best else ""]
        for i in range(evals.rows)
    ]
    classes = ["best" if i == best else "" for i in range(evals.rows)]
    table = html_table(
        ("Step", "Mean return", "Std", "Episodes", ""),
        rows,
        (True, True, True, True, False),
        classes,
    )
    note = (
        f'<p class="note">Greedy play (epsilon = {escape(_config_value(data, "eval_epsilon"))}) '
        "of whole episodes with the real score; best.pt holds the best row's networks.</p>"
    )
    return section("evaluations", "Evaluations", [table, note])


def _config_value(data: RunData, key: str) -> Any:
    return (data.config or {}).get(key, "?")


def _rewards(data: RunData) -> str:
    heading = "Reward events per minute"
    if data.rewards is None:
        reason = (
            "No reward events logged (rewards.csv is written by screen runs when a rule fires)."
        )
        return section("rewards", heading, [missing(reason)])
    kinds = reward_kinds(data)
    if not kinds or data.time is None:
        return section("rewards", heading, [missing("rewards.csv has no usable rows.")])
    total = max(data.time.total_seconds, max(float(np.nanmax(k.times_s)) for k in kinds), 1.0)
    png = plots.reward_rates(kinds, total)
    rows = [
        [
            escape(kind.label),
            number(kind.events),
            number(kind.total_reward, 2),
            number(kind.events * 60 / total, 2),
        ]
        for kind in kinds
    ]
    table = html_table(
        ("Rule", "Events", "Total reward", "Per minute"), rows, (False, True, True, True)
    )
    caption = "Each kind of reward event, counted in bins of training time."
    if not any(data.rewards.texts.get("rule", [])):
        caption += " rewards.csv names no rules here, so events are grouped by their value."
    return section("rewards", heading, [plot(png, heading, escape(caption)), table])


def _realtime(data: RunData) -> str:
    heading = "Decision rate and latency"
    if data.realtime is None:
        text = "Not a real-time run: no realtime.csv (gym runs step the emulator synchronously)."
        body = [missing(text)]
        if data.train is not None and (sps := data.train.column("steps_per_second")) is not None:
            body.append(
                f'<p class="note">Throughput: median {number(float(np.nanmedian(sps)), 0)} '
                "environment steps per second (train.csv).</p>"
            )
        return section("realtime", heading, body)
    body = []
    rates = decision_rates(data)
    if rates is not None and rates[1].size:
        body.append(
            f'<p class="note">Decisions per second: median {number(float(np.median(rates[1])), 1)}, '
            f"lowest window {number(float(rates[1].min()), 1)}.</p>"
        )
    summaries = latency_summaries(data.realtime)
    if summaries:
        rows = [
            [
                escape(s.label),
                number(s.p50, 2),
                number(s.p90, 2),
                number(s.p99, 2),
                number(s.worst_p99, 2),
                number(s.max, 2),
            ]
            for s in summaries
        ]
        body.append(
            html_table(
                ("ms", "p50", "p90", "p99", "worst p99", "max"),
                rows,
                (False, True, True, True, True, True),
            )
        )
    else:
        body.append(missing("realtime.csv has no latency percentiles."))
    png = plots.realtime_plot(data)
    caption = (
        "Each row of realtime.csv holds the percentiles of the recent decisions (up to 2,000): "
        "the plots show them row by row; in the table, p50, p90 and p99 are their medians over "
        "the run, worst p99 the worst row's, max the largest single value. Lateness: how late "
        "the decision tick woke; capture-to-key: from grabbing the frame to pressing the keys."
    )
    if png is not None:
        body.append(plot(png, heading, escape(caption)))
    return section("realtime", heading, body)


def _episode(data: RunData) -> str:
    heading = "Best evaluated episode"
    recording = data.recording
    if recording is None:
        return section(
            "episode",
            heading,
            [missing(f"No recording: the run directory has no {RECORDING_FILE}.")],
        )
    views = []
    if len(recording.agent_frames):
        uri = data_uri("image/gif", animation.gif(recording.agent_frames, recording.fps))
        views.append(
            f'<figure><img class="agent" src="{uri}" alt="The episode as the agent saw it">'
            "<figcaption>As the agent saw it (84×84, newest frame of each stack)</figcaption>"
            "</figure>"
        )
    if len(recording.screen_frames):
        frames = recording.screen_frames
        uri = data_uri("image/gif", animation.gif(frames, recording.fps))
        height, width = frames.shape[1:3]
        # Frames shorter than the agent's view (Atari's 160x210) are shown as tall as it.
        scale = max(1.0, AGENT_VIEW_PX / height)
        shown_w, shown_h = round(width * scale), round(height * scale)
        blocky = ' class="pixels"' if scale >= 2 else ""  # only whole-pixel blow-ups look right
        views.append(
            f'<figure><img{blocky} src="{uri}" width="{shown_w}" height="{shown_h}" '
            f'alt="The episode as the screen showed it"><figcaption>As the screen showed it '
            f"({width}×{height})</figcaption></figure>"
        )
    if not views:
        return section("episode", heading, [missing(f"{RECORDING_FILE} holds no frames.")])
    at = f", played at step {number(recording.step)}" if recording.step >= 0 else ""
    kept = recording.frames_kept
    if recording.frames_seen > kept:
        span = f"the first {kept:,} of its {recording.frames_seen:,} frames"
    else:
        span = f"all {kept:,} frames"
    note = (
        f"Return {number(recording.episode_return, 2)}{at}; {span}, "
        f"recorded at {number(recording.fps, 1)} frames per second."
    )
    if not len(recording.agent_frames):
        note += " No agent's-eye view: this environment's observations are not images."
    elif not len(recording.screen_frames):
        note += " No screen frames were recorded."
    body = [f'<div class="episode">{"".join(views)}</div>', f'<p class="note">{escape(note)}</p>']
    return section("episode", heading, body)


RUN_KEYS = {
    "env_id": "The environment id (screen:PROFILE for a game on the screen).",
    "seed": "Seeds exploration, replay sampling and the networks' initialisation.",
    "profile": "The game's profile.",
}
"""Descriptions of the keys config.json holds beside DQNConfig's fields."""


def _configuration(data: RunData) -> str:
    heading = "Configuration"
    if data.config is None:
        return section(
            "configuration",
            heading,
            [missing("No configuration: neither config.json nor a readable checkpoint.pt.")],
        )
    config = data.config
    fields = dqn_config_fields()
    known = {f.name for f in fields}
    run_rows = [
        [f"<code>{escape(k)}</code>", escape(_format_value(v)), escape(RUN_KEYS.get(k, ""))]
        for k, v in config.items()
        if k not in known
    ]
    rows = [
        [
            f"<code>{escape(f.name)}</code>",
            escape(_format_value(config[f.name])) if f.name in config else "– (not recorded)",
            escape(f.description),
        ]
        for f in fields
    ]
    table = html_table(
        ("Setting", "Value", "Meaning"),
        [*run_rows, *rows],
        (False, False, False),
        table_class="config",
    )
    note = f'<p class="note">From {escape(data.config_source)}; every field of DQNConfig.</p>'
    return section("configuration", heading, [table, note])


def _format_value(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_format_value(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 1_000:
        return f"{value:,}"
    return str(value)


def _notes(data: RunData) -> str:
    if not data.notes:
        return ""
    items = "".join(f"<li>{escape(note)}</li>" for note in data.notes)
    return section("notes", "Problems reading the run", [f"<ul>{items}</ul>"])


def _footer(data: RunData) -> str:
    found = ", ".join(name for name, there in data.files.items() if there) or "none"
    absent = ", ".join(name for name, there in data.files.items() if not there) or "none"
    written = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"<footer>Written by screen-agent on {written}. Read: {escape(found)}. "
        f"Not in the run directory: {escape(absent)}.</footer>"
    )
