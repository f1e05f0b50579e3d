"""Process-wide settings that make CPU training fast: allocator and torch threads."""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

import torch

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_KEEP_BYTES = 1 << 30


def keep_freed_memory() -> bool:
    """Stop glibc from returning large freed blocks to the OS after every training step.

    Each update allocates and frees activation tensors of a few MB; by default glibc serves them
    with mmap and unmaps them on free, so the next update page-faults all of them in again
    (measured here: ~20% of an update's time). Raising the mmap and trim thresholds keeps them
    in the heap for reuse. Returns False where this is not glibc (nothing changes there).
    """
    if not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, _KEEP_BYTES)) and bool(
            libc.mallopt(_M_TRIM_THRESHOLD, _KEEP_BYTES)
        )
    except (OSError, AttributeError):
        return False


def configure_torch(threads: int) -> None:
    """Use ``threads`` intra-op threads (0 keeps torch's default: one per core)."""
    if threads > 0:
        torch.set_num_threads(threads)


def resolve_device(name: str) -> torch.device:
    """The torch device for ``name``: ``auto`` is CUDA, else Apple's MPS, else the CPU."""
    from screen_agent.errors import UserError

    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise UserError(f"unknown device {name!r}; use cpu, cuda, cuda:1, mps or auto") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise UserError(f"--device {name}: this machine has no CUDA GPU; use cpu or auto")
    return device
