"""`make demo ARGS=--exit` end to end: the real script, server and app, read as a newcomer reads it.

Runs `scripts/demo.py --exit` on a free port with its own data dir and no DISPLAY, so it takes its
headless path (the app under its own xvfb-run, a generated dog video as the camera). About 15 s
on an idle 2-core machine, 1-2 minutes on a busy one.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from collections import Counter

import pytest

from ombro_contract.paths import REPO_ROOT, default_model_path

ANSI = re.compile(r"\x1b\[[0-9;]*m")
# The app's one format, "LEVEL logger: message"; the server's adds a timestamp in front.
APP_LOG = re.compile(r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+: (.*)$")
SERVER_LOG = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")
# Kivy's own console format, "[LEVEL  ] [Category    ] message": a second handler's copy.
KIVY_LOG = re.compile(r"^\[(DEBUG|INFO|WARNING|ERROR|CRITICAL)\s*\] \[([^\]]*?)\s*\](.*)$")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log_records(output: str) -> list[tuple[str, str]]:
    """(level, message) of every log line, whichever handler printed it.

    Server lines keep their timestamp (two requests to one URL are two records); app lines in
    either format reduce to the same message, so a record printed by two handlers shows twice.
    """
    records = []
    for line in ANSI.sub("", output).splitlines():
        if SERVER_LOG.match(line):
            records.append(("server", line))
        elif m := APP_LOG.match(line):
            records.append((m.group(1), m.group(2)))
        elif m := KIVY_LOG.match(line):
            records.append((m.group(1), f"{m.group(2)}:{m.group(3)}"))
    return records


def test_log_records_sees_one_record_printed_by_two_handlers():
    """The check below would have caught the demo as it was (Kivy's handler beside ours)."""
    old = ("WARNING kivy: Config: Older configuration version detected (0 instead of 27)\n"
           "[\x1b[1;33mWARNING\x1b[0m] [Config      ] Older configuration version detected "
           "(0 instead of 27)\n"
           "INFO app.main_app: model update: up_to_date (model x is the latest)\n"
           "[INFO   ] [model update] up_to_date (model x is the latest)\n"
           "autopilot: dog: sees dog 0.93, hold 54%\n")
    counts = Counter(log_records(old))
    assert sorted(counts.values()) == [2, 2]


@pytest.mark.slow
@pytest.mark.gui
def test_demo_exit_shows_each_log_line_once(tmp_path):
    if shutil.which("xvfb-run") is None:
        pytest.skip("xvfb-run is not installed (apt-get install xvfb xauth)")
    if not default_model_path("mobilenet_v2", "int8").exists():
        pytest.skip("the bundled model is absent: the demo's dog lesson needs it")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(OMP_NUM_THREADS="1")
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "scripts/demo.py", "--exit", "--port", str(free_port()),
         "--data-dir", str(tmp_path / "demo")],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=480, check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    assert "==> the app passed the dog lesson and synced" in output, output[-6000:]

    records = log_records(output)
    repeated = [r for r, n in Counter(records).items() if n > 1]
    assert not repeated, f"printed more than once: {repeated}"
    kivy_format = [line for line in ANSI.sub("", output).splitlines() if KIVY_LOG.match(line)]
    assert kivy_format == [], "Kivy's own handler printed lines"
    assert [r for r in records if r[0] == "DEBUG"] == []  # INFO and up unless --verbose
    messages = [m for level, m in records if level != "server"]
    assert "signed in as student01@demo" in messages, messages
    assert any(m.startswith("attempt recorded: dog passed=True") for m in messages), messages

    # The first model-update line comes after the sign-in and is the registry's answer.
    updates = [i for i, m in enumerate(messages) if m.startswith("model update: ")]
    assert updates and updates[0] > messages.index("signed in as student01@demo"), messages
    assert re.match(r"model update: (up_to_date|updated) ", messages[updates[0]]), messages
