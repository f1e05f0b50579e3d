"""What a screen run prints in a terminal: one line per episode, statistics, pauses."""

from __future__ import annotations

from collections.abc import Callable

from screen_agent.training.events import EpisodeEvent, PauseEvent, StatsEvent, TrainerEvent


def screen_printer(verbose: bool) -> Callable[[TrainerEvent], None]:
    """Prints episodes and the real-time statistics of a screen session, one line each."""
    state = {"stats": ""}

    def on_event(event: TrainerEvent) -> None:
        if isinstance(event, StatsEvent):
            loss = "-" if event.loss is None else f"{event.loss:.4f}"
            state["stats"] = (
                f"decisions/s {event.decisions_per_second:.1f}, lateness p99 "
                f"{event.lateness_ms_p99:.1f} ms, capture-to-key p99 {event.latency_ms_p99:.1f} ms, "
                f"updates {event.updates}, loss {loss}, epsilon {event.epsilon:.2f}"
            )
            if verbose:
                print(f"step {event.step}: {state['stats']}", flush=True)
        elif isinstance(event, EpisodeEvent):
            print(
                f"episode {event.episode} (step {event.step}): return {event.ret:+.1f} "
                f"in {event.length} decisions | {state['stats']}",
                flush=True,
            )
        elif isinstance(event, PauseEvent):
            print(event.message or "resumed: the game window has focus again", flush=True)

    return on_event
