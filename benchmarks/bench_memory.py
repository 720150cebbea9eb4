"""Peak memory of the server under hostile load: big images and failed sign-ins in parallel.

    .venv/bin/python benchmarks/bench_memory.py                    # gated (the defaults)
    .venv/bin/python benchmarks/bench_memory.py --ungated           # gates opened, to compare
    .venv/bin/python benchmarks/bench_memory.py --images 16 --logins 30 --seconds 20

Starts `python -m server` on 127.0.0.1 (fresh SQLite, the bundled MobileNetV2 int8 model),
then for `--seconds` keeps `--images` clients posting 4096x3072 PNGs (the largest image the
server accepts) to /score, `--bombs` clients posting 6300x6300 PNGs of 38 KB (refused from the
header), and `--logins` clients signing in with wrong passwords (every one is an argon2 hash:
the throttles are opened up for the benchmark). The server's RSS is sampled from /proc every
20 ms; its peak (VmHWM) is what is reported. Loopback only, bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import numpy as np
from PIL import Image

from ombro_contract.paths import default_model_path
from server import crud
from server.core.db import make_engine, make_sessionmaker, migrate, session_scope
from tests.server.conftest import LiveServer

PASSWORD = "bench-password-123"
MiB = 1 << 20


def big_png(width: int, height: int) -> bytes:
    """A wall with a shadow, full of gradients so it is a real decode, not a blank page."""
    y, x = np.mgrid[0:height, 0:width]
    img = (150 + (x * 40 // width) + (y * 30 // height)).astype(np.uint8)
    img[height // 3: 2 * height // 3, width // 3: width // 2] = 25
    buf = io.BytesIO()
    Image.fromarray(np.dstack([img, img, img])).save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def bomb_png(side: int = 6300) -> bytes:
    buf = io.BytesIO()
    Image.new("1", (side, side)).save(buf, "PNG", optimize=True)
    return buf.getvalue()


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def hammer(url: str, token: str, args, png: bytes, bomb: bytes) -> Counter:
    statuses: Counter = Counter()
    deadline = time.monotonic() + args.seconds

    async def images(client: httpx.AsyncClient, data: bytes, kind: str):
        while time.monotonic() < deadline:
            r = await client.post("/api/v1/score", headers={"Authorization": f"Bearer {token}"},
                                  files={"image": ("x.png", data, "image/png")})
            statuses[f"{kind} {r.status_code}"] += 1

    async def logins(client: httpx.AsyncClient, i: int):
        n = 0
        while time.monotonic() < deadline:
            n += 1
            r = await client.post("/api/v1/auth/token",
                                  data={"username": f"ghost{i}-{n}", "password": "wrong-password"})
            statuses[f"login {r.status_code}"] += 1

    limits = httpx.Limits(max_connections=args.images + args.bombs + args.logins + 4)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as client:
        await asyncio.gather(
            *(images(client, png, "score") for _ in range(args.images)),
            *(images(client, bomb, "bomb") for _ in range(args.bombs)),
            *(logins(client, i) for i in range(args.logins)),
        )
    return statuses


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--images", type=int, default=8, help="parallel clients scoring big PNGs")
    p.add_argument("--bombs", type=int, default=4, help="parallel clients sending 6300x6300 PNGs")
    p.add_argument("--logins", type=int, default=30, help="parallel clients failing to sign in")
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--ungated", action="store_true",
                   help="let every request hash and decode at once (to see what the gates save)")
    p.add_argument("--model", type=Path, default=default_model_path("mobilenet_v2", "int8"))
    args = p.parse_args(argv)
    if not args.model.is_file():
        sys.exit(f"no model at {args.model}: pass --model PATH (an .onnx with its card)")

    png, bomb = big_png(4096, 3072), bomb_png()
    with tempfile.TemporaryDirectory(prefix="ombro-mem-") as tmp:
        data = Path(tmp)
        db_url = f"sqlite:///{data / 'bench.sqlite3'}"
        engine = make_engine(db_url)
        migrate(engine)
        with session_scope(make_sessionmaker(engine)) as s:
            user = crud.create_user(s, "bench", PASSWORD, "student")
            token, _ = crud.issue_token(s, user, ttl_hours=1)
        engine.dispose()
        env = {
            "OMBRO_BUNDLED_MODEL": str(args.model),
            "OMBRO_LOGIN_MAX_FAILURES": "1000000", "OMBRO_LOGIN_MAX_FAILURES_PER_IP": "1000000",
            "OMBRO_LOG_LEVEL": "warning",
        }
        if args.ungated:
            env.update({"OMBRO_HASH_CONCURRENCY": "1000", "OMBRO_DECODE_CONCURRENCY": "1000"})
        server = LiveServer(data, db_url, env).start()
        try:
            pid = server.proc.pid
            # Warm up: the model is loaded on the first score.
            httpx.post(f"{server.url}/api/v1/score", headers={"Authorization": f"Bearer {token}"},
                       files={"image": ("x.png", png, "image/png")}, timeout=120)
            idle = rss_mib(pid)
            samples: list[float] = []
            stop = threading.Event()

            def sample():
                while not stop.is_set():
                    samples.append(rss_mib(pid))
                    time.sleep(0.02)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            started = time.monotonic()
            statuses = asyncio.run(hammer(server.url, token, args, png, bomb))
            elapsed = time.monotonic() - started
            stop.set()
            sampler.join()
            peak = rss_mib(pid, "VmHWM")
        finally:
            server.stop()

    print(f"{'ungated' if args.ungated else 'gated (defaults)'}: {args.images} clients x "
          f"4096x3072 PNG ({len(png) // 1024} KB), {args.bombs} x 6300x6300 PNG "
          f"({len(bomb) // 1024} KB), {args.logins} x failed sign-in, {elapsed:.0f} s, "
          f"{os.cpu_count()} CPUs")
    print(f"RSS idle (model loaded) {idle:.0f} MiB; during load max sampled "
          f"{max(samples):.0f} MiB, peak (VmHWM) {peak:.0f} MiB")
    print("answers: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))


if __name__ == "__main__":
    main()
