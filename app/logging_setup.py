"""The app's console log: every record printed once, INFO and up unless `--verbose`.

Kivy's default log mode (`KIVY_LOG_MODE=KIVY`) hangs its own console handler on the root logger,
lowers the root level to NOTSET and turns stderr into log records. Beside the app's own handler
that printed every line twice, once per format, and let DEBUG lines through. In `PYTHON` mode
Kivy leaves logging to the application, so the app owns the one handler and its level. The mode is
read when Kivy is imported: `configure_logging` must run before the first `import kivy`.
"""

from __future__ import annotations

import logging
import os
import sys

FORMAT = "%(levelname)s %(name)s: %(message)s"
# HTTP client internals: a line per request at INFO, a flood at DEBUG, even with --verbose.
QUIET = ("httpcore", "httpx", "PIL")
# Kivy warns when it writes a fresh config file (every first start, every new KIVY_HOME): routine.
ROUTINE_KIVY = ("Config: Older configuration version detected", "Config: Upgrading configuration")


class _RoutineAsDebug(logging.Filter):
    """Demotes Kivy's first-start notices to DEBUG, so only `--verbose` shows them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith(ROUTINE_KIVY):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


def configure_logging(verbose: bool = False) -> None:
    """One stderr handler on the root logger, at INFO (DEBUG with `verbose`)."""
    if "kivy" in sys.modules and os.environ.get("KIVY_LOG_MODE") != "PYTHON":
        raise RuntimeError("configure_logging must run before Kivy is imported")
    os.environ["KIVY_LOG_MODE"] = "PYTHON"
    level = logging.DEBUG if verbose else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.setLevel(level)  # also drops the records `_RoutineAsDebug` demoted
    logging.basicConfig(level=level, handlers=[handler], force=True)
    logging.getLogger("kivy").addFilter(_RoutineAsDebug())
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)


def after_kivy_import(verbose: bool = False) -> None:
    """Kivy sets its logger's level from its config (`log_level`, default info) when imported;
    `--verbose` means everything, whatever that file says."""
    if verbose:
        logging.getLogger("kivy").setLevel(logging.DEBUG)
