"""Best shape match and the part a student keeps missing, shared by the app and the dashboard."""

from dataclasses import dataclass

from ombro_contract.labels import PUPPETS
from ombro_contract.shape_progress import HINT_WINDOW, shape_progress, shape_progress_by_puppet


@dataclass
class A:
    puppet: str
    passed: bool
    shape_match: float | None = None
    hint: str | None = None


@dataclass
class OldAppAttempt:  # no shape fields at all, as stored before shape feedback
    puppet: str
    passed: bool


def test_best_match_ignores_attempts_without_one():
    got = shape_progress("rabbit", [A("rabbit", False, 0.6), OldAppAttempt("rabbit", False),
                                    A("rabbit", True, 0.91), A("rabbit", False, None)])
    assert got.best_match == 0.91


def test_keeps_missing_is_the_most_frequent_hint_of_recent_failures():
    attempts = [A("rabbit", False, hint="ears"), A("rabbit", False, hint="head"),
                A("rabbit", False, hint="ears"), A("rabbit", True, hint="head"),  # a pass: skipped
                A("rabbit", False, hint="head"), A("rabbit", False)]
    # ears 2, head 2 among the failures: the tie goes to the part named most recently
    got = shape_progress("rabbit", attempts)
    assert (got.keeps_missing, got.hint_count, got.failed_with_hint) == ("head", 2, 4)
    got = shape_progress("rabbit", [*attempts, A("rabbit", False, hint="ears")])
    assert (got.keeps_missing, got.hint_count, got.failed_with_hint) == ("ears", 3, 5)


def test_only_the_recent_window_counts():
    old = [A("dog", False, hint="ears")] * 8
    recent = [A("dog", False, hint="jaw")] * HINT_WINDOW
    got = shape_progress("dog", old + recent)
    assert (got.keeps_missing, got.hint_count, got.failed_with_hint) == ("jaw", HINT_WINDOW,
                                                                        HINT_WINDOW)


def test_no_shape_data_gives_none_and_every_puppet_is_listed():
    summary = shape_progress_by_puppet([OldAppAttempt("dog", False), A("swan", False, 0.5, "head")],
                                       PUPPETS)
    assert set(summary) == set(PUPPETS)
    assert summary["dog"].best_match is None and summary["dog"].keeps_missing is None
    assert summary["swan"].keeps_missing == "head" and summary["bird"].best_match is None
