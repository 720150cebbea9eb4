"""The one typed settings object of a training run, and the command line that fills it.

argparse stays the user interface (as in torchvision's references), but everything downstream
takes a validated `TrainConfig`, which is also what a checkpoint stores so `--resume` can refuse
to continue a run under a different architecture or preprocessing.
"""

from __future__ import annotations

import argparse
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ombro_contract.errors import OmbroError
from ombro_contract.preprocess import DEFAULT_SPEC, PreprocessSpec
from training.engine import ARCHS


class OptionsError(OmbroError, ValueError):
    """Command-line options out of range, named as the user typed them (train.py, rift.py)."""


class TrainConfig(BaseModel):
    model_config = ConfigDict(extra="ignore", protected_namespaces=())

    arch: Literal["mobilenet_v2", "resnet34"] = "mobilenet_v2"
    data: str | None = None
    out: str = "runs/default"
    epochs: int = Field(30, ge=1)
    batch_size: int = Field(64, ge=1)
    opt: Literal["adamw", "sgd"] = "adamw"
    lr: float = Field(2e-3, gt=0)
    weight_decay: float = Field(0.05, ge=0)
    label_smoothing: float = Field(0.1, ge=0, lt=1)
    warmup_epochs: int = Field(1, ge=0)
    clip_grad_norm: float = Field(0.0, ge=0)
    pretrained: bool = False
    # fine-tune: start from a run's checkpoint or a published fp32 ONNX model (onnx_weights.start_from)
    init: str | None = None
    calibrate_batches: int = Field(32, ge=1)  # training batches that rebuild BatchNorm for an ONNX init
    # blur before each stride-2 step (training/antialias.py): binomial filter size, 0 off
    antialias: Literal[0, 2, 3, 4, 5] = 0
    # knowledge distillation from published models (training/distill.py); several are averaged
    teacher: list[str] | None = None
    kd_alpha: float = Field(0.7, ge=0, le=1)
    kd_temperature: float = Field(2.0, gt=0)
    # an exponential moving average of the weights is what the run saves and exports (engine.build_ema)
    model_ema: bool = False
    model_ema_steps: int = Field(32, ge=1)
    model_ema_decay: float = Field(0.9998, gt=0, lt=1)
    model_ema_start_epoch: int | None = Field(None, ge=0)  # None: after the LR warm-up
    # MixUp / CutMix of each batch (transforms.BatchMix); 0 turns each off
    mixup_alpha: float = Field(0.0, ge=0)
    cutmix_alpha: float = Field(0.0, ge=0)
    # preprocessing (becomes the PreprocessSpec saved in the checkpoint and the model card)
    input_size: int = DEFAULT_SPEC.input_size
    mode: Literal["silhouette", "rgb"] = DEFAULT_SPEC.mode
    # The contract default, Otsu: it measured best on generated and real shadows
    # (docs/training.md, benchmarks/bench_recipe.py).
    threshold: int | Literal["otsu"] = DEFAULT_SPEC.threshold
    lighting: Literal["even", "normalised"] = DEFAULT_SPEC.lighting
    dilate: int = DEFAULT_SPEC.dilate
    framing: Literal["frame", "shadow"] = DEFAULT_SPEC.framing
    # augmentation of the silhouette's outline after the threshold (training/transforms.py)
    silhouette_augment: bool = True
    # generated data (used when --data is absent)
    synth_per_class: int = Field(200, ge=2)
    synth_size: int = Field(224, ge=32)
    # machinery
    device: str = "auto"
    amp: Literal["auto", "off", "fp16", "bf16"] = "auto"
    channels_last: bool | None = None
    compile: bool = False
    workers: int = Field(2, ge=0)
    cache_mb: float = Field(4096, ge=0)
    seed: int = 0
    resume: bool = False
    limit_batches: int = Field(0, ge=0)
    max_bad_fraction: float = Field(0.05, ge=0, le=1)
    allow_protected: bool = False
    report: bool = True
    gradcam_per_class: int = Field(2, ge=0)
    progress: bool = True

    @field_validator("teacher", mode="before")
    @classmethod
    def _one_teacher_is_a_list_of_one(cls, value):
        # checkpoints written before --teacher could repeat hold one path as a string
        return [value] if isinstance(value, str) else value

    def spec(self) -> PreprocessSpec:
        return PreprocessSpec(input_size=self.input_size, mode=self.mode, threshold=self.threshold,
                              lighting=self.lighting, dilate=self.dilate, framing=self.framing)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> TrainConfig:
        values = vars(args).copy()
        t = values.get("threshold")
        if isinstance(t, str) and t != "otsu":
            values["threshold"] = int(t)
        try:
            return cls.model_validate(values)
        except ValidationError as exc:  # name the options as typed, not pydantic's field paths
            problems = "; ".join(f"--{'-'.join(map(str, e['loc'])).replace('_', '-')}: {e['msg']}"
                                 for e in exc.errors())
            raise OptionsError(f"{problems} (see --help)") from None

    @staticmethod
    def arg_parser() -> argparse.ArgumentParser:
        d = TrainConfig()
        p = argparse.ArgumentParser(
            description="Train an Ombro puppet classifier (torchvision MobileNetV2 / ResNet34).",
            formatter_class=argparse.ArgumentDefaultsHelpFormatter)
        p.add_argument("--arch", choices=ARCHS, default=d.arch)
        p.add_argument("--data", default=None, help="dataset root with train/ and val/ class folders "
                       "(HaSPeR layout); default: the generated dataset, made or reused under data/")
        p.add_argument("--out", default=d.out, help="run folder (checkpoints, logs, report)")
        p.add_argument("--epochs", type=int, default=d.epochs)
        p.add_argument("-b", "--batch-size", type=int, default=d.batch_size, help="per process")
        p.add_argument("--opt", choices=["adamw", "sgd"], default=d.opt)
        p.add_argument("--lr", type=float, default=d.lr, help="peak learning rate after warm-up")
        p.add_argument("--wd", "--weight-decay", dest="weight_decay", type=float, default=d.weight_decay)
        p.add_argument("--label-smoothing", type=float, default=d.label_smoothing)
        p.add_argument("--warmup-epochs", type=int, default=d.warmup_epochs)
        p.add_argument("--clip-grad-norm", type=float, default=d.clip_grad_norm, help="0: off")
        p.add_argument("--pretrained", action="store_true",
                       help="start from torchvision's ImageNet weights (needs them downloaded)")
        p.add_argument("--init", default=None,
                       help="start from this checkpoint (a run's model_best.pth) or published fp32 "
                       "ONNX model (models/resnet34.onnx) instead of random weights: fine-tuning, "
                       "e.g. on new data at a lower --lr; keep --warmup-epochs 1 (AdamW's first "
                       "steps from fresh moments knock a trained model off its basin)")
        p.add_argument("--calibrate-batches", type=int, default=d.calibrate_batches,
                       help="training batches that rebuild BatchNorm statistics for an ONNX --init")
        p.add_argument("--antialias", type=int, choices=[0, 2, 3, 4, 5], default=d.antialias,
                       help="MobileNetV2: blur with a binomial filter of this size before every "
                       "stride-2 step (Zhang 2019, anti-aliased CNNs); 0: off")
        p.add_argument("--teacher", action="append", default=None,
                       help="a published ONNX model (with its .card.json) to distil from, e.g. "
                       "models/resnet34.onnx; it must share this run's preprocessing. Repeat it to "
                       "distil from the average of several models' probabilities (an ensemble)")
        p.add_argument("--kd-alpha", type=float, default=d.kd_alpha,
                       help="weight of the teacher's soft targets against the labels (with --teacher)")
        p.add_argument("--kd-temperature", type=float, default=d.kd_temperature,
                       help="softmax temperature of the distillation term (with --teacher)")
        p.add_argument("--model-ema", action="store_true",
                       help="keep an exponential moving average of the weights and save, evaluate "
                       "and export it instead of the last weights (torchvision's --model-ema)")
        p.add_argument("--model-ema-steps", type=int, default=d.model_ema_steps,
                       help="update the average every this many batches")
        p.add_argument("--model-ema-decay", type=float, default=d.model_ema_decay,
                       help="scaled as in torchvision: the average spans about 1 / (training images x "
                       "(1 - decay)) of the run")
        p.add_argument("--model-ema-start-epoch", type=int, default=None,
                       help="start averaging at this epoch; before it the run evaluates and saves "
                       "the last weights (default: after the LR warm-up, as torchvision)")
        p.add_argument("--mixup-alpha", type=float, default=d.mixup_alpha,
                       help="MixUp of training batches with this Beta alpha (references: 0.2); 0: off")
        p.add_argument("--cutmix-alpha", type=float, default=d.cutmix_alpha,
                       help="CutMix of training batches with this Beta alpha (references: 1.0); 0: off; "
                       "with both, each batch gets one of the two")
        p.add_argument("--input-size", type=int, default=d.input_size, help="network input, pixels")
        p.add_argument("--mode", choices=["silhouette", "rgb"], default=d.mode)
        p.add_argument("--threshold", default=d.threshold, help="silhouette gray level or 'otsu'")
        p.add_argument("--lighting", choices=["even", "normalised"], default=d.lighting,
                       help="silhouette: one threshold over an evenly lit wall, or divide out "
                       "the light and ignore the unlit room around a spotlight")
        p.add_argument("--dilate", type=int, default=d.dilate)
        p.add_argument("--framing", choices=["frame", "shadow"], default=d.framing,
                       help="network input: the whole frame, or a square around the shadow")
        p.add_argument("--no-silhouette-augment", dest="silhouette_augment", action="store_false",
                       help="skip the outline augmentation after the threshold")
        p.add_argument("--synth-per-class", type=int, default=d.synth_per_class,
                       help="generated images per class (train; val gets a quarter)")
        p.add_argument("--synth-size", type=int, default=d.synth_size, help="generated image side")
        p.add_argument("--device", default=d.device, help="auto, cpu, cuda")
        p.add_argument("--amp", choices=["auto", "off", "fp16", "bf16"], default=d.amp,
                       help="mixed precision on CUDA (auto: bf16 where supported, else fp16)")
        p.add_argument("--channels-last", action=argparse.BooleanOptionalAction, default=None,
                       help="NHWC memory format (default: on for CUDA)")
        p.add_argument("--compile", action="store_true", help="torch.compile the model")
        p.add_argument("-j", "--workers", type=int, default=d.workers, help="DataLoader workers")
        p.add_argument("--cache-mb", type=float, default=d.cache_mb,
                       help="keep decoded images in RAM when the dataset fits (0: never)")
        p.add_argument("--seed", type=int, default=d.seed)
        p.add_argument("--resume", action="store_true",
                       help="continue from OUT/checkpoint.pth (starts fresh if there is none)")
        p.add_argument("--limit-batches", type=int, default=d.limit_batches,
                       help="at most this many batches per epoch (smoke tests); 0: all")
        p.add_argument("--max-bad-fraction", type=float, default=d.max_bad_fraction,
                       help="fail if more than this fraction of images is unreadable")
        p.add_argument("--allow-protected", action="store_true",
                       help="train even on a dataset marked PROTECTED (unlearnable)")
        p.add_argument("--no-report", dest="report", action="store_false",
                       help="skip the final evaluation report (metrics, plots, Grad-CAM)")
        p.add_argument("--gradcam-per-class", type=int, default=d.gradcam_per_class)
        p.add_argument("--no-progress", dest="progress", action="store_false")
        return p
