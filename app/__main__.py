"""`python -m app`: start the Ombro student app.

Flags override saved settings for this run only. Examples:
  python -m app                                     # the phone/desktop app
  python -m app --camera-source dog.avi --server http://127.0.0.1:8000 --autopilot dog
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from app.logging_setup import after_kivy_import, configure_logging
from ombro_contract.labels import PUPPETS


def default_data_dir() -> Path:
    """Where settings, the attempt queue and downloaded models live (survives app updates)."""
    env = os.environ.get("OMBRO_APP_DATA")
    if env:
        return Path(env)
    if "ANDROID_ARGUMENT" in os.environ or "ANDROID_PRIVATE" in os.environ:
        return Path(os.environ.get("ANDROID_PRIVATE", ".")) / "ombro"
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "ombro"


def get_args_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m app", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", type=Path, default=None,
                   help="settings, attempt queue and models (default: $OMBRO_APP_DATA or "
                        "~/.local/share/ombro)")
    p.add_argument("--camera-source", metavar="PATH",
                   help="a video file, image folder or one photo to use instead of the camera")
    p.add_argument("--server", metavar="URL", help="Ombro server, e.g. http://127.0.0.1:8000")
    p.add_argument("--backend", choices=["onnxruntime", "opencv"],
                   help="inference runtime; opencv always uses the fp32 model")
    p.add_argument("--model", type=Path, metavar="ONNX",
                   help="use this model file (with its .card.json) instead of the bundled one")
    p.add_argument("--autopilot", choices=PUPPETS, metavar="PUPPET",
                   help="demo/test: open this lesson and run it hands-free, then quit")
    p.add_argument("--username", help="autopilot: sign in as this student (default: guest)")
    p.add_argument("--password")
    p.add_argument("--join-code", help="autopilot: join this class first with --username/--password")
    p.add_argument("--attempts", type=int, default=1, help="autopilot: attempts to record")
    p.add_argument("--exit-when-synced", action="store_true",
                   help="quit once every attempt of the signed-in student is on the server")
    p.add_argument("--screenshot-dir", type=Path, help="autopilot: save app-*.png screenshots here")
    p.add_argument("--timeout", type=float, default=180.0, help="autopilot: give up after seconds")
    p.add_argument("--hold-seconds", type=float, help="seconds to hold the puppet to pass")
    p.add_argument("--lesson-timeout", type=float, help="seconds before a try counts as missed")
    p.add_argument("--no-update-check", action="store_true", help="do not ask for a newer model")
    p.add_argument("--window", default="480x800",
                   help="desktop window size, WxH (portrait; keep W a multiple of 4 for screenshots)")
    p.add_argument("--debug", action="store_true",
                   help="show the model version and frame rates on the practice screen (this run)")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="log everything (DEBUG), Kivy's start-up details included")
    return p


def main(argv: list[str] | None = None) -> int:
    args = get_args_parser().parse_args(argv)
    configure_logging(args.verbose)  # before Kivy is imported: one handler, each line once
    os.environ.setdefault("KIVY_NO_ARGS", "1")  # our flags, not Kivy's
    os.environ.setdefault("KIVY_CLIPBOARD", "sdl2")  # not xsel, which desktops may lack
    from kivy.config import Config

    after_kivy_import(args.verbose)

    w, _, h = args.window.partition("x")
    Config.set("graphics", "width", w)
    Config.set("graphics", "height", h)
    Config.set("kivy", "exit_on_escape", "1")
    Config.set("input", "mouse", "mouse,disable_multitouch")

    from app.config import load_settings
    from app.main_app import LaunchOptions, OmbroApp
    from app.services import AppServices

    data_dir = args.data_dir or default_data_dir()
    settings = load_settings(data_dir)
    try:
        if args.server:
            settings.server_url = args.server
        if args.backend:
            settings.backend = args.backend
        if args.hold_seconds:
            settings.hold_seconds = args.hold_seconds
        if args.lesson_timeout:
            settings.lesson_timeout_s = args.lesson_timeout
        if args.debug:
            settings.show_debug_info = True
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    services = AppServices(data_dir, settings, model_path=args.model)
    options = LaunchOptions(
        camera_source=args.camera_source, autopilot=args.autopilot, username=args.username,
        password=args.password, join_code=args.join_code, attempts=max(1, args.attempts),
        screenshot_dir=args.screenshot_dir, exit_when_synced=args.exit_when_synced,
        timeout_s=args.timeout, check_updates=not args.no_update_check,
    )
    app = OmbroApp(services, options)
    app.run()
    return app.exit_code


if __name__ == "__main__":
    sys.exit(main())
