"""The aggregate class overview must agree with `ombro_contract.mastery` applied to full attempt lists,
on SQLite and PostgreSQL, including the edge cases of the mastery definition."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from ombro_contract import mastery
from server.crud import AttemptIn, add_attempts, create_class, join_class
from server.crud.classes import add_assignment
from server.crud.progress import class_mastery
from server.models import User
from server.web.charts import attempts_chart, fill_days
from server.web.overview import class_overview

NOW = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)


def _attempt(puppet: str, passed: bool, when: datetime, confidence: float = 0.5) -> AttemptIn:
    return AttemptIn(
        id=str(uuid.uuid4()), puppet=puppet, predicted=puppet, confidence=confidence,
        hold_seconds=1.0, passed=passed, model_version="t", device_time=when,
    )


def _user(s, username: str, role: str = "student", name: str = "") -> User:
    """A user row without argon2 (these tests never log in; hashing would dominate their time)."""
    user = User(username=username, display_name=name or username, role=role, password_hash="-")
    s.add(user)
    s.flush()
    return user


def _check_matches_full_computation(session, klass, now):
    overview = class_overview(session, klass, now)
    assigned, summaries = class_mastery(session, klass, now)
    assert overview.assigned_puppets == assigned
    assert [r.student_id for r in overview.rows] == [u.id for u, _ in summaries]
    for row, (_, expected) in zip(overview.rows, summaries):
        assert row.summary == expected
    return overview


def test_edge_cases_match_the_shared_definition(empty_factory):
    with empty_factory() as s:
        teacher = _user(s, "t@x", "teacher")
        klass = create_class(s, teacher, "Edge cases")
        add_assignment(s, klass, "rabbit", (NOW + timedelta(days=3)).date())
        t0 = NOW - timedelta(days=2)
        stories = {
            # two passes only: 2/5 = 0.4 -> practising, not mastered
            "few": [("dog", True), ("dog", True)],
            # five fails after a pass: needs help; mastery of the last five is 0
            "stuck": [("rabbit", True)] + [("rabbit", False)] * 5,
            # four fails then a pass: not stuck
            "recovered": [("swan", False)] * 4 + [("swan", True)],
            # exactly 4 of the last 5 (older passes outside the window do not count)
            "mastered": [("cow", False)] * 3 + [("cow", True)] * 2 + [("cow", False)]
            + [("cow", True)] * 3,
        }
        students = {}
        for name, story in stories.items():
            student = _user(s, f"{name}@x", "student", name)
            join_class(s, klass, student)
            add_attempts(
                s, student.id,
                [_attempt(p, ok, t0 + timedelta(minutes=i)) for i, (p, ok) in enumerate(story)],
            )
            students[name] = student
        idle = _user(s, "idle@x", "student", "idle")
        join_class(s, klass, idle)
        # identical timestamps: ties must be broken the same way as crud's ordering
        tie = _user(s, "tie@x", "student", "tie")
        join_class(s, klass, tie)
        add_attempts(s, tie.id, [_attempt("deer", i % 2 == 0, t0) for i in range(7)])
        old = _user(s, "old@x", "student", "old")
        join_class(s, klass, old)
        add_attempts(s, old.id, [_attempt("bird", True, NOW - timedelta(days=9))])
        s.commit()

        overview = _check_matches_full_computation(s, klass, NOW)
        by_name = {r.name: r for r in overview.rows}
        dog = by_name["few"].summary.puppets["dog"]
        assert (dog.mastery, dog.level) == (0.4, mastery.Level.practising)
        assert by_name["mastered"].summary.puppets["cow"].level is mastery.Level.mastered
        helped = {h.name for h in overview.needs_help}
        assert helped == {"stuck", "idle", "old"}


def test_chart_bars_are_proportional_and_cover_every_day():
    end = NOW.date()
    series = fill_days({end: (3, 1), end - timedelta(days=2): (0, 2)}, end, 7)
    assert [d.day for d in series] == [end - timedelta(days=6 - i) for i in range(7)]
    chart = attempts_chart(series)
    svg = str(chart.svg)
    assert svg.count('class="bar-pass"') == 1 and svg.count('class="bar-fail"') == 2
    assert "6 attempts on 2 of 7 days: 3 passed" in chart.summary


def test_overview_query_count_does_not_grow_with_the_class(empty_factory):
    """A fixed number of SQL statements for 2 or 12 students: no query per student or puppet."""
    from sqlalchemy import event

    def statements_for(n_students: int) -> int:
        with empty_factory() as s:
            teacher = _user(s, f"t{n_students}@x", "teacher")
            klass = create_class(s, teacher, f"size {n_students}")
            for i in range(n_students):
                student = _user(s, f"s{n_students}-{i}@x")
                join_class(s, klass, student)
                add_attempts(s, student.id, [_attempt(p, i % 2 == 0, NOW) for p in ("dog", "cow")])
            s.commit()
            seen: list[str] = []
            engine = s.get_bind()

            def count(conn, cursor, statement, *args):
                seen.append(statement)

            event.listen(engine, "before_cursor_execute", count)
            try:
                class_overview(s, klass, NOW)
            finally:
                event.remove(engine, "before_cursor_execute", count)
            return len(seen)

    small, large = statements_for(2), statements_for(12)
    assert small == large <= 6
