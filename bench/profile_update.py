"""Where the time of one learner update goes, and which settings make it faster.

Times ``DQNAgent.update`` (batch 32, Nature CNN on (4, 84, 84) uint8 stacks, dueling, Double DQN)
on batches sampled from a filled ``ReplayBuffer``, and prints markdown tables::

    .venv/bin/python bench/profile_update.py                      # every section, ~10 minutes
    .venv/bin/python bench/profile_update.py --sections layers,phases --preset atari100k
    .venv/bin/python bench/profile_update.py --sections variants --variants before,now,now-1t
    .venv/bin/python bench/profile_update.py --quick              # smoke run, tiny sizes

Sections (``--sections``, comma-separated):

- ``layers``: forward and backward time of each layer of the online network, alone, at batch 32.
- ``phases``: ``torch.profiler`` over ``--profile-updates`` updates: time per phase of the update
  (the ``record_function`` labels in ``DQNAgent.update``) and the most expensive operators.
- ``variants``: update variants compared *interleaved*: ``--rounds`` rounds, each running every
  variant ``--repeats`` times in turn (A B C A B C ...), so load from other work on the machine
  hits all of them alike; the table gives each variant's median and p90 over all its updates,
  its ratio to the first variant and the load average over the rounds.
- ``sync``: the cost of one hard target update (``update_target``) against the old
  ``load_state_dict`` copy.
- ``per``: what prioritized replay would add per update: a vectorised numpy sum tree over the
  buffer's capacity (sample 32 proportionally, then write 32 new priorities), against the
  uniform ``sample``.

The header gives the date, CPU, torch version and threads, and the load average before and after
(``os.getloadavg()``: anything well above 0 means other work shared the cores). Absolute numbers
only mean something on a quiet machine; the ratios of interleaved variants are more robust.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from common import N_ACTIONS, OBS_SHAPE, cpu_model, our_buffer, percentiles_ms, time_call
from torch import nn

from screen_agent.agent.config import DQNConfig, atari100k_config, atari_config
from screen_agent.agent.dqn import DQNAgent
from screen_agent.agent.replay import ReplayBatch, ReplayBuffer
from screen_agent.training.runtime import keep_freed_memory

BATCH = 32
CPU = torch.device("cpu")
PRESETS: dict[str, Callable[[], DQNConfig]] = {
    "atari": atari_config,
    "atari100k": atari100k_config,
}
SECTIONS = ("layers", "phases", "variants", "sync", "per")


# ---------------------------------------------------------------------------- helpers


def fill_buffer(config: DQNConfig, transitions: int, rng: np.random.Generator) -> ReplayBuffer:
    """A buffer of ``transitions`` random 84x84 frames in episodes of 200-2,000 steps, with the
    preset's n-step returns (frame contents do not matter for speed, their addresses do)."""
    buffer = our_buffer(transitions, config, rng)
    pool = rng.integers(0, 256, size=(257, *OBS_SHAPE[1:]), dtype=np.uint8)
    buffer.start_episode(pool[0])
    left = int(rng.integers(200, 2_000))
    for i in range(transitions):
        left -= 1
        done = left == 0
        buffer.add(
            int(rng.integers(N_ACTIONS)), float(rng.integers(-1, 2)), done, False, pool[i % 257]
        )
        if done:
            buffer.start_episode(pool[(i + 1) % 257])
            left = int(rng.integers(200, 2_000))
    return buffer


def make_agent(config: DQNConfig, seed: int = 0) -> DQNAgent:
    torch.manual_seed(seed)
    return DQNAgent(OBS_SHAPE, np.uint8, N_ACTIONS, config, CPU, np.random.default_rng(seed))


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


# ---------------------------------------------------------------------------- layers


def section_layers(config: DQNConfig, args: argparse.Namespace) -> str:
    """Each layer alone: forward (no grad) and the extra time of its backward, batch 32."""
    agent = make_agent(config)
    net = agent.online
    body = net.body
    rng = np.random.default_rng(1)
    frames = torch.as_tensor(rng.integers(0, 256, size=(BATCH, *OBS_SHAPE), dtype=np.uint8))
    first = body.convs[0]

    class ScaledFirstConv(nn.Module):
        """The first convolution as the network runs it: 1/255 folded into its weights."""

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return F.conv2d(x, first.weight * (1.0 / 255.0), first.bias, first.stride)

    layers: list[tuple[str, nn.Module, list[nn.Parameter]]] = [
        ("input uint8 -> float32 channels-last", _ToInput(), []),
        (
            "conv1 8x8/4 (+ 1/255) + ReLU",
            nn.Sequential(ScaledFirstConv(), body.convs[1]),
            [first.weight, first.bias],
        ),
        ("conv2 4x4/2 + ReLU", body.convs[2:4], list(body.convs[2].parameters())),
        ("conv3 3x3/1 + ReLU + flatten", body.convs[4:7], list(body.convs[4].parameters())),
        ("fc 512 + ReLU", body.fc, list(body.fc.parameters())),
    ]
    head: list[nn.Parameter] = (
        list(net.value.parameters()) + list(net.advantage.parameters())
        if net.dueling
        else list(net.head.parameters())
    )
    layers.append(("dueling head" if net.dueling else "head", _Head(net), head))

    rows = []
    x: torch.Tensor = frames
    total_forward = total_backward = 0.0
    for index, (name, layer, params) in enumerate(layers):
        inp = x.detach()
        # Input gradients everywhere but the pixels (the real backward skips those too).
        needs_input_grad = index >= 2
        if needs_input_grad:
            inp.requires_grad_(True)

        def forward(layer: nn.Module = layer, inp: torch.Tensor = inp) -> None:
            with torch.no_grad():
                layer(inp)

        out = layer(inp)
        grad_out = torch.randn_like(out) if out.is_floating_point() else None
        wrt = ([inp] if needs_input_grad else []) + params

        def forward_backward(
            layer: nn.Module = layer,
            inp: torch.Tensor = inp,
            wrt: list[torch.Tensor] = wrt,
            grad_out: torch.Tensor | None = grad_out,
        ) -> None:
            y = layer(inp)
            if wrt:
                torch.autograd.grad(y, wrt, grad_out)

        fwd = percentiles_ms(time_call(forward, 5, args.layer_repeats))[0]
        both = percentiles_ms(time_call(forward_backward, 5, args.layer_repeats))[0]
        backward = max(both - fwd, 0.0) if wrt else 0.0
        total_forward += fwd
        total_backward += backward
        rows.append((name, f"{tuple(inp.shape)}", f"{fwd:.2f}", f"{backward:.2f}" if wrt else "—"))
        x = out.detach()
    rows.append(("**total**", "", f"**{total_forward:.2f}**", f"**{total_backward:.2f}**"))
    n_fwd = 2 if config.target_update_interval == 1 else 3
    estimate = n_fwd * total_forward + total_backward
    return (
        table(("layer", "input shape", "forward ms (median)", "backward ms (median)"), rows)
        + f"\n\nAn update runs {n_fwd} forward passes of batch 32 and one backward: about "
        f"{estimate:.1f} ms of layer time at these speeds (plus loss, gradient clipping and Adam)."
    )


class _ToInput(nn.Module):
    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        return frames.to(torch.float32, memory_format=torch.channels_last)


class _Head(nn.Module):
    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        net = self.net
        if net.dueling:
            advantage = net.advantage(features)
            return net.value(features) + advantage - advantage.mean(dim=1, keepdim=True)
        return net.head(features)


# ---------------------------------------------------------------------------- phases


def section_phases(config: DQNConfig, buffer: ReplayBuffer, args: argparse.Namespace) -> str:
    from torch.profiler import ProfilerActivity, profile

    agent = make_agent(config)
    updates = args.profile_updates
    for _ in range(5):
        _learner_step(agent, buffer)
    batches = [buffer.sample(BATCH) for _ in range(updates)]
    wall = time.perf_counter()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for batch in batches:
            agent.update(batch)
            if agent.updates % config.target_update_interval == 0:
                agent.update_target()
    wall = (time.perf_counter() - wall) / updates * 1e3
    events = prof.key_averages()
    phase_rows = []
    for event in events:
        if event.key.startswith("update/"):
            phase_rows.append((event.key, event.cpu_time_total / 1e3 / updates))
    phase_rows.sort(key=lambda r: -r[1])
    op_rows = sorted(
        (e for e in events if e.key.startswith("aten::")), key=lambda e: -e.self_cpu_time_total
    )[:12]
    out = [
        f"{updates} updates under torch.profiler (preset {args.preset}; profiling itself adds "
        f"some overhead): {wall:.2f} ms per update including the target update.\n",
        table(
            ("phase (record_function in DQNAgent.update)", "ms per update"),
            [(k, f"{v:.2f}") for k, v in phase_rows],
        ),
        "",
        table(
            ("operator", "self CPU ms per update", "calls per update"),
            [
                (e.key, f"{e.self_cpu_time_total / 1e3 / updates:.2f}", f"{e.count / updates:g}")
                for e in op_rows
            ],
        ),
    ]
    return "\n".join(out)


def _learner_step(agent: DQNAgent, buffer: ReplayBuffer) -> None:
    agent.update(buffer.sample(BATCH))
    if agent.updates % agent.config.target_update_interval == 0:
        agent.update_target()


# ---------------------------------------------------------------------------- variants


@dataclass
class Variant:
    """One way of running the update; ``step`` does one update (timed) and returns after it."""

    name: str
    description: str
    step: Callable[[ReplayBatch], Any]
    after: Callable[[], None] = lambda: None
    """Untimed work after each step (the target update, as the training loops do it)."""
    enter: Callable[[], None] = lambda: None
    leave: Callable[[], None] = lambda: None


def _target_every(agent: DQNAgent) -> Callable[[], None]:
    def after() -> None:
        if agent.updates % agent.config.target_update_interval == 0:
            agent.update_target()

    return after


def _legacy_forward(body: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    """NatureCNN.forward before this work: scale the whole batch, then all three convolutions."""

    def forward(frames: torch.Tensor) -> torch.Tensor:
        return body.fc(body.convs(frames.float().div_(255.0)))

    return forward


def _tensors(
    batch: ReplayBatch, stacks: Callable[[np.ndarray], torch.Tensor]
) -> tuple[torch.Tensor, ...]:
    """The batch as tensors: (obs, next_obs, actions, returns, discounts), the stacks through
    ``stacks``."""
    return (
        stacks(batch.obs),
        stacks(batch.next_obs),
        torch.as_tensor(batch.actions).long(),
        torch.as_tensor(batch.returns),
        torch.as_tensor(batch.discounts),
    )


def _learn(agent: DQNAgent, q: torch.Tensor, td_target: torch.Tensor) -> dict[str, torch.Tensor]:
    """The Huber loss of ``q`` against ``td_target``, one clipped Adam step, as the agent does."""
    loss = F.smooth_l1_loss(q, td_target)
    agent.optimizer.zero_grad(set_to_none=True)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(
        agent.online.parameters(), agent.config.max_grad_norm
    )
    agent.optimizer.step()
    agent.updates += 1
    return {"loss": loss.detach(), "q_mean": q.detach().mean(), "grad_norm": grad_norm.detach()}


def legacy_update(agent: DQNAgent, batch: ReplayBatch) -> dict[str, torch.Tensor]:
    """DQNAgent.update before this work (commit 6f152f8): uint8 stacks straight into each network
    (every convolution converts them to float and channels-last again), three forward passes."""
    obs, next_obs, actions, returns, discounts = _tensors(batch, torch.as_tensor)
    with torch.no_grad():
        next_target_q = agent.target(next_obs)
        if agent.config.double_dqn:
            next_actions = agent.online(next_obs).argmax(dim=1, keepdim=True)
            next_q = next_target_q.gather(1, next_actions).squeeze(1)
        else:
            next_q = next_target_q.max(dim=1).values
        td_target = returns + discounts * next_q
    q = agent.online(obs).gather(1, actions.unsqueeze(1)).squeeze(1)
    return _learn(agent, q, td_target)


def concat_update(agent: DQNAgent, batch: ReplayBatch) -> dict[str, torch.Tensor]:
    """The online network's passes on states and next states as one batch of 64 with gradients
    (the next-state half detached for the target): one forward call fewer, a backward over 64."""
    obs, next_obs, actions, returns, discounts = _tensors(batch, agent._batch_input)
    both = agent.online(torch.cat((obs, next_obs)))
    q_all, next_online_q = both[:BATCH], both[BATCH:].detach()
    with torch.no_grad():
        if agent._target_is_online():
            next_q = next_online_q.max(dim=1).values
        else:
            next_actions = next_online_q.argmax(dim=1, keepdim=True)
            next_q = agent.target(next_obs).gather(1, next_actions).squeeze(1)
        td_target = returns + discounts * next_q
    q = q_all.gather(1, actions.unsqueeze(1)).squeeze(1)
    return _learn(agent, q, td_target)


def inference_target_update(agent: DQNAgent, batch: ReplayBatch) -> dict[str, torch.Tensor]:
    """The target computation under torch.inference_mode instead of no_grad (the result is
    cloned out of inference mode, which autograd requires of anything the loss saves)."""
    obs, next_obs, actions, returns, discounts = _tensors(batch, agent._batch_input)
    with torch.inference_mode():
        if agent._target_is_online():
            next_q = agent.online(next_obs).max(dim=1).values
        else:
            next_actions = agent.online(next_obs).argmax(dim=1, keepdim=True)
            next_q = agent.target(next_obs).gather(1, next_actions).squeeze(1)
        td_target = returns + discounts * next_q
    q = agent.online(obs).gather(1, actions.unsqueeze(1)).squeeze(1)
    return _learn(agent, q, td_target.clone())


def _set_threads(count: int) -> Callable[[], None]:
    return lambda: torch.set_num_threads(count)


def _set_mkldnn(enabled: bool) -> Callable[[], None]:
    def set_mkldnn() -> None:
        torch.backends.mkldnn.enabled = enabled

    return set_mkldnn


def build_variants(
    names: list[str], config: DQNConfig, args: argparse.Namespace, notes: list[str]
) -> list[Variant]:
    threads = torch.get_num_threads()
    variants = []
    for name in names:
        agent = make_agent(config)
        after = _target_every(agent)
        step: Callable[[ReplayBatch], Any] = agent.update
        enter = leave = lambda: None
        if name == "before":
            for net in (agent.online, agent.target):
                net.body.forward = _legacy_forward(net.body)

            def legacy_after(agent: DQNAgent = agent) -> None:
                if agent.updates % agent.config.target_update_interval == 0:
                    agent.target.load_state_dict(agent.online.state_dict())

            what = "the update before this work (commit 6f152f8)"
            step, after = (lambda b, a=agent: legacy_update(a, b)), legacy_after
        elif name == "now":
            what = "DQNAgent.update as it is now"
        elif name in ("now-1t", "now-2t"):
            count = int(name[len("now-")])
            what = f"same, torch.set_num_threads({count})"
            enter, leave = _set_threads(count), _set_threads(threads)
        elif name == "no-skip":
            # Never treat the target as the online network: three forward passes every update.
            agent._target_is_online = lambda: False  # type: ignore[method-assign]
            what = "target forward even when the target equals online"
        elif name == "contiguous":
            for net in (agent.online, agent.target):
                net.to(memory_format=torch.contiguous_format)

            def contiguous_input(array: np.ndarray, agent: DQNAgent = agent) -> torch.Tensor:
                return torch.as_tensor(array).float()

            if not (config.augment_shift or config.augment_intensity):
                agent._batch_input = contiguous_input  # type: ignore[method-assign]
            what = "weights and stacks in the default (NCHW) layout"
        elif name == "mixed":
            for net in (agent.online, agent.target):
                net.body.convs[0].to(memory_format=torch.contiguous_format)
            what = "first convolution NCHW, the rest channels-last"
        elif name == "mkldnn-off":
            what = "torch.backends.mkldnn disabled (ATen's own convolutions)"
            enter, leave = _set_mkldnn(False), _set_mkldnn(True)
        elif name == "concat":
            what = "online pass on states + next states as one batch of 64"
            step = lambda b, a=agent: concat_update(a, b)  # noqa: E731
        elif name == "inference":
            what = "target pass under inference_mode"
            step = lambda b, a=agent: inference_target_update(a, b)  # noqa: E731
        elif name == "thin":
            thin = make_agent(config.replace(cnn_width=0.5))
            what = "cnn_width 0.5 (16-32-32 filters, 256 hidden)"
            step, after = thin.update, _target_every(thin)
        elif name == "compiled":
            started = time.perf_counter()
            agent.online = torch.compile(agent.online)  # type: ignore[assignment]
            agent.target = torch.compile(agent.target)  # type: ignore[assignment]
            try:
                batch_source = fill_buffer(config, 2_000, np.random.default_rng(3))
                for _ in range(3):  # compiles forward, no-grad forward and backward graphs
                    agent.update(batch_source.sample(BATCH))
                    after()
            except Exception as error:  # report it and go on without
                notes.append(
                    f"torch.compile failed here: {type(error).__name__}: {str(error)[:200]}"
                )
                continue
            notes.append(
                f"torch.compile (default mode, inductor) compiled both networks in "
                f"{time.perf_counter() - started:.0f} s (first three updates)."
            )
            what = "torch.compile of both networks"
        else:
            raise SystemExit(f"unknown variant {name!r}; choose from {VARIANTS}")
        variants.append(Variant(name, what, step, after, enter, leave))
    return variants


VARIANTS = (
    "before",
    "now",
    "now-1t",
    "now-2t",
    "no-skip",
    "contiguous",
    "mixed",
    "mkldnn-off",
    "concat",
    "inference",
    "thin",
    "compiled",
)


def section_variants(config: DQNConfig, buffer: ReplayBuffer, args: argparse.Namespace) -> str:
    notes: list[str] = []
    variants = build_variants(args.variants.split(","), config, args, notes)
    times: dict[str, list[float]] = {v.name: [] for v in variants}
    cpu: dict[str, list[float]] = {v.name: [] for v in variants}
    loads = [os.getloadavg()[0]]
    for variant in variants:  # warm up every variant once before timing any
        variant.enter()
        for _ in range(3):
            variant.step(buffer.sample(BATCH))
            variant.after()
        variant.leave()
    for _ in range(args.rounds):
        for variant in variants:
            variant.enter()
            variant.step(buffer.sample(BATCH))  # untimed: the first call after a switch
            variant.after()
            for _ in range(args.repeats):
                batch = buffer.sample(BATCH)
                start, start_cpu = time.perf_counter(), time.process_time()
                variant.step(batch)
                times[variant.name].append(time.perf_counter() - start)
                cpu[variant.name].append(time.process_time() - start_cpu)
                variant.after()
            variant.leave()
        loads.append(os.getloadavg()[0])
    base = statistics.median(times[variants[0].name])
    base_cpu = statistics.median(cpu[variants[0].name])
    rows = []
    for variant in variants:
        median, p90 = percentiles_ms(times[variant.name])
        cpu_median = statistics.median(cpu[variant.name])
        rows.append(
            (
                variant.name,
                variant.description,
                f"{median:.2f}",
                f"{p90:.2f}",
                f"{median / (base * 1e3):.2f}",
                f"{cpu_median * 1e3:.2f}",
                f"{cpu_median / base_cpu:.2f}",
            )
        )
    out = [
        f"{args.rounds} interleaved rounds x {args.repeats} updates per variant, preset "
        f"{args.preset}; load average (1 min) during the rounds: min {min(loads):.2f}, max "
        f"{max(loads):.2f}.\n",
        table(
            (
                "variant",
                "what",
                "wall ms (median)",
                "wall p90",
                f"wall x {variants[0].name}",
                "CPU ms (median)",
                f"CPU x {variants[0].name}",
            ),
            rows,
        ),
        "\nCPU ms is the process's CPU time per update, all threads together: with one thread "
        "it is the work done, whatever else runs on the machine; with two it includes time "
        "the threads spend waiting for each other.",
    ]
    if notes:
        out += ["", *[f"- {note}" for note in notes]]
    return "\n".join(out)


# ---------------------------------------------------------------------------- sync


def section_sync(config: DQNConfig, args: argparse.Namespace) -> str:
    agent = make_agent(config)

    def old() -> None:
        agent.target.load_state_dict(agent.online.state_dict())

    rows = []
    for name, call in (
        ("update_target (foreach copy)", agent.update_target),
        ("load_state_dict copy", old),
    ):
        median, p90 = percentiles_ms(time_call(call, 10, args.layer_repeats * 2))
        rows.append((name, f"{median:.3f}", f"{p90:.3f}"))
    return table(("hard target update", "median ms", "p90 ms"), rows)


# ---------------------------------------------------------------------------- prioritized replay


class SumTree:
    """A vectorised numpy sum tree (the core of prioritized replay), only to time its cost."""

    def __init__(self, capacity: int) -> None:
        self.leaves = 1 << (capacity - 1).bit_length()
        self.tree = np.zeros(2 * self.leaves, dtype=np.float64)

    def set(self, index: np.ndarray, priority: np.ndarray) -> None:
        node = index + self.leaves
        self.tree[node] = priority
        node = np.unique(node // 2)
        while node[0] >= 1:
            self.tree[node] = self.tree[2 * node] + self.tree[2 * node + 1]
            if node[0] == 1:
                break
            node = np.unique(node // 2)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        # Stratified, as Dopamine's sum tree: one draw in each of `size` equal slices of the mass.
        mass = (np.arange(size) + rng.random(size)) * (self.tree[1] / size)
        node = np.ones(size, dtype=np.int64)
        while node[0] < self.leaves:
            left = 2 * node
            go_right = mass >= self.tree[left]
            mass = np.where(go_right, mass - self.tree[left], mass)
            node = left + go_right
        return node - self.leaves


def section_per(config: DQNConfig, buffer: ReplayBuffer, args: argparse.Namespace) -> str:
    rng = np.random.default_rng(2)
    tree = SumTree(buffer.capacity)
    valid = buffer.valid_indices()
    tree.set(valid, rng.random(valid.size) + 0.1)

    def uniform() -> None:
        buffer.sample(BATCH)

    def prioritized() -> None:
        index = tree.sample(rng, BATCH)
        batch = buffer._batch_at(index)
        probabilities = tree.tree[index + tree.leaves] / tree.tree[1]
        weights = 1.0 / np.sqrt(probabilities + 1e-10)  # Dopamine's loss weights
        weights /= weights.max()
        # after the update: new priorities from the per-sample losses (the update would have to
        # return them unreduced, a weighted loss in place of the mean)
        tree.set(index, np.sqrt(np.abs(batch.returns) + 1e-10))

    rows = []
    for name, call in (
        ("uniform sample(32)", uniform),
        ("prioritized: sample + weights + priority update", prioritized),
    ):
        median, p90 = percentiles_ms(time_call(call, 20, args.layer_repeats * 5))
        rows.append((name, f"{median:.3f}", f"{p90:.3f}"))
    return table((f"replay of {buffer.capacity:,} transitions", "median ms", "p90 ms"), rows)


# ---------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default="atari",
        help="agent preset (default atari: target every 2,000 steps, so three forward passes)",
    )
    parser.add_argument(
        "--sections", default=",".join(SECTIONS), help=f"comma-separated, from {','.join(SECTIONS)}"
    )
    parser.add_argument(
        "--variants",
        default="before,now,now-1t,contiguous,mixed,mkldnn-off,concat,inference,thin",
        help=f"comma-separated, the first is the baseline; from {','.join(VARIANTS)}",
    )
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    parser.add_argument("--fill", type=int, default=50_000, help="transitions in the replay buffer")
    parser.add_argument("--rounds", type=int, default=10, help="interleaved rounds of the variants")
    parser.add_argument(
        "--repeats", type=int, default=10, help="timed updates per variant and round"
    )
    parser.add_argument("--layer-repeats", type=int, default=40, help="timed calls per layer")
    parser.add_argument(
        "--profile-updates", type=int, default=30, help="updates under the profiler"
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: tiny sizes, numbers not meaningful"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.fill, args.rounds, args.repeats = 2_000, 2, 2
        args.layer_repeats, args.profile_updates = 3, 3
    unknown = set(args.sections.split(",")) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; choose from {SECTIONS}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    keep_freed_memory()  # as the trainers do, first thing
    torch.set_num_threads(args.threads)
    config = PRESETS[args.preset]()
    sections = args.sections.split(",")
    load_before = os.getloadavg()
    started = datetime.datetime.now().astimezone()
    mode = " — QUICK SMOKE RUN: tiny sizes, numbers not meaningful" if args.quick else ""
    print(f"## DQNAgent.update, batch {BATCH}, preset {args.preset}{mode}\n")
    print(f"- date: {started:%Y-%m-%d %H:%M %Z}")
    print(f"- machine: {cpu_model()}, {os.cpu_count()} logical cores, {platform.platform()}")
    print(
        f"- python {platform.python_version()}, torch {torch.__version__} "
        f"(threads {torch.get_num_threads()}, CPU capability "
        f"{torch.backends.cpu.get_cpu_capability()}), numpy {np.__version__}"
    )
    print(
        f"- network: Nature CNN x{config.cnn_width:g}, dueling {config.dueling}, double DQN "
        f"{config.double_dqn}, n-step {config.n_step}, target update every "
        f"{config.target_update_interval} updates, augmentation shift {config.augment_shift} / "
        f"intensity {config.augment_intensity:g}"
    )
    print(f"- load average (1/5/15 min) before: {' / '.join(f'{x:.2f}' for x in load_before)}\n")
    sys.stdout.flush()
    buffer = None
    if any(s in sections for s in ("phases", "variants", "per")):
        buffer = fill_buffer(config, args.fill, np.random.default_rng(0))
    titles = {
        "layers": "Per layer, forward and backward",
        "phases": "Phases of an update (torch.profiler)",
        "variants": "Variants, interleaved",
        "sync": "Target update",
        "per": "Prioritized replay's own cost",
    }
    for section in SECTIONS:
        if section not in sections:
            continue
        print(f"### {titles[section]}\n")
        if section == "layers":
            text = section_layers(config, args)
        elif section == "phases":
            text = section_phases(config, buffer, args)
        elif section == "variants":
            text = section_variants(config, buffer, args)
        elif section == "sync":
            text = section_sync(config, args)
        else:
            text = section_per(config, buffer, args)
        print(
            text + f"\n\n(load average after this section: {os.getloadavg()[0]:.2f})\n", flush=True
        )
    print(f"- load average (1/5/15 min) after: {' / '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
