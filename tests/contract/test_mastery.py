"""The mastery definition (README): pure functions, no database."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from ombro_contract.labels import PUPPETS
from ombro_contract.mastery import (
    Level,
    level_for,
    needs_help,
    puppet_mastery,
    streak_days,
    student_summary,
)

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)


@dataclass
class A:
    puppet: str
    passed: bool
    confidence: float = 0.5
    device_time: datetime = NOW


def series(puppet, results, start=NOW - timedelta(hours=1)):
    return [A(puppet, r, 0.1 * (i + 1), start + timedelta(minutes=i)) for i, r in enumerate(results)]


@pytest.mark.parametrize(
    "results, score, level",
    [
        ([], 0.0, Level.not_started),
        ([False], 0.0, Level.learning),
        ([True], 0.2, Level.learning),  # fewer than 5 attempts still divide by 5
        ([True, True], 0.4, Level.practising),
        ([True, True, True, False], 0.6, Level.practising),
        ([True, True, True, True], 0.8, Level.mastered),
        ([False, False, False, True, True, True, True], 0.8, Level.mastered),  # only the last 5
        ([True] * 5 + [False, False], 0.6, Level.practising),
    ],
)
def test_mastery_over_last_five(results, score, level):
    m = puppet_mastery("dog", series("dog", results))
    assert m.mastery == pytest.approx(score)
    assert m.level is level
    assert m.attempts == len(results)


def test_level_thresholds():
    assert level_for(0.39, 3) is Level.learning
    assert level_for(0.4, 3) is Level.practising
    assert level_for(0.79, 9) is Level.practising
    assert level_for(0.8, 9) is Level.mastered
    assert level_for(0.0, 0) is Level.not_started


def test_fail_streak_and_best_confidence():
    m = puppet_mastery("swan", series("swan", [True, False, False, False]))
    assert m.fail_streak == 3
    assert m.best_confidence == pytest.approx(0.4)


def test_streak_counts_consecutive_days_until_today_or_yesterday():
    today = date(2026, 5, 20)
    days = [today, today - timedelta(1), today - timedelta(2), today - timedelta(4)]
    assert streak_days(days, today) == 3
    assert streak_days([today - timedelta(1), today - timedelta(2)], today) == 2
    assert streak_days([today - timedelta(2)], today) == 0
    assert streak_days([], today) == 0


def test_needs_help_after_five_failures_without_a_later_pass():
    stuck = series("crab", [True] + [False] * 5)
    recovered = series("crab", [False] * 5 + [True])
    s_stuck = student_summary(stuck, NOW)
    s_ok = student_summary(recovered, NOW)
    assert [(r.kind, r.puppet) for r in s_stuck.needs_help] == [("fail_streak", "crab")]
    assert s_ok.needs_help == []
    assert set(s_ok.puppets) == set(PUPPETS)


def test_needs_help_when_inactive_for_a_week():
    old = series("dog", [True], start=NOW - timedelta(days=8))
    recent = series("dog", [True], start=NOW - timedelta(days=6))
    assert [r.kind for r in student_summary(old, NOW).needs_help] == ["inactive"]
    assert student_summary(recent, NOW).needs_help == []
    assert [r.kind for r in student_summary([], NOW).needs_help] == ["inactive"]


def test_assigned_puppets_come_first():
    attempts = series("bird", [False] * 7) + series("swan", [False] * 5, start=NOW - timedelta(minutes=5))
    summary = student_summary(attempts, NOW, assigned=["swan"])
    assert [r.puppet for r in summary.needs_help] == ["swan", "bird"]
    unassigned = needs_help(summary.puppets, summary.last_practice, NOW)
    assert [r.puppet for r in unassigned] == ["bird", "swan"]  # longer streak first otherwise
