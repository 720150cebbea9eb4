"""Is this upload a model the apps and the server can run? Checked before anything is published.

Checks, cheapest first: the card parses and matches the contract (labels, input shape); the bytes
are an ONNX protobuf at all (else 415); the ONNX checker passes; an int8 model keeps its weights
within 7 bits (else its answers depend on the CPU: `ombro_contract.int8`); onnxruntime loads it
and its input/output shapes match the card; a few reference images run through the shared
preprocessing in one batch and give finite probabilities over the 15 classes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ombro_contract.card import ModelCard, parse_card
from ombro_contract.classifier import PuppetClassifier
from ombro_contract.errors import ModelContractError
from ombro_contract.int8 import SAFE_WEIGHT_LEVEL, max_weight_level
from ombro_contract.labels import NUM_CLASSES
from ombro_contract.paths import real_shadows_dir
from ombro_contract.preprocess import load_image

from ..core.strict_json import loads_strict
from ..models import ModelVersion

# The registry's column widths (server/models.py); PostgreSQL refuses longer values.
VERSION_MAX = ModelVersion.__table__.c.version.type.length
ARCH_MAX = ModelVersion.__table__.c.arch.type.length


class UploadRejected(Exception):
    """A bad upload; `status` is the HTTP code to answer with."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status, self.detail = status, detail


def parse_upload_card(raw: bytes | str) -> ModelCard:
    """The card, checked against the contract and against what the registry's columns hold.

    The card is untrusted JSON: it is parsed strictly first (no NaN, no 1000-deep nesting, no NUL)
    so that what is stored can be served back as JSON, then by the contract's own parser.
    """
    try:
        loads_strict(raw)
    except ValueError as exc:
        raise UploadRejected(
            422, f"the uploaded model card is not acceptable JSON: {getattr(exc, 'msg', exc)}; "
            "upload the card written by training/export.py"
        ) from None
    try:
        card = parse_card(raw, source="the uploaded model card")
        card.check_contract()
    except ModelContractError as exc:
        raise UploadRejected(422, str(exc)) from None
    for field, value, limit in (("version", card.version, VERSION_MAX), ("arch", card.arch, ARCH_MAX)):
        if not value or len(value) > limit:
            raise UploadRejected(
                422, f"the card's {field} must have 1 to {limit} characters, not {len(value)}"
            )
    return card


def reference_images(limit: int = 4) -> list[np.ndarray]:
    """Real shadow photos when this machine has them, plus synthetic wall/shadow frames."""
    images: list[np.ndarray] = []
    real = real_shadows_dir()
    if real is not None:
        for path in sorted(real.glob("*.png"))[:limit]:
            images.append(load_image(path))
    rng = np.random.default_rng(0)
    wall = np.full((240, 320, 3), 200, np.uint8)
    blob = wall.copy()
    blob[60:180, 100:220] = 30
    noise = rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)
    images += [wall, blob, noise]
    return images


def _check_onnx_bytes(path: Path):
    """The parsed model (`onnx.ModelProto`) once it is ONNX and passes the checker."""
    import onnx
    from google.protobuf.message import DecodeError

    try:
        model = onnx.load(str(path), load_external_data=False)
    except (DecodeError, ValueError, RuntimeError, OSError) as exc:
        raise UploadRejected(
            415, f"the uploaded file is not an ONNX model ({type(exc).__name__}); upload the "
            ".onnx file written by training/export.py"
        ) from None
    if not model.graph.node and not model.graph.output:
        raise UploadRejected(
            415, "the uploaded file is not an ONNX model (it has no graph); upload the .onnx file "
            "written by training/export.py"
        )
    try:
        onnx.checker.check_model(str(path))
    except onnx.checker.ValidationError as exc:
        first = str(exc).strip().splitlines()[0][:300]
        raise UploadRejected(422, f"the ONNX checker rejected the model: {first}") from None
    return model


def validate_model(onnx_path: Path) -> PuppetClassifier:
    """Validate a model file that already has its card beside it; returns the loaded classifier."""
    model = _check_onnx_bytes(onnx_path)
    level = max_weight_level(model)  # on the parsed model: no session needed to refuse it
    if level > SAFE_WEIGHT_LEVEL:
        raise UploadRejected(
            422, f"the model's int8 weights use 8 bits (level {level} > {SAFE_WEIGHT_LEVEL}): on x86 "
            "CPUs without VNNI onnxruntime saturates them, so it would answer differently on "
            "different machines; re-quantise it with python training/requantize.py MODEL.onnx "
            "--data DIR (7-bit weights)"
        )
    try:
        clf = PuppetClassifier.from_path(onnx_path, threads=1, warmup=False)
    except ModelContractError as exc:
        raise UploadRejected(422, str(exc)) from None
    frames = reference_images()
    try:
        probs = clf.classify_batch(frames)
    except Exception as exc:  # noqa: BLE001 -- onnxruntime raises private types for shape errors
        raise UploadRejected(
            422, f"the model failed on a batch of {len(frames)} reference images "
            f"({type(exc).__name__}: {str(exc).splitlines()[0][:200]}); export it with a dynamic "
            "batch axis"
        ) from None
    p = np.stack([pred.probs for pred in probs])
    if p.shape != (len(frames), NUM_CLASSES) or not np.all(np.isfinite(p)):
        raise UploadRejected(
            422, f"the model gave {p.shape} outputs (or NaN/inf) for {len(frames)} reference "
            f"images; expected finite scores for {NUM_CLASSES} classes"
        )
    if not np.allclose(p.sum(axis=1), 1.0, atol=1e-3):
        raise UploadRejected(
            422, "the model's probabilities do not sum to 1: check the card's 'outputs' field "
            "('logits' or 'probs')"
        )
    return clf
