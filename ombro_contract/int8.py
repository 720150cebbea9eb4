"""Will an int8 model give the same answers on every CPU? Its weight levels say.

On x86 CPUs without VNNI (AVX2, AVX-512F), onnxruntime multiplies uint8 activations by int8
weights with an instruction that adds each pair of products into a saturating 16-bit sum. Full
8-bit weights overflow it (255 x 127 x 2 > 32,767), so the same file answered differently on
different machines: the shipped MobileNetV2 int8 with 8-bit weights got 9/15 real photos on an
emulated Haswell against 11/15 on this machine. Weights within 7 bits (|level| <= 64) cannot
overflow; `training/quantize.py` writes them, the registry refuses int8 files without them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

# The largest int8 weight level that cannot saturate a pair of uint8 x int8 products in 16 bits.
SAFE_WEIGHT_LEVEL = 64


def max_weight_level(model) -> int:
    """The largest |level| among the int8 tensors of an ONNX model (0 when it has none).

    `model` is a file path or an already loaded `onnx.ModelProto` (the registry has parsed the
    upload once already). Needs the `onnx` package (the server and training groups have it; the
    app does not need it).
    """
    import onnx
    from onnx import numpy_helper

    if isinstance(model, str | Path):
        model = onnx.load(str(model), load_external_data=False)
    levels = [int(np.abs(numpy_helper.to_array(t).astype(np.int16)).max(initial=0))
              for t in model.graph.initializer if t.data_type == onnx.TensorProto.INT8]
    return max(levels, default=0)
