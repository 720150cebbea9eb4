"""Load benchmark for POST /api/v1/score: requests/s and p50/p99 latency, micro-batching on vs off.

    .venv/bin/python benchmarks/bench_score.py                       # bundled model if present
    .venv/bin/python benchmarks/bench_score.py --model models/resnet34.onnx --concurrency 16
    .venv/bin/python benchmarks/bench_score.py --random-init mobilenet_v2   # no trained model yet

Bounded and loopback only: each mode starts its own `python -m server` on 127.0.0.1 with a fresh
SQLite database, sends `--requests` scoring requests from `--concurrency` clients (stopping early
at `--max-seconds`), and shuts the server down. The load generator shares the machine's cores
with the server, so absolute numbers are a floor; compare the two modes. On a small machine this
Python client runs out of CPU before the server does: for capacity numbers use
benchmarks/bench_capacity.py, which drives the server with wrk.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import numpy as np
from PIL import Image
from tqdm import tqdm

from ombro_contract.card import ModelCard, card_path_for, write_card
from ombro_contract.labels import PUPPETS
from ombro_contract.paths import default_model_path, real_shadows_dir
from ombro_contract.preprocess import DEFAULT_SPEC
from server import crud
from server.core.db import make_engine, make_sessionmaker, migrate, session_scope
from tests.server.conftest import METRICS_TOKEN, LiveServer

PASSWORD = "bench-password-123"


def pick_model(args, workdir: Path) -> Path:
    if args.model:
        return args.model
    if args.random_init:
        return random_init_model(args.random_init, workdir)
    for arch, quant in (("resnet34", "fp32"), ("mobilenet_v2", "int8"), ("mobilenet_v2", "fp32")):
        path = default_model_path(arch, quant)
        if path.is_file():
            return path
    sys.exit("no model in models/: pass --model PATH or --random-init mobilenet_v2|resnet34")


def random_init_model(arch: str, workdir: Path) -> Path:
    """An untrained torchvision network exported like training/export.py: real inference cost,
    meaningless answers. Needs the `train` extra (torch)."""
    import torch
    import torchvision

    from training.export import export_onnx

    torch.manual_seed(0)
    model = getattr(torchvision.models, arch)(weights=None, num_classes=len(PUPPETS)).eval()
    path = workdir / f"{arch}.onnx"
    export_onnx(model, DEFAULT_SPEC, path, opset=18)
    write_card(path, ModelCard(
        name=f"untrained {arch} (benchmark only)", version=f"bench-{arch}-random", arch=arch,
        classes=list(PUPPETS), preprocess=DEFAULT_SPEC, input_shape=DEFAULT_SPEC.input_shape,
        dataset="none: random weights", sha256="0" * 64, size_bytes=0,
    ))
    return path


def test_images(n: int = 8) -> list[bytes]:
    """Phone-frame-sized PNGs: the real shadow photos when present, else synthetic shadows."""
    real = real_shadows_dir()
    if real is not None:
        out = []
        for path in sorted(real.glob("*.png"))[:n]:
            img = Image.open(path).convert("RGB")
            img.thumbnail((640, 480))
            buf = io.BytesIO()
            img.save(buf, "JPEG", quality=85)
            out.append(buf.getvalue())
        return out
    rng = np.random.default_rng(0)
    out = []
    for _ in range(n):
        img = np.full((480, 640, 3), 200, np.uint8)
        y, x = rng.integers(40, 240), rng.integers(40, 400)
        img[y:y + 200, x:x + 200] = 30
        buf = io.BytesIO()
        Image.fromarray(img).save(buf, "JPEG", quality=85)
        out.append(buf.getvalue())
    return out


async def load(url: str, token: str, images: list[bytes], requests: int, concurrency: int,
               max_seconds: float) -> tuple[list[float], float, int]:
    latencies: list[float] = []
    errors = 0
    counter = iter(range(requests))
    deadline = time.perf_counter() + max_seconds
    bar = tqdm(total=requests, desc="  requests", leave=False)

    async def worker(client: httpx.AsyncClient):
        nonlocal errors
        for i in counter:
            if time.perf_counter() > deadline:
                return
            start = time.perf_counter()
            r = await client.post("/api/v1/score", files={"image": ("f.jpg", images[i % len(images)], "image/jpeg")})
            latencies.append(time.perf_counter() - start)
            errors += r.status_code != 200
            bar.update()

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"},
                                 limits=limits, timeout=60) as client:
        for _ in range(3):  # warm-up: model load, first batch
            await client.post("/api/v1/score", files={"image": ("f.jpg", images[0], "image/jpeg")})
        start = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    bar.close()
    return latencies, elapsed, errors


def mean_batch(metrics_text: str) -> float:
    values = {}
    for line in metrics_text.splitlines():
        if line.startswith(("ombro_score_batch_size_sum", "ombro_score_batch_size_count")):
            name, value = line.split()
            values[name] = float(value)
    count = values.get("ombro_score_batch_size_count", 0)
    return values.get("ombro_score_batch_size_sum", 0) / count if count else float("nan")


def run_mode(batching: bool, model: Path, args, workdir: Path) -> dict:
    data = Path(tempfile.mkdtemp(prefix="on-" if batching else "off-", dir=workdir))
    db_url = f"sqlite:///{data / 'bench.sqlite3'}"
    engine = make_engine(db_url)
    migrate(engine)
    with session_scope(make_sessionmaker(engine)) as s:
        crud.create_user(s, "bench", PASSWORD, "student")
    engine.dispose()
    env = {
        "OMBRO_BUNDLED_MODELS": json.dumps([str(model)]),
        "OMBRO_SCORE_BATCHING": str(batching).lower(),
        "OMBRO_SCORE_MAX_BATCH": str(args.max_batch),
        "OMBRO_SCORE_MAX_WAIT_MS": str(args.max_wait_ms),
        "OMBRO_SCORE_THREADS": str(args.threads),
        "OMBRO_SCORE_MODEL_REFRESH_S": "60",
        "OMP_NUM_THREADS": str(args.threads),
    }
    server = LiveServer(data, db_url, env).start()
    try:
        token = httpx.post(f"{server.url}/api/v1/auth/token",
                           data={"username": "bench", "password": PASSWORD}).json()["access_token"]
        lat, elapsed, errors = asyncio.run(load(server.url, token, test_images(), args.requests,
                                                args.concurrency, args.max_seconds))
        batch = mean_batch(httpx.get(f"{server.url}/metrics",
                                     headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text)
    finally:
        server.stop()
    lat_ms = sorted(x * 1000 for x in lat)
    return {
        "mode": "batching on" if batching else "batching off",
        "requests": len(lat), "errors": errors, "rps": len(lat) / elapsed,
        "p50": statistics.median(lat_ms), "p99": lat_ms[min(len(lat_ms) - 1, int(0.99 * len(lat_ms)))],
        "batch": batch,
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", type=Path, help="ONNX file with its card (default: models/)")
    p.add_argument("--random-init", choices=["mobilenet_v2", "resnet34"],
                   help="benchmark an untrained network of this architecture")
    p.add_argument("--requests", type=int, default=300)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--max-seconds", type=float, default=60, help="stop each mode after this long")
    p.add_argument("--max-batch", type=int, default=16)
    p.add_argument("--max-wait-ms", type=float, default=5)
    p.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1),
                   help="onnxruntime intra-op threads (same in both modes)")
    p.add_argument("--modes", default="on,off", help="on, off or on,off")
    args = p.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="ombro-bench-") as tmp:
        workdir = Path(tmp)
        model = pick_model(args, workdir)
        card = ModelCard.model_validate_json(card_path_for(model).read_text())
        print(f"model {card.version} ({card.arch}, {card.quantization}), {os.cpu_count()} CPUs, "
              f"{args.threads} ORT thread(s), concurrency {args.concurrency}, "
              f"max batch {args.max_batch}, max wait {args.max_wait_ms} ms")
        rows = [run_mode(mode == "on", model, args, workdir) for mode in args.modes.split(",")]
    print(f"{'mode':<14}{'requests':>9}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'mean batch':>12}")
    for r in rows:
        print(f"{r['mode']:<14}{r['requests']:>9}{r['errors']:>8}{r['rps']:>9.1f}{r['p50']:>9.1f}"
              f"{r['p99']:>9.1f}{r['batch']:>12.2f}")


if __name__ == "__main__":
    main()
