"""Recording evaluated episodes: the best one's frames, kept in the run directory for the report.

A training loop calls ``start()`` before an evaluation episode, ``add()`` after each step with
the agent's newest 84x84 frame and/or the screen's RGB frame, and ``finish(return)`` at its end;
the recorder keeps only the best episode so far on disk, as ``best_episode.npz``:

- ``agent_frames``: (T, 84, 84) uint8, the newest frame of each observation the agent acted on
  (shape (0, 84, 84) when there is no image observation, e.g. CartPole's vector);
- ``screen_frames``: (T, H, W, 3) uint8 RGB, the screen (or ``env.render()``) downscaled to fit
  in ``max_screen_size`` (shape (0, 0, 0, 3) when none was given);
- ``episode_return`` (float), ``step`` (int: the training step of the evaluation, -1 if not
  given), ``fps`` (float: frames per second of play), ``frames_seen`` (int: the episode's length
  in frames; only the first ``max_frames`` are kept), ``recorded_at`` (float: Unix seconds).
"""

from __future__ import annotations

import io
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from screen_agent.files import atomic_write_bytes

RECORDING_FILE = "best_episode.npz"
"""The best evaluated episode's frames in a run directory."""


@dataclass(frozen=True)
class EpisodeRecording:
    """One recorded episode, as stored in ``best_episode.npz`` (see the module docstring)."""

    agent_frames: np.ndarray
    screen_frames: np.ndarray
    episode_return: float
    fps: float
    step: int
    frames_seen: int
    recorded_at: float

    @property
    def frames_kept(self) -> int:
        return max(len(self.agent_frames), len(self.screen_frames))


def save_recording(path: Path, recording: EpisodeRecording) -> None:
    """Write ``recording`` to ``path`` atomically (compressed .npz, no pickles)."""
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        agent_frames=recording.agent_frames,
        screen_frames=recording.screen_frames,
        episode_return=np.float64(recording.episode_return),
        fps=np.float64(recording.fps),
        step=np.int64(recording.step),
        frames_seen=np.int64(recording.frames_seen),
        recorded_at=np.float64(recording.recorded_at),
    )
    atomic_write_bytes(path, buffer.getvalue())


def load_recording(path: Path) -> EpisodeRecording:
    """Read what :func:`save_recording` wrote; ``ValueError`` naming the file if it is not one."""
    try:
        with np.load(path, allow_pickle=False) as data:
            agent = np.asarray(data["agent_frames"])
            screen = np.asarray(data["screen_frames"])
            recording = EpisodeRecording(
                agent_frames=agent,
                screen_frames=screen,
                episode_return=float(data["episode_return"]),
                fps=float(data["fps"]),
                step=int(data["step"]),
                frames_seen=int(data["frames_seen"]),
                recorded_at=float(data["recorded_at"]),
            )
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(f"{path} is not an episode recording ({error})") from error
    if agent.dtype != np.uint8 or agent.ndim != 3:
        raise ValueError(f"{path}: agent_frames should be (T, H, W) uint8, got {agent.dtype}")
    if screen.dtype != np.uint8 or screen.ndim != 4 or screen.shape[3] != 3:
        raise ValueError(f"{path}: screen_frames should be (T, H, W, 3) uint8")
    return recording


class EpisodeRecorder:
    """Records evaluated episodes and keeps the best one in ``run_dir/best_episode.npz``.

    Memory while recording: at most ``max_frames`` x (84 x 84 + W x H x 3) bytes, e.g. 600
    frames of a 320x240 screen is 145 MB; nothing is held between episodes. A recording already
    in the run directory (a resumed run) is the one to beat.

    Args:
        run_dir: the run directory.
        fps: frames per second of play (a screen profile's decisions per second; 15 for Atari
            with frame skip 4; an env's ``metadata["render_fps"]`` for rendered frames).
        max_frames: frames kept from the start of each episode (the rest are only counted).
        max_screen_size: (width, height) in pixels the screen frames are downscaled to fit in.
    """

    def __init__(
        self,
        run_dir: Path,
        fps: float,
        max_frames: int = 600,
        max_screen_size: tuple[int, int] = (320, 240),
    ) -> None:
        if fps <= 0 or max_frames <= 0:
            raise ValueError(f"fps and max_frames must be positive, got {fps} and {max_frames}")
        self.path = Path(run_dir) / RECORDING_FILE
        self.fps = float(fps)
        self.max_frames = max_frames
        self.max_screen_size = max_screen_size
        self.best_return: float | None = None
        """The return of the episode on disk (None before the first)."""
        if self.path.exists():
            try:
                self.best_return = load_recording(self.path).episode_return
            except ValueError:
                self.best_return = None  # unreadable: the next episode replaces it
        self._agent: list[np.ndarray] = []
        self._screen: list[np.ndarray] = []
        self._seen = 0
        self._screen_size: tuple[int, int] | None = None

    def start(self) -> None:
        """Begin a new episode (forgets any frames of an unfinished one)."""
        self._agent, self._screen, self._seen = [], [], 0
        self._screen_size = None

    def add(self, agent_frame: np.ndarray | None, screen_frame: np.ndarray | None = None) -> None:
        """Add one step's frames.

        Args:
            agent_frame: (84, 84) uint8, or a (stack, 84, 84) observation (its newest frame is
                kept); None when the agent does not see images.
            screen_frame: (H, W, 3) uint8 RGB of the screen or ``env.render()``, or None.
        """
        self._seen += 1
        if self._seen > self.max_frames:
            return
        if agent_frame is not None:
            frame = np.asarray(agent_frame)
            if frame.ndim == 3:
                frame = frame[-1]
            if frame.dtype != np.uint8 or frame.ndim != 2:
                raise ValueError(f"agent_frame should be (H, W) uint8, got {frame.dtype}")
            self._agent.append(frame.copy())
        if screen_frame is not None:
            self._screen.append(self._downscale(np.asarray(screen_frame)))
        if self._agent and self._screen and len(self._agent) != len(self._screen):
            raise ValueError("give the same frames (agent, screen or both) at every step")

    def finish(self, episode_return: float, step: int = -1) -> bool:
        """End the episode; keep it on disk if its return is at least the best so far.

        Returns whether it was kept. ``step``: the training step of the evaluation.
        """
        recorded = bool(self._agent or self._screen)
        kept = recorded and (self.best_return is None or episode_return >= self.best_return)
        if kept:
            save_recording(self.path, self._recording(episode_return, step))
            self.best_return = float(episode_return)
        self.start()
        return kept

    def _recording(self, episode_return: float, step: int) -> EpisodeRecording:
        agent = np.stack(self._agent) if self._agent else np.zeros((0, 84, 84), np.uint8)
        screen = np.stack(self._screen) if self._screen else np.zeros((0, 0, 0, 3), np.uint8)
        return EpisodeRecording(
            agent_frames=agent,
            screen_frames=screen,
            episode_return=float(episode_return),
            fps=self.fps,
            step=int(step),
            frames_seen=self._seen,
            recorded_at=time.time(),
        )

    def _downscale(self, frame: np.ndarray) -> np.ndarray:
        if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
            raise ValueError(f"screen_frame should be (H, W, 3) uint8 RGB, got {frame.shape}")
        if self._screen_size is None:
            height, width = frame.shape[:2]
            max_w, max_h = self.max_screen_size
            scale = min(1.0, max_w / width, max_h / height)
            self._screen_size = (max(1, round(width * scale)), max(1, round(height * scale)))
        if (frame.shape[1], frame.shape[0]) == self._screen_size:
            return frame.copy()
        # INTER_AREA averages the pixels each output pixel covers: no aliasing of thin lines.
        return cv2.resize(frame, self._screen_size, interpolation=cv2.INTER_AREA)
