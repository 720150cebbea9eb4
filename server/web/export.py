"""CSV export of a class: one row per student and puppet, from the same overview the page shows.

Student names are untrusted text: a name such as `=HYPERLINK(...)` would run as a formula when a
teacher opens the file in a spreadsheet, so cells that start with a formula character are
prefixed with an apostrophe (OWASP's advice for CSV injection; `server.core.downloads.csv_safe`,
which the API's export uses too).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from ombro_contract.labels import PUPPETS

from ..core.downloads import csv_safe
from .overview import ClassOverview

COLUMNS = [
    "student_id",
    "student",
    "username",
    "puppet",
    "assigned",
    "attempts",
    "passed",
    "passed_last_5",
    "mastery",
    "level",
    "best_confidence",
    "last_practice_utc",
    "streak_days",
    "needs_help",
]
neutralise = csv_safe  # the one rule, shared with the API's export


def _iso(when: datetime | None) -> str:
    return when.isoformat(timespec="seconds") if when else ""


def class_csv(overview: ClassOverview) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    assigned = set(overview.assigned_puppets)
    for row in overview.rows:
        help_text = "; ".join(r.detail for r in row.summary.needs_help)
        for puppet in PUPPETS:
            m = row.summary.puppets[puppet]
            writer.writerow(
                [
                    row.student_id,
                    neutralise(row.name),
                    neutralise(row.username),
                    puppet,
                    "yes" if puppet in assigned else "no",
                    m.attempts,
                    m.passed_total,
                    m.passed_last,
                    f"{m.mastery:.2f}",
                    m.level.value,
                    "" if m.best_confidence is None else f"{m.best_confidence:.3f}",
                    _iso(m.last_practice),
                    row.streak,
                    neutralise(help_text),
                ]
            )
    return buf.getvalue()


def csv_filename(overview: ClassOverview, now: datetime) -> str:
    safe = "".join(c if c.isalnum() else "-" for c in overview.name).strip("-").lower() or "class"
    return f"ombro-{safe[:40]}-{now.date().isoformat()}.csv"
