"""Maintainer page: model versions and channels, with promote and roll back buttons.

The buttons call the same registry functions as `POST /api/v1/channels/...`, so the page and the
API cannot disagree about what a promotion or a rollback means.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import ChannelEvent, ModelVersion
from ...registry import ChannelError, promote, rollback
from ..deps import CsrfChecked, DbSession, Maintainer
from ..session import flash
from ..templating import render

router = APIRouter()

DEFAULT_CHANNELS = ("stable", "beta")


@dataclass(frozen=True)
class VersionLine:
    version: str
    arch: str
    quantization: str
    size_bytes: int
    scores: ModelScores
    created: datetime | None
    channels: list[str]


@dataclass(frozen=True)
class ModelScores:
    """What a maintainer weighs before promoting: the card's real-photo rates, the steadier
    rates over camera views (`metrics.real_views`, training/camera_views.py) and generated val.
    None where the card does not say (HaSPeR-trained or older cards)."""

    real_top1: float | None = None
    real_top3: float | None = None
    views_top1: float | None = None
    views_top3: float | None = None
    val_top1: float | None = None


@dataclass(frozen=True)
class ChannelLine:
    channel: str
    arch: str
    version: str


def live_channels(session: Session) -> list[ChannelLine]:
    """The live version per (channel, arch): the newest event not rolled back (one query)."""
    live: dict[tuple[str, str], str] = {}
    events = session.scalars(
        select(ChannelEvent).where(ChannelEvent.rolled_back_at.is_(None)).order_by(ChannelEvent.id)
    )
    for ev in events:
        live[(ev.channel, ev.arch)] = ev.version
    return [ChannelLine(c, a, v) for (c, a), v in sorted(live.items())]


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def scores_of(card: dict) -> ModelScores:
    """A card's numbers, tolerating whatever an older or hand-written card holds."""
    metrics = card.get("metrics") if isinstance(card.get("metrics"), dict) else {}
    views = metrics.get("real_views") if isinstance(metrics.get("real_views"), dict) else {}
    return ModelScores(
        real_top1=_number(metrics.get("real_top1")), real_top3=_number(metrics.get("real_top3")),
        views_top1=_number(views.get("top1")), views_top3=_number(views.get("top3")),
        val_top1=_number(metrics.get("val_top1")),
    )


@router.get("/models")
def models_page(request: Request, user: Maintainer, db: DbSession) -> Response:
    channels = live_channels(db)
    on = {}
    for line in channels:
        on.setdefault(line.version, []).append(line.channel)
    versions = [
        VersionLine(
            m.version, m.arch, m.quantization, m.size_bytes, scores_of(m.card or {}), m.created_at,
            on.get(m.version, []),
        )
        for m in db.scalars(select(ModelVersion).order_by(ModelVersion.created_at.desc()))
    ]
    names = list(dict.fromkeys([*DEFAULT_CHANNELS, *(c.channel for c in channels)]))
    return render(
        request, "models.html", nav="models", versions=versions, channels=channels,
        channel_names=names,
    )


@router.post("/models/promote", dependencies=[CsrfChecked])
def promote_version(
    request: Request,
    user: Maintainer,
    db: DbSession,
    version: Annotated[str, Form()] = "",
    channel: Annotated[str, Form()] = "stable",
) -> Response:
    try:
        event = promote(db, channel, version, user.id)
        db.commit()
    except ChannelError as exc:
        flash(request, "error", f"Not promoted: {exc.detail}")
    else:
        flash(request, "ok", f"{event.version} is now live on {event.channel} ({event.arch}).")
    return RedirectResponse("/models", status_code=303)


@router.post("/models/channels/{channel}/rollback", dependencies=[CsrfChecked])
def rollback_channel(
    request: Request,
    channel: str,
    user: Maintainer,
    db: DbSession,
    arch: Annotated[str, Form()] = "",
) -> Response:
    try:
        event = rollback(db, channel, arch or None)
        db.commit()
    except ChannelError as exc:
        flash(request, "error", f"Not rolled back: {exc.detail}")
    else:
        flash(request, "ok", f"{event.channel} ({event.arch}) is back on {event.version}.")
    return RedirectResponse("/models", status_code=303)
