"""The hint shown to the child: one at a time, steady, at any result rate."""

import itertools

from app.hint_steadier import Evidence, HintSteadier, SteadyConfig

CFG = SteadyConfig(keep_strength=0.7, switch_after_s=0.5, min_show_s=1.5, clear_after_s=0.8)
EARS, JAW = ("ears", "missing"), ("jaw", "missing")


def strong(area=0.05):
    return Evidence(area, 2.0)


def run(timeline, fps=15.0, seconds=None):
    """`timeline(t)` -> evidence; returns [(t, shown)] at `fps` results per second."""
    steadier = HintSteadier(CFG)
    n = int((seconds or 4.0) * fps)
    return [(i / fps, steadier.update(timeline(i / fps), i / fps)) for i in range(n)]


def first_time(shown, hint):
    return next(t for t, h in shown if h == hint)


def test_a_hint_appears_only_after_it_has_led_for_a_while():
    shown = run(lambda t: {EARS: strong()})
    assert shown[0][1] is None
    assert 0.5 <= first_time(shown, EARS) <= 0.5 + 1 / 15 + 1e-9


def test_weak_evidence_never_brings_a_hint_up():
    shown = run(lambda t: {EARS: Evidence(0.05, 0.95)})
    assert all(h is None for _, h in shown)


def test_the_larger_area_wins_when_both_are_strong():
    shown = run(lambda t: {EARS: strong(0.02), JAW: strong(0.04)})
    assert shown[-1][1] == JAW


def test_leaders_that_alternate_every_frame_never_reach_the_screen():
    frames = run(lambda t: {EARS: strong()} if int(t * 15) % 2 else {JAW: strong()})
    assert all(h is None for _, h in frames)


def test_a_shown_hint_survives_dips_and_short_gaps_then_clears():
    def timeline(t):
        if t < 1.0:
            return {EARS: strong()}
        if t < 1.6:  # weaker, but above the bar that keeps it
            return {EARS: Evidence(0.03, 0.8)}
        if t < 1.9:  # gone for 0.3 s: a tremble
            return {}
        if t < 2.2:
            return {EARS: strong()}
        return {}  # fixed

    shown = dict(run(timeline))
    assert all(h == EARS for t, h in shown.items() if 0.6 <= t < 2.2)
    cleared = min(t for t, h in shown.items() if t > 2.2 and h is None)
    assert 2.2 + 0.8 - 1e-9 <= cleared <= 2.2 + 0.8 + 2 / 15


def test_a_new_hint_waits_for_the_shown_one_to_have_been_read():
    def timeline(t):
        return {EARS: strong(0.03)} if t < 0.8 else {EARS: strong(0.03), JAW: strong(0.08)}

    shown = run(timeline)
    ears_at = first_time(shown, EARS)
    jaw_at = first_time(shown, JAW)
    assert jaw_at >= ears_at + CFG.min_show_s - 1e-9
    changes = sum(1 for (_, a), (_, b) in itertools.pairwise(shown) if a != b)
    assert changes == 2  # None -> ears -> jaw


def test_the_same_story_at_8_and_30_results_per_second():
    def timeline(t):
        return {EARS: strong()} if 0.3 < t < 2.0 else {}

    for fps in (8.0, 30.0):
        shown = run(timeline, fps=fps)
        on = first_time(shown, EARS)
        off = min(t for t, h in shown if t > on and h is None)
        assert abs(on - 0.8) <= 1.5 / fps and abs(off - 2.8) <= 1.5 / fps, (fps, on, off)
