"""Release channels: promote a version, roll back one step, see what is live."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query
from sqlalchemy import select

from ...core.strict_json import StrictJSONRoute
from ...models import ChannelEvent
from ...registry import ChannelError, promote, rollback
from ...registry.channels import check_channel
from ...schemas import ChannelOut, PromoteIn
from ..deps import CurrentUser, MaintainerUser, SessionDep

router = APIRouter(tags=["channels"], route_class=StrictJSONRoute)


def _raise(exc: ChannelError):
    raise HTTPException(exc.status, detail=exc.detail) from None


@router.post("/channels/{channel}/promote", response_model=ChannelOut, responses={404: {}, 422: {}})
def promote_version(channel: str, body: PromoteIn, user: MaintainerUser, session: SessionDep) -> ChannelOut:
    try:
        event = promote(session, channel, body.version, user.id)
    except ChannelError as exc:
        _raise(exc)
    session.commit()
    return ChannelOut(channel=event.channel, arch=event.arch, version=event.version)


@router.post("/channels/{channel}/rollback", response_model=ChannelOut, responses={404: {}, 409: {}})
def rollback_channel(
    channel: str,
    user: MaintainerUser,
    session: SessionDep,
    arch: str | None = Query(None, description="which architecture; default: the newest promoted"),
) -> ChannelOut:
    try:
        event = rollback(session, channel, arch)
    except ChannelError as exc:
        _raise(exc)
    session.commit()
    return ChannelOut(channel=event.channel, arch=event.arch, version=event.version)


@router.get("/channels/{channel}", response_model=list[ChannelOut])
def live_versions(channel: str, user: CurrentUser, session: SessionDep) -> list[ChannelOut]:
    try:
        check_channel(channel)
    except ChannelError as exc:
        _raise(exc)
    live: dict[str, str] = {}
    for ev in session.scalars(
        select(ChannelEvent)
        .where(ChannelEvent.channel == channel, ChannelEvent.rolled_back_at.is_(None))
        .order_by(ChannelEvent.id)
    ):
        live[ev.arch] = ev.version
    return [ChannelOut(channel=channel, arch=a, version=v) for a, v in sorted(live.items())]
