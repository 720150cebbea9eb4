"""One ONNX classifier for the app and the server.

Made once (session creation and warm-up are the slow part), then called per frame or per batch.
onnxruntime is the main backend; OpenCV's dnn module is the fallback for phone builds where
onnxruntime is not packaged (it cannot run int8 QDQ files, so it needs the fp32 model).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

from .card import ModelCard, load_verified
from .errors import ContractMismatchError, NotAnOnnxModelError
from .preprocess import (
    PreprocessSpec,
    preprocess,
    preprocess_batch,
    silhouette,
    silhouette_input,
)

Backend = Literal["onnxruntime", "opencv"]


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float
    top_k: list[tuple[str, float]]
    probs: np.ndarray = field(repr=False)
    model_version: str = ""
    latency_ms: float = 0.0
    timestamp: float = 0.0


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


class _OrtRunner:
    def __init__(self, path: Path, card: ModelCard, threads: int):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self.session = ort.InferenceSession(
                str(path), sess_options=opts, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # noqa: BLE001 -- onnxruntime raises several private types
            raise NotAnOnnxModelError(
                f"{path.name} could not be loaded as an ONNX model ({type(exc).__name__}: "
                f"{str(exc).splitlines()[0][:200]}); re-export it with training/export.py"
            ) from None
        inp, out = self.session.get_inputs()[0], self.session.get_outputs()[0]
        self.input_name, self.output_name = inp.name, out.name
        _check_shape(path, card, list(inp.shape)[1:], list(out.shape)[-1:])

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        return self.session.run([self.output_name], {self.input_name: batch})[0]


class _OpenCVRunner:
    def __init__(self, path: Path, card: ModelCard, threads: int):
        cv2.setNumThreads(threads)
        try:
            self.net = cv2.dnn.readNetFromONNX(str(path))
        except cv2.error as exc:
            hint = " (cv2.dnn cannot run int8 QDQ models: use the fp32 file)" if card.quantization == "int8" else ""
            raise NotAnOnnxModelError(
                f"OpenCV dnn could not load {path.name}{hint}: {str(exc).strip()[:200]}"
            ) from None
        self._lock = threading.Lock()  # a cv2.dnn Net is not safe to share between threads

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        with self._lock:
            self.net.setInput(batch)
            return np.asarray(self.net.forward(), dtype=np.float32)


def _check_shape(path: Path, card: ModelCard, chw: list, n_out: list) -> None:
    """The graph's own shapes must match the card; symbolic (dynamic) dims are not compared."""
    want = list(card.input_shape)
    fits_in = len(chw) == 3 and all(not isinstance(d, int) or d == w for d, w in zip(chw, want))
    fits_out = len(n_out) == 1 and (not isinstance(n_out[0], int) or n_out[0] == len(card.classes))
    if not (fits_in and fits_out):
        raise ContractMismatchError(
            f"{path.name} takes input {chw} and gives {n_out} outputs, but its card promises "
            f"{want} -> {len(card.classes)} classes; re-export the model with training/export.py"
        )


class PuppetClassifier:
    """Names the puppet in a frame. Thread-safe; create one per model and reuse it.

    `flip=True` averages the probabilities of each input and its mirror image (test-time
    augmentation): a left-handed performer's puppet faces the other way. The mirror is taken of
    the network input, after the silhouette step, so one preprocessing serves both halves and
    one runtime call scores them; it doubles the inference, not the preprocessing.
    """

    def __init__(self, path: Path, card: ModelCard, backend: Backend = "onnxruntime", threads: int = 1,
                 flip: bool = False):
        self.path, self.card, self.backend, self.flip = Path(path), card, backend, flip
        runner = {"onnxruntime": _OrtRunner, "opencv": _OpenCVRunner}.get(backend)
        if runner is None:
            raise ValueError(f"unknown backend {backend!r}: use 'onnxruntime' or 'opencv'")
        self._run = runner(self.path, card, threads)

    @classmethod
    def from_path(cls, path: str | Path, backend: Backend = "onnxruntime", threads: int = 1,
                  warmup: bool = True, flip: bool = False) -> PuppetClassifier:
        path = Path(path)
        clf = cls(path, load_verified(path), backend=backend, threads=threads, flip=flip)
        if warmup:
            clf.warmup()
        return clf

    @property
    def spec(self) -> PreprocessSpec:
        return self.card.preprocess

    @property
    def version(self) -> str:
        return self.card.version

    @property
    def classes(self) -> list[str]:
        return list(self.card.classes)

    def warmup(self, runs: int = 2) -> None:
        dummy = np.zeros((1, *self.card.input_shape), np.float32)
        for _ in range(runs):
            self.run(dummy)

    def run(self, batch: np.ndarray) -> np.ndarray:
        """Probabilities (N, classes) for an already preprocessed float32 NCHW batch."""
        batch = np.asarray(batch, dtype=np.float32)
        if self.flip:
            n = len(batch)
            probs = self._probs(np.concatenate([batch, batch[..., ::-1]]))
            return (probs[:n] + probs[n:]) / 2
        return self._probs(batch)

    def _probs(self, batch: np.ndarray) -> np.ndarray:
        out = self._run(np.ascontiguousarray(batch, dtype=np.float32))
        return out if self.card.outputs == "probs" else softmax(out)

    def classify(self, frame: np.ndarray, top_k: int = 3, timestamp: float | None = None) -> Prediction:
        start = time.perf_counter()
        probs = self.run(preprocess(frame, self.spec)[None])[0]
        return self._prediction(probs, top_k, start, timestamp)

    def classify_with_silhouette(self, frame: np.ndarray, top_k: int = 3,
                                 timestamp: float | None = None) -> tuple[Prediction, np.ndarray]:
        """The prediction and the silhouette (`preprocess.silhouette` with this model's spec) it
        was made from, computed once: for callers that also compare the shadow's shape."""
        start = time.perf_counter()
        mask = silhouette(frame, self.spec)
        if self.spec.mode == "silhouette":
            x = silhouette_input(mask, self.spec)
        else:  # an RGB model sees the colours; the shape is still judged on the silhouette
            x = preprocess(frame, self.spec)
        probs = self.run(x[None])[0]
        return self._prediction(probs, top_k, start, timestamp), mask

    def classify_batch(self, frames: Sequence[np.ndarray], top_k: int = 3) -> list[Prediction]:
        start = time.perf_counter()
        probs = self.run(preprocess_batch(frames, self.spec))
        return [self._prediction(p, top_k, start, None) for p in probs]

    def _prediction(self, probs: np.ndarray, top_k: int, start: float, timestamp: float | None) -> Prediction:
        order = np.argsort(probs)[::-1][: max(1, top_k)]
        top = [(self.card.classes[i], float(probs[i])) for i in order]
        return Prediction(
            label=top[0][0],
            confidence=top[0][1],
            top_k=top,
            probs=probs,
            model_version=self.card.version,
            latency_ms=(time.perf_counter() - start) * 1000.0,
            timestamp=time.time() if timestamp is None else timestamp,
        )
