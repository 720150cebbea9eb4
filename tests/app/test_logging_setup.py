"""The app's log: each record printed once, INFO and up by default, everything with --verbose.

Runs in a subprocess with a fresh KIVY_HOME, because Kivy sets up logging when it is first
imported (and writes a new config file then, with its "upgrading" notices)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from ombro_contract.paths import REPO_ROOT

PROBE = """
import logging, sys
from app.logging_setup import after_kivy_import, configure_logging
verbose = sys.argv[1] == "verbose"
configure_logging(verbose)
from kivy.config import Config  # noqa: F401  (what app/__main__ imports first)
from kivy.logger import Logger
after_kivy_import(verbose)
Logger.info("Probe: kivy info")
Logger.debug("Probe: kivy debug")
logging.getLogger("app.probe").info("app info")
logging.getLogger("app.probe").debug("app debug")
logging.getLogger("app.probe").warning("app warning")
logging.getLogger("httpx").info("HTTP Request: GET /x")
"""
LOG_LINE = re.compile(r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+: ")


def run_probe(tmp_path, mode: str) -> list[str]:
    env = {**os.environ, "KIVY_HOME": str(tmp_path / "kivy-home"), "KIVY_NO_ARGS": "1",
           "PYTHONPATH": str(REPO_ROOT)}
    env.pop("KIVY_LOG_MODE", None)
    done = subprocess.run([sys.executable, "-c", PROBE, mode], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]


@pytest.mark.parametrize("mode", ["default", "verbose"])
def test_each_record_is_printed_once_in_one_format(tmp_path, mode):
    lines = run_probe(tmp_path, mode)
    assert "INFO kivy: Probe: kivy info" in lines
    assert "INFO app.probe: app info" in lines and "WARNING app.probe: app warning" in lines
    assert all(LOG_LINE.match(line) for line in lines), lines  # no second (Kivy) format
    assert len(lines) == len(set(lines)), [line for line in lines if lines.count(line) > 1]
    assert not any("HTTP Request" in line for line in lines)  # client internals stay quiet
    debug = [line for line in lines if line.startswith("DEBUG")]
    if mode == "default":
        assert debug == [], debug  # config upgrades and the like are not for everyday reading
        assert not any("Config:" in line for line in lines), lines  # "Older configuration"
    else:
        assert "DEBUG kivy: Probe: kivy debug" in debug and "DEBUG app.probe: app debug" in debug
        assert "DEBUG kivy: Config: Upgrading from 0 to 1" in debug
