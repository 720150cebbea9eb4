"""Capacity of one machine, measured with a compiled load generator: what one replica serves.

    .venv/bin/python benchmarks/bench_capacity.py                          # 15 s per scenario
    .venv/bin/python benchmarks/bench_capacity.py --duration 5 --workers 1 # a quick check
    .venv/bin/python benchmarks/bench_capacity.py --database-url postgresql://postgres@127.0.0.1/test

For 1 and 2 server processes (`serve --workers N`) it starts `python -m server` on loopback with
a fresh database and the model the server would score with (models/resnet34.onnx when present,
else the bundled MobileNetV2 int8), and drives it with `wrk` (one wrk thread: it needs a few
percent of one core, where Python's httpx needed a whole one and ran out before the server):

- scoring: POST /api/v1/score with a 640x480 camera-frame JPEG, micro-batching on and off, and
  and, with `--ensemble-with M`, with `OMBRO_SCORE_ENSEMBLE=true` (the model averaged with M,
  e.g. the bundled MobileNetV2 int8; off by default, as on the server), and once more with
  `OMBRO_SCORE_FLIP` the other way round from the server's default (flip test-time averaging:
  twice the inference per photo), so its cost is read side by side (`--no-flip-scenario` skips it);
- attempt sync: POST /api/v1/attempts, batches of `--attempts-per-batch` new attempts (fresh
  UUIDs in every request, so each one is a real INSERT);
- dashboard reads: GET /api/v1/classes/{id}/mastery, the teacher's heat map, for a class of 25
  students with 150 attempts each (what a teacher's open class page asks for);
- model downloads: GET /api/v1/models/{version}/download (the published model, from disk);
- the anchor: the same scoring request against benchmarks/anchor_torch_app.py, a plain
  per-request PyTorch-eager endpoint (torchvision network of the same architecture and input
  size, random weights, same preprocessing), with the same number of processes and threads.

It prints a Markdown table with req/s, p50/p99 and the ratio to the anchor side by side, and the
load average before each run: numbers taken while other work runs on the machine are not a
capacity, only a check that the benchmark works. Needs wrk (Debian: apt-get install wrk) and,
for the anchor, the `train` extra (torch, torchvision).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import numpy as np
from PIL import Image

from ombro_contract.card import card_path_for, parse_card
from ombro_contract.paths import REPO_ROOT, default_model_path
from server import crud
from server.core.config import Settings
from server.core.db import make_engine, make_sessionmaker, migrate, session_scope
from tests.server.conftest import METRICS_TOKEN, LiveServer, free_port

DEFAULT_FLIP: bool = Settings.model_fields["score_flip"].default

PASSWORD = "bench-password-123"
BOUNDARY = "ombro-bench-boundary"

# wrk scripts. `done` prints one machine-readable line; latencies are in microseconds.
WRK_DONE = r"""
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"bytes":%d,"non2xx":%d,"errors":%d,' ..
    '"p50_us":%d,"p99_us":%d}\n', summary.requests, summary.duration, summary.bytes, e.status,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99)))
end
"""
WRK_POST_FILE = r"""
local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = os.getenv("BENCH_CONTENT_TYPE")
local token = os.getenv("BENCH_TOKEN")
if token and token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end
""" + WRK_DONE
WRK_GET = r"""
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
""" + WRK_DONE
# Attempt sync: every request carries new attempt ids, as phones syncing new practice do.
WRK_SYNC = r"""
local n = tonumber(os.getenv("BENCH_ATTEMPTS"))
local now = os.date("!%Y-%m-%dT%H:%M:%SZ")
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("seed", threads)
end
function init(args)
  math.randomseed(os.time() * 100 + seed)
end
local function uuid4()
  return string.format("%08x-%04x-4%03x-%04x-%04x%08x", math.random(0, 0x7fffffff),
    math.random(0, 0xffff), math.random(0, 0xfff), 0x8000 + math.random(0, 0x3fff),
    math.random(0, 0xffff), math.random(0, 0x7fffffff))
end
local headers = {["Content-Type"] = "application/json",
                 ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")}
function request()
  local items = {}
  for i = 1, n do
    items[i] = string.format('{"id":"%s","puppet":"dog","predicted":"dog","confidence":0.91,' ..
      '"hold_seconds":2.2,"passed":true,"model_version":"bench","device_time":"%s"}', uuid4(), now)
  end
  return wrk.format("POST", "/api/v1/attempts", headers, '{"attempts":[' .. table.concat(items, ",") .. ']}')
end
""" + WRK_DONE


@dataclass
class Result:
    scenario: str
    system: str  # "Ombro" or "anchor"
    workers: int
    detail: str
    rps: float
    p50_ms: float
    p99_ms: float
    non2xx: int
    errors: int
    mb_per_s: float
    load: float
    extra: str = ""


def camera_frame() -> bytes:
    """A 640x480 JPEG like the app's frames: a dark hand-shadow blob on a light wall."""
    rng = np.random.default_rng(0)
    img = np.clip(rng.normal(200, 12, (480, 640, 3)), 0, 255).astype(np.uint8)
    img[140:360, 220:420] = 35
    img[100:180, 300:340] = 35  # the "ears"
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def multipart(field: str, filename: str, data: bytes) -> bytes:
    return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; "
            f"filename=\"{filename}\"\r\nContent-Type: image/jpeg\r\n\r\n").encode() + data + \
        f"\r\n--{BOUNDARY}--\r\n".encode()


def score_request(workdir: Path, token: str) -> dict[str, str]:
    """The scoring request for wrk: a multipart body file, its content type, the token."""
    body = workdir / "score.body"
    body.write_bytes(multipart("image", "frame.jpg", camera_frame()))
    return {"BENCH_BODY": str(body), "BENCH_TOKEN": token,
            "BENCH_CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}"}


def pick_model(arg: Path | None) -> Path:
    if arg:
        return arg
    for arch, quant in (("resnet34", "fp32"), ("mobilenet_v2", "int8"), ("mobilenet_v2", "fp32")):
        if (path := default_model_path(arch, quant)).is_file():
            return path
    sys.exit("no model in models/: pass --model PATH (an .onnx with its card)")


def run_wrk(url: str, script: str, env: dict[str, str], args, workdir: Path) -> dict:
    path = workdir / f"wrk-{uuid.uuid4().hex[:6]}.lua"
    path.write_text(script)
    cmd = ["wrk", "-t1", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "30s",
           "-s", str(path), url]
    done = subprocess.run(cmd, env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=args.duration + 120, check=False)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return json.loads(line[len("BENCH "):])


def to_result(scenario, system, workers, detail, raw, load, extra="") -> Result:
    seconds = raw["duration_us"] / 1e6
    return Result(scenario, system, workers, detail, raw["requests"] / seconds,
                  raw["p50_us"] / 1000, raw["p99_us"] / 1000, raw["non2xx"], raw["errors"],
                  raw["bytes"] / seconds / (1 << 20), load, extra)


def load_avg() -> float:
    return os.getloadavg()[0]


def mean_batch(url: str) -> str:
    """Mean images per onnxruntime call, from /metrics. Each process has its own metrics and a
    scrape reaches one of them, so a few scrapes on fresh connections are pooled."""
    total = count = 0.0
    for _ in range(4):
        text = httpx.get(f"{url}/metrics", timeout=10,
                         headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text
        for line in text.splitlines():
            if line.startswith("ombro_score_batch_size_sum"):
                total += float(line.split()[1])
            elif line.startswith("ombro_score_batch_size_count"):
                count += float(line.split()[1])
    return f"mean batch {total / count:.1f}" if count else ""


def warm_up(url: str, env: dict[str, str], args, workdir: Path) -> None:
    """Every process loads its model on its first request: a short wrk run with all the
    connections (spread over the processes) keeps that out of the measurement."""
    warm = argparse.Namespace(**{**vars(args), "duration": 3})
    for _ in range(10):
        raw = run_wrk(url, WRK_POST_FILE, env, warm, workdir)
        if raw["requests"] > raw["non2xx"]:
            return
    raise RuntimeError(f"warm-up of {url} got no successful answer in 30 s: {raw}")


def seed_class(factory, students: int = 25, attempts_each: int = 150) -> tuple[str, int]:
    """A teacher and a class of `students` with `attempts_each` attempts over the last weeks."""
    from ombro_contract.labels import PUPPETS

    now = datetime.now(UTC)
    with session_scope(factory) as s:
        teacher = crud.create_user(s, f"bench-t-{uuid.uuid4().hex[:8]}", PASSWORD, "teacher")
        klass = crud.create_class(s, teacher, "Bench class")
        for i in range(students):
            student = crud.create_user(s, f"bench-s{i}-{uuid.uuid4().hex[:6]}", PASSWORD, "student")
            crud.join_class(s, klass, student)
            crud.add_attempts(s, student.id, [
                crud.AttemptIn(id=str(uuid.uuid4()), puppet=PUPPETS[j % len(PUPPETS)],
                               predicted=PUPPETS[j % len(PUPPETS)], confidence=0.8,
                               hold_seconds=2.0, passed=j % 3 != 0, model_version="bench",
                               device_time=now - timedelta(hours=j))
                for j in range(attempts_each)])
        return teacher.username, klass.id


def bench_ombro(workers: int, batching: bool, model: Path, args, workdir: Path,
                with_sync_and_download: bool, ensemble_with: Path | None = None,
                flip: bool | None = None) -> list[Result]:
    """`flip` None: the server's default OMBRO_SCORE_FLIP."""
    flip = DEFAULT_FLIP if flip is None else flip
    data = Path(tempfile.mkdtemp(prefix=f"ombro-w{workers}-", dir=workdir))
    db_url = args.database_url or f"sqlite:///{data / 'bench.sqlite3'}"
    engine = make_engine(db_url)
    migrate(engine)
    username = f"bench-{uuid.uuid4().hex[:8]}"
    with session_scope(make_sessionmaker(engine)) as s:
        crud.create_user(s, username, PASSWORD, "student")
    teacher, class_id = seed_class(make_sessionmaker(engine)) if with_sync_and_download else ("", 0)
    engine.dispose()
    env = {
        "OMBRO_BUNDLED_MODELS": json.dumps([str(m) for m in (model, ensemble_with) if m]),
        "OMBRO_SCORE_ENSEMBLE": str(ensemble_with is not None).lower(),
        "OMBRO_SCORE_FLIP": str(flip).lower(),
        "OMBRO_SCORE_BATCHING": str(batching).lower(),
        "OMBRO_SCORE_THREADS": str(args.threads),
        "OMBRO_SCORE_MODEL_REFRESH_S": "60",
        "OMP_NUM_THREADS": str(args.threads),
        "OMBRO_LOG_LEVEL": "warning",
    }
    server = LiveServer(data, db_url, env, serve_args=["--workers", str(workers)]).start(timeout=180)
    results = []
    try:
        token = httpx.post(f"{server.url}/api/v1/auth/token",
                           data={"username": username, "password": PASSWORD},
                           timeout=60).json()["access_token"]
        score_env = score_request(workdir, token)
        warm_up(f"{server.url}/api/v1/score", score_env, args, workdir)
        load = load_avg()
        raw = run_wrk(f"{server.url}/api/v1/score", WRK_POST_FILE, score_env, args, workdir)
        detail = "batching on" if batching else "batching off"
        if ensemble_with is not None:
            detail += f", averaged with {ensemble_with.name}"
        detail += ", flip on" if flip else ", flip off"
        results.append(to_result("score", "Ombro", workers, detail, raw, load,
                                 mean_batch(server.url)))
        if with_sync_and_download:
            for per_batch in args.attempts_per_batch:
                load = load_avg()
                raw = run_wrk(f"{server.url}/", WRK_SYNC, {"BENCH_TOKEN": token,
                              "BENCH_ATTEMPTS": str(per_batch)}, args, workdir)
                rate = raw["requests"] * per_batch / (raw["duration_us"] / 1e6)
                results.append(to_result("attempt sync", "Ombro", workers,
                                         f"{per_batch} attempt(s) per batch", raw, load,
                                         f"{rate:.0f} attempts/s"))
            teacher_token = httpx.post(f"{server.url}/api/v1/auth/token", timeout=60, data={
                "username": teacher, "password": PASSWORD}).json()["access_token"]
            load = load_avg()
            raw = run_wrk(f"{server.url}/api/v1/classes/{class_id}/mastery", WRK_GET,
                          {"BENCH_TOKEN": teacher_token}, args, workdir)
            results.append(to_result("dashboard read", "Ombro", workers,
                                     "class heat map, 25 students x 150 attempts", raw, load))
            with httpx.Client(base_url=f"{server.url}/api/v1", timeout=60,
                              headers={"Authorization": f"Bearer {token}"}) as c:
                manifest = c.get("/models/latest", params={"arch": parse_card(
                    card_path_for(model).read_text()).arch}).json()
            load = load_avg()
            raw = run_wrk(f"{server.url}/api/v1/models/{manifest['version']}/download", WRK_GET,
                          {"BENCH_TOKEN": token}, args, workdir)
            results.append(to_result("model download", "Ombro", workers,
                                     f"{manifest['size_bytes'] / (1 << 20):.1f} MB file", raw, load))
    finally:
        server.stop()
    return results


def bench_anchor(workers: int, model: Path, args, workdir: Path) -> Result:
    port = free_port()
    log = workdir / f"anchor-{workers}.log"
    env = {**os.environ, "ANCHOR_CARD": str(card_path_for(model)),
           "ANCHOR_THREADS": str(args.threads), "OMP_NUM_THREADS": str(args.threads)}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "benchmarks.anchor_torch_app:create_app",
             "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
             "--log-level", "warning"],
            cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the anchor exited:\n{log.read_text()[-2000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the anchor did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.2)
        score_env = score_request(workdir, token="")
        warm_up(f"http://127.0.0.1:{port}/score", score_env, args, workdir)
        load = load_avg()
        raw = run_wrk(f"http://127.0.0.1:{port}/score", WRK_POST_FILE, score_env, args, workdir)
        return to_result("score", "anchor", workers, "torch eager, per request", raw, load)
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def markdown(results: list[Result]) -> str:
    anchors = {r.workers: r for r in results if r.system == "anchor"}
    lines = [("| scenario | server | processes | mode | req/s | p50 ms | p99 ms | vs anchor req/s "
              "| vs anchor p99 | non-2xx / errors | MB/s | load avg | note |"),
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        anchor = anchors.get(r.workers) if r.scenario == "score" else None
        ratio = f"{r.rps / anchor.rps:.2f}x" if anchor and r.system != "anchor" else "-"
        tail = f"{r.p99_ms / anchor.p99_ms:.2f}x" if anchor and r.system != "anchor" else "-"
        mb = f"{r.mb_per_s:.1f}" if r.scenario == "model download" else "-"
        lines.append(f"| {r.scenario} | {r.system} | {r.workers} | {r.detail} | {r.rps:.1f} | "
                     f"{r.p50_ms:.1f} | {r.p99_ms:.1f} | {ratio} | {tail} | {r.non2xx} / {r.errors} "
                     f"| {mb} | {r.load:.2f} | {r.extra} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", type=Path, help="ONNX with its card (default: what the server "
                   "would score with from models/)")
    p.add_argument("--workers", default="1,2", help="server processes to try, e.g. 1,2")
    p.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    p.add_argument("--connections", type=int, default=16, help="concurrent connections (wrk -c)")
    p.add_argument("--threads", type=int, default=1,
                   help="onnxruntime / torch intra-op threads per process (the same for both)")
    p.add_argument("--attempts-per-batch", default="1,20",
                   help="attempts per sync request, e.g. 1,20 (the app syncs after each attempt; "
                   "a phone back online sends up to 500)")
    p.add_argument("--database-url", default="",
                   help="empty: a fresh SQLite file per run; or a PostgreSQL URL")
    p.add_argument("--no-anchor", action="store_true", help="skip the torch-eager anchor")
    p.add_argument("--ensemble-with", type=Path, default=None,
                   help="also score with this model averaged in (OMBRO_SCORE_ENSEMBLE=true), e.g. "
                   "models/mobilenet_v2.int8.onnx")
    p.add_argument("--no-flip-scenario", action="store_true",
                   help="skip the scoring run with OMBRO_SCORE_FLIP the other way round from the default")
    p.add_argument("--out", type=Path, help="also write the Markdown table here")
    args = p.parse_args(argv)
    args.attempts_per_batch = [int(n) for n in args.attempts_per_batch.split(",")]
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk (scripts/setup.sh installs it)")

    model = pick_model(args.model)
    card = parse_card(card_path_for(model).read_text())
    workers = [int(w) for w in args.workers.split(",")]
    header = (f"model {card.version} ({card.arch}, {card.quantization}, input "
              f"{card.preprocess.input_size}), {os.cpu_count()} CPUs, {args.threads} inference "
              f"thread(s) per process, wrk -t1 -c{args.connections} -d{args.duration}s, database "
              f"{'PostgreSQL' if args.database_url.startswith('postgres') else 'SQLite'}, "
              f"load average at start {load_avg():.2f}")
    print(header, flush=True)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="ombro-capacity-") as tmp:
        workdir = Path(tmp)
        for n in workers:
            for batching in (True, False):
                print(f"== Ombro, {n} process(es), batching {'on' if batching else 'off'}", flush=True)
                results += bench_ombro(n, batching, model, args, workdir, batching)
            partner = args.ensemble_with
            if partner and str(partner) not in ("", ".") and partner.exists() and partner != model:
                print(f"== Ombro, {n} process(es), batching on, averaged with {partner.name}", flush=True)
                results += bench_ombro(n, True, model, args, workdir, False, ensemble_with=partner)
            if not args.no_flip_scenario:
                other = not DEFAULT_FLIP
                print(f"== Ombro, {n} process(es), batching on, flip {'on' if other else 'off'}", flush=True)
                results += bench_ombro(n, True, model, args, workdir, False, flip=other)
            if not args.no_anchor:
                print(f"== anchor, {n} process(es)", flush=True)
                results.append(bench_anchor(n, model, args, workdir))
    order = {"score": 0, "attempt sync": 1, "dashboard read": 2, "model download": 3}
    results.sort(key=lambda r: (order[r.scenario], r.workers, r.system == "anchor"))
    table = markdown(results)
    print(f"\n{header}\n\n{table}")
    if args.out:
        args.out.write_text(f"{header}\n\n{table}\n")


if __name__ == "__main__":
    main()
