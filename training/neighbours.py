"""Which generated shadows a model finds most like each real photo (nearest neighbours).

    python training/neighbours.py models/mobilenet_v2.onnx --data data/synth-v3.5.0-s0-n1000/train
    python training/neighbours.py MODEL.onnx --data DIR --photos DIR --k 10 --picture /tmp/nn.png

A photo the model gets wrong is either a generator gap (no generated frame looks like it) or a
labelling gap (generated frames of another puppet look like it). The shape statistics of
`benchmarks/bench_realism.py` cannot tell these apart, and matching them did not move the photos
(docs/training.md, generator 3.3.0). This embeds the photos and a sample of generated frames with
the model's own penultimate layer (the input of its last Gemm or MatMul, through the card's
preprocessing), and prints for each photo which puppets its `--k` nearest generated frames are,
and how close the nearest is (cosine), and, for frames this checkout's generator made, which
of the puppet's forms each one shows (`synth.generated_form`). `--picture` draws each photo's
silhouette beside its nearest frames'. For the MobileNetV2 on generator 3.2.0 the deer photo's ten nearest frames were
all moose and the llama photo's nine of ten horses: that generator made moose that looked like
that deer and horses that look like that llama (3.4.0 separated the deer's antlers from the
moose's, 3.5.0 gave the llama a horse's broad head with tall ears; docs/training.md).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):  # `python training/neighbours.py` from the repo root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2
import numpy as np
import onnx
import onnxruntime as ort

from ombro_contract.card import load_verified
from ombro_contract.errors import OmbroError
from ombro_contract.labels import PUPPETS
from ombro_contract.preprocess import PreprocessSpec, load_image, preprocess_batch, silhouette_image
from training.evaluate import labelled_images, photos_folder
from training.synth import generated_form


class FeatureModel:
    """An exported classifier that returns its penultimate features instead of its logits."""

    def __init__(self, path: Path):
        self.spec: PreprocessSpec = load_verified(path).preprocess  # checksum and contract
        model = onnx.load(str(path))
        heads = [n for n in model.graph.node if n.op_type in ("Gemm", "MatMul")]
        if not heads:
            raise OmbroError(f"{path} has no Gemm or MatMul layer to take features before")
        self.output = heads[-1].input[0]
        model.graph.output.append(
            onnx.helper.make_tensor_value_info(self.output, onnx.TensorProto.FLOAT, None))
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        self.session = ort.InferenceSession(model.SerializeToString(), options,
                                            providers=["CPUExecutionProvider"])
        self.input = self.session.get_inputs()[0].name

    def embed(self, paths: list[Path], batch: int = 64) -> np.ndarray:
        """Unit-length feature rows, one per image."""
        out = []
        for i in range(0, len(paths), batch):
            x = preprocess_batch([load_image(p) for p in paths[i:i + batch]], self.spec)
            f = self.session.run([self.output], {self.input: x})[0]
            out.append(f.reshape(len(x), -1))
        feats = np.concatenate(out)
        return feats / np.maximum(np.linalg.norm(feats, axis=1, keepdims=True), 1e-12)


def nearest(model_path: Path, photos: Path, data: Path, n: int = 3000, k: int = 10,
            seed: int = 0) -> list[dict]:
    """Per photo: its puppet, the `k` nearest generated frames (path, puppet, cosine; nearest
    first) among `n` drawn from `data` (class folders), and their puppets counted."""
    if k < 1 or n < 1:
        raise ValueError("k and n must be at least 1")
    pool = labelled_images(data)
    if len(pool) > n:
        keep = np.random.default_rng(seed).choice(len(pool), n, replace=False)
        pool = [pool[i] for i in sorted(keep)]
    shots = labelled_images(photos)
    model = FeatureModel(model_path)
    sims = model.embed([p for p, _ in shots]) @ model.embed([p for p, _ in pool]).T
    results = []
    for (photo, label), row in zip(shots, sims):
        order = np.argsort(-row, kind="stable")[:k]
        near = [{"path": pool[i][0], "puppet": PUPPETS[pool[i][1]], "cosine": float(row[i]),
                 "form": _form(pool[i][0])} for i in order]
        results.append({"photo": photo, "puppet": PUPPETS[label], "neighbours": near,
                        "counts": Counter(x["puppet"] for x in near),
                        "forms": Counter(f"{x['puppet']} {x['form']}" for x in near if x["form"])})
    return results


def _form(path: Path) -> int | None:
    """The generator form a frame shows (`synth.generated_form`: rendered again from its seed),
    None for frames this checkout's generator did not make."""
    found = generated_form(path)
    return found[1] if found else None


def format_report(results: list[dict]) -> str:
    k = len(results[0]["neighbours"])
    lines = [f"{'photo':14s} {'own':>5s} {'nearest':>7s}  the {k} nearest generated frames"]
    for r in results:
        own = r["counts"].get(r["puppet"], 0)
        counts = ", ".join(f"{p} {c}" for p, c in r["counts"].most_common())
        lines.append(f"{r['photo'].name[:14]:14s} {own:>2d}/{k:<2d} "
                     f"{r['neighbours'][0]['cosine']:7.2f}  {counts}")
        if r["forms"]:
            lines.append(f"{'':31s}forms: " + ", ".join(f"{f} x{c}" for f, c in r["forms"].most_common()))
    lines.append("own: how many of them are the photo's puppet; nearest: cosine of the closest")
    if any(r["forms"] for r in results):
        lines.append("forms: puppet and form number (docs/generator.md's pose table), for frames "
                     "this generator made")
    return "\n".join(lines)


def draw(results: list[dict], spec: PreprocessSpec, path: Path, shown: int = 8,
         tile: int = 96) -> Path:
    """One row per photo: its silhouette, a grey bar, then its nearest frames' silhouettes
    (the first `shown`), each framed green where it is the photo's puppet and red where not."""
    def sil(p: Path) -> np.ndarray:
        mask = cv2.resize(silhouette_image(load_image(p), spec), (tile, tile))
        return cv2.cvtColor(mask, cv2.COLOR_GRAY2BGR)

    rows = []
    for r in results:
        cells = [sil(r["photo"]), np.full((tile, 6, 3), 128, np.uint8)]
        for x in r["neighbours"][:shown]:
            colour = (0, 160, 0) if x["puppet"] == r["puppet"] else (0, 0, 200)
            cells.append(cv2.rectangle(sil(x["path"]), (0, 0), (tile - 1, tile - 1), colour, 3))
        cells += [np.full((tile, tile, 3), 255, np.uint8)] * (shown + 2 - len(cells))
        rows.append(np.hstack(cells))
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.vstack(rows))
    return path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("model", type=Path, help="an exported .onnx file (with its card)")
    p.add_argument("--data", type=Path, required=True,
                   help="generated frames in class folders, e.g. data/synth-v3.5.0-s0-n1000/train")
    p.add_argument("--photos", type=Path, default=None,
                   help="labelled photos (default: ../shared/real-shadows)")
    p.add_argument("--n", type=int, default=3000, help="generated frames drawn from --data")
    p.add_argument("--k", type=int, default=10, help="neighbours per photo")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--picture", type=Path, default=None, help="also draw the neighbours here")
    args = p.parse_args(argv)
    try:
        results = nearest(args.model, photos_folder(args.photos, "--photos"), args.data, n=args.n,
                          k=args.k, seed=args.seed)
    except (OmbroError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_report(results))
    if args.picture:
        print(f"wrote {draw(results, load_verified(args.model).preprocess, args.picture)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
