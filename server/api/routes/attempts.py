"""Attempt sync from the app: idempotent by client UUID."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, HTTPException

from ... import crud
from ...core.strict_json import StrictJSONRoute
from ...crud.attempts import AttemptIn
from ...models import utcnow
from ...schemas import AttemptsIn, AttemptsOut
from ..deps import Ctx, SessionDep, StudentUser

router = APIRouter(tags=["attempts"], route_class=StrictJSONRoute)


def check_device_times(body: AttemptsIn, now: datetime, max_skew_s: int, max_age_days: int) -> None:
    """Attempt times must lie between a sane past and the server's clock plus a small skew.

    A future time would pin "last practice" and hide a student from the needs-help list until
    that date; a time decades ago (a phone whose clock reset) would rewrite streaks. The whole
    batch is refused (422) like any invalid attempt; the app then sets just that attempt aside.
    """
    latest = now + timedelta(seconds=max_skew_s)
    earliest = now - timedelta(days=max_age_days)
    for i, a in enumerate(body.attempts):
        if not earliest <= a.device_time <= latest:
            raise HTTPException(422, detail=[{
                "type": "device_time_out_of_range",
                "loc": ["body", "attempts", i, "device_time"],
                "msg": f"device_time {a.device_time.isoformat()} is not between "
                       f"{earliest.isoformat(timespec='seconds')} and "
                       f"{latest.isoformat(timespec='seconds')} (the server's clock, allowing "
                       f"{max_skew_s} s of clock skew and {max_age_days} days of offline "
                       "practice): check the phone's date and time",
            }])


@router.post("/attempts", response_model=AttemptsOut, responses={422: {}})
def sync_attempts(body: AttemptsIn, user: StudentUser, session: SessionDep, ctx: Ctx) -> AttemptsOut:
    s = ctx.settings
    check_device_times(body, utcnow(), s.attempt_max_clock_skew_s, s.attempt_max_age_days)
    items = [
        AttemptIn(
            id=str(a.id), puppet=a.puppet, predicted=a.predicted, confidence=a.confidence,
            hold_seconds=a.hold_seconds, passed=a.passed, model_version=a.model_version,
            device_time=a.device_time, shape_match=a.shape_match, hint=a.hint,
        )
        for a in body.attempts
    ]
    accepted, duplicates = crud.add_attempts(session, user.id, items)
    session.commit()
    ctx.metrics.attempts.labels("accepted").inc(len(accepted))
    ctx.metrics.attempts.labels("duplicate").inc(len(duplicates))
    return AttemptsOut(accepted=accepted, duplicates=duplicates)
