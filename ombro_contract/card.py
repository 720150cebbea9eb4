"""The model card: the JSON that travels next to every ONNX file.

A model is only ever loaded through `load_verified`, so a file that was tampered with, half
written, or trained against another label list or preprocessing never reaches a student.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import (
    CardInvalidError,
    CardMissingError,
    ChecksumMismatchError,
    ContractMismatchError,
)
from .labels import PUPPETS
from .preprocess import PreprocessSpec

CARD_SUFFIX = ".card.json"
SCHEMA_VERSION = 1


class ModelCard(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    schema_version: int = SCHEMA_VERSION
    name: str = Field(..., description="human name, e.g. 'Ombro MobileNetV2 int8'")
    version: str = Field(..., pattern=r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$")
    arch: str
    classes: list[str]
    preprocess: PreprocessSpec
    input_shape: tuple[int, int, int] = Field(..., description="(C, H, W); the batch axis is dynamic")
    input_name: str = "input"
    output_name: str = "logits"
    outputs: Literal["logits", "probs"] = "logits"
    quantization: Literal["fp32", "int8"] = "fp32"
    metrics: dict[str, Any] = Field(default_factory=dict)
    dataset: str = ""
    training_commit: str = ""
    created: datetime = Field(default_factory=lambda: datetime.now(UTC))
    sha256: str = Field(..., pattern=r"^[0-9a-f]{64}$")
    size_bytes: int = Field(..., ge=0)
    notes: str = ""

    def check_contract(self, classes: tuple[str, ...] = PUPPETS) -> None:
        """The card must describe a model the app and server can feed and read."""
        if tuple(self.classes) != tuple(classes):
            raise ContractMismatchError(
                f"model card {self.version!r} lists classes {self.classes}, but the contract is "
                f"{list(classes)} in that order; retrain or re-export against ombro_contract.labels"
            )
        if tuple(self.input_shape) != self.preprocess.input_shape:
            raise ContractMismatchError(
                f"model card {self.version!r}: input_shape {tuple(self.input_shape)} does not match "
                f"its preprocessing {self.preprocess.input_shape}"
            )


def card_path_for(onnx_path: str | Path) -> Path:
    onnx_path = Path(onnx_path)
    return onnx_path.with_name(onnx_path.stem + CARD_SUFFIX)


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def parse_card(text: str | bytes, source: str = "model card") -> ModelCard:
    try:
        return ModelCard.model_validate(json.loads(text))
    except json.JSONDecodeError as exc:
        raise CardInvalidError(f"{source} is not valid JSON: {exc}") from None
    except ValidationError as exc:
        raise CardInvalidError(f"{source} does not follow the card schema: {exc}") from None


def write_card(onnx_path: str | Path, card: ModelCard) -> Path:
    """Write the card beside its model, after filling in the file's real checksum and size."""
    onnx_path = Path(onnx_path)
    card = card.model_copy(
        update={"sha256": sha256_file(onnx_path), "size_bytes": onnx_path.stat().st_size}
    )
    path = card_path_for(onnx_path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(card.model_dump_json(indent=2) + "\n")
    tmp.replace(path)
    return path


def verify_file(onnx_path: str | Path, card: ModelCard) -> None:
    onnx_path = Path(onnx_path)
    size = onnx_path.stat().st_size
    if size != card.size_bytes or sha256_file(onnx_path) != card.sha256:
        raise ChecksumMismatchError(
            f"{onnx_path.name} does not match its card (sha256/size differ): the file was changed "
            "or only partly written; download or export it again"
        )


def load_verified(onnx_path: str | Path, classes: tuple[str, ...] = PUPPETS) -> ModelCard:
    """The card of a model file, after checking it exists, matches the file and the contract."""
    onnx_path = Path(onnx_path)
    if not onnx_path.is_file():
        raise CardMissingError(f"model file {onnx_path} does not exist")
    card_path = card_path_for(onnx_path)
    if not card_path.is_file():
        raise CardMissingError(
            f"{onnx_path.name} has no model card ({card_path.name}); every model in models/ "
            "must be exported with training/export.py, which writes one"
        )
    card = parse_card(card_path.read_text(), source=str(card_path))
    verify_file(onnx_path, card)
    card.check_contract(classes)
    return card
