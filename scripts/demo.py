"""The whole system on one machine: `make demo`.

Starts the server on SQLite with the bundled model and a seeded demo class, prints the dashboard
URL and the demo logins, then starts the student app against it: in a window when there is a
display, otherwise headless under Xvfb with a generated dog-shadow video as the camera, passing the
dog lesson and syncing the attempt. The server keeps running until Ctrl-C, so the dashboard can
be explored afterwards.

    .venv/bin/python scripts/demo.py [--port 8000] [--data-dir var/demo] [--no-app] [--exit]
                                     [--verbose]

Each log line is shown once, INFO and up; `--verbose` shows everything (DEBUG) from the server and
the app, Kivy's start-up details included.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PY = sys.executable
DEMO_STUDENT, DEMO_PASSWORD = "student01@demo", "ombro-demo"


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the server exited with code {proc.returncode}; see the log above")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    sys.exit(f"the server did not become ready within {timeout:.0f} s at {url}/readyz")


def stable_model(url: str) -> str:
    """The version the app would download, as a signed-in demo student sees it."""
    try:
        token = httpx.post(f"{url}/api/v1/auth/token", timeout=10,
                           data={"username": DEMO_STUDENT, "password": DEMO_PASSWORD}).json()
        manifest = httpx.get(f"{url}/api/v1/models/latest", timeout=10,
                             params={"arch": "mobilenet_v2", "channel": "stable"},
                             headers={"Authorization": f"Bearer {token['access_token']}"})
        return manifest.json()["version"] if manifest.status_code == 200 else "none"
    except (httpx.HTTPError, KeyError, ValueError) as exc:
        return f"unknown ({exc})"


def demo_video(path: Path, puppet: str = "dog", seconds: float = 6.0, fps: int = 15) -> Path:
    """A generated video of a steady dog shadow: the camera of the headless demo."""
    from app.camera_source import write_video
    from training.synth import render_clip

    if not path.exists():
        write_video(render_clip(puppet, int(seconds * fps), seed=11, size=320), path, fps)
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=int(os.environ.get("OMBRO_PORT", "8000")))
    ap.add_argument("--data-dir", type=Path, default=ROOT / "var" / "demo")
    ap.add_argument("--no-app", action="store_true", help="start only the server")
    ap.add_argument("--exit", action="store_true", help="stop once the app has synced (for CI)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="DEBUG logs from the server and the app (default: INFO and up)")
    args = ap.parse_args()

    data_dir = args.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{args.port}"
    env = dict(os.environ, OMBRO_DATA_DIR=str(data_dir), OMBRO_PORT=str(args.port),
               OMBRO_COOKIE_SECURE="false", OMBRO_LOG_FORMAT="text", PYTHONPATH=str(ROOT),
               OMBRO_LOG_LEVEL="debug" if args.verbose else "info")

    print("==> seeding the demo class (safe to repeat)")
    seeded = subprocess.run([PY, "-m", "server", "seed-demo"], env=env, cwd=ROOT,
                            capture_output=True, text=True, check=False)
    if seeded.returncode != 0:
        print(seeded.stdout + seeded.stderr)
        return seeded.returncode

    print(f"==> starting the server on {url}")
    server = subprocess.Popen([PY, "-m", "server", "serve", "--port", str(args.port)], env=env,
                              cwd=ROOT)
    try:
        wait_ready(url, server)
        model = stable_model(url)
        print("\n" + "=" * 72)
        print(f"Dashboard:  {url}/        API docs: {url}/docs")
        print(f"Model on channel stable: {model}")
        print(seeded.stdout.strip())
        print(f"Students (for the app): {DEMO_STUDENT} ... student24@demo, same password")
        print("=" * 72 + "\n")
        if not args.no_app:
            run_app(url, env, data_dir, args.verbose)
        if args.exit:
            return 0
        print(f"The server keeps running at {url}; press Ctrl-C to stop.")
        server.wait()
        return server.returncode or 0
    except KeyboardInterrupt:
        return 0
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


def run_app(url: str, env: dict, data_dir: Path, verbose: bool = False) -> None:
    # Kivy's own start-up report (versions, providers, GL) is for --verbose; the app's lines stay.
    app_env = dict(env, KIVY_HOME=str(data_dir / "kivy"), KIVY_NO_ARGS="1",
                   KCFG_KIVY_LOG_LEVEL="debug" if verbose else "warning",
                   OMBRO_APP_DATA=str(data_dir / "app"))
    flags = ["--verbose"] if verbose else []
    if os.environ.get("DISPLAY"):
        print("==> starting the app in a window (close it to return here)")
        subprocess.run([PY, "-m", "app", "--server", url, *flags], env=app_env, cwd=ROOT,
                       check=False)
        return
    if not shutil.which("xvfb-run"):
        print("No display and no xvfb-run: skipping the app (install xvfb, or run with a display).")
        return
    video = demo_video(data_dir / "dog-shadow.avi")
    shots = data_dir / "screenshots"
    print(f"==> no display: running the app headless with {video.name} as the camera;"
          " it signs in as a demo student, passes the dog lesson and syncs")
    cmd = ["xvfb-run", "-a", "-s", "-screen 0 1280x1024x24", PY, "-m", "app", "--server", url,
           "--camera-source", str(video), "--autopilot", "dog", "--username", DEMO_STUDENT,
           "--password", DEMO_PASSWORD, "--attempts", "1", "--exit-when-synced",
           "--screenshot-dir", str(shots), "--timeout", "180", *flags]
    done = subprocess.run(cmd, env=app_env, cwd=ROOT, check=False)
    if done.returncode == 0:
        print(f"==> the app passed the dog lesson and synced; screenshots in {shots}")
    else:
        print(f"!! the app exited with code {done.returncode}; see its log above")


if __name__ == "__main__":
    raise SystemExit(main())
