"""The demo seed: a living class at once, running it twice adds nothing, every name in it is one a
teacher would believe, and the aggregate class overview agrees with the shared mastery rules on it
(SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from server.crud import get_class
from server.crud.progress import class_mastery
from server.models import Assignment, Attempt, Membership, SchoolClass, User
from server.seed import STUDENT_NAMES, seed_demo
from server.web.overview import class_overview

NOW = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)
# Words of letters in any script, joined by a space, apostrophe, hyphen or full stop: "Finn O'Brien",
# "Chloé Martin" and "Νεφέλη Παππά" pass; "<script>alert(1)</script>" and "x&amp;y" do not.
PERSON_NAME = re.compile(r"[^\W\d_]+(?:['\u2019.\- ]+[^\W\d_]+)*\.?")
MARKUP = re.compile(r"[<>&\"`{}]")


def _counts(s):
    return tuple(
        s.scalar(select(func.count()).select_from(t))
        for t in (User, SchoolClass, Membership, Assignment, Attempt)
    )


def test_seed_is_idempotent_and_lively(empty_factory):
    with empty_factory() as s:
        report = seed_demo(s, NOW, rng_seed=7)
        s.commit()
        first = _counts(s)
        assert report.attempts_added == first[4] > 1000
        again = seed_demo(s, NOW + timedelta(days=1), rng_seed=7)
        s.commit()
        assert _counts(s) == first
        assert again.attempts_added == 0

        # The aggregate overview agrees with the shared mastery rules on the whole demo class.
        klass = get_class(s, report.class_id)
        overview = class_overview(s, klass, NOW)
        assigned, summaries = class_mastery(s, klass, NOW)
        assert overview.assigned_puppets == assigned
        assert [(r.student_id, r.summary) for r in overview.rows] == [
            (u.id, summary) for u, summary in summaries
        ]
        assert len(overview.rows) == len(STUDENT_NAMES)
        times = s.scalars(select(Attempt.device_time)).all()
        assert max(times) <= NOW and NOW - min(times) >= timedelta(days=21)  # weeks of practice
        levels = {c.level for r in overview.rows for c in r.cells}
        assert levels == {"not_started", "learning", "practising", "mastered"}
        reasons = [reason for h in overview.needs_help for reason in h.reasons]
        assert any("in a row" in r for r in reasons) and any("no practice" in r for r in reasons)
        assert len(overview.needs_help) < len(overview.rows) // 2  # a class, not a crisis


def test_seeded_names_are_plausible_and_rewritten_when_stale(empty_factory):
    with empty_factory() as s:
        seed_demo(s, NOW, rng_seed=7)
        s.commit()
        people = s.execute(select(User.username, User.display_name)).all()
        assert len(people) == 3 + len(STUDENT_NAMES) + 4  # staff, demo class, second class
        for username, name in people:
            assert PERSON_NAME.fullmatch(name), f"{username}: {name!r} is not a plausible name"
            assert not MARKUP.search(name), f"{username}: {name!r} has markup characters"
        for name in s.scalars(select(SchoolClass.name)):
            assert name.strip() and not MARKUP.search(name), f"class name {name!r}"
        assert any(not n.isascii() for _, n in people)  # accents and other scripts reach the db

        # A database seeded by an older roster (a hostile test name in it) gets the current names.
        student = s.scalar(select(User).where(User.username == "student23@demo"))
        student.display_name = "<script>alert(1)</script>"
        s.commit()
        before = _counts(s)
        seed_demo(s, NOW, rng_seed=7)
        s.commit()
        assert s.get(User, student.id).display_name == STUDENT_NAMES[22]
        assert _counts(s) == before
