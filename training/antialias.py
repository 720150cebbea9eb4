"""Anti-aliased downsampling for the MobileNetV2 (Zhang 2019, "Making convolutional networks
shift-invariant again", ICML).

Why: on the real photos the app's MobileNetV2 loses most of what it loses to geometry, a few
degrees of tilt or a phone a tenth closer (docs/training.md, "Which part of a camera view moves
the answers"), where the ResNet34 barely moves. A strided convolution samples its input without a
low-pass filter first, so the same outline moved by one pixel can land on a different answer.
Zhang's fix keeps every weight and only moves the stride: each stride-2 convolution runs at
stride 1, then its activation, then a fixed binomial blur subsamples by 2 (conv -> ReLU ->
BlurPool). The blur is a depthwise convolution with constant weights, so ONNX export, static
int8 quantisation, onnxruntime and `cv2.dnn` take it as they take any other convolution.

torchvision has no anti-aliased models and the reference implementation (`antialiased-cnns`)
is unmaintained since 2021 and pins torchvision internals, so the layer lives here: a dozen lines.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models.mobilenetv2 import InvertedResidual

# Binomial filters (rows of Pascal's triangle); Zhang's default is 3 or 4.
FILTERS = {2: [1.0, 1.0], 3: [1.0, 2.0, 1.0], 4: [1.0, 3.0, 3.0, 1.0],
           5: [1.0, 4.0, 6.0, 4.0, 1.0]}


class BlurPool2d(nn.Module):
    """Blur with a fixed binomial filter, then keep every `stride`-th pixel.

    The filter is a buffer, not a parameter: the optimiser never sees it, and the state dict
    carries it so a checkpoint reloads the same network."""

    def __init__(self, channels: int, filter_size: int = 3, stride: int = 2):
        super().__init__()
        if filter_size not in FILTERS:
            raise ValueError(f"blur filter size {filter_size} not in {sorted(FILTERS)}")
        a = torch.tensor(FILTERS[filter_size])
        kernel = a[:, None] * a[None, :]
        kernel = kernel / kernel.sum()
        self.register_buffer("kernel", kernel[None, None].repeat(channels, 1, 1, 1))
        self.channels, self.filter_size, self.stride = channels, filter_size, stride
        # Asymmetric for even sizes, as in the paper: the output grid stays that of a stride-2 conv.
        left = (filter_size - 1) // 2
        self.pad = (left, filter_size - 1 - left, left, filter_size - 1 - left)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Replicate, not reflect: the same shadow touching the frame edge stays dark to the edge
        # (and onnxruntime's int8 path handles edge padding like any Pad).
        x = F.pad(x, self.pad, mode="replicate")
        return F.conv2d(x, self.kernel, stride=self.stride, groups=self.channels)

    def extra_repr(self) -> str:
        return f"channels={self.channels}, filter_size={self.filter_size}, stride={self.stride}"


def _antialias_block(block: nn.Sequential, filter_size: int) -> nn.Sequential:
    """Conv2dNormActivation(stride 2) -> the same at stride 1, then BlurPool after its activation."""
    conv = block[0]
    conv.stride = (1, 1)
    return nn.Sequential(*block, BlurPool2d(conv.out_channels, filter_size))


def antialias_mobilenet_v2(model: nn.Module, filter_size: int = 3) -> nn.Module:
    """Rewrite a torchvision MobileNetV2 in place so every stride-2 step blurs before it subsamples.

    The stem convolution and the depthwise convolution of each stride-2 inverted residual block
    (the only strided layers) become stride 1 + BlurPool; weights are untouched, so this applies to
    ImageNet weights as well as to a fresh network. Output shapes are those of the original."""
    if filter_size == 0:  # off: the plain network (any arch)
        return model
    features = model.features
    features[0] = _antialias_block(features[0], filter_size)
    n_blocks = 0
    for block in features:
        if not isinstance(block, InvertedResidual) or block.stride != 2:
            continue
        layers = list(block.conv)
        # [expand 1x1,] depthwise 3x3 (stride 2), project 1x1, BN: the depthwise one has groups > 1
        i = next(k for k, m in enumerate(layers) if isinstance(m, nn.Sequential) and m[0].groups > 1)
        layers[i] = _antialias_block(layers[i], filter_size)
        block.conv = nn.Sequential(*layers)
        n_blocks += 1
    if n_blocks == 0:
        raise ValueError("no stride-2 inverted residual block found: is this torchvision's MobileNetV2?")
    return model
