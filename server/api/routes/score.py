"""Server-side scoring of one photo through the micro-batcher."""

from __future__ import annotations

import numpy as np
from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ombro_contract.preprocess import PreprocessSpec, preprocess

from ...core.strict_json import StrictJSONRoute
from ...schemas import ScoreItem, ScoreOut
from ...scoring import NoModelError
from ...uploads import ImageRejected, check_and_decode
from ..deps import AppContext, Ctx, CurrentUser

router = APIRouter(tags=["score"], route_class=StrictJSONRoute)

SCORE_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["image"],
                    "properties": {"image": {"type": "string", "format": "binary",
                                             "description": "a JPEG, PNG, WebP or BMP photo"}},
                }
            }
        },
    }
}


async def _prepare(ctx: AppContext, image: UploadFile, spec: PreprocessSpec) -> np.ndarray:
    """Read, check, decode and preprocess one upload, holding a decode slot meanwhile.

    At most `decode_concurrency` images are held in memory and decoded at once (memory, not CPU,
    is what runs out first); the others wait for a slot with their bytes still spooled.
    """
    s = ctx.settings
    need = spec.silhouette_size if spec.mode == "silhouette" else (spec.input_size,) * 2
    async with ctx.decode_gate.slot():
        data = await image.read(s.max_image_bytes + 1)

        def prepare() -> np.ndarray:
            pixels = check_and_decode(data, s.max_image_bytes, s.max_image_pixels,
                                      s.max_image_side, need, s.max_jpeg_pixels)
            return preprocess(pixels, spec)

        try:
            return await run_in_threadpool(prepare)
        except ImageRejected as exc:
            raise HTTPException(exc.status, detail=exc.detail) from None


@router.post("/score", response_model=ScoreOut, openapi_extra=SCORE_DOC,
             responses={413: {}, 415: {}, 422: {}, 503: {}})
async def score(request: Request, ctx: Ctx, user: CurrentUser) -> ScoreOut:
    # The form is parsed here, after the caller is known: an anonymous upload is refused before
    # its body is read, and files over 1 MB are spooled to disk by Starlette, not held in memory.
    s = ctx.settings
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise HTTPException(415, detail="send multipart/form-data with an 'image' file part")
    async with request.form(max_files=1, max_fields=1) as form:
        image = form.get("image")
        if not isinstance(image, UploadFile):
            raise HTTPException(422, detail="missing the 'image' file part: send the photo as "
                                "multipart/form-data field 'image'")
        try:
            clf = await ctx.provider.current()
        except NoModelError as exc:
            raise HTTPException(503, detail=str(exc)) from None
        tensor = await _prepare(ctx, image, clf.spec)
    probs = await ctx.batcher.submit(clf, tensor)
    order = np.argsort(probs)[::-1][: max(1, s.score_top_k)]
    return ScoreOut(
        top_k=[ScoreItem(label=clf.classes[i], prob=float(probs[i])) for i in order],
        model_version=clf.version,
        models=clf.versions,
        flip=clf.flip,
    )
