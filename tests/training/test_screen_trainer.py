"""The real-time trainer on a scripted screen (no display; seconds per test): what it stores,
how it pauses, how a learner failure ends the run, how a resume keeps its pace, and what its
checkpoints hold."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from scripted_screen import LEFT, RIGHT, after, scripted_session

from screen_agent.agent.config import screen_config
from screen_agent.training.checkpoint import CHECKPOINT, REPLAY, load_arrays, load_checkpoint
from screen_agent.training.learner_process import LearnerFailed
from screen_agent.training.screen_loop import RealtimeSettings, ScreenTrainer

CPU = torch.device("cpu")


def small_config(**changes: Any):
    """The screen preset, small enough to learn from the first decisions."""
    values: dict[str, Any] = {
        "learning_starts": 20,
        "batch_size": 8,
        "buffer_size": 2_000,
        "n_step": 1,
        "checkpoint_interval": 10_000,
        "eps_start": 1.0,
        "eps_end": 1.0,  # random actions: both keys are pressed often
    }
    return screen_config().replace(**(values | changes))


def trainer_for(session, run_dir: Path, config=None, settings=None, **kwargs) -> ScreenTrainer:
    return ScreenTrainer(
        run_dir,
        CPU,
        0,
        session,
        config=config or small_config(),
        settings=settings or RealtimeSettings(replay_snapshot_s=0),
        **kwargs,
    )


def stop_at(trainer: ScreenTrainer, screen, grab: int) -> None:
    screen.hooks[grab] = trainer.stop


def stored(run_dir: Path) -> dict[str, np.ndarray]:
    """The replay as saved: per slot, its frame's grab number and its transition."""
    state = load_arrays(run_dir / REPLAY)
    size = int(state["size"])
    return {
        "grab": state["frames"][:size, 0, 0].astype(int),
        "action": state["actions"][:size],
        "reward": state["rewards"][:size],
        "has": state["has_transition"][:size],
        "start": state["episode_start"][:size],
    }


def transitions(run_dir: Path) -> list[tuple[int, int, float, int]]:
    """(grab of the observation, action, reward, grab of the next observation)."""
    r = stored(run_dir)
    return [
        (r["grab"][i], int(r["action"][i]), float(r["reward"][i]), r["grab"][i + 1])
        for i in np.flatnonzero(r["has"])
        if i + 1 < len(r["grab"])
    ]


def test_each_transition_holds_its_action_reward_and_next_frame(tmp_path: Path) -> None:
    session, screen, sink = scripted_session()
    trainer = trainer_for(session, tmp_path)
    stop_at(trainer, screen, 120)
    trainer.run()
    found = transitions(tmp_path)
    assert len(found) > 100
    for obs, action, reward, next_obs in found:
        assert next_obs == obs + 1, "the next observation is the next grab"
        # The flag is drawn from the keys held when the next frame was grabbed: the action's.
        assert reward == (1.0 if action == RIGHT else 0.0), (obs, action, reward)
    assert {a for _, a, _, _ in found} >= {LEFT, RIGHT}
    assert not sink.held


def test_no_transition_spans_a_pause_of_the_app_or_a_lost_focus(tmp_path: Path) -> None:
    session, screen, sink = scripted_session()
    trainer = trainer_for(session, tmp_path)

    def pause_briefly() -> None:
        trainer.pause()
        after(0.3, trainer.resume)

    def lose_focus_briefly() -> None:
        sink.focused = False
        after(0.3, lambda: setattr(sink, "focused", True))

    screen.hooks[40] = pause_briefly  # the app's Pause, right after grab 40 is taken
    screen.hooks[80] = lose_focus_briefly  # focus lost while grab 80's action is sent
    stop_at(trainer, screen, 140)
    trainer.run()
    found = {(obs, next_obs) for obs, _, _, next_obs in transitions(tmp_path)}
    pairs = sorted(found)
    assert all(b == a + 1 for a, b in pairs)
    r = stored(tmp_path)
    starts = set(r["grab"][r["start"]].tolist())
    # Grab 40 was the last before the pause; the first after it starts a new chain.
    pause_grab = next(g for g in range(41, 50) if g in starts)
    assert (pause_grab - 1, pause_grab) not in found
    # The step whose keys waited for focus (taken at grab 80's observation) is not stored.
    focus_grab = next(g for g in range(80, 90) if g in starts)
    assert (focus_grab - 1, focus_grab) not in found
    assert len(starts) == 3, f"one episode and two chains after pauses: {sorted(starts)}"
    assert not sink.held


def test_checkpoints_are_written_by_the_learner_while_the_actor_goes_on(
    tmp_path: Path, monkeypatch
) -> None:
    session, screen, sink = scripted_session(interval_s=0.01)
    written_here: list[int] = []
    import screen_agent.training.gym_loop as gym_loop

    original = gym_loop.save_run_checkpoint

    def spy(*args: Any, **kwargs: Any) -> None:
        written_here.append(1)
        original(*args, **kwargs)

    monkeypatch.setattr(gym_loop, "save_run_checkpoint", spy)
    config = small_config(checkpoint_interval=10)
    trainer = trainer_for(session, tmp_path, config=config)
    steps_seen: list[int] = []

    def look() -> None:
        if (tmp_path / CHECKPOINT).exists():
            steps_seen.append(load_checkpoint(tmp_path / CHECKPOINT)["step"])

    for grab in (40, 80, 120):
        screen.hooks[grab] = look
    stop_at(trainer, screen, 130)
    trainer.run()
    assert written_here == [], "the actor's process wrote a checkpoint (it would stall acting)"
    # Two checkpoints at different steps while the actor went on (a busy machine slows the
    # learner's process: 20 and 30 of 130 decisions seen so).
    assert len(steps_seen) >= 2 and steps_seen == sorted(steps_seen) and steps_seen[-1] >= 20
    assert load_checkpoint(tmp_path / CHECKPOINT)["step"] >= 129
    assert not sink.held


FAILING_UPDATE = """
# Loaded by every Python process started while the test runs (sitecustomize): the learner
# process's fifth update fails, as a CUDA out-of-memory or a NaN check would.
import screen_agent.agent.dqn as dqn

_update = dqn.DQNAgent.update
_calls = [0]


def _failing(self, batch):
    _calls[0] += 1
    if _calls[0] == 5:
        raise RuntimeError("boom in the learner")
    return _update(self, batch)


dqn.DQNAgent.update = _failing
"""


def test_a_learner_failure_stops_the_run_releases_keys_and_saves(
    tmp_path: Path, monkeypatch
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(FAILING_UPDATE)
    monkeypatch.setenv("PYTHONPATH", f"{site}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    session, screen, sink = scripted_session(interval_s=0.002)
    trainer = trainer_for(session, tmp_path / "run")
    stop_at(trainer, screen, 5000)  # the failure must end it long before
    with pytest.raises(LearnerFailed, match="boom in the learner"):
        trainer.run()
    assert screen.grabs < 5000
    assert not sink.held
    state = load_checkpoint(tmp_path / "run" / CHECKPOINT)
    assert state["step"] > 20 and (tmp_path / "run" / REPLAY).exists()


def test_a_resumed_run_keeps_the_replay_ratio(tmp_path: Path) -> None:
    ratio = 0.5
    settings = RealtimeSettings(replay_snapshot_s=0)
    config = small_config(learning_starts=20, train_freq=2, gradient_steps=1)
    session, screen, _ = scripted_session(interval_s=0.02)
    first = trainer_for(session, tmp_path, config=config, settings=settings)
    stop_at(first, screen, 200)
    first.run()
    before = load_checkpoint(tmp_path / CHECKPOINT)
    session, screen, _ = scripted_session(interval_s=0.02)
    resumed = trainer_for(session, tmp_path, config=config, settings=settings, resume=True)
    stop_at(resumed, screen, 200)
    resumed.run()
    after_ = load_checkpoint(tmp_path / CHECKPOINT)
    decisions = after_["step"] - before["step"]
    updates = after_["agent"]["updates"] - before["agent"]["updates"]
    assert decisions > 150
    # At most the ratio's share of the resumed decisions (plus the one in flight), not a
    # catch-up on the first session's decisions.
    assert updates <= ratio * decisions + 5, (updates, decisions)


def test_rewards_are_clipped_for_learning_and_logged_raw(tmp_path: Path) -> None:
    session, screen, _ = scripted_session(reward=50.0)
    trainer = trainer_for(session, tmp_path)
    stop_at(trainer, screen, 100)
    trainer.run()
    learnt = {reward for _, _, reward, _ in transitions(tmp_path)}
    assert learnt == {0.0, 1.0}
    logged = (tmp_path / "rewards.csv").read_text().splitlines()[1:]
    assert logged and all(line.split(",")[1] == "50.0" for line in logged)


def test_the_checkpoint_is_written_before_the_replay(tmp_path: Path) -> None:
    session, screen, _ = scripted_session()
    trainer = trainer_for(session, tmp_path)
    stop_at(trainer, screen, 60)
    (tmp_path / REPLAY).mkdir(parents=True)  # the replay cannot be written there
    with pytest.raises(LearnerFailed, match=r"replay\.npz"):
        trainer.run()
    assert load_checkpoint(tmp_path / CHECKPOINT)["step"] >= 59


def test_the_replay_is_snapshot_while_the_run_goes_on(tmp_path: Path) -> None:
    session, screen, _ = scripted_session(interval_s=0.01)
    trainer = trainer_for(session, tmp_path, settings=RealtimeSettings(replay_snapshot_s=0.5))
    seen = threading.Event()

    def look() -> None:
        if (tmp_path / REPLAY).exists():
            seen.set()

    screen.hooks[150] = look  # ~1.5 s in: at least one snapshot was due
    stop_at(trainer, screen, 160)
    trainer.run()
    assert seen.is_set(), "no replay.npz before the session ended"
