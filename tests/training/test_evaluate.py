"""Metrics and folder layouts of training/evaluate.py."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from ombro_contract.labels import PUPPETS
from training.data import DatasetError
from training.evaluate import classification_metrics, labelled_images, plot_confusion


def test_metrics_on_a_hand_checked_example():
    # 4 birds (3 right, 1 called cow), 2 cows (both right): bird P=1 R=.75, cow P=2/3 R=1.
    targets = np.array([0, 0, 0, 0, 2, 2])
    preds = np.array([0, 0, 0, 2, 2, 2])
    m = classification_metrics(targets, preds)
    assert m["top1"] == pytest.approx(5 / 6)
    assert m["per_class"]["bird"]["precision"] == 1.0 and m["per_class"]["bird"]["recall"] == 0.75
    assert m["per_class"]["cow"]["precision"] == pytest.approx(0.6667, abs=1e-4)
    assert m["per_class"]["cow"]["f1"] == pytest.approx(0.8)
    assert m["per_class"]["swan"]["support"] == 0
    assert m["confusion"][0][2] == 1 and m["confusion"][0][0] == 3
    assert m["macro_f1"] == pytest.approx((6 / 7 + 0.8) / 2, abs=1e-4)  # classes present only


def test_flat_folder_of_named_photos_is_labelled_by_file_name(tmp_path: Path):
    img = np.full((20, 30, 3), 200, np.uint8)
    for name in ("swan", "bird", "dog_2"):
        cv2.imwrite(str(tmp_path / f"{name}.png"), img)
    items = labelled_images(tmp_path)
    assert sorted((p.name, PUPPETS[t]) for p, t in items) == [
        ("bird.png", "bird"), ("dog_2.png", "dog"), ("swan.png", "swan")]


def test_flat_folder_with_an_unknown_name_is_refused(tmp_path: Path):
    cv2.imwrite(str(tmp_path / "bat.png"), np.zeros((5, 5, 3), np.uint8))
    with pytest.raises(KeyError, match="unknown puppet 'bat'"):
        labelled_images(tmp_path)
    with pytest.raises(DatasetError):
        labelled_images(tmp_path / "missing")


def test_confusion_plot_is_written(tmp_path: Path):
    cm = np.eye(len(PUPPETS), dtype=int) * 3
    path = plot_confusion(cm, tmp_path / "cm.png", "test")
    assert cv2.imread(str(path)) is not None


def test_flip_tta_averages_an_image_and_its_mirror():
    import numpy as np

    from training.evaluate import probability_metrics, with_flip

    def predict(ims):  # "left" when the dark half is on the left, else "right"
        out = []
        for im in ims:
            left = float(im[:, : im.shape[1] // 2].mean() < im[:, im.shape[1] // 2:].mean())
            out.append([left, 1 - left])
        return np.array(out)

    img = np.full((4, 8, 3), 255, np.uint8)
    img[:, :4] = 0
    assert predict([img]).tolist() == [[1.0, 0.0]]
    assert with_flip(predict)([img]).tolist() == [[0.5, 0.5]]
    m = probability_metrics(np.array([0, 1]), np.array([[0.6, 0.4], [0.7, 0.3]]))
    assert m["top3"] == 1.0 and abs(m["mean_true_prob"] - 0.45) < 1e-9
    assert m["balanced_accuracy"] == 0.5
