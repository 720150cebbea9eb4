"""The first model-update check waits for both the loaded model and a sign-in, in either order."""

from __future__ import annotations

from app.update_schedule import UpdateSchedule


def test_sign_in_after_model_load_starts_the_first_check():
    s = UpdateSchedule(enabled=True)
    assert s.model_loaded() is False  # a guest so far: asking now would get a 401
    assert s.daily_due() is False
    assert s.session_changed(True) is True
    assert s.session_changed(True) is False  # once per run; later ones are daily
    assert s.daily_due() is True


def test_model_load_after_sign_in_starts_the_first_check():
    s = UpdateSchedule(enabled=True)
    assert s.session_changed(True) is False  # no current version to compare yet
    assert s.model_loaded() is True
    assert s.model_loaded() is False


def test_saved_session_checks_as_soon_as_the_model_is_loaded():
    s = UpdateSchedule(enabled=True, signed_in=True)
    assert s.model_loaded() is True


def test_guest_and_signed_out_never_check_by_themselves():
    s = UpdateSchedule(enabled=True)
    s.model_loaded()
    s.session_changed(False)
    assert (s.first_done, s.daily_due()) == (False, False)
    s.session_changed(True)
    s.session_changed(False)  # sign out: the daily check stops
    assert s.daily_due() is False


def test_disabled_never_checks():
    s = UpdateSchedule(enabled=False, signed_in=True)
    assert s.model_loaded() is False and s.session_changed(True) is False
    assert s.daily_due() is False
