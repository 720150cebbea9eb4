"""Score a folder of labelled shadow photos the way an outside judge does: through the API.

    .venv/bin/python scripts/score_via_server.py                      # ../shared/real-shadows
    .venv/bin/python scripts/score_via_server.py --data DIR --keep var/judge

Starts a fresh `python -m server serve` (SQLite in a temporary folder, so it registers the
bundled models exactly as a new installation does), creates a maintainer, signs in, posts
every photo to `POST /api/v1/score` and prints top-1, top-3 and balanced accuracy with each
photo's answer. The folder is read by `training.evaluate.labelled_images` (`<puppet>.<ext>`
files or `<puppet>/` sub-folders), so this and `training/evaluate.py` score the same photos.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ombro_contract.errors import OmbroError
from ombro_contract.labels import PUPPETS
from ombro_contract.paths import real_shadows_dir
from training.evaluate import labelled_images

PASSWORD = "judge-password-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=None, help="default: the shared real photos")
    p.add_argument("--keep", type=Path, default=None, help="server data folder to keep")
    args = p.parse_args()
    folder = args.data or real_shadows_dir()
    if folder is None:
        print("no photos: pass --data DIR (../shared/real-shadows is absent)", file=sys.stderr)
        return 2
    try:
        items = [(path, PUPPETS[t]) for path, t in labelled_images(Path(folder))]
    except OmbroError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    data_dir = args.keep or Path(tempfile.mkdtemp(prefix="ombro-judge-"))
    env = {**os.environ, "OMBRO_DATA_DIR": str(data_dir), "JUDGE_PW": PASSWORD}
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "server", "create-maintainer", "--username", "judge",
                    "--password-env", "JUDGE_PW"], cwd=REPO, env=env, check=False,
                   capture_output=True)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "server", "serve", "--host", "127.0.0.1",
                               "--port", str(port)], cwd=REPO, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        with httpx.Client(base_url=base, timeout=60) as c:
            for _ in range(600):
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            token = c.post("/auth/token", data={"username": "judge", "password": PASSWORD})
            token.raise_for_status()
            c.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
            hits, top3, per_class, version = 0, 0, defaultdict(list), None
            for path, label in items:
                r = c.post("/score", files={"image": (path.name, path.read_bytes())})
                r.raise_for_status()
                out = r.json()
                version = " + ".join(out.get("models") or [out["model_version"]])
                ranked = [t["label"] for t in out["top_k"]]
                hits += ranked[0] == label
                top3 += label in ranked[:3]
                per_class[label].append(ranked[0] == label)
                print(f"  {path.name:<24} {label:<9} -> {ranked[0]:<9} "
                      f"({out['top_k'][0]['prob']:.2f}; top-3 {', '.join(ranked[:3])})")
    finally:
        server.terminate()
        server.wait(timeout=30)
    n = len(items)
    balanced = sum(sum(v) / len(v) for v in per_class.values()) / len(per_class)
    print(f"{version} via POST /api/v1/score on {n} photos: top-1 {hits}/{n} = {hits / n:.1%}, "
          f"top-3 {top3}/{n} = {top3 / n:.1%}, balanced accuracy {balanced:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
