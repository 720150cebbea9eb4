import json

import pytest
from pydantic import ValidationError

from app.config import AppSettings, load_settings, save_settings


def test_settings_round_trip_and_url_normalised(tmp_path):
    s = AppSettings(server_url="http://school.example:8000/api/v1/", camera="/videos/dog.avi")
    assert s.server_url == "http://school.example:8000"
    save_settings(tmp_path, s)
    assert load_settings(tmp_path) == s


def test_model_details_are_off_unless_asked_for(tmp_path):
    assert AppSettings().show_debug_info is False  # a child sees no version string
    save_settings(tmp_path, AppSettings(show_debug_info=True))
    assert load_settings(tmp_path).show_debug_info is True


def test_bad_values_are_refused():
    with pytest.raises(ValidationError):
        AppSettings(server_url="school.example")
    s = AppSettings()
    with pytest.raises(ValidationError):
        s.hold_seconds = 0.0


def test_corrupt_settings_file_is_kept_aside_and_defaults_used(tmp_path):
    (tmp_path / "settings.json").write_text("{broken")
    assert load_settings(tmp_path) == AppSettings()
    kept = list(tmp_path.glob("settings.json.broken-*"))
    assert len(kept) == 1 and kept[0].read_text() == "{broken"


def test_unknown_keys_from_newer_versions_are_ignored(tmp_path):
    (tmp_path / "settings.json").write_text(json.dumps({"camera": "1", "future_flag": True}))
    assert load_settings(tmp_path).camera == "1"


def test_opencv_fallback_uses_fp32(monkeypatch):
    assert AppSettings(backend="opencv").effective_quantization == "fp32"
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "onnxruntime" else real(name, *a))
    s = AppSettings()  # asked for onnxruntime, which a phone build lacks
    assert s.effective_backend == "opencv" and s.effective_quantization == "fp32"


def test_the_practice_overlay_is_on_by_default_and_remembered(tmp_path):
    assert AppSettings().shape_overlay is True
    (tmp_path / "settings.json").write_text('{"camera": "2"}', encoding="utf-8")  # an older file
    assert load_settings(tmp_path).shape_overlay is True
    save_settings(tmp_path, AppSettings(shape_overlay=False))
    assert load_settings(tmp_path).shape_overlay is False
