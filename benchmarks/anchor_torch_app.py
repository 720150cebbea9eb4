"""The anchor for bench_capacity.py: the scoring endpoint a team without Ombro would write.

One FastAPI route that decodes the upload, preprocesses it with the contract's `preprocess`
(the same silhouette pipeline as Ombro, so the difference measured is the serving, not the
preprocessing) and runs a torchvision network in PyTorch eager mode, one request at a time per
request thread: no ONNX, no int8, no micro-batching, no accounts, no limits.

The network is torchvision's implementation of the card's architecture (MobileNetV2 or ResNet34)
with *random* weights and the card's input size: the same arithmetic as the trained model, with
meaningless answers. Loading the trained ONNX weights into torchvision is not worth it for a
speed anchor.

    ANCHOR_CARD=models/mobilenet_v2.int8.card.json ANCHOR_THREADS=1 \\
        .venv/bin/python -m uvicorn --factory benchmarks.anchor_torch_app:create_app --port 8100
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import numpy as np
import torch
import torchvision
from fastapi import FastAPI, File, UploadFile

from ombro_contract.card import parse_card
from ombro_contract.labels import PUPPETS
from ombro_contract.preprocess import decode_image, preprocess


def create_app() -> FastAPI:
    card = parse_card(Path(os.environ["ANCHOR_CARD"]).read_text())
    torch.set_num_threads(int(os.environ.get("ANCHOR_THREADS", "1")))
    torch.manual_seed(0)
    model = getattr(torchvision.models, card.arch)(weights=None, num_classes=len(PUPPETS)).eval()
    spec = card.preprocess
    app = FastAPI(title="torch eager scoring anchor (benchmark only)")

    @app.post("/score")
    def score(image: Annotated[UploadFile, File()]) -> dict:
        pixels = decode_image(image.file.read())
        tensor = torch.from_numpy(np.ascontiguousarray(preprocess(pixels, spec)))[None]
        with torch.inference_mode():
            probs = torch.softmax(model(tensor), dim=1)[0].numpy()
        top = np.argsort(probs)[::-1][:3]
        return {"top_k": [{"label": PUPPETS[i], "prob": float(probs[i])} for i in top]}

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    return app
