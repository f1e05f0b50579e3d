"""The learner in a process of its own: gradient updates on the second core while the actor
acts on the first, with no GIL between them.

The learner process owns the agent (networks, optimizer) and the replay. The actor (the
calling process) sends it each transition as it happens (a frame of 84x84 uint8 and a few
numbers: about 7 KB, 15 times a second on a live game) and reads the online network's weights
from shared memory when the learner publishes a new version; it never waits for learning, for
the replay or for a checkpoint: the learner writes checkpoints and replay snapshots itself,
between updates, while the actor goes on. The learner keeps to ``replay_ratio`` updates per
decision past warm-up; its update counter is the agent's own, saved in checkpoints, so a
resumed run keeps its pace.

A failure in the learner reaches the actor as :class:`LearnerFailed` (raised by
:meth:`LearnerProcess.poll`); if the actor's process dies, the learner ends too.
"""

from __future__ import annotations

import contextlib
import copy
import os
import queue
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.multiprocessing as mp

from screen_agent.agent.config import DQNConfig
from screen_agent.agent.networks import QNetwork
from screen_agent.errors import RunFailed

IDLE_S = 0.005
"""How long the learner waits for a transition when it may not update, seconds."""
STOP_TIMEOUT_S = 300.0
"""How long the learner may take to save the run and exit after a stop, seconds."""


class LearnerFailed(RunFailed):
    """The learner stopped with an error; the run was stopped and saved as far as it could be."""


@dataclass(frozen=True)
class LearnerSpec:
    """What the learner process builds: plain values only, so it crosses to the process."""

    obs_shape: tuple[int, ...]
    obs_dtype: str
    n_actions: int
    action_names: tuple[str, ...]
    config: DQNConfig
    device: str
    seed: int
    run_dir: Path
    env_id: str
    """Saved in checkpoints (``screen:NAME`` for a screen game)."""
    replay_ratio: float = 0.5
    """Gradient updates per decision (the learner never gets ahead of this)."""
    threads: int = 1
    """Torch threads of the learner (1 beats 2 beside an actor: bench/README.md)."""
    publish_every: int = 10
    """Updates between weight snapshots for the actor."""
    resume: bool = False
    """Load the agent from ``run_dir``'s checkpoint and its replay (unless ``fresh_replay``)."""
    fresh_replay: bool = False
    demos: tuple[Path, ...] = ()
    """Demonstration files (screen_agent.training.demos) mixed into the batches."""
    demo_source: tuple[str, str] = ("", "")
    """(kind, source) the demonstrations must have been recorded on."""


@dataclass
class SharedWeights:
    """The online network's weights in shared memory, with a version number; the learner
    writes them, the actor reads them (both under ``lock``)."""

    tensors: dict[str, torch.Tensor]
    version: Any
    lock: Any

    @classmethod
    def like(cls, net: torch.nn.Module, ctx: Any) -> SharedWeights:
        tensors = {
            k: v.detach().clone().contiguous().share_memory_() for k, v in net.state_dict().items()
        }
        return cls(tensors, ctx.Value("q", 0, lock=False), ctx.Lock())

    def publish(self, net: torch.nn.Module) -> None:
        with self.lock, torch.no_grad():
            for k, v in net.state_dict().items():
                self.tensors[k].copy_(v)
            self.version.value += 1

    def read_into(self, net: torch.nn.Module) -> int:
        """Copy the weights into ``net``; returns their version."""
        with self.lock:
            net.load_state_dict(self.tensors)
            return int(self.version.value)


class SnapshotActor:
    """Acts epsilon-greedily with the newest published weights, never waiting for them: a
    background thread copies each new version into a spare network and hands it over."""

    def __init__(
        self,
        net: QNetwork,
        weights: SharedWeights,
        n_actions: int,
        device: torch.device,
        rng: np.random.Generator,
    ) -> None:
        # Batch-1 forwards are faster in the default layout than channels-last.
        net = net.to(memory_format=torch.contiguous_format).eval().requires_grad_(False)
        self._nets = [net, copy.deepcopy(net)]
        self._current = 0
        self.weights = weights
        self.n_actions = n_actions
        self.device = device
        self.rng = rng
        self._seen = weights.read_into(net)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, name="weights", daemon=True)
        self._thread.start()

    @property
    def version(self) -> int:
        return self._seen

    def act(self, obs: np.ndarray, epsilon: float) -> int:
        if epsilon > 0.0 and self.rng.random() < epsilon:
            return int(self.rng.integers(self.n_actions))
        net = self._nets[self._current]
        with torch.inference_mode():
            q = net(torch.as_tensor(obs[None], device=self.device))
        return int(q.argmax(dim=1)[0])

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _follow(self) -> None:
        torch.set_num_threads(1)
        while not self._stop.wait(0.02):
            if int(self.weights.version.value) == self._seen:
                continue
            spare = 1 - self._current
            self._seen = self.weights.read_into(self._nets[spare])
            self._current = spare  # one reference swap: act() sees one network or the other


@dataclass
class LearnerStats:
    """What the learner reported since the last :meth:`LearnerProcess.poll`."""

    updates: int = 0
    losses: list[float] = field(default_factory=list)
    q_means: list[float] = field(default_factory=list)

    def add(self, other: LearnerStats) -> None:
        """Take in what another report holds (the newer update count wins)."""
        self.updates = max(self.updates, other.updates)
        self.losses.extend(other.losses)
        self.q_means.extend(other.q_means)

    def means(self) -> dict[str, float]:
        out: dict[str, float] = {}
        if self.losses:
            out["loss"] = float(np.mean(self.losses))
        if self.q_means:
            out["q_mean"] = float(np.mean(self.q_means))
        return out


class LearnerProcess:
    """The actor's handle on the learner process; see the module docstring."""

    def __init__(self, spec: LearnerSpec) -> None:
        self.spec = spec
        ctx = mp.get_context("spawn")
        template = _network(spec)
        self.weights = SharedWeights.like(template, ctx)
        self.template = template
        self._inbox = ctx.Queue()
        self._outbox = ctx.Queue()
        self._updates = ctx.Value("q", 0, lock=False)
        self.stats = LearnerStats()
        self._process = ctx.Process(
            target=_learner_main,
            args=(spec, self._inbox, self._outbox, self.weights, self._updates),
            name="screen-agent learner",
            daemon=True,
        )
        with _passive_openmp():
            self._process.start()
        self._failed: str | None = None
        self._wait_for("loaded", 120.0)  # torch imported, the agent and replay loaded
        pretrain = spec.config.demo_pretrain_updates if spec.demos else 0
        self._wait_for("ready", 60.0 + 1.0 * pretrain)  # up to a second an update

    @property
    def updates(self) -> int:
        """The learner's updates so far (over every session of the run), read live."""
        return int(self._updates.value)

    # -- what the actor sends --------------------------------------------------------------------
    def start_episode(self, frame: np.ndarray) -> None:
        self._inbox.put(("start", np.ascontiguousarray(frame)))

    def add(
        self, action: int, reward: float, terminated: bool, truncated: bool, frame: np.ndarray
    ) -> None:
        self._inbox.put(
            (
                "add",
                int(action),
                float(reward),
                bool(terminated),
                bool(truncated),
                np.ascontiguousarray(frame),
            )
        )

    def save(self, meta: dict[str, Any], with_replay: bool) -> None:
        """Ask for a checkpoint (and a replay snapshot) of everything sent so far; the actor
        goes on at once. ``meta``: the run's counters and RNG state (checkpoint fields)."""
        self._inbox.put(("save", meta, with_replay))

    # -- what the actor reads --------------------------------------------------------------------
    def poll(self) -> LearnerStats:
        """The learner's news since the last call; raises LearnerFailed if it failed."""
        while True:
            try:
                message = self._outbox.get_nowait()
            except queue.Empty:
                break
            self._handle(message)
        if self._failed is None and not self._process.is_alive():
            self._failed = (
                f"the learner process ended unexpectedly (exit code {self._process.exitcode})"
            )
        self._raise_if_failed()
        stats, self.stats = self.stats, LearnerStats()
        stats.updates = self.updates
        return stats

    def stop(
        self, meta: dict[str, Any], with_replay: bool, timeout_s: float = STOP_TIMEOUT_S
    ) -> None:
        """Save the run (checkpoint, then replay) and end the learner; raises LearnerFailed if
        it failed at any point."""
        if self._process.is_alive():
            self._inbox.put(("stop", meta, with_replay))
            try:
                self._wait_for("done", timeout_s)
            finally:
                self._process.join(10)
                if self._process.is_alive():
                    self._process.kill()
                    self._process.join()
        self._raise_if_failed()

    def kill(self) -> None:
        """End the learner without saving (the actor is failing itself)."""
        if self._process.is_alive():
            self._process.kill()
            self._process.join()

    def _wait_for(self, kind: str, timeout_s: float, raise_failure: bool = True) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                message = self._outbox.get(timeout=0.1)
            except queue.Empty:
                if not self._process.is_alive():
                    self._failed = self._failed or (
                        f"the learner process ended unexpectedly (exit code {self._process.exitcode})"
                    )
                    self._raise_if_failed()
                continue
            self._handle(message)
            if raise_failure:
                self._raise_if_failed()
            if message[0] == kind:
                return
        self._failed = self._failed or f"the learner did not answer within {timeout_s:.0f} s"
        self._raise_if_failed()

    def _handle(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "stats":
            _, _updates, loss, q_mean = message
            self.stats.losses.append(loss)
            self.stats.q_means.append(q_mean)
        elif kind == "failed":
            self._failed = message[1]

    def _raise_if_failed(self) -> None:
        if self._failed is not None:
            raise LearnerFailed(
                f"the learner failed ({self._failed.splitlines()[0]}); the run was stopped and "
                "every key released"
            )


@contextlib.contextmanager
def _passive_openmp() -> Iterator[None]:
    """Start children with OpenMP threads that sleep rather than spin while they wait: on a
    machine shared with an actor, spinning threads cost the update 2-8x (bench/README.md).
    The variable must be set before torch loads, so only a new process can take it; a value
    the user set is kept."""
    saved = os.environ.get("OMP_WAIT_POLICY")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("OMP_WAIT_POLICY", None)


# -- the learner process ---------------------------------------------------------------------
STATS_EVERY = 10
"""Updates between the stats the learner sends back."""


def _learner_main(
    spec: LearnerSpec, inbox: Any, outbox: Any, weights: SharedWeights, updates: Any
) -> None:  # pragma: no cover - runs in the child
    try:
        _Learning(spec, inbox, outbox, weights, updates).run()
    except BaseException as error:  # every failure reaches the actor as one message
        detail = "".join(traceback.format_exception(error, limit=-4))
        outbox.put(("failed", f"{type(error).__name__}: {error}\n{detail}"))
    finally:
        outbox.close()
        outbox.join_thread()


class _Learning:
    """The learner's loop, in the learner process."""

    def __init__(
        self, spec: LearnerSpec, inbox: Any, outbox: Any, weights: SharedWeights, updates: Any
    ) -> None:
        from screen_agent.agent.dqn import DQNAgent
        from screen_agent.agent.replay import ReplayBuffer
        from screen_agent.training.checkpoint import (
            CHECKPOINT,
            REPLAY,
            load_arrays,
            load_checkpoint,
        )
        from screen_agent.training.runtime import keep_freed_memory

        keep_freed_memory()
        torch.set_num_threads(spec.threads)
        torch.manual_seed(spec.seed)
        self.spec, self.inbox, self.outbox, self.weights = spec, inbox, outbox, weights
        self.shared_updates = updates
        config = spec.config
        self.agent = DQNAgent(
            spec.obs_shape,
            np.dtype(spec.obs_dtype),
            spec.n_actions,
            config,
            torch.device(spec.device),
            np.random.default_rng(spec.seed),
            spec.action_names,
        )
        image = len(spec.obs_shape) == 3
        self.replay = ReplayBuffer(
            config.buffer_size,
            spec.obs_shape[1:] if image else spec.obs_shape,
            np.dtype(spec.obs_dtype),
            spec.obs_shape[0] if image else 1,
            config.n_step,
            config.gamma,
            np.random.default_rng(spec.seed + 1),
        )
        self.decisions = 0
        checkpoint = spec.run_dir / CHECKPOINT
        if spec.resume:
            state = load_checkpoint(checkpoint)
            self.agent.load_state_dict(state["agent"], source=str(checkpoint))
            self.decisions = int(state["step"])
            if (spec.run_dir / REPLAY).exists() and not spec.fresh_replay:
                self.replay.load_state_dict(load_arrays(spec.run_dir / REPLAY))
        self.demos = None
        if spec.demos:
            from screen_agent.training.demo_learning import DemoMixer

            self.demos = DemoMixer.for_run(spec, self.agent, self.replay)
        self.outbox.put(("loaded", self.agent.updates))
        self.target_every = max(1, round(config.target_update_interval * spec.replay_ratio))
        self.failed = False
        if self.demos is not None:
            # DQfD's pre-training: on the demonstrations alone, before the agent acts.
            while self.demos.pretraining(self.agent.updates):
                self._update()
        self.weights.publish(self.agent.online)
        self.shared_updates.value = self.agent.updates
        self.outbox.put(("ready", self.agent.updates))

    def run(self) -> None:
        import multiprocessing

        parent = multiprocessing.parent_process()
        last_check = time.monotonic()
        while True:
            message = self._next(block=not self._may_update())
            if message is not None:
                if not self._handle(message):
                    return
                continue
            if self._may_update():
                try:
                    self._update()
                except Exception as error:
                    # Reported, and no more updates; the learner still takes the actor's
                    # transitions and saves the run when the actor stops it.
                    detail = "".join(traceback.format_exception(error, limit=-4))
                    self.outbox.put(("failed", f"{type(error).__name__}: {error}\n{detail}"))
                    self.failed = True
            if time.monotonic() - last_check > 1.0:
                last_check = time.monotonic()
                if parent is not None and not parent.is_alive():
                    return  # the actor is gone: nothing to save for

    @property
    def config(self) -> DQNConfig:
        return self.spec.config

    def _may_update(self) -> bool:
        if self.failed:
            return False
        allowed = self.spec.replay_ratio * (self.decisions - self.config.learning_starts)
        if self.demos is not None:
            # The pre-training updates do not count against the agent's own ratio.
            allowed += self.config.demo_pretrain_updates
            return self.agent.updates < allowed
        return self.agent.updates < allowed and self.replay.can_sample(self.config.batch_size)

    def _next(self, block: bool) -> tuple[Any, ...] | None:
        try:
            return self.inbox.get(timeout=IDLE_S) if block else self.inbox.get_nowait()
        except queue.Empty:
            return None

    def _handle(self, message: tuple[Any, ...]) -> bool:
        """Apply one message; False when the learner should end."""
        kind = message[0]
        if kind == "start":
            self.replay.start_episode(message[1])
        elif kind == "add":
            _, action, reward, terminated, truncated, frame = message
            self.replay.add(action, reward, terminated, truncated, frame)
            self.decisions += 1
        elif kind == "save":
            self._save(message[1], message[2])
            self.outbox.put(("saved", self.agent.updates))
        elif kind == "stop":
            self._save(message[1], message[2])
            self.outbox.put(("done", self.agent.updates))
            return False
        return True

    def _update(self) -> None:
        config = self.config
        if self.demos is not None:
            stats = self.demos.update(config.batch_size)
        else:
            stats = self.agent.update(self.replay.sample(config.batch_size))
        updates = self.agent.updates
        self.shared_updates.value = updates
        if updates % self.target_every == 0:
            self.agent.update_target()
        if updates % self.spec.publish_every == 0:
            self.weights.publish(self.agent.online)
        if updates % STATS_EVERY == 0:
            self.outbox.put(("stats", updates, float(stats["loss"]), float(stats["q_mean"])))

    def _save(self, meta: dict[str, Any], with_replay: bool) -> None:
        """checkpoint.pt first, then replay.npz: a failed replay write keeps the checkpoint."""
        from screen_agent.training.checkpoint import CHECKPOINT, REPLAY, save_arrays
        from screen_agent.training.gym_loop import save_run_checkpoint

        spec = self.spec
        path = Path(meta.get("path") or spec.run_dir / CHECKPOINT)
        save_run_checkpoint(
            path,
            spec.env_id,
            self.config,
            self.agent,
            int(meta["step"]),
            int(meta["episodes"]),
            float(meta.get("best_eval", float("-inf"))),
            _Rng(meta["rng"]),
            meta.get("exploration_steps"),
        )
        if with_replay and self.config.save_replay:
            save_arrays(spec.run_dir / REPLAY, self.replay.state_dict())


class _Rng:
    """Carries the actor's RNG state into ``save_run_checkpoint`` (which saves ``.bit_generator.state``)."""

    def __init__(self, state: dict[str, Any]) -> None:
        self.bit_generator = type("_BitGenerator", (), {"state": state})()


def actor_network(spec: LearnerSpec) -> QNetwork:
    """A network shaped like the learner's, for the actor (the weights come from the learner)."""
    net = _network(spec).to(torch.device(spec.device))
    return net.eval().requires_grad_(False)


def _network(spec: LearnerSpec) -> QNetwork:
    """A freshly initialised Q-network of the spec's shape and configuration."""
    config = spec.config
    return QNetwork(
        spec.obs_shape,
        np.dtype(spec.obs_dtype),
        spec.n_actions,
        config.hidden,
        config.dueling,
        config.cnn_width,
    )
