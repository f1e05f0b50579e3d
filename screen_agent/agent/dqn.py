"""The DQN agent: acting (epsilon-greedy) and learning (Double DQN, n-step, Huber, Adam).

The agent does no I/O and owns no environment: ``act`` maps one observation to an action and
``update`` takes one replay batch. Device and random generator are passed in, never global.

Where an update's time goes on a 2-core CPU is measured by ``bench/profile_update.py``; the
choices below that come from it say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch.autograd.profiler import record_function

from screen_agent.agent.augment import random_intensity, random_shift
from screen_agent.agent.config import DQNConfig
from screen_agent.agent.networks import QNetwork, is_image_space
from screen_agent.agent.replay import ReplayBatch
from screen_agent.errors import UserError


class IncompatibleCheckpointError(UserError):
    """A checkpoint made for another observation shape or action set."""


class DQNAgent:
    """A deep Q-network with a target network.

    Args:
        obs_shape: shape of one observation, e.g. (4, 84, 84) uint8 frames or (4,) floats.
        obs_dtype: dtype of observations.
        n_actions: number of discrete actions.
        config: hyperparameters (gamma, n_step, lr, target updates, ...).
        device: where the networks live.
        rng: the generator for exploration; the caller seeds it.
        action_names: names of the actions, stored in checkpoints to refuse another action set.
    """

    def __init__(
        self,
        obs_shape: Sequence[int],
        obs_dtype: np.dtype | type,
        n_actions: int,
        config: DQNConfig,
        device: torch.device,
        rng: np.random.Generator,
        action_names: Sequence[str] | None = None,
    ) -> None:
        self.obs_shape = tuple(int(d) for d in obs_shape)
        self.obs_dtype = np.dtype(obs_dtype)
        self.n_actions = int(n_actions)
        self.action_names = (
            list(action_names) if action_names else [str(a) for a in range(n_actions)]
        )
        if len(self.action_names) != self.n_actions:
            raise ValueError(f"{len(self.action_names)} action names for {n_actions} actions")
        self.config = config
        self.device = device
        self.rng = rng
        net_args = (
            self.obs_shape,
            self.obs_dtype,
            self.n_actions,
            config.hidden,
            config.dueling,
            config.cnn_width,
        )
        # Channels-last convolutions run faster on the CPU (oneDNN's native layout).
        self._image = is_image_space(self.obs_shape, self.obs_dtype)
        memory_format = torch.channels_last if self._image else torch.preserve_format
        self.online = QNetwork(*net_args).to(device, memory_format=memory_format)
        self.target = QNetwork(*net_args).to(device, memory_format=memory_format)
        self.target.load_state_dict(self.online.state_dict())
        # The target net is only ever evaluated: no autograd bookkeeping for it.
        self.target.requires_grad_(False)
        self.target.eval()
        # The fused kernel updates all parameters in one pass instead of a dozen ops per tensor.
        self.optimizer = torch.optim.Adam(
            self.online.parameters(), lr=config.lr, eps=config.adam_eps, fused=True
        )
        self.updates = 0
        self._torch_dtype = torch.uint8 if self.obs_dtype == np.uint8 else torch.float32
        # Set by a hard target update, cleared by every optimizer step: see _target_is_online.
        self._synced_versions: tuple[int, ...] | None = None

    # -- acting ---------------------------------------------------------------------------------

    def q_values(self, obs: np.ndarray) -> np.ndarray:
        """Q-values of one observation (shape ``obs_shape``), as a float32 array of n_actions."""
        with torch.inference_mode():
            q = self.online(self._tensor(obs[None]))
        return q[0].cpu().numpy()

    def act(self, obs: np.ndarray, epsilon: float) -> int:
        """Epsilon-greedy action for one observation."""
        if epsilon > 0.0 and self.rng.random() < epsilon:
            return int(self.rng.integers(self.n_actions))
        return int(np.argmax(self.q_values(obs)))

    # -- learning -------------------------------------------------------------------------------

    def update(
        self,
        batch: ReplayBatch,
        demonstrated: np.ndarray | None = None,
        margin_weight: float = 0.0,
    ) -> dict[str, torch.Tensor]:
        """One gradient step on a replay batch.

        Args:
            batch: the transitions.
            demonstrated: per row, True where the action is a demonstrator's: those rows also
                get DQfD's large-margin loss (Hester et al. 2018), ``max_a [Q(s, a) + m(a)] -
                Q(s, a_E)`` with ``m`` = ``config.demo_margin`` for every action but the
                demonstrated one: the demonstrated action must beat every other by the margin.
            margin_weight: the margin loss's weight (0: plain DQN).

        Returns detached 0-d tensors (loss, mean Q, grad norm, margin loss) so that the caller
        decides when to pay for a device sync by turning them into floats.
        """
        config = self.config
        with record_function("update/inputs"):
            obs = self._batch_input(batch.obs)
            next_obs = self._batch_input(batch.next_obs)
            actions = torch.as_tensor(batch.actions, device=self.device).long()
            returns = torch.as_tensor(batch.returns, device=self.device)
            discounts = torch.as_tensor(batch.discounts, device=self.device)

        with torch.no_grad(), record_function("update/target"):
            if self._target_is_online():
                # The target was copied from the online network and neither changed since (a
                # target update every step, DrQ(eps)'s setting): one forward pass gives both
                # networks' values, and Double DQN's choice is the argmax of the same values.
                next_target_q = self.online(next_obs)
                next_q = next_target_q.max(dim=1).values
            else:
                next_target_q = self.target(next_obs)
                if config.double_dqn:
                    next_actions = self.online(next_obs).argmax(dim=1, keepdim=True)
                    next_q = next_target_q.gather(1, next_actions).squeeze(1)
                else:
                    next_q = next_target_q.max(dim=1).values
            td_target = returns + discounts * next_q

        with record_function("update/forward"):
            q_all = self.online(obs)
            q = q_all.gather(1, actions.unsqueeze(1)).squeeze(1)
            loss = F.smooth_l1_loss(q, td_target)
            margin_loss = torch.zeros((), device=self.device)
            if demonstrated is not None and margin_weight > 0 and demonstrated.any():
                rows = torch.as_tensor(np.flatnonzero(demonstrated), device=self.device)
                margins = torch.full_like(q_all[rows], config.demo_margin)
                margins.scatter_(1, actions[rows].unsqueeze(1), 0.0)
                best = (q_all[rows] + margins).max(dim=1).values
                margin_loss = (best - q[rows]).mean()
                loss = loss + margin_weight * margin_loss
        with record_function("update/backward"):
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
        with record_function("update/optimizer"):
            grad_norm = torch.nn.utils.clip_grad_norm_(
                self.online.parameters(), config.max_grad_norm
            )
            self.optimizer.step()
        # The fused Adam kernel writes the weights without bumping their version counters.
        self._synced_versions = None
        self.updates += 1
        return {
            "loss": loss.detach(),
            "q_mean": q.detach().mean(),
            "grad_norm": grad_norm.detach(),
            "margin_loss": margin_loss.detach(),
        }

    def update_target(self) -> None:
        """Copy (tau = 1) or blend (tau < 1) the online weights into the target network."""
        tau = self.config.tau
        online = list(self.online.parameters())
        target = list(self.target.parameters())
        with torch.no_grad():
            if tau >= 1.0:
                torch._foreach_copy_(target, online)
                self._note_target_synced()
            else:
                torch._foreach_lerp_(target, online, tau)

    def _note_target_synced(self) -> None:
        self._synced_versions = self._parameter_versions()

    def _target_is_online(self) -> bool:
        """True when the target holds exactly the online weights: no optimizer step since the
        last hard copy, and no other in-place write to either network (those bump a tensor's
        version counter; the optimizer's fused kernel does not, so update() clears the mark)."""
        return self._synced_versions is not None and (
            self._synced_versions == self._parameter_versions()
        )

    def _parameter_versions(self) -> tuple[int, ...]:
        return tuple(p._version for net in (self.online, self.target) for p in net.parameters())

    def _batch_input(self, array: np.ndarray) -> torch.Tensor:
        """A replay batch's observations as the network's input.

        Image stacks become float32 pixels (0-255) in channels-last layout, once per batch: left
        to the convolution, the layout change is paid again by every network the stacks go
        through. With ``augment_shift`` the stacks are shifted first (as uint8: a quarter of the
        bytes to move) and with ``augment_intensity`` brightened in place.
        """
        frames = self._tensor(array)
        if not self._image:
            return frames
        config = self.config
        frames = random_shift(frames, config.augment_shift, self.rng)
        pixels = frames.to(torch.float32, memory_format=torch.channels_last)
        return random_intensity(pixels, config.augment_intensity, self.rng)

    # -- checkpoints ----------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """Networks, optimizer and the identity of the observation and action spaces."""
        return {
            "online": self.online.state_dict(),
            "target": self.target.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "updates": self.updates,
            "obs_shape": self.obs_shape,
            "obs_dtype": self.obs_dtype.str,
            "n_actions": self.n_actions,
            "action_names": self.action_names,
        }

    def load_state_dict(self, state: dict[str, Any], source: str = "checkpoint") -> None:
        """Restore from ``state_dict()``; refuse one made for other observations or actions."""
        check_compatible(state, self.obs_shape, self.action_names, source)
        ours = {k: tuple(v.shape) for k, v in self.online.state_dict().items()}
        theirs = {k: tuple(v.shape) for k, v in state["online"].items()}
        if ours != theirs:
            raise IncompatibleCheckpointError(
                f"{source} holds a network of another size or shape (layers and widths differ: "
                "cnn_width, hidden or dueling); load it with the config it was trained with"
            )
        self.online.load_state_dict(state["online"])
        self.target.load_state_dict(state["target"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.updates = int(state["updates"])
        self._synced_versions = None  # the loaded target may differ from the online network

    def _tensor(self, array: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(array, device=self.device, dtype=self._torch_dtype)


def check_compatible(
    state: dict[str, Any], obs_shape: Sequence[int], action_names: Sequence[str], source: str
) -> None:
    """Raise IncompatibleCheckpointError naming both shapes when a checkpoint does not fit."""
    saved_shape = tuple(state["obs_shape"])
    saved_actions = list(state["action_names"])
    if saved_shape != tuple(obs_shape) or len(saved_actions) != len(action_names):
        raise IncompatibleCheckpointError(
            f"{source} was made for observation shape {saved_shape} with {len(saved_actions)} "
            f"actions, but this environment has observation shape {tuple(obs_shape)} with "
            f"{len(action_names)} actions; use a checkpoint trained on this environment"
        )
    if saved_actions != list(action_names):
        raise IncompatibleCheckpointError(
            f"{source} was made for the actions {saved_actions}, but this environment's actions "
            f"are {list(action_names)}; use a checkpoint trained with the same action set"
        )
