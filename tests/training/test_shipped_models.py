"""The models in models/ load on a fresh clone and their cards tell the truth."""

from __future__ import annotations

import pytest

from ombro_contract.card import load_verified
from ombro_contract.paths import default_model_path, real_shadows_dir
from training.evaluate import evaluate_onnx

FP32 = default_model_path("mobilenet_v2", "fp32")
INT8 = default_model_path("mobilenet_v2", "int8")


def test_shipped_cards_carry_val_and_real_scores_and_provenance():
    fp32, int8 = load_verified(FP32), load_verified(INT8)  # checksum + contract
    for card in (fp32, int8):
        assert card.metrics["val_top1"] >= 0.9
        assert "real_top1" in card.metrics
        assert "generated shadows" in card.dataset and "train" in card.dataset
        assert card.training_commit
    assert fp32.quantization == "fp32" and int8.quantization == "int8"
    assert fp32.metrics["onnx_parity_max_abs_diff"] <= 1e-4
    assert fp32.metrics["val_top1"] - int8.metrics["val_top1"] <= 0.01
    assert fp32.preprocess == int8.preprocess


@pytest.mark.skipif(real_shadows_dir() is None, reason="../shared/real-shadows is absent")
def test_real_photo_score_in_the_card_is_reproducible():
    card = load_verified(INT8)
    m = evaluate_onnx(INT8, real_shadows_dir())
    assert m["top1"] == pytest.approx(card.metrics["real_top1"], abs=1e-4)
    assert {f["true"]: f["pred"] for f in m["files"]} == {
        k: v["pred"] for k, v in card.metrics["real_per_class"].items()}
