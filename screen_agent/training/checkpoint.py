"""Checkpoints and replay snapshots: written atomically, read safely.

Writes go to a temporary file in the same folder and are renamed over the old file, so a crash
or Ctrl+C leaves the previous checkpoint intact, never a truncated file. Reads use
``torch.load(weights_only=True)``: a ``.pt`` from elsewhere cannot run code here. A file that
cannot be read gives one :class:`CheckpointError` naming it.
"""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from screen_agent.errors import UserError
from screen_agent.files import atomic_write

CHECKPOINT = "checkpoint.pt"
"""The run's latest state: networks, optimizer, counters, RNG, config."""
BEST = "best.pt"
"""The checkpoint with the best periodic greedy evaluation (gym runs)."""
REPLAY = "replay.npz"
"""The replay buffer, for an exact resume."""


class CheckpointError(UserError):
    """A checkpoint or replay file that cannot be used; the message names it and what to do."""


def save_checkpoint(path: Path, payload: dict[str, Any]) -> None:
    """Write a torch checkpoint atomically."""
    atomic_write(path, lambda handle: torch.save(payload, handle))


def load_checkpoint(path: Path) -> dict[str, Any]:
    """Read a checkpoint written by ``save_checkpoint``: tensors and plain values only.

    Raises CheckpointError naming the file when it is missing, not a checkpoint, damaged,
    or holds objects other than tensors and plain values.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}; give the checkpoint.pt a run wrote")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        first = str(error).splitlines()[0][:160]
        raise CheckpointError(
            f"{path} holds objects other than tensors and plain values ({first}); screen-agent "
            "loads only its own checkpoints, so give a checkpoint.pt a screen-agent run wrote"
        ) from None
    except (RuntimeError, EOFError, OSError, zipfile.BadZipFile, ValueError) as error:
        raise CheckpointError(
            f"{path} is damaged or not a checkpoint ({type(error).__name__}: {str(error).splitlines()[0][:120]}); "
            "use another checkpoint (best.pt, or a copy) or start a new run"
        ) from None
    if not isinstance(state, dict) or "agent" not in state or "config" not in state:
        raise CheckpointError(
            f"{path} is not a screen-agent checkpoint; give the checkpoint.pt a run wrote"
        )
    return state


def save_arrays(path: Path, arrays: dict[str, Any]) -> None:
    """Write a dict of arrays and scalars (e.g. a replay buffer's state) atomically as .npz."""
    atomic_write(path, lambda handle: np.savez(handle, **arrays))


def load_arrays(path: Path) -> dict[str, Any]:
    """Read what ``save_arrays`` wrote; 0-d arrays come back as Python scalars.

    Raises CheckpointError naming the file when it is damaged or truncated.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: (data[k].item() if data[k].ndim == 0 else data[k]) for k in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as error:
        raise CheckpointError(
            f"{path} is damaged ({type(error).__name__}: {str(error).splitlines()[0][:120]}); "
            "resume with --fresh-replay to keep the networks and start with an empty replay, "
            "or delete the file"
        ) from None
