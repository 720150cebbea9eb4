"""Command line: run the server, migrate, and create the first accounts.

    python -m server [--port P]           # flags alone (or none) mean `serve`
    python -m server serve [--host H] [--port P] [--workers N] [--no-batching]
    python -m server migrate
    python -m server create-maintainer --username ada [--password-env VAR]
    python -m server create-teacher --username bob
    python -m server seed-demo            # provided by server/seed.py (dashboard)
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from .core.config import Settings


def _serve(args: argparse.Namespace) -> None:
    import uvicorn

    from .main import create_app
    from .observability import configure_logging

    overrides = {k: v for k, v in {"host": args.host, "port": args.port,
                                   "workers": args.workers}.items() if v is not None}
    if args.no_batching:
        overrides["score_batching"] = False
    settings = Settings(**overrides)
    configure_logging(settings.log_level, settings.log_format)
    common = {"host": settings.host, "port": settings.port, "log_config": None,  # our logging
              "proxy_headers": True, "forwarded_allow_ips": settings.forwarded_allow_ips}
    if settings.workers <= 1:
        uvicorn.run(create_app(settings), **common)
        return
    # Worker processes are started afresh and build their app from the environment, so the
    # command-line flags travel to them as the OMBRO_* variables they stand for.
    os.environ.update({f"OMBRO_{k.upper()}": str(v).lower() if isinstance(v, bool) else str(v)
                       for k, v in overrides.items()})
    uvicorn.run("server.main:app_from_environment", factory=True, workers=settings.workers,
                **common)


def _migrate(_: argparse.Namespace) -> None:
    from .core.db import engine_for, migrate

    settings = Settings()
    engine = engine_for(settings)
    migrate(engine)
    print(f"database at head: {engine.url.render_as_string(hide_password=True)}")


def _read_password(args: argparse.Namespace) -> str:
    if args.password_env:
        password = os.environ.get(args.password_env, "")
        if not password:
            sys.exit(f"environment variable {args.password_env} is empty or unset")
        return password
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        sys.exit("the two passwords differ; nothing was created")
    return first


def _create_user(role: str):
    def run(args: argparse.Namespace) -> None:
        from . import crud
        from .core.db import engine_for, make_sessionmaker, migrate, session_scope
        from .crud.users import UsernameTakenError

        password = _read_password(args)
        if len(password) < 8:
            sys.exit("the password must have at least 8 characters; nothing was created")
        engine = engine_for(Settings())
        migrate(engine)
        try:
            with session_scope(make_sessionmaker(engine)) as session:
                user = crud.create_user(session, args.username, password, role, args.display_name or "")
                print(f"created {role} {user.username!r} (id {user.id})")
        except UsernameTakenError as exc:
            sys.exit(str(exc))

    return run


def _seed_demo(args: argparse.Namespace) -> None:
    try:
        from . import seed
    except ImportError:
        sys.exit("seed-demo is not available: server/seed.py is missing")
    seed.main(args.rest)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m server", description="Ombro server")
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="run the HTTP server (default)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int,
                       help="server processes sharing the port (default 1, or OMBRO_WORKERS); "
                       "everything they must agree on lives in the database")
    serve.add_argument("--no-batching", action="store_true", help="score each request on its own")
    serve.set_defaults(func=_serve)
    sub.add_parser("migrate", help="upgrade the database schema").set_defaults(func=_migrate)
    for role in ("maintainer", "teacher"):
        p = sub.add_parser(f"create-{role}", help=f"create a {role} account")
        p.add_argument("--username", required=True)
        p.add_argument("--display-name")
        p.add_argument("--password-env", help="read the password from this environment variable "
                       "(else from stdin or a prompt)")
        p.set_defaults(func=_create_user(role))
    seed = sub.add_parser("seed-demo", help="demo classes and students (server/seed.py)")
    seed.add_argument("rest", nargs=argparse.REMAINDER)
    seed.set_defaults(func=_seed_demo)

    args = parser.parse_args(_default_to_serve(sys.argv[1:] if argv is None else argv))
    args.func(args)


def _default_to_serve(argv: list[str]) -> list[str]:
    """`serve` is the default command, so `python -m server --port 8080` means `serve --port 8080`.

    argparse would otherwise read the flag's value as an unknown command ("invalid choice").
    Only the top-level help stays top-level, so `--help` still lists the commands.
    """
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        return ["serve", *argv]
    return list(argv)
