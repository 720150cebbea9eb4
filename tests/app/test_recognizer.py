import threading
import time

import numpy as np
import pytest

from app.recognizer import LiveRecognizer
from ombro_contract.classifier import Prediction, PuppetClassifier
from ombro_contract.labels import NUM_CLASSES


class SlowClassifier:
    """Takes `delay` per frame and reports which frame (by its first pixel) it saw."""

    def __init__(self, delay: float, fail_on: int | None = None):
        self.delay, self.fail_on, self.seen = delay, fail_on, []

    def classify(self, frame, top_k=3):
        time.sleep(self.delay)
        marker = int(frame[0, 0, 0])
        self.seen.append(marker)
        if marker == self.fail_on:
            raise ValueError("corrupt frame")
        probs = np.full(NUM_CLASSES, 1.0 / NUM_CLASSES, np.float32)
        return Prediction("dog", float(probs[0]), [("dog", float(probs[0]))], probs, "slow-v1", 1.0)


def frame(marker: int) -> np.ndarray:
    return np.full((8, 8, 3), marker, np.uint8)


def test_latest_frame_wins_and_results_carry_timestamp_and_version():
    clf = SlowClassifier(delay=0.05)
    results, done = [], threading.Event()

    def on_result(r):
        results.append(r)
        if r.timestamp == 9.0:
            done.set()

    rec = LiveRecognizer(clf, on_result)
    rec.start()
    for i in range(10):  # 10 frames much faster than the classifier can take them
        rec.submit(frame(i), float(i))
    assert done.wait(2.0)
    rec.stop()
    assert clf.seen[-1] == 9  # the newest frame was classified
    assert len(clf.seen) < 10  # stale frames were dropped instead of queued
    assert rec.stats.replaced == 10 - len(clf.seen)
    assert [r.timestamp for r in results] == sorted(r.timestamp for r in results)
    assert all(r.model_version == "slow-v1" for r in results)


def test_submit_returns_immediately_even_with_slow_model():
    rec = LiveRecognizer(SlowClassifier(delay=0.3), lambda r: None)
    rec.start()
    t = time.perf_counter()
    for i in range(20):
        rec.submit(frame(i), float(i))
    assert time.perf_counter() - t < 0.05
    rec.stop()


def test_a_failing_frame_does_not_stop_the_worker():
    errors, results = [], []
    ok = threading.Event()
    rec = LiveRecognizer(SlowClassifier(0.0, fail_on=1), lambda r: (results.append(r), ok.set()),
                         on_error=errors.append)
    rec.start()
    rec.submit(frame(1), 1.0)
    time.sleep(0.1)
    rec.submit(frame(2), 2.0)
    assert ok.wait(1.0)
    rec.stop()
    assert len(errors) == 1 and isinstance(errors[0], ValueError)
    assert results[-1].timestamp == 2.0


def test_submit_before_start_is_a_clear_error():
    rec = LiveRecognizer(SlowClassifier(0.0), lambda r: None)
    with pytest.raises(RuntimeError, match="start"):
        rec.submit(frame(0), 0.0)


def test_with_real_onnx_classifier_and_swap(fp32_model, int8_model):
    got = []
    ev = threading.Event()
    rec = LiveRecognizer(PuppetClassifier.from_path(fp32_model), lambda r: (got.append(r), ev.set()))
    rec.start()
    rec.submit(np.full((240, 320, 3), 200, np.uint8), 1.0)
    assert ev.wait(10)
    ev.clear()
    rec.swap_classifier(PuppetClassifier.from_path(int8_model))
    rec.submit(np.full((240, 320, 3), 200, np.uint8), 2.0)
    assert ev.wait(10)
    rec.stop()
    assert [r.model_version for r in got] == ["test-untrained-fp32", "test-untrained-int8"]
    assert got[0].probs.shape == (NUM_CLASSES,) and abs(float(got[0].probs.sum()) - 1) < 1e-4


class MaskingClassifier(SlowClassifier):
    """Also returns the silhouette it 'made': a marker array the coach must receive as is."""

    def classify_with_silhouette(self, frame, top_k=3):
        pred = self.classify(frame, top_k)
        return pred, np.full((6, 8), float(frame[0, 0, 0]), np.float32)


class RecordingCoach:
    def __init__(self, fail=False):
        self.fail, self.seen = fail, []

    def update(self, silhouette, timestamp):
        self.seen.append((float(silhouette[0, 0]), timestamp))
        if self.fail:
            raise RuntimeError("coach broke")
        return ("feedback", timestamp)


def _run_frames(classifier, n, coach=None, gap=0.03):
    results, done = [], threading.Event()

    def on_result(r):
        results.append(r)
        if len(results) >= n:
            done.set()

    rec = LiveRecognizer(classifier, on_result, coach=coach)
    rec.start()
    for i in range(n):
        rec.submit(frame(i), float(i))
        time.sleep(gap)
    assert done.wait(3.0)
    rec.stop()
    return results


def test_a_coach_judges_the_silhouette_the_model_made_for_the_same_frame():
    coach = RecordingCoach()
    results = _run_frames(MaskingClassifier(delay=0.0), 4, coach)
    assert coach.seen == [(float(i), float(i)) for i in range(4)]  # same frame, same timestamp
    assert [r.feedback for r in results] == [("feedback", float(i)) for i in range(4)]
    assert all(r.feedback_ms >= 0.0 for r in results)


def test_without_a_coach_the_plain_classify_path_is_used():
    results = _run_frames(SlowClassifier(delay=0.0), 2)
    assert all(r.feedback is None for r in results)  # SlowClassifier has no silhouette method


def test_a_failing_coach_is_dropped_but_recognition_goes_on(caplog):
    coach = RecordingCoach(fail=True)
    results = _run_frames(MaskingClassifier(delay=0.0), 4, coach)
    assert len(results) == 4 and all(r.feedback is None for r in results)
    assert len(coach.seen) == 1  # switched off after the first failure
    assert sum("shape feedback failed" in r.message for r in caplog.records) == 1


def test_a_swapped_coach_takes_over_from_the_next_frame():
    first, second = RecordingCoach(), RecordingCoach()
    done = threading.Event()
    rec = LiveRecognizer(MaskingClassifier(delay=0.0),
                         lambda r: r.timestamp == 3.0 and done.set(), coach=first)
    rec.start()
    rec.submit(frame(0), 0.0)
    time.sleep(0.1)
    rec.swap_coach(second)
    for i in (1, 2, 3):
        rec.submit(frame(i), float(i))
        time.sleep(0.03)
    assert done.wait(3.0)
    rec.stop()
    assert [t for _, t in first.seen] == [0.0] and [t for _, t in second.seen] == [1.0, 2.0, 3.0]
