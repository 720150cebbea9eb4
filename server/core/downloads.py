"""File downloads the server builds (CSV exports): safe cells and a header that holds any name.

One implementation for the API's and the dashboard's exports, so a fix to one is a fix to both.
"""

from __future__ import annotations

from urllib.parse import quote

# A cell starting with one of these runs as a formula when the CSV is opened in a spreadsheet
# (OWASP, "CSV injection"): `=HYPERLINK(...)`, but also a username such as `-1-1` or `@SUM(...)`.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# RFC 5987 attr-chars besides letters and digits: everything else is percent-encoded.
_ATTR_CHARS = "!#$&+-.^_`|~"


def csv_safe(text: str) -> str:
    """Text typed by students, made inert for spreadsheets by a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_START) else text


def content_disposition(filename: str, kind: str = "attachment") -> str:
    """A Content-Disposition value for any file name (RFC 6266 with RFC 5987's `filename*`).

    HTTP header values are Latin-1 on the wire, so a class called "班级" cannot go in a plain
    `filename="..."`. Browsers use `filename*=UTF-8''<percent-encoded>`; older clients get an
    ASCII stand-in in `filename`, with anything unsafe in a quoted string replaced by "_".
    """
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\%;' else "_" for c in filename
    )
    return (
        f'{kind}; filename="{fallback}"; '
        f"filename*=UTF-8''{quote(filename, safe=_ATTR_CHARS)}"
    )
