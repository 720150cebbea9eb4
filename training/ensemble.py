"""Merge published models of one architecture into one ONNX file that averages them.

    python training/ensemble.py models/resnet34.onnx runs/r34-s1/onnx/resnet34.onnx \\
        --data data/synth-v3.8.2-s0-n1000 --out /tmp/r34x2 --name resnet34

Why: two retrains that differ only in `--seed` (new data, new initial weights) differ by one to
two real photos of top-1, and averaging their probabilities removes part of each answer that is
the draw (docs/training.md: about a photo over the seeds' mean for the MobileNetV2, 0.1-0.3 and
under the better seed for two ResNet34s, so no ensemble ships today). The app runs one network,
but the server's `/score` is the accuracy path and can afford a second one. One file that holds
every member keeps the registry, the model store, the card checks and every client unchanged:
its input is the members' input, its output `probs` is the mean of their softmaxes (the card
says `outputs: probs`), and onnxruntime runs the members in one call on one preprocessed batch.

The members must read the same input (preprocessing spec and shape) and name the same classes
in the same order; the merged file is checked with `onnx.checker`, its output is compared with
the members' own mean on generated val images (`onnx_parity_max_abs_diff`), and its card is
measured like `training/export.py`'s (val, the real photos, camera views).
"""

from __future__ import annotations

import argparse
import copy
import sys
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import onnx
from onnx import TensorProto, helper

from ombro_contract.card import ModelCard, card_path_for, load_verified, write_card
from ombro_contract.classifier import PuppetClassifier
from ombro_contract.errors import OmbroError
from ombro_contract.int8 import max_weight_level
from ombro_contract.paths import model_filename
from ombro_contract.preprocess import preprocess_batch
from training.export import (
    FP32_TOLERANCE,
    card_metrics,
    check_training_data,
    git_commit,
    measure,
    sample_bgr,
)


class EnsembleError(OmbroError):
    """The members cannot be merged into one model."""


def merge_graphs(members: list[onnx.ModelProto], outputs: list[str], n_classes: int,
                 input_name: str = "input", output_name: str = "probs") -> onnx.ModelProto:
    """One model whose `output_name` is the mean of the members' probabilities.

    `outputs[i]` says what member i gives: "logits" (a Softmax is added) or "probs". Every
    member's nodes, initialisers and intermediate names get the prefix `m<i>/`; the shared
    input keeps its name.
    """
    nodes, inits, infos, probs = [], [], [], []
    opsets: dict[str, int] = {}
    for i, (model, kind) in enumerate(zip(members, outputs, strict=True)):
        g = model.graph
        if model.functions or g.sparse_initializer or any(
                a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS)
                for n in g.node for a in n.attribute):
            raise EnsembleError(f"member {i} has functions, sparse weights or subgraphs, which "
                                "this merge does not rename; export it again as a plain graph")
        if [x.name for x in g.input] != [input_name] or len(g.output) != 1:
            raise EnsembleError(f"member {i} must have one input named {input_name!r} and one "
                                f"output; it has inputs {[x.name for x in g.input]} and "
                                f"{len(g.output)} outputs")
        prefix = f"m{i}/"

        def rename(name: str, prefix: str = prefix) -> str:
            return name if name in ("", input_name) else prefix + name

        for init in g.initializer:
            new = copy.deepcopy(init)
            new.name = rename(init.name)
            inits.append(new)
        for j, node in enumerate(g.node):
            new = copy.deepcopy(node)
            new.name = prefix + (node.name or f"node{j}")  # onnxruntime wants unique names
            new.input[:] = [rename(x) for x in node.input]
            new.output[:] = [rename(x) for x in node.output]
            nodes.append(new)
        for info in g.value_info:
            new = copy.deepcopy(info)
            new.name = rename(info.name)
            infos.append(new)
        out = rename(g.output[0].name)
        if kind == "logits":
            nodes.append(helper.make_node("Softmax", [out], [prefix + "probs"], axis=-1,
                                          name=prefix + "softmax"))
            out = prefix + "probs"
        probs.append(out)
        for op in model.opset_import:
            opsets[op.domain] = max(opsets.get(op.domain, 0), op.version)
    nodes.append(helper.make_node("Mean", probs, [output_name], name="ensemble_mean"))
    batch = members[0].graph.input[0].type.tensor_type.shape.dim[0]
    out_info = helper.make_tensor_value_info(
        output_name, TensorProto.FLOAT, [batch.dim_param or batch.dim_value or "batch", n_classes])
    graph = helper.make_graph(nodes, "ombro_ensemble", [copy.deepcopy(members[0].graph.input[0])],
                              [out_info], initializer=inits, value_info=infos)
    merged = helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v)
                                                     for d, v in sorted(opsets.items())])
    merged.ir_version = max(m.ir_version for m in members)
    onnx.checker.check_model(merged)
    return merged


def member_cards(paths: list[Path]) -> list[ModelCard]:
    """The members' verified cards, refused unless they read the same input and classes."""
    cards = [load_verified(p) for p in paths]
    first = cards[0]
    for path, card in zip(paths[1:], cards[1:], strict=True):
        if card.preprocess != first.preprocess or tuple(card.input_shape) != tuple(first.input_shape):
            raise EnsembleError(f"{path.name} ({card.version}) reads another input than "
                                f"{paths[0].name} ({first.version}); members must share the spec")
        if card.classes != first.classes:
            raise EnsembleError(f"{path.name} names other classes than {paths[0].name}")
        if card.arch != first.arch or card.quantization != first.quantization:
            raise EnsembleError(f"{path.name} is a {card.arch} {card.quantization} model and "
                                f"{paths[0].name} a {first.arch} {first.quantization} one; merge "
                                "one architecture and one quantisation at a time")
    return cards


def mean_parity(paths: list[Path], merged: Path, images: list[np.ndarray], cards) -> float:
    """Max abs difference between the merged file and the mean of its members, run alone."""
    batch = preprocess_batch(images, cards[0].preprocess)
    want = np.mean([PuppetClassifier(p, c).run(batch) for p, c in zip(paths, cards, strict=True)],
                   axis=0)
    got = PuppetClassifier(merged, load_verified(merged)).run(batch)
    return float(np.abs(want - got).max())


def ensemble(paths: list[Path], data_root: Path, out: Path, name: str | None = None,
             version: str | None = None) -> Path:
    if len(paths) < 2:
        raise EnsembleError("an ensemble needs two or more member files")
    cards = member_cards(paths)
    first = cards[0]
    check_training_data(paths[0].name, first, data_root, ("val",))
    commit = git_commit()
    stamp = datetime.now(UTC)
    quant = "-int8" if first.quantization == "int8" else ""
    version = version or (f"{first.arch}x{len(paths)}-{stamp:%Y%m%d.%H%M}"
                          + (f"-{commit[:7]}" if commit else "") + quant)
    stem = name or f"{first.arch}x{len(paths)}"
    out.mkdir(parents=True, exist_ok=True)
    merged = merge_graphs([onnx.load(str(p)) for p in paths], [c.outputs for c in cards],
                          len(first.classes), first.input_name)
    final = out / model_filename(stem, first.quantization)
    tmp = out / f".{stem}.ensemble.onnx"
    onnx.save(merged, str(tmp))
    tmp.replace(final)
    members = [{"version": c.version, "sha256": c.sha256, "dataset": c.dataset,
                "training_commit": c.training_commit, "epoch": c.metrics.get("epoch")}
               for c in cards]
    card = first.model_copy(update=dict(  # noqa: C408 -- keyword style reads as a card
        name=f"{first.name} ({len(paths)}-member average)", version=version,
        output_name="probs", outputs="probs", created=stamp, training_commit=commit,
        dataset=" + ".join(c.dataset for c in cards), metrics={},
        notes=f"the mean probability of {len(paths)} members: "
              + ", ".join(c.version for c in cards)))
    write_card(final, card)
    diff = mean_parity(paths, final, sample_bgr(data_root / "val", 32, seed=1), cards)
    print(f"onnx.checker: ok; merged vs the members' mean on 32 val images: max abs diff "
          f"{diff:.2e} (tolerance {FP32_TOLERANCE:g})")
    if not diff <= FP32_TOLERANCE:
        final.unlink()
        card_path_for(final).unlink(missing_ok=True)
        raise EnsembleError(f"the merged model differs from its members' mean by {diff:.2e}")
    val, real = measure(final, card, data_root)
    extra = {"onnx_parity_max_abs_diff": diff, "members": members,
             "generator_version": first.metrics.get("generator_version")}
    if first.quantization == "int8":  # the registry refuses levels past 7 bits (ombro_contract.int8)
        extra["max_weight_level"] = max_weight_level(final)
    write_card(final, card.model_copy(update={"metrics": card_metrics(val, real, extra)}))
    return final


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Merge published models into one averaging ONNX file.")
    p.add_argument("members", type=Path, nargs="+", help="published .onnx files with their cards")
    p.add_argument("--data", type=Path, required=True,
                   help="the dataset the first member was trained on (its val/ is measured)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--name", default=None, help="file stem (default: <arch>x<N>)")
    p.add_argument("--version", default=None, help="card version (default: <arch>x<N>-date-commit)")
    args = p.parse_args(argv)
    try:
        ensemble(args.members, args.data, args.out, args.name, args.version)
    except OmbroError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
