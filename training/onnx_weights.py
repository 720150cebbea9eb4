"""Trainable torch weights from a published fp32 ONNX model.

Why this exists: a published model outlives its run folder. A fresh clone has `models/` but no
`runs/`, and fine-tuning the shipped model (RiFT, a few more epochs) should not need the CPU-days
of a retrain first. The export keeps every weight under its torch name, but torch's exporter folds
each BatchNorm into the convolution before it (conv weight scaled, the BN shift stored as the
conv's ``<name>.weight_bias``), so the BN statistics themselves are gone.

Loading is therefore two steps:

1. ``load_onnx_weights``: the folded weights go into the convolutions, and each BatchNorm becomes
   the identity plus the folded shift. In eval mode the torch model now computes the ONNX graph's
   function exactly (``onnx_parity`` measures it).
2. ``recalibrate_batchnorm``: in train mode that network would normalise by batch statistics the
   identity BN never had, and the first training step would wreck it. So each BN is re-expressed
   with the mean and variance of its input on real training batches as running statistics, and
   scale and shift chosen so the eval-mode function is unchanged:
   ``(x - m) / sqrt(v + eps) * sqrt(v + eps) + (m + b) == x + b``. Batch statistics in train mode
   are then close to the running ones, and training continues from the published function.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ombro_contract.card import ModelCard, load_verified
from ombro_contract.errors import OmbroError
from training.utils import load_checkpoint


class OnnxWeightsError(OmbroError, ValueError):
    """A model file whose weights cannot become this torch model's (int8, other arch, broken)."""


def conv_bn_pairs(model: nn.Module) -> list[tuple[str, nn.Conv2d, nn.BatchNorm2d | None]]:
    """Every convolution with the BatchNorm that follows it in module order (torchvision's
    MobileNetV2 and ResNet both register each BN right after its convolution)."""
    pairs, modules = [], list(model.named_modules())
    for i, (name, module) in enumerate(modules):
        if isinstance(module, nn.Conv2d):
            nxt = modules[i + 1][1] if i + 1 < len(modules) else None
            bn = nxt if isinstance(nxt, nn.BatchNorm2d) and nxt.num_features == module.out_channels else None
            pairs.append((name, module, bn))
    return pairs


def _initializers(path: Path) -> dict[str, np.ndarray]:
    import onnx
    from google.protobuf.message import DecodeError
    from onnx import numpy_helper

    try:
        graph = onnx.load(str(path)).graph
    except (DecodeError, OSError, ValueError) as exc:
        raise OnnxWeightsError(f"{path} is not a readable ONNX model ({exc}); pass the fp32 file "
                               "that training/export.py wrote") from None
    ops = {n.op_type for n in graph.node}
    if ops & {"QLinearConv", "ConvInteger", "DequantizeLinear", "QuantizeLinear"}:
        raise OnnxWeightsError(f"{path} is a quantized (int8) model; its weights are rounded. Pass "
                               f"the fp32 file beside it ({path.name.replace('.int8', '')})")
    return {t.name: numpy_helper.to_array(t) for t in graph.initializer}


def _shift_only(bn: nn.BatchNorm2d, shift: torch.Tensor) -> None:
    """The published form of a BatchNorm whose scale lives in its convolution: the identity plus
    ``shift`` in eval mode (one definition for loading an export and for folding a model)."""
    bn.weight.fill_(1.0)
    bn.running_mean.zero_()
    bn.running_var.fill_(1.0 - bn.eps)  # so sqrt(var + eps) == 1 exactly
    bn.bias.copy_(shift)
    bn.num_batches_tracked.zero_()


@torch.no_grad()
def load_onnx_weights(model: nn.Module, path: str | Path) -> list[str]:
    """Copy a BN-folded fp32 export into ``model`` (see the module docstring); returns the names
    of the modules filled. Every convolution and linear layer must be found with its shape."""
    path = Path(path)
    weights = _initializers(path)

    def take(name: str, shape: torch.Size, optional: bool = False) -> torch.Tensor:
        if name not in weights and optional:  # the exporter drops an all-zero bias
            return torch.zeros(shape)
        if name not in weights:
            raise OnnxWeightsError(f"{path.name} has no weight {name!r}: it was not exported from "
                                   f"this architecture ({type(model).__name__})")
        value = torch.from_numpy(np.array(weights[name], dtype=np.float32))
        if value.shape != shape:
            raise OnnxWeightsError(f"{path.name}: {name} has shape {tuple(value.shape)}, this "
                                   f"{type(model).__name__} needs {tuple(shape)}")
        return value

    filled = []
    for name, conv, bn in conv_bn_pairs(model):
        conv.weight.copy_(take(f"{name}.weight", conv.weight.shape))
        shift = take(f"{name}.weight_bias", torch.Size([conv.out_channels]), optional=True)
        if bn is None:
            raise OnnxWeightsError(f"{name} has no BatchNorm after it to hold its folded shift")
        _shift_only(bn, shift)
        filled.append(name)
    for name, module in model.named_modules():
        if isinstance(module, nn.Linear):
            module.weight.copy_(take(f"{name}.weight", module.weight.shape))
            module.bias.copy_(take(f"{name}.bias", module.bias.shape, optional=True))
            filled.append(name)
    return filled


@torch.no_grad()
def fold_batchnorm(model: nn.Module) -> nn.Module:
    """Put every BatchNorm's eval-mode scale into its convolution and leave the BN as the identity
    plus its shift: the form ``load_onnx_weights`` gives a published model. The eval-mode function
    is unchanged. Why: two trained networks hold the same function under many BN statistics, so
    weights are interpolated (training/soup.py --init-weight) in this one form, where each layer's
    numbers are the function's own."""
    for name, conv, bn in conv_bn_pairs(model):
        if bn is None:
            raise OnnxWeightsError(f"{name} has no BatchNorm after it to fold")
        scale = bn.weight.double() / torch.sqrt(bn.running_var.double() + bn.eps)
        shift = bn.bias.double() - bn.running_mean.double() * scale
        if conv.bias is not None:
            shift = shift + conv.bias.double() * scale
            conv.bias.zero_()
        conv.weight.copy_((conv.weight.double() * scale.view(-1, 1, 1, 1)).float())
        _shift_only(bn, shift.float())
    return model


@torch.no_grad()
def recalibrate_batchnorm(model: nn.Module, batches, device="cpu") -> int:
    """Give every BN the statistics of its input on ``batches`` (images, or (images, labels)
    pairs) without changing the eval-mode function; returns the number of images seen."""
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    sums = {id(m): [0.0, 0.0, 0] for m in bns}

    def hook(module, inputs, _output):
        x = inputs[0].double()
        acc = sums[id(module)]
        acc[0] = acc[0] + x.sum(dim=(0, 2, 3))
        acc[1] = acc[1] + (x * x).sum(dim=(0, 2, 3))
        acc[2] += x.numel() // x.shape[1]

    was_training = model.training
    model.eval()
    handles = [m.register_forward_hook(hook) for m in bns]
    seen = 0
    try:
        for batch in batches:
            images = batch[0] if isinstance(batch, (tuple, list)) else batch
            model(images.to(device))
            seen += images.shape[0]
    finally:
        for h in handles:
            h.remove()
    if not seen:
        raise OnnxWeightsError("recalibrating BatchNorm needs at least one batch of images")
    for m in bns:
        total, squares, n = sums[id(m)]
        # the input of an identity BN is x; what it adds is its bias (the folded shift)
        shift_in = m.running_mean.double()  # 0 after load_onnx_weights, kept general
        scale_in = m.weight.double() / torch.sqrt(m.running_var.double() + m.eps)
        folded_bias = m.bias.double() - shift_in * scale_in
        mean = total / n
        var = (squares / n - mean * mean).clamp_min(0.0)
        std = torch.sqrt(var + m.eps)
        # new BN: (x - mean) / std * (scale_in * std) + (mean * scale_in + folded_bias) == old BN
        m.running_mean.copy_(mean.float())
        m.running_var.copy_(var.float())
        m.weight.copy_((scale_in * std).float())
        m.bias.copy_((mean * scale_in + folded_bias).float())
    model.train(was_training)
    return seen


def onnx_parity(model: nn.Module, path: str | Path, images: torch.Tensor) -> float:
    """Largest absolute logit difference between ``model`` (eval) and the ONNX file: export.py's
    own parity check, with the model put in eval mode and handed back in its mode."""
    from training.export import parity

    was_training = model.training
    model.eval()
    try:
        return parity(model, Path(path), images.numpy().astype(np.float32))
    finally:
        model.train(was_training)


def published_card(path: str | Path) -> ModelCard:
    """The verified card of a published model, refusing int8 files up front."""
    card = load_verified(path)
    if card.quantization != "fp32":
        raise OnnxWeightsError(f"{Path(path).name} is {card.quantization}; its weights are rounded. "
                               f"Pass the fp32 file beside it")
    return card


def check_init(init: str | Path | None, pretrained: bool = False) -> None:
    """The checks on `--init` that need no data, so train.py and rift.py stop in seconds on a
    wrong one, not after generating a dataset."""
    if init is None:
        return
    if pretrained:
        raise OnnxWeightsError("--init and --pretrained both choose the starting weights: pass one")
    if not Path(init).is_file():
        raise OnnxWeightsError(f"--init {init}: no such file; pass a run's model_best.pth or a "
                               "published fp32 model such as models/resnet34.onnx")


def start_from(model: nn.Module, init: str | Path, arch: str, spec, train_loader, val_loader,
               device, calibrate_batches: int = 32) -> str | None:
    """`--init` of train.py and rift.py: a train.py checkpoint as is, or a published fp32 ONNX
    model turned back into trainable weights and checked against onnxruntime. Returns the
    published model's card version (the provenance a soup and export.py record), None for a
    checkpoint. Refuses a model of another architecture or preprocessing with the options to pass."""
    check_init(init)
    path = Path(init)
    if path.suffix != ".onnx":
        ckpt = load_checkpoint(path)
        if ckpt.get("arch", arch) != arch:
            raise OnnxWeightsError(f"--init {path.name} holds a {ckpt['arch']}; pass --arch {ckpt['arch']}")
        if "spec" in ckpt and type(spec).model_validate(ckpt["spec"]) != spec:
            raise OnnxWeightsError(f"--init {path.name} was trained with {ckpt['spec']}, this run with "
                                   f"{spec.model_dump(mode='json')}; pass the matching options "
                                   "(--input-size, --mode, --lighting, ...)")
        model.load_state_dict(ckpt["model"])
        return None
    card = published_card(path)
    have = {"arch": card.arch, **card.preprocess.model_dump()}
    want = {"arch": arch, **spec.model_dump()}
    differ = [f"{k} {have[k]!r} (this run: {want[k]!r})" for k in have if have[k] != want[k]]
    if differ:
        raise OnnxWeightsError(f"{path.name} was trained with {', '.join(differ)}; pass the "
                               f"matching options (--arch, --input-size, --mode, ...)")
    load_onnx_weights(model, path)
    seen = recalibrate_batchnorm(model, itertools.islice(train_loader, calibrate_batches), device)
    images = next(iter(val_loader))[0][:16]
    diff = onnx_parity(model.cpu(), path, images)
    model.to(device)
    print(f"--init {path.name} ({card.version}): BatchNorm rebuilt on {seen} training images, "
          f"largest logit difference to onnxruntime {diff:.2e}")
    if diff > 1e-3:
        raise OnnxWeightsError(f"{path.name}: the torch copy differs from the ONNX file by {diff:.3g} "
                               "in the logits; it is not this architecture's export")
    return card.version
