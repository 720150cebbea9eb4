"""Server-side scoring of one photo through the micro-batcher."""

from __future__ import annotations

from typing import Annotated

import numpy as np
from fastapi import APIRouter, File, HTTPException, UploadFile
from fastapi.concurrency import run_in_threadpool

from ombro_contract.preprocess import preprocess

from ...schemas import ScoreItem, ScoreOut
from ...scoring import NoModelError
from ...uploads import ImageRejected, check_and_decode
from ..deps import Ctx, CurrentUser

router = APIRouter(tags=["score"])


@router.post("/score", response_model=ScoreOut, responses={413: {}, 415: {}, 422: {}, 503: {}})
async def score(ctx: Ctx, user: CurrentUser, image: Annotated[UploadFile, File()]) -> ScoreOut:
    s = ctx.settings
    data = await image.read(s.max_image_bytes + 1)
    try:
        clf = await ctx.provider.current()
    except NoModelError as exc:
        raise HTTPException(503, detail=str(exc)) from None

    def prepare() -> np.ndarray:
        return preprocess(check_and_decode(data, s.max_image_bytes, s.max_image_pixels), clf.spec)

    try:
        tensor = await run_in_threadpool(prepare)
    except ImageRejected as exc:
        raise HTTPException(exc.status, detail=exc.detail) from None
    probs = await ctx.batcher.submit(clf, tensor)
    order = np.argsort(probs)[::-1][: max(1, s.score_top_k)]
    return ScoreOut(
        top_k=[ScoreItem(label=clf.classes[i], prob=float(probs[i])) for i in order],
        model_version=clf.version,
    )
