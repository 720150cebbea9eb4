"""Channel pointers (stable, beta, ...) with history, so rollback is one step back."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import ChannelEvent, ModelVersion, utcnow

CHANNEL_RE = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
# The server scores with the best architecture that has a stable model.
SERVER_ARCH_PREFERENCE = ("resnet34", "mobilenet_v2")


class ChannelError(Exception):
    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status, self.detail = status, detail


def check_channel(channel: str) -> str:
    if not CHANNEL_RE.match(channel):
        raise ChannelError(
            422, f"invalid channel name {channel!r}: use lowercase letters, digits and '-'"
        )
    return channel


def _live_event(session: Session, channel: str, arch: str) -> ChannelEvent | None:
    return session.scalar(
        select(ChannelEvent)
        .where(
            ChannelEvent.channel == channel,
            ChannelEvent.arch == arch,
            ChannelEvent.rolled_back_at.is_(None),
        )
        .order_by(ChannelEvent.id.desc())
        .limit(1)
    )


def current_version(session: Session, channel: str, arch: str) -> ModelVersion | None:
    event = _live_event(session, channel, arch)
    return None if event is None else session.get(ModelVersion, event.version)


def promote(session: Session, channel: str, version: str, actor_id: int | None) -> ChannelEvent:
    check_channel(channel)
    model = session.get(ModelVersion, version)
    if model is None:
        raise ChannelError(404, f"model version {version!r} does not exist; see GET /api/v1/models")
    event = ChannelEvent(channel=channel, arch=model.arch, version=version, actor_id=actor_id)
    session.add(event)
    session.flush()
    return event


def rollback(session: Session, channel: str, arch: str | None) -> ChannelEvent:
    """Undo the newest live promotion; returns the event that is live afterwards."""
    check_channel(channel)
    if arch is None:
        newest = session.scalar(
            select(ChannelEvent)
            .where(ChannelEvent.channel == channel, ChannelEvent.rolled_back_at.is_(None))
            .order_by(ChannelEvent.id.desc())
            .limit(1)
        )
        if newest is None:
            raise ChannelError(404, f"channel {channel!r} has no model to roll back")
        arch = newest.arch
    live = _live_event(session, channel, arch)
    if live is None:
        raise ChannelError(404, f"channel {channel!r} has no {arch} model to roll back")
    previous = session.scalar(
        select(ChannelEvent)
        .where(
            ChannelEvent.channel == channel,
            ChannelEvent.arch == arch,
            ChannelEvent.rolled_back_at.is_(None),
            ChannelEvent.id < live.id,
        )
        .order_by(ChannelEvent.id.desc())
        .limit(1)
    )
    if previous is None:
        raise ChannelError(
            409, f"channel {channel!r} has only one {arch} promotion ({live.version}); "
            "promote another version instead of rolling back"
        )
    live.rolled_back_at = utcnow()
    session.flush()
    return previous


def history(session: Session, channel: str) -> list[ChannelEvent]:
    return list(
        session.scalars(
            select(ChannelEvent).where(ChannelEvent.channel == channel).order_by(ChannelEvent.id)
        )
    )


def server_model(session: Session, channel: str = "stable") -> ModelVersion | None:
    for arch in SERVER_ARCH_PREFERENCE:
        model = current_version(session, channel, arch)
        if model is not None:
            return model
    return None


def server_models(session: Session, channel: str = "stable") -> list[ModelVersion]:
    """The channel's model of every server architecture, best first: the scoring ensemble."""
    models = (current_version(session, channel, arch) for arch in SERVER_ARCH_PREFERENCE)
    return [m for m in models if m is not None]
