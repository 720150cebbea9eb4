"""Entry point for Android builds: python-for-android starts `main.py` at the project root.

On a desktop use `python -m app` (the same code).
"""

from app.__main__ import main

if __name__ == "__main__":
    raise SystemExit(main())
