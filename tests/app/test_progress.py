"""The app's offline progress uses the server's mastery definition on local attempts."""

from datetime import UTC, date, datetime, timedelta

from app.attempt_queue import Attempt
from app.progress import summarize

NOW = datetime(2026, 5, 10, 18, tzinfo=UTC)


def attempt(puppet="dog", passed=True, day=date(2026, 5, 10), conf=0.9, stars=2, hour=12):
    t = datetime(day.year, day.month, day.day, hour, tzinfo=UTC).isoformat()
    return Attempt(id=f"{puppet}-{t}-{passed}", puppet=puppet, predicted=puppet, confidence=conf,
                   hold_seconds=2.0, passed=passed, model_version="v", device_time=t, stars=stars)


def test_mastery_over_last_five_local_attempts():
    # newest first, as AttemptQueue.history returns them: 4 recent passes after 5 old misses
    history = [attempt(hour=17 - i) for i in range(4)] + \
              [attempt(passed=False, hour=9 - i) for i in range(5)]
    dog = summarize(history, NOW).per_puppet["dog"]
    assert (dog.mastery, dog.level.value, dog.attempts, dog.passed_total) == (0.8, "mastered", 9, 4)
    assert summarize(history[:1], NOW).per_puppet["dog"].level.value == "learning"
    assert summarize([], NOW).per_puppet["dog"].level.value == "not_started"


def test_streak_and_totals_and_stars():
    today = NOW.date()
    history = [attempt("dog", True, today, stars=1), attempt("dog", False, today, stars=0),
               attempt("swan", True, today - timedelta(days=1), stars=3),
               attempt("cow", True, today - timedelta(days=3))]
    s = summarize(history, NOW)
    assert (s.summary.attempts, s.summary.passed, s.summary.streak_days) == (4, 3, 2)
    assert s.best_stars["swan"] == 3 and s.best_stars["dog"] == 1 and s.best_stars["bird"] == 0
    assert s.recent[0] is history[0]


def test_fail_streak_for_needs_help_is_visible_offline():
    history = [attempt("crab", False, hour=17 - i) for i in range(5)]
    s = summarize(history, NOW)
    assert s.per_puppet["crab"].fail_streak == 5
    assert any(r.kind == "fail_streak" and r.puppet == "crab" for r in s.summary.needs_help)


def test_best_shape_match_and_the_part_kept_missing_per_puppet():
    def shaped(passed, hour, match, hint=None):
        a = attempt("rabbit", passed, hour=hour)
        return Attempt(**{**a.__dict__, "id": f"r{hour}", "shape_match": match, "hint": hint})

    history = [shaped(True, 16, 0.91), shaped(False, 15, 0.7, "ears"),
               shaped(False, 14, 0.6, "ears"), shaped(False, 13, 0.5, "head"), attempt("dog")]
    s = summarize(history, NOW)
    assert s.shapes["rabbit"].best_match == 0.91
    assert (s.shapes["rabbit"].keeps_missing, s.shapes["rabbit"].hint_count) == ("ears", 2)
    assert s.shapes["dog"].best_match is None and s.shapes["swan"].keeps_missing is None


def test_chart_days_count_passed_and_missed_and_show_empty_days():
    today = NOW.date()
    history = [attempt("dog", True, today), attempt("dog", False, today),
               attempt("dog", False, today), attempt("swan", True, today - timedelta(days=2)),
               attempt("cow", True, today - timedelta(days=30))]  # outside the chart
    days = summarize(history, NOW).days
    assert len(days) == 14 and days[-1].day == today and days[0].day == today - timedelta(days=13)
    assert (days[-1].passed, days[-1].missed) == (1, 2)
    assert (days[-3].passed, days[-3].missed) == (1, 0)
    assert sum(d.passed + d.missed for d in days) == 4
