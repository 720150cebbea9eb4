"""`python -m server` (serve), `python -m server create-maintainer ...`, see `server/cli.py`."""

from .cli import main

if __name__ == "__main__":
    main()
