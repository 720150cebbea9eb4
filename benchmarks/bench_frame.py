"""Frames per second of the app's frame pipeline on one CPU core, and the UI frame rate.

    python benchmarks/bench_frame.py [--frames 200] [--no-ui] [--candidate runs/x/onnx/mobilenet_v2.int8.onnx]

Per model (MobileNetV2 int8 and fp32, the bundled files in models/ when present, else an untrained
export made here with the same graph): raw onnxruntime inference on an already preprocessed
input, then the full frame step the app runs per frame (contract preprocessing + inference +
temporal smoothing), side by side, plus cv2.dnn on fp32 (the phone fallback), and the same step
with shape feedback (the silhouette made once, then fitting the target, the overlay and the hint).
`--candidate` adds rows for other ONNX files (a retrained or re-architected model) measured in the
same run, so the comparison with the shipped one is a ratio, not two days' absolute times.
Then the shape feedback's own cost per frame (budget: 2 ms at 320x240 on one core), and the real
app under xvfb practising with a generated dog video, reporting the UI loop and model frame rates.
"""

from __future__ import annotations

import argparse
import json
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.puppet_shape import load_puppet_shape
from app.shape_coach import ShapeCoach
from app.smoothing import PracticeJudge
from ombro_contract.classifier import PuppetClassifier
from ombro_contract.paths import REPO_ROOT, default_model_path
from ombro_contract.preprocess import preprocess


def frames_for_bench(n: int) -> list[np.ndarray]:
    try:
        from training.synth import render_clip

        return render_clip("dog", min(n, 60), seed=0, size=320)
    except ImportError:
        rng = np.random.default_rng(0)
        return [(rng.random((240, 320, 3)) * 255).astype(np.uint8) for _ in range(min(n, 60))]


def models(tmp: Path) -> tuple[dict[str, Path], str]:
    paths = {q: default_model_path("mobilenet_v2", q) for q in ("int8", "fp32")}
    if all(p.exists() for p in paths.values()):
        return paths, "bundled models/"
    from tests.app.model_helpers import export_untrained, quantize_int8  # as the app tests do

    fp32 = export_untrained(tmp / "mobilenet_v2.onnx")
    return {"fp32": fp32, "int8": quantize_int8(fp32, tmp / "mobilenet_v2.int8.onnx")}, \
        "UNTRAINED export (models/ is empty): same graph and cost, meaningless predictions"


def timed(fn, n: int) -> tuple[float, float]:
    """(frames per second, p50 ms) over n calls after a short warm-up."""
    for _ in range(5):
        fn(0)
    times = []
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t)
    return 1.0 / statistics.mean(times), statistics.median(times) * 1000


def bench_pipeline(path: Path, backend: str, frames, n: int) -> dict:
    clf = PuppetClassifier.from_path(path, backend=backend, threads=1)
    x = preprocess(frames[0], clf.spec)[None]
    raw_fps, raw_ms = timed(lambda i: clf.run(x), n)
    judge = PracticeJudge("dog")

    def step(i):  # what the app does per frame: preprocess, infer, smooth
        pred = clf.classify(frames[i % len(frames)])
        judge.update(pred.probs, i / 15.0)

    step_fps, step_ms = timed(step, n)
    coach = ShapeCoach(load_puppet_shape("dog"))
    judge = PracticeJudge("dog")

    def step_with_shape(i):  # the same, the silhouette made once and shared with the coach
        pred, mask = clf.classify_with_silhouette(frames[i % len(frames)])
        judge.update(pred.probs, i / 15.0)
        coach.update(mask, i / 15.0)

    _, shape_step_ms = timed(step_with_shape, n)
    return {"raw_fps": raw_fps, "raw_ms": raw_ms, "step_fps": step_fps, "step_ms": step_ms,
            "shape_step_ms": shape_step_ms}


FEEDBACK_BUDGET_MS = 2.0


def bench_feedback(frames, spec, n: int) -> dict:
    """The shape feedback alone, per frame, on the silhouettes the model's preprocessing made:
    fitting the target, the shape match, the overlay and outline, and the hint."""
    from ombro_contract.preprocess import silhouette

    masks = [silhouette(f, spec) for f in frames]
    out = {}
    for overlay in (True, False):
        coach = ShapeCoach(load_puppet_shape("dog"), overlay=overlay)
        for i in range(5):
            coach.update(masks[i % len(masks)], i / 15.0)
        times = []
        for i in range(n):
            t = time.perf_counter()
            coach.update(masks[i % len(masks)], (i + 5) / 15.0)
            times.append((time.perf_counter() - t) * 1000.0)
        times.sort()
        out[overlay] = {"mean": statistics.mean(times), "p50": times[len(times) // 2],
                        "p95": times[int(len(times) * 0.95)], "max": times[-1]}
    return out


def bench_ui(model: Path | None, seconds: float) -> dict | None:
    if shutil.which("xvfb-run") is None:
        print("UI: skipped (xvfb-run not installed)")
        return None
    from tests.app.gui_runner import app_command, app_env, write_clip_video

    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        video = write_clip_video(frames_for_bench(40), d / "dog.avi")
        args = ["--camera-source", str(video), "--autopilot", "dog", "--no-update-check",
                "--hold-seconds", "10", "--lesson-timeout", str(seconds), "--timeout", "120",
                "--server", "http://127.0.0.1:9"]
        if model is not None:
            args += ["--model", str(model)]
        out = subprocess.run(app_command(d / "data", *args), env=app_env(d / "kivy"), cwd=REPO_ROOT,
                             capture_output=True, text=True, timeout=180, check=False)
        lines = [l for l in out.stdout.splitlines() if l.startswith("AUTOPILOT ")]
        if not lines:
            print("UI: the app did not report:\n" + (out.stdout + out.stderr)[-2000:])
            return None
        return json.loads(lines[-1][len("AUTOPILOT "):])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--frames", type=int, default=200)
    p.add_argument("--no-ui", action="store_true")
    p.add_argument("--ui-seconds", type=float, default=12.0)
    p.add_argument("--candidate", type=Path, action="append", default=[],
                   help="another ONNX model (with its card) to time beside the bundled ones; repeatable")
    args = p.parse_args()
    for path in args.candidate:
        if not path.is_file():
            p.error(f"--candidate {path}: no such file")
    cv2.setNumThreads(1)
    frames = frames_for_bench(args.frames)
    with tempfile.TemporaryDirectory() as tmp:
        paths, origin = models(Path(tmp))
        print(f"models: {origin}; one thread, {args.frames} frames of {frames[0].shape[1]}x"
              f"{frames[0].shape[0]}, {os.cpu_count()} cores visible")
        print(f"{'model':<22} {'raw inference':>22} {'full frame step':>24} {'overhead':>10} "
              f"{'step + shape feedback':>22}")
        rows = [("int8 onnxruntime", paths["int8"], "onnxruntime"),
                ("fp32 onnxruntime", paths["fp32"], "onnxruntime"),
                ("fp32 cv2.dnn", paths["fp32"], "opencv")]
        for i, path in enumerate(args.candidate, 1):
            print(f"candidate {i}: {path}")
            rows.append((f"candidate {i}", path, "onnxruntime"))
        for name, path, backend in rows:
            r = bench_pipeline(path, backend, frames, args.frames)
            print(f"{name:<22} {r['raw_fps']:8.1f} fps {r['raw_ms']:6.2f} ms   "
                  f"{r['step_fps']:8.1f} fps {r['step_ms']:6.2f} ms   {r['step_ms'] - r['raw_ms']:+7.2f} ms "
                  f"  {r['shape_step_ms']:6.2f} ms ({r['shape_step_ms'] - r['step_ms']:+.2f})")
        spec = PuppetClassifier.from_path(paths["int8"], warmup=False).spec
        fb = bench_feedback(frames, spec, args.frames)
        for overlay, label in ((True, "overlay on"), (False, "overlay off")):
            r = fb[overlay]
            verdict = "within" if r["p50"] <= FEEDBACK_BUDGET_MS else "OVER"
            print(f"shape feedback per frame ({label}, fit + match + hint"
                  f"{' + overlay' if overlay else ''}): p50 {r['p50']:.2f} ms, mean "
                  f"{r['mean']:.2f} ms, p95 {r['p95']:.2f} ms, max {r['max']:.2f} ms "
                  f"({verdict} the {FEEDBACK_BUDGET_MS:.0f} ms budget)")
        if not args.no_ui:
            explicit = None if origin.startswith("bundled") else paths["int8"]
            ui = bench_ui(explicit, args.ui_seconds)
            if ui:
                print(f"UI during practice (xvfb, software GL, int8 model): main loop "
                      f"{ui['ui_fps']} fps, camera preview {ui['preview_fps']} fps, "
                      f"model results {ui['inference_fps']} per s")


if __name__ == "__main__":
    main()
