"""Checkpoints written atomically: a temporary file in the same folder, then a rename.

A crash or Ctrl+C while writing leaves the previous checkpoint intact, never a truncated file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch


def atomic_write(path: Path, write: Any) -> None:
    """Call ``write(file_object)`` on a temporary file next to ``path``, then rename it over."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_checkpoint(path: Path, payload: dict[str, Any]) -> None:
    """Write a torch checkpoint atomically."""
    atomic_write(path, lambda handle: torch.save(payload, handle))


def load_checkpoint(path: Path) -> dict[str, Any]:
    """Read a checkpoint written by ``save_checkpoint``; a clear error if it is missing."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"no checkpoint at {path}; give the file a run wrote (checkpoint.pt)"
        )
    # Our checkpoints hold numpy arrays and plain Python values beside tensors.
    return torch.load(path, map_location="cpu", weights_only=False)


def save_arrays(path: Path, arrays: dict[str, Any]) -> None:
    """Write a dict of arrays and scalars (e.g. a replay buffer's state) atomically as .npz."""
    atomic_write(path, lambda handle: np.savez(handle, **arrays))


def load_arrays(path: Path) -> dict[str, Any]:
    """Read what ``save_arrays`` wrote; 0-d arrays come back as Python scalars."""
    with np.load(path, allow_pickle=False) as data:
        return {k: (data[k].item() if data[k].ndim == 0 else data[k]) for k in data.files}
