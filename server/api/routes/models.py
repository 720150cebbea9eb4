"""Model registry: upload (maintainers), list, manifest and conditional/range download (anyone
signed in, so the app can update itself)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import UploadFile

from ...core.strict_json import StrictJSONRoute
from ...models import ChannelEvent, ModelVersion
from ...registry import ModelFileUnavailable, UploadRejected, current_version
from ...registry.channels import ChannelError, check_channel
from ...schemas import ManifestOut, ModelOut
from ..deps import AppContext, Ctx, CurrentUser, MaintainerUser, SessionDep

router = APIRouter(tags=["models"], route_class=StrictJSONRoute)
log = logging.getLogger(__name__)

MAX_CARD_BYTES = 256 * 1024  # a real card is about 2 KB

UPLOAD_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "card"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "the .onnx"},
                        "card": {"type": "string", "description": "the model card JSON (text or file)"},
                    },
                }
            }
        },
    }
}


def _live_channels(session) -> dict[str, list[str]]:
    """version -> channels it is live on (newest not-rolled-back event per channel and arch)."""
    rows = session.scalars(
        select(ChannelEvent).where(ChannelEvent.rolled_back_at.is_(None)).order_by(ChannelEvent.id)
    )
    live: dict[tuple[str, str], str] = {}
    for ev in rows:
        live[(ev.channel, ev.arch)] = ev.version
    by_version: dict[str, list[str]] = {}
    for (channel, _), version in sorted(live.items()):
        by_version.setdefault(version, []).append(channel)
    return by_version


def _model_out(row: ModelVersion, live: dict[str, list[str]]) -> ModelOut:
    out = ModelOut.model_validate(row)
    out.channels = sorted(live.get(row.version, []))
    return out


@router.post("/models", response_model=ModelOut, status_code=201, openapi_extra=UPLOAD_DOC,
             responses={409: {}, 413: {}, 415: {}, 422: {}})
async def upload_model(request: Request, user: MaintainerUser, ctx: Ctx) -> ModelOut:
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            detail="send multipart/form-data with a 'file' (.onnx) and a 'card' (JSON) part",
        )
    async with request.form(max_files=2, max_fields=4) as form:
        upload, card = form.get("file"), form.get("card")
        if not isinstance(upload, UploadFile):
            raise HTTPException(422, detail="missing the 'file' part with the .onnx model")
        if isinstance(card, UploadFile):
            card = await card.read(MAX_CARD_BYTES + 1)
            if len(card) > MAX_CARD_BYTES:
                raise HTTPException(413, detail=f"the model card is larger than {MAX_CARD_BYTES} "
                                    "bytes; upload the card written by training/export.py")
        if not card:
            raise HTTPException(422, detail="missing the 'card' part: the model card JSON")
        if upload.filename and not upload.filename.lower().endswith(".onnx"):
            raise HTTPException(
                415, detail=f"{upload.filename!r} is not an .onnx file; upload the exported model"
            )
        try:
            # Validation loads the whole model into onnxruntime: one upload at a time.
            async with ctx.upload_gate.slot():
                row = await run_in_threadpool(
                    ctx.store.publish, ctx.factory, card, upload.file,
                    ctx.settings.max_model_bytes, user.id,
                )
        except UploadRejected as exc:
            raise HTTPException(exc.status, detail=exc.detail) from None
    with ctx.factory() as session:
        return _model_out(row, _live_channels(session))


@router.get("/models", response_model=list[ModelOut])
def list_models(user: CurrentUser, session: SessionDep) -> list[ModelOut]:
    rows = session.scalars(select(ModelVersion).order_by(ModelVersion.created_at, ModelVersion.version))
    live = _live_channels(session)
    return [_model_out(r, live) for r in rows]


@router.get("/models/latest", response_model=ManifestOut, responses={404: {}})
def latest(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    ctx: Ctx,
    arch: str = Query("mobilenet_v2", max_length=32),
    channel: str = Query("stable", max_length=32),
) -> ManifestOut:
    try:
        check_channel(channel)
    except ChannelError as exc:
        raise HTTPException(exc.status, detail=exc.detail) from None
    row = current_version(session, channel, arch)
    if row is None:
        raise HTTPException(404, detail=f"no {arch} model on channel {channel!r} yet")
    return ManifestOut(
        version=row.version, arch=row.arch, quantization=row.quantization, sha256=row.sha256,
        size_bytes=row.size_bytes, download_url=download_url(request, ctx, row.version),
        card=row.card,
    )


def download_url(request: Request, ctx: AppContext, version: str) -> str:
    """From OMBRO_PUBLIC_URL when set (it includes any path prefix the proxy adds).

    The Host header is whatever the client, or a proxy, put there: behind a proxy it is often an
    internal name the apps cannot reach, and a client choosing it picks where apps are sent.
    """
    if ctx.settings.public_url:
        return ctx.settings.public_url + request.app.url_path_for("download_model", version=version)
    return str(request.url_for("download_model", version=version))


@router.get("/models/{version}", response_model=ModelOut, responses={404: {}})
def get_model(version: str, user: CurrentUser, session: SessionDep) -> ModelOut:
    row = session.get(ModelVersion, version)
    if row is None:
        raise HTTPException(404, detail=f"model version {version!r} does not exist")
    return _model_out(row, _live_channels(session))


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


@router.get("/models/{version}/download", name="download_model",
            responses={200: {"content": {"application/octet-stream": {}}}, 206: {}, 304: {},
                       307: {"description": "download from this presigned URL (object store)"},
                       404: {}, 503: {}})
def download_model(version: str, request: Request, user: CurrentUser, session: SessionDep, ctx: Ctx):
    row = session.get(ModelVersion, version)
    if row is None:
        raise HTTPException(404, detail=f"model version {version!r} does not exist")
    etag = f'"{row.sha256}"'
    # Versions are immutable, so the content hash is a strong validator and caching is forever.
    headers = {"ETag": etag, "Cache-Control": "private, max-age=31536000, immutable"}
    if _etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    if ctx.settings.model_download_redirect and (url := ctx.store.presigned_url(row)):
        # The bytes come from the store; the client sends its Range there (and checks sha256
        # against the manifest, as it does anyway). The URL expires: never cache the redirect.
        return RedirectResponse(url, status_code=307,
                                headers={"ETag": etag, "Cache-Control": "no-store"})
    try:
        path = ctx.store.local_file(row)
    except ModelFileUnavailable as exc:
        # The details (paths, the bucket, which credentials to check) are for the operator's log.
        log.error("model file unavailable: %s", exc, extra={"version": version})
        raise HTTPException(
            503, detail=f"the file of model {version!r} cannot be read on the server right now; "
            "try again later, and tell a maintainer if it persists",
            headers={"Retry-After": "30"}) from None
    return FileResponse(path, media_type="application/octet-stream",
                        filename=f"{row.version}.onnx", headers=headers)
