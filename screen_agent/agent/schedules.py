"""Schedules: values that change with the number of environment steps taken."""

from __future__ import annotations

from dataclasses import dataclass

from screen_agent.agent.config import DQNConfig


@dataclass(frozen=True)
class LinearSchedule:
    """Stays at ``start`` for ``delay`` steps, goes linearly to ``end`` over the next
    ``duration`` steps, then stays at ``end``."""

    start: float
    end: float
    duration: int
    delay: int = 0

    def __call__(self, step: int) -> float:
        if self.duration <= 0:
            return self.end if step >= self.delay else self.start
        fraction = min(max(step - self.delay, 0) / self.duration, 1.0)
        return self.start + fraction * (self.end - self.start)


def epsilon_schedule(config: DQNConfig) -> LinearSchedule:
    """Exploration epsilon by environment step for ``config``.

    With ``eps_decay_steps > 0`` it is Dopamine's ``linearly_decaying_epsilon``: ``eps_start``
    while the replay warms up (until ``learning_starts``), then linear to ``eps_end`` over
    ``eps_decay_steps`` steps. Otherwise the decay starts at step 0 and lasts
    ``eps_fraction x total_steps`` steps (the SB3/CleanRL schedule).
    """
    if config.eps_decay_steps > 0:
        return LinearSchedule(
            config.eps_start, config.eps_end, config.eps_decay_steps, config.learning_starts
        )
    return LinearSchedule(
        config.eps_start, config.eps_end, int(config.eps_fraction * config.total_steps)
    )
