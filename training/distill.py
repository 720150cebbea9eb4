"""Knowledge distillation: the phone's small network learns from the server's large one.

    python training/train.py --arch mobilenet_v2 --teacher models/resnet34.onnx ...

Why: the app must run a MobileNetV2 (about 1 ms a frame); the server can afford a ResNet34, which
is the more accurate of the two on real shadows. Trained on labels alone, the small network
learns only which puppet each generated shadow is; trained also to match the teacher's softened
probabilities (Hinton, Vinyals and Dean 2015), it learns which puppets the teacher finds alike,
and so behaves more like the teacher on shadows the generator never made. The teacher sees the
same augmented view as the student on every step ("consistent teaching": Beyer et al., CVPR
2022), so it runs live on each batch rather than once on the clean images.

The teacher is a published ONNX model, checked against its card like the app checks its model,
so distillation needs neither the teacher's run folder nor its PyTorch checkpoint, and runs on
onnxruntime beside the training loop. Its preprocessing must be the student's: a teacher that
saw other silhouettes would answer for images the student never gets.

Several teachers are averaged in probability: one network then carries some of the ensemble's
gain on shadows unlike the generated ones (Hinton et al. 2015, section 3: distilling an ensemble
into one model), and with the server's ResNet34 among them the app's live verdict and the
server's score (server/scoring.py) disagree less.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ombro_contract.classifier import PuppetClassifier
from ombro_contract.errors import ContractMismatchError
from ombro_contract.labels import PUPPETS
from ombro_contract.preprocess import PreprocessSpec

# PreprocessSpec fields that train.py sets from an option of the same name
_SPEC_OPTIONS = ("input_size", "mode", "threshold", "lighting", "dilate", "framing")


class Teacher:
    """Published models whose averaged log-probabilities guide training. Made once per run."""

    def __init__(self, paths: str | Path | Sequence[str | Path], spec: PreprocessSpec,
                 threads: int = 1):
        paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
        if not paths:
            raise ValueError("a teacher needs at least one model file")
        self.classifiers = [self._checked(path, spec, threads) for path in paths]

    @staticmethod
    def _checked(path: str | Path, spec: PreprocessSpec, threads: int) -> PuppetClassifier:
        classifier = PuppetClassifier.from_path(path, threads=threads)
        card = classifier.card
        if tuple(card.classes) != PUPPETS:
            raise ContractMismatchError(
                f"--teacher {path}: its card lists classes {card.classes}, not the contract's "
                f"{list(PUPPETS)}; choose a model exported by this project's training/export.py")
        if card.preprocess != spec:
            theirs, ours = card.preprocess.model_dump(), spec.model_dump()
            differ = [k for k in ours if theirs[k] != ours[k]]
            options = " ".join(f"--{k.replace('_', '-')} {theirs[k]}" for k in differ
                               if k in _SPEC_OPTIONS)
            raise ContractMismatchError(
                f"--teacher {path} ({card.version}) sees other silhouettes than this run ("
                + ", ".join(f"{k}: {theirs[k]} there, {ours[k]} here" for k in differ)
                + (f"); pass {options} to train at its preprocessing" if options else ")")
                + ", or choose another teacher")
        return classifier

    @property
    def version(self) -> str:
        """The model versions, joined by "+" for an ensemble (the card's `distilled_from`)."""
        return "+".join(c.version for c in self.classifiers)

    def logits(self, images: torch.Tensor) -> torch.Tensor:
        """Log of the teachers' mean probabilities for a preprocessed batch: logits up to a
        per-row constant, which softmax ignores, so a teacher whose file outputs probabilities
        teaches the same."""
        batch = images.detach().float().cpu().numpy()
        probs = np.mean([c.run(batch) for c in self.classifiers], axis=0)
        return torch.from_numpy(np.log(np.clip(probs, 1e-12, None))).to(images.device)


class DistillationLoss(nn.Module):
    """(1 - alpha) x cross-entropy on the labels + alpha x T^2 x KL(teacher_T || student_T).

    The T^2 factor keeps the soft term's gradients at the scale of the hard term's whatever the
    temperature (Hinton et al. 2015, section 2). Without teacher logits it is the plain
    label-smoothed cross-entropy, which is what validation reports.
    """

    def __init__(self, alpha: float = 0.7, temperature: float = 2.0, label_smoothing: float = 0.0):
        super().__init__()
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha must be within [0, 1], got {alpha}")
        if temperature <= 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        self.alpha, self.temperature = alpha, temperature
        self.hard = nn.CrossEntropyLoss(label_smoothing=label_smoothing)

    def forward(self, logits: torch.Tensor, targets: torch.Tensor,
                teacher_logits: torch.Tensor | None = None) -> torch.Tensor:
        hard = self.hard(logits, targets)
        if teacher_logits is None:
            return hard
        t = self.temperature
        soft = F.kl_div(F.log_softmax(logits.float() / t, dim=1),
                        F.log_softmax(teacher_logits.float() / t, dim=1),
                        reduction="batchmean", log_target=True) * (t * t)
        return (1.0 - self.alpha) * hard + self.alpha * soft
