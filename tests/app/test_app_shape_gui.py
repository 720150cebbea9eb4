"""The real app under xvfb: shape feedback while practising, and the progress screen.

A generated video of a rabbit with one ear folded down is the camera; the app must outline the
target, name the ears in its hint, show the shape match beside the model's confidence, and record
both with the attempt. A fortnight of practice is already on the phone, so the progress grid and
chart have something to show. The screenshots are the ones in docs/app.md.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from app.attempt_queue import AttemptQueue
from app.camera_source import write_video
from tests.app.gui_runner import ARTIFACTS, run_app
from tests.app.model_helpers import export_constant
from tests.app.shape_frames import folded_ear_rabbit, shadow_frame

pytestmark = [pytest.mark.gui, pytest.mark.slow]


def folded_ear_video(path):
    """Two seconds of a held rabbit with one ear folded, drifting a little as hands do."""
    from training.shadowgen.jitter import Placement

    frames = []
    for i in range(30):
        t = i / 29
        placement = Placement(fill=0.8, dx=0.02 * np.sin(6 * t), dy=0.03,
                              angle=-6 + 4 * np.sin(4 * t))
        frames.append(shadow_frame("rabbit", placement, seed=2, pose=folded_ear_rabbit()))
    return write_video(frames, path, 15.0)


def practised_fortnight(data_dir):
    """Local history: practice on most of the last 12 days, some with shape feedback."""
    queue = AttemptQueue(data_dir / "attempts.db")
    rng = np.random.default_rng(3)
    now = datetime.now(UTC)
    plan = {"dog": (6, 0.8), "bird": (4, 0.7), "rabbit": (6, 0.4), "snail": (3, 0.6),
            "swan": (5, 0.5), "cow": (2, 0.5), "horse": (1, 0.0)}
    for puppet, (n, rate) in plan.items():
        for _ in range(n):
            passed = bool(rng.random() < rate)
            when = now - timedelta(days=int(rng.integers(0, 12)), hours=int(rng.integers(0, 5)))
            queue.record(puppet=puppet, predicted=puppet, confidence=0.9 if passed else 0.4,
                         hold_seconds=2.0 if passed else 0.5, passed=passed,
                         model_version="history", stars=int(rng.integers(1, 4)) if passed else 0,
                         device_time=when.isoformat(timespec="milliseconds"),
                         shape_match=float(rng.uniform(0.6, 0.95)),
                         hint=None if passed else str(rng.choice(["ears", "head"])))
    return queue.counts()["total"]


def test_practice_shows_the_outline_and_names_the_folded_ear_and_progress_shows_the_grid(tmp_path):
    data = tmp_path / "app"
    before = practised_fortnight(data)
    video = folded_ear_video(tmp_path / "rabbit.avi")
    model = export_constant(tmp_path / "model" / "mobilenet_v2.onnx", "llama")  # never a rabbit
    run = run_app(data, "--model", str(model), "--no-update-check", "--camera-source", str(video),
                  "--autopilot", "rabbit", "--lesson-timeout", "8", "--timeout", "120",
                  "--server", "http://127.0.0.1:9", "--screenshot-dir", str(ARTIFACTS))
    result = run.result
    assert run.returncode == 0 and result and result["ok"], run.output[-4000:]

    texts = result["practice_texts"]
    assert "Lift two fingers for the ears" in texts, texts
    shape = [t for t in texts if t.startswith("Shape match")]
    assert shape and re.search(r"\d+%", shape[0]), texts
    assert any("blue" in t and "orange" in t for t in texts)  # the colours said in words
    (attempt,) = result["attempts"]
    assert attempt["hint"] == "ears" and 0.7 <= attempt["shape_match"] <= 1.0
    assert AttemptQueue(data / "attempts.db").counts()["total"] == before + 1

    progress = result["tour_texts"]["progress"]
    assert sum(1 for t in progress if re.fullmatch(r"shape (\d+%|-)", t)) == 15  # every puppet
    assert "shape -" in progress  # a puppet never practised
    assert str(before + 1) in progress  # the attempts total, this try included
    assert any("attempts on" in t and "of the last 14 days" in t for t in progress)
    for shot in ("hint", "progress"):
        assert (ARTIFACTS / f"app-{shot}.png").stat().st_size > 10_000
