"""What text the server can store: one rule for JSON bodies and for the database boundary."""

from __future__ import annotations


def unstorable_reason(value: str) -> str | None:
    """Why this text cannot be stored, or None when it can.

    PostgreSQL refuses NUL in text columns and UTF-8 cannot encode a lone surrogate (JSON's
    "\\ud800" decodes to one); SQLite would store the first and fail on the second.
    """
    if "\x00" in value:
        return "a NUL character (\\u0000)"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "an unpaired surrogate (\\ud800-\\udfff; send valid UTF-16 pairs)"
    return None
