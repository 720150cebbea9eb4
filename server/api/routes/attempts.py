"""Attempt sync from the app: idempotent by client UUID."""

from __future__ import annotations

from fastapi import APIRouter

from ... import crud
from ...crud.attempts import AttemptIn
from ...schemas import AttemptsIn, AttemptsOut
from ..deps import Ctx, SessionDep, StudentUser

router = APIRouter(tags=["attempts"])


@router.post("/attempts", response_model=AttemptsOut)
def sync_attempts(body: AttemptsIn, user: StudentUser, session: SessionDep, ctx: Ctx) -> AttemptsOut:
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
