"""Static int8 quantisation of an exported model with onnxruntime (QDQ, per-channel weights).

Calibration images go through `ombro_contract.preprocess` (the numpy path the app uses), so the
activation ranges are those the deployed model will actually see.

Weights are quantised to 7 bits (`reduce_range`). On x86 CPUs without VNNI (AVX2, AVX-512F),
onnxruntime multiplies uint8 activations by int8 weights with an instruction that adds pairs of
products into a saturating 16-bit sum: full 8-bit weights overflow it (255 x 127 x 2 > 32767),
so the same model gave different answers on different machines. Measured on the shipped
MobileNetV2 under `qemu-x86_64 -cpu Haswell`: 9/15 real photos instead of 11/15, mean p(true)
0.376 instead of 0.494. With 7-bit weights (|w| <= 64) no pair can overflow and every CPU
computes the same integers; `ombro_contract.int8.max_weight_level` checks a file for it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
from onnxruntime.quantization import (
    CalibrationDataReader,
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quantize_static,
)
from onnxruntime.quantization.shape_inference import quant_pre_process

from ombro_contract.preprocess import PreprocessSpec, preprocess_batch

# Shared by every int8 file the project writes (export, requantise, test models): see the module
# docstring for why the weights keep 7 bits.
QUANT_OPTIONS = {
    "quant_format": QuantFormat.QDQ, "per_channel": True, "reduce_range": True,
    "activation_type": QuantType.QUInt8, "weight_type": QuantType.QInt8,
}

CALIBRATION_METHODS = {
    "minmax": CalibrationMethod.MinMax,
    "percentile": CalibrationMethod.Percentile,
    "entropy": CalibrationMethod.Entropy,
}


class ImageCalibrationReader(CalibrationDataReader):
    """Feeds preprocessed batches of BGR images to the calibrator, a few at a time."""

    def __init__(self, images: Sequence[np.ndarray], spec: PreprocessSpec, input_name: str = "input",
                 batch: int = 16):
        self.images, self.spec, self.input_name, self.batch = images, spec, input_name, batch
        self._it: Iterator[dict] | None = None

    def _batches(self) -> Iterator[dict]:
        for i in range(0, len(self.images), self.batch):
            yield {self.input_name: preprocess_batch(self.images[i:i + self.batch], self.spec)}

    def get_next(self) -> dict | None:
        if self._it is None:
            self._it = self._batches()
        return next(self._it, None)

    def rewind(self) -> None:
        self._it = None


def quantize_int8(fp32_path: Path, int8_path: Path, calib_images: Sequence[np.ndarray],
                  spec: PreprocessSpec, method: str = "minmax") -> Path:
    """Write an int8 QDQ copy of `fp32_path` calibrated on `calib_images` (BGR uint8)."""
    if not calib_images:
        raise ValueError("int8 quantisation needs calibration images")
    prepared = int8_path.with_name(int8_path.stem + ".prep.onnx")
    try:
        # Shape inference and BN folding first, as onnxruntime recommends for static quantisation.
        quant_pre_process(str(fp32_path), str(prepared), skip_symbolic_shape=False)
        quantize_static(
            str(prepared), str(int8_path), ImageCalibrationReader(calib_images, spec),
            calibrate_method=CALIBRATION_METHODS[method], **QUANT_OPTIONS,
        )
    finally:
        prepared.unlink(missing_ok=True)
    return int8_path

