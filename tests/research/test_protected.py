import json

import pytest

from training.protected import (
    PROTECTED_MARKER,
    ProtectedDatasetError,
    ensure_not_protected,
    is_protected,
    key_fingerprint,
    write_marker,
)


def test_unmarked_folder_is_accepted(tmp_path):
    assert not is_protected(tmp_path)
    ensure_not_protected(tmp_path)  # no error


def test_marked_folder_is_refused_with_clear_message(tmp_path):
    write_marker(tmp_path, method="cuda", key="secret-key")
    assert is_protected(tmp_path)
    with pytest.raises(ProtectedDatasetError) as err:
        ensure_not_protected(tmp_path)
    msg = str(err.value)
    assert PROTECTED_MARKER in msg and "--allow-protected" in msg


def test_allow_overrides_refusal(tmp_path):
    write_marker(tmp_path, method="cuda", key="k")
    ensure_not_protected(tmp_path, allow=True)


def test_marker_does_not_leak_key(tmp_path):
    path = write_marker(tmp_path, method="cuda", key="my-very-secret")
    text = path.read_text()
    assert "my-very-secret" not in text
    data = json.loads(text)
    assert data["key_fingerprint"] == key_fingerprint("my-very-secret")
    assert data["method"] == "cuda" and "date" in data
    assert key_fingerprint("a") != key_fingerprint("b")


def test_corrupt_marker_still_refuses(tmp_path):
    (tmp_path / PROTECTED_MARKER).write_text("{not json")
    with pytest.raises(ProtectedDatasetError):
        ensure_not_protected(tmp_path)
