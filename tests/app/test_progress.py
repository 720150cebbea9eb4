from datetime import UTC, date, datetime, timedelta

from app.attempt_queue import Attempt
from app.progress import mastery_level, streak_days, summarize


def attempt(puppet="dog", passed=True, day=date(2026, 5, 10), conf=0.9, stars=2):
    t = datetime(day.year, day.month, day.day, 12, tzinfo=UTC).isoformat()
    return Attempt(id=f"{puppet}-{t}-{passed}", puppet=puppet, predicted=puppet, confidence=conf,
                   hold_seconds=2.0, passed=passed, model_version="v", device_time=t, stars=stars)


def test_mastery_uses_last_five_and_divides_by_five():
    assert mastery_level([]) == (0.0, "not_started")
    assert mastery_level([attempt()]) == (0.2, "learning")
    assert mastery_level([attempt()] * 3) == (0.6, "practising")
    newest_first = [attempt()] * 4 + [attempt(passed=False)] * 5
    assert mastery_level(newest_first) == (0.8, "mastered")


def test_streak_counts_consecutive_days_ending_today_or_yesterday():
    today = date(2026, 5, 10)
    days = {today - timedelta(days=i) for i in (0, 1, 2, 4)}
    assert streak_days(days, today) == 3
    assert streak_days({today - timedelta(days=1)}, today) == 1  # not practised yet today
    assert streak_days({today - timedelta(days=2)}, today) == 0


def test_summary_best_per_puppet_and_history():
    today = date(2026, 5, 10)
    history = [attempt("dog", True, today, 0.8, 1), attempt("dog", False, today, 0.95, 0),
               attempt("swan", True, today - timedelta(days=1), 0.7, 3)]
    s = summarize(history, today=today)
    assert (s.attempts, s.passes, s.streak) == (3, 2, 2)
    assert s.per_puppet["dog"].best_confidence == 0.8  # a failed try is not a "best"
    assert s.per_puppet["swan"].best_stars == 3
    assert s.per_puppet["cow"].level == "not_started"
