"""The Ombro model contract: what training, export, the app and the server must agree on.

- `labels`: the 15 puppets in output order.
- `preprocess`: the one inference preprocessing (its torch twin is `training.presets`).
- `card`: the model card written next to every ONNX file, and verified before loading.
- `classifier`: the ONNX wrapper the app and the server share.
- `mastery`, `shape_progress`: what a student's attempts add up to (mastery levels, streaks,
  "needs help"; best shape match, the part kept missing), one definition for the app's progress
  screen, the API and the teacher's dashboard.

It depends on numpy, OpenCV, onnxruntime and pydantic only, so a phone build carries no torch.
"""

from .errors import (  # noqa: F401
    CardInvalidError,
    CardMissingError,
    ChecksumMismatchError,
    ContractMismatchError,
    ImageDecodeError,
    ModelContractError,
    NotAnOnnxModelError,
    OmbroError,
    UnknownPuppetError,
)
from .labels import NUM_CLASSES, PUPPETS, puppet_index  # noqa: F401
from .preprocess import DEFAULT_SPEC, PreprocessSpec  # noqa: F401
