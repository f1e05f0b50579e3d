"""The DQN agent: acting (epsilon-greedy) and learning (Double DQN, n-step, Huber, Adam).

The agent does no I/O and owns no environment: ``act`` maps one observation to an action and
``update`` takes one replay batch. Device and random generator are passed in, never global.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

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
        net_args = (self.obs_shape, self.obs_dtype, self.n_actions, config.hidden, config.dueling)
        # Channels-last convolutions run faster on the CPU (oneDNN's native layout).
        image = is_image_space(self.obs_shape, self.obs_dtype)
        memory_format = torch.channels_last if image else torch.preserve_format
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

    def update(self, batch: ReplayBatch) -> dict[str, torch.Tensor]:
        """One gradient step on a replay batch.

        Returns detached 0-d tensors (loss, mean Q, grad norm) so that the caller decides when to
        pay for a device sync by turning them into floats.
        """
        obs = self._tensor(batch.obs)
        next_obs = self._tensor(batch.next_obs)
        actions = torch.as_tensor(batch.actions, device=self.device).long()
        returns = torch.as_tensor(batch.returns, device=self.device)
        discounts = torch.as_tensor(batch.discounts, device=self.device)

        with torch.no_grad():
            next_target_q = self.target(next_obs)
            if self.config.double_dqn:
                next_actions = self.online(next_obs).argmax(dim=1, keepdim=True)
                next_q = next_target_q.gather(1, next_actions).squeeze(1)
            else:
                next_q = next_target_q.max(dim=1).values
            td_target = returns + discounts * next_q

        q = self.online(obs).gather(1, actions.unsqueeze(1)).squeeze(1)
        loss = F.smooth_l1_loss(q, td_target)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(
            self.online.parameters(), self.config.max_grad_norm
        )
        self.optimizer.step()
        self.updates += 1
        return {"loss": loss.detach(), "q_mean": q.detach().mean(), "grad_norm": grad_norm.detach()}

    def update_target(self) -> None:
        """Copy (tau = 1) or blend (tau < 1) the online weights into the target network."""
        tau = self.config.tau
        with torch.no_grad():
            if tau >= 1.0:
                self.target.load_state_dict(self.online.state_dict())
            else:
                online = list(self.online.parameters())
                target = list(self.target.parameters())
                torch._foreach_lerp_(target, online, tau)

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
        self.online.load_state_dict(state["online"])
        self.target.load_state_dict(state["target"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.updates = int(state["updates"])

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
