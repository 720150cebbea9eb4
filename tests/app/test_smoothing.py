import numpy as np
import pytest

from app.smoothing import PracticeJudge, PracticeState, SmoothingConfig, stars_for
from ombro_contract.errors import UnknownPuppetError
from ombro_contract.labels import NUM_CLASSES, puppet_index


def probs_for(label: str | None, p: float = 0.9) -> np.ndarray:
    """A distribution with `p` on `label`, the rest spread evenly (uniform when label is None)."""
    if label is None:
        return np.full(NUM_CLASSES, 1.0 / NUM_CLASSES)
    out = np.full(NUM_CLASSES, (1.0 - p) / (NUM_CLASSES - 1))
    out[puppet_index(label)] = p
    return out


def feed(judge, labels_and_p, fps=15.0, t0=0.0):
    updates = []
    for i, (label, p) in enumerate(labels_and_p):
        updates.append(judge.update(probs_for(label, p), t0 + i / fps))
    return updates


def test_steady_target_passes_after_hold_time_once():
    judge = PracticeJudge("dog", SmoothingConfig(hold_seconds=2.0))
    updates = feed(judge, [("dog", 0.95)] * 45)  # 3 s at 15 fps
    passed = [u for u in updates if u.passed]
    assert len(passed) == 1
    # the EMA needs a couple of frames to cross the threshold, then 2 s of hold
    assert 2.0 <= passed[0].timestamp <= 2.4
    assert updates[-1].state is PracticeState.PASSED and updates[-1].hold_progress == 1.0
    assert passed[0].stars == 3


def test_hold_progress_grows_monotonically_while_holding():
    judge = PracticeJudge("dog")
    progress = [u.hold_progress for u in feed(judge, [("dog", 0.9)] * 20)]
    assert progress == sorted(progress) and 0 < progress[-1] < 1


def test_other_puppet_never_passes_and_is_reported():
    judge = PracticeJudge("dog")
    updates = feed(judge, [("swan", 0.95)] * 60)
    assert not any(u.passed for u in updates)
    assert updates[-1].state is PracticeState.OTHER and updates[-1].label == "swan"
    assert updates[-1].hold_progress == 0.0


def test_flat_distribution_is_unsure():
    judge = PracticeJudge("dog")
    last = feed(judge, [(None, 0.0)] * 10)[-1]
    assert last.state is PracticeState.UNSURE and last.label is None


def test_single_frame_flicker_does_not_reset_hold():
    judge = PracticeJudge("dog", SmoothingConfig(hold_seconds=2.0, grace_seconds=0.4))
    seq = [("dog", 0.95)] * 15 + [("deer", 0.95)] + [("dog", 0.95)] * 30
    updates = feed(judge, seq)
    held_before = updates[14].held_seconds
    assert updates[16].held_seconds >= held_before  # one wrong frame did not zero it
    assert any(u.passed for u in updates)


def test_long_dropout_resets_hold():
    cfg = SmoothingConfig(hold_seconds=2.0, grace_seconds=0.4)
    judge = PracticeJudge("dog", cfg)
    updates = feed(judge, [("dog", 0.95)] * 20 + [("cow", 0.95)] * 15 + [("dog", 0.95)] * 5)
    assert updates[19].held_seconds > 0.8
    assert updates[34].held_seconds == 0.0
    assert not any(u.passed for u in updates)


def test_below_threshold_target_does_not_count():
    judge = PracticeJudge("dog", SmoothingConfig(threshold=0.6))
    updates = feed(judge, [("dog", 0.5)] * 60)
    assert not any(u.passed for u in updates)
    assert max(u.held_seconds for u in updates) == 0.0


def test_smoothing_is_frame_rate_independent():
    """The same 3 s of video judged at 8 and at 30 results per second passes at about the same time."""
    times = []
    for fps in (8.0, 30.0):
        judge = PracticeJudge("dog")
        updates = feed(judge, [("dog", 0.9)] * int(3 * fps), fps=fps)
        times.append(next(u.timestamp for u in updates if u.passed))
    assert abs(times[0] - times[1]) < 0.3


def test_stalled_stream_is_not_credited_as_hold():
    cfg = SmoothingConfig(hold_seconds=2.0, max_step_s=0.5)
    judge = PracticeJudge("dog", cfg)
    judge.update(probs_for("dog", 0.99), 0.0)
    judge.update(probs_for("dog", 0.99), 0.1)
    u = judge.update(probs_for("dog", 0.99), 5.0)  # 4.9 s without results
    assert u.held_seconds <= 0.1 + cfg.max_step_s + 1e-9
    assert not u.passed


def test_stars_by_confidence_and_steadiness():
    cfg = SmoothingConfig(hold_seconds=2.0, star_confidence=0.85, steady_ratio=1.25)
    assert stars_for(0.95, 2.0, cfg) == 3
    assert stars_for(0.70, 2.0, cfg) == 2
    assert stars_for(0.95, 4.0, cfg) == 2
    assert stars_for(0.70, 4.0, cfg) == 1


def test_wobbly_hold_earns_fewer_stars():
    judge = PracticeJudge("dog", SmoothingConfig(hold_seconds=1.0, grace_seconds=0.5))
    pattern = ([("dog", 0.95)] * 3 + [("cow", 0.95)] * 3) * 20
    passed = [u for u in feed(judge, pattern, fps=15.0) if u.passed]
    assert passed and passed[0].stars < 3


def test_reset_starts_a_new_attempt():
    judge = PracticeJudge("dog")
    feed(judge, [("dog", 0.95)] * 45)
    assert judge.passed
    judge.reset()
    assert not judge.passed and judge.held_seconds == 0.0
    assert feed(judge, [("dog", 0.95)] * 45, t0=10.0)[-1].state is PracticeState.PASSED


def test_rejects_unknown_target_and_bad_probs():
    with pytest.raises(UnknownPuppetError):
        PracticeJudge("unicorn")
    judge = PracticeJudge("dog")
    with pytest.raises(ValueError):
        judge.update(np.ones(3), 0.0)
    with pytest.raises(ValueError):
        judge.update(np.full(NUM_CLASSES, np.nan), 0.0)
