"""When the app asks the registry for a newer model: once a student is signed in.

The registry answers only signed-in users (a guest gets 401), so a check made while the sign-in is
still under way is a wasted round trip that ends in "sign in to receive model updates" just
before the sign-in succeeds. The first check of a run therefore waits for two things, in either
order: the model has loaded (there is a current version to compare) and a session exists. Later
checks come daily, again only with a session; a guest's "check now" tap still gets the reason.

Kept free of Kivy so the rule is tested directly; `OmbroApp` feeds it events and starts the check.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class UpdateSchedule:
    enabled: bool  # --no-update-check or the auto-update setting turn every automatic check off
    signed_in: bool = False
    model_ready: bool = False
    first_done: bool = False

    def model_loaded(self) -> bool:
        """The model finished loading (or failed to); True when the first check should start."""
        self.model_ready = True
        return self._first_due()

    def session_changed(self, signed_in: bool) -> bool:
        """A sign-in (True) or sign-out; True when the first check should start."""
        self.signed_in = signed_in
        return self._first_due()

    def daily_due(self) -> bool:
        return self.enabled and self.signed_in and self.model_ready

    def _first_due(self) -> bool:
        if self.enabled and self.signed_in and self.model_ready and not self.first_done:
            self.first_done = True
            return True
        return False
