"""Pictures for people: lesson assets per puppet, a poses overview, dataset contact sheets.

The lesson screen needs two pictures per puppet: the clean shadow to aim for and the hands that
make it (drawn, since a shadow alone does not show which finger goes where). The practice screen's
shape feedback needs the same shadow as a part map (which pixels are the ears, the jaw, ...) and
the hint sentences for its parts. A contact sheet lets a person judge a generated dataset at a
glance before hours of training go into it.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import asdict, replace
from pathlib import Path

import cv2
import numpy as np

from ombro_contract.labels import PUPPETS

from .hand import hand_parts, local_point
from .hints import hint_for
from .parts import PARTS
from .poses import FORMS, POSES, PuppetPose
from .raster import bounds, draw_hands, draw_labels, draw_mask, similarity
from .render import PoseSample, _labelled_parts, reference_sample, render_photo

ASSET_SIZE = (480, 360)  # 4:3 like the camera frames
# The part map's lesson frame (the silhouette picture at half size: the app aligns at 80x60 to
# 160x120) and the margin around it, one frame on every side, so the forearm runs on past the
# frame's edge instead of ending in a straight cut: a student who shows more arm than the picture
# does is not told that the arm is "extra".
PARTS_FRAME = (240, 180)
PARTS_MARGIN = 1.0
_SKIN = (150, 178, 222)  # BGR
_PNG = [cv2.IMWRITE_PNG_COMPRESSION, 6]
_FONT = cv2.FONT_HERSHEY_SIMPLEX


def _reference_transform(puppet: str | PuppetPose, size: tuple[int, int], fill: float = 0.8):
    if isinstance(puppet, str):
        sample = reference_sample(puppet)
    else:
        sample = replace(reference_sample("dog"), pose=puppet)
    parts = [p for hand in sample.pose.hands for p in hand_parts(hand, sample.props)]
    lo, hi = bounds(parts)
    w, h = size
    k = fill * min(w / max(hi[0] - lo[0], 1e-3), h / max(hi[1] - lo[1], 1e-3))
    m = similarity(k, 0.0, False, (lo + hi) / 2, (w / 2, h / 2))
    holes = [(local_point(sample.pose.hands[o.hand], sample.props, (o.x, o.y, o.z)), o.radius)
             for o in sample.pose.holes]
    return parts, holes, m


def reference_silhouette(puppet: str, size: tuple[int, int] = ASSET_SIZE) -> np.ndarray:
    """The target shadow: black on white, uint8 (H, W)."""
    parts, holes, m = _reference_transform(puppet, size)
    mask = draw_mask(parts, holes, m, size)
    return (255.0 * (1.0 - mask) + 0.5).astype(np.uint8)


def howto_picture(puppet: str, size: tuple[int, int] = ASSET_SIZE,
                  caption: bool = True) -> np.ndarray:
    """The hands drawn over their faint shadow, with the pose's instructions underneath."""
    w, h = size
    parts, holes, m = _reference_transform(puppet, size, fill=0.72)
    canvas = np.full((h, w, 3), 242, np.uint8)
    shadow = draw_mask(parts, holes, m, size)
    shift = np.float32([[1, 0, w * 0.03], [0, 1, h * 0.03]])
    shadow = cv2.warpAffine(shadow, shift, size)
    canvas = (canvas * (1.0 - 0.22 * shadow[..., None])).astype(np.uint8)
    draw_hands(canvas, parts, m, _SKIN)
    cv2.putText(canvas, puppet, (10, 28), _FONT, 0.8, (40, 40, 40), 2, cv2.LINE_AA)
    if not caption:
        return canvas
    lines = textwrap.wrap(POSES[puppet].howto, width=62)
    band = np.full((18 * len(lines) + 12, w, 3), 255, np.uint8)
    for i, line in enumerate(lines):
        cv2.putText(band, line, (8, 20 + 18 * i), _FONT, 0.42, (30, 30, 30), 1, cv2.LINE_AA)
    return np.vstack([canvas, band])


def reference_part_map(puppet: str, frame: tuple[int, int] = PARTS_FRAME,
                       margin: float = PARTS_MARGIN) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The lesson's shadow as part ids (uint8, `parts.PARTS`), framed exactly like
    `reference_silhouette` but on a canvas `margin` frames wider on every side.

    Returns the map and the lesson frame's box in it (x, y, width, height).
    """
    w, h = frame
    x0, y0 = round(w * margin), round(h * margin)
    parts, holes, m = _reference_transform(puppet, frame)
    _, labels = _labelled_parts(reference_sample(puppet))
    m = m.copy()
    m[:, 2] += (x0, y0)
    ids = draw_labels(parts, labels, holes, m, (w + 2 * x0, h + 2 * y0))
    return ids, (x0, y0, w, h)


def forearm_parts(puppet: str) -> set[str]:
    """Parts of the lesson form cast by a forearm alone (a swan's neck, a snake's body)."""
    parts, labels = _labelled_parts(reference_sample(puppet))
    by_arm = {PARTS[i] for i in labels}
    for part, label in zip(parts, labels):
        if part.name not in ("forearm", "sleeve"):
            by_arm.discard(PARTS[label])
    return by_arm


def part_table(puppet: str, ids: np.ndarray, frame_box: tuple[int, int, int, int],
               generator_version: str = "") -> dict:
    """What `<puppet>_parts.json` holds: how to read the part map, and the hints of its parts
    (`{"ears": {"missing": "...", "extra": "..."}}`).

    Parts cast by a forearm alone get no hint, like the arm: the pose's forearm ends where the
    generator stops drawing it, a real one goes on to the elbow, and how much of it shows is the
    camera's framing, not a mistake of the hand.
    """
    present = {PARTS[i] for i in np.unique(ids).tolist() if i} - forearm_parts(puppet)
    hints = {part: asdict(h) for part in sorted(present, key=PARTS.index)
             if (h := hint_for(puppet, part)) is not None}
    return {
        "puppet": puppet,
        "form": POSES[puppet].name,
        "generator_version": generator_version,
        "canvas": [int(ids.shape[1]), int(ids.shape[0])],
        "frame": list(frame_box),
        "parts": list(PARTS),
        "hints": hints,
    }


def write_reference_assets(out_dir: str | Path, generator_version: str = "") -> list[Path]:
    """Per puppet (the app ships these with its lessons): `<puppet>_silhouette.png` and
    `<puppet>_howto.png` for the lesson screen, `<puppet>_parts.png` (part ids, see
    `reference_part_map`) and `<puppet>_parts.json` (`part_table`) for the practice screen's
    shape feedback. Returns the written paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for puppet in PUPPETS:
        ids, box = reference_part_map(puppet)
        for suffix, img in (("silhouette", reference_silhouette(puppet)),
                            ("howto", howto_picture(puppet)), ("parts", ids)):
            path = out / f"{puppet}_{suffix}.png"
            if not cv2.imwrite(str(path), img, [cv2.IMWRITE_PNG_COMPRESSION, 9]
                               if suffix == "parts" else _PNG):
                raise OSError(f"could not write {path}")
            written.append(path)
        path = out / f"{puppet}_parts.json"
        table = part_table(puppet, ids, box, generator_version)
        path.write_text(json.dumps(table, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


def write_overview(path: str | Path, columns: int = 3) -> Path:
    """All 15 poses in one picture: each the drawn hands beside the shadow they cast."""
    tile = (320, 240)
    tiles = []
    for puppet in PUPPETS:
        sil = cv2.cvtColor(reference_silhouette(puppet, tile), cv2.COLOR_GRAY2BGR)
        how = howto_picture(puppet, tile, caption=False)
        pair = np.hstack([how, sil])
        cv2.rectangle(pair, (0, 0), (pair.shape[1] - 1, pair.shape[0] - 1), (180, 180, 180), 1)
        tiles.append(pair)
    rows = [np.hstack(tiles[i:i + columns]) for i in range(0, len(tiles), columns)]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.vstack(rows), _PNG)
    return path


def _label(text: str, height: int, width: int = 90) -> np.ndarray:
    cell = np.full((height, width, 3), 255, np.uint8)
    cv2.putText(cell, text, (6, height // 2 + 5), _FONT, 0.5, (20, 20, 20), 1, cv2.LINE_AA)
    return cell


def write_contact_sheet(dataset_dir: str | Path, path: str | Path, per_row: int = 8,
                        thumb: tuple[int, int] = (128, 96), compact: bool = False) -> Path:
    """A grid: one row per puppet (then 'none'), the first `per_row` training images of each.

    `compact` stores it with a 128-colour palette (about 5x smaller), for copies kept in git.
    """
    root = Path(dataset_dir)
    rows = []
    groups = [(p, root / "train" / p) for p in PUPPETS] + [("none", root / "none" / "train")]
    for name, folder in groups:
        files = sorted(folder.glob("*.png"))[:per_row] if folder.is_dir() else []
        if not files:
            continue
        cells = [_label(name, thumb[1])]
        for f in files:
            img = cv2.imread(str(f), cv2.IMREAD_COLOR)
            cells.append(cv2.resize(img, thumb, interpolation=cv2.INTER_AREA))
        cells += [np.full((thumb[1], thumb[0], 3), 255, np.uint8)] * (per_row + 1 - len(cells))
        rows.append(np.hstack(cells))
    if not rows:
        raise FileNotFoundError(f"no images under {root}/train or {root}/none/train: "
                                "generate a dataset first (training/synth.py --out ...)")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet = np.vstack(rows)
    if compact:
        from PIL import Image

        rgb = Image.fromarray(cv2.cvtColor(sheet, cv2.COLOR_BGR2RGB))
        rgb.quantize(colors=128, dither=Image.Dither.NONE).save(path, optimize=True)
    else:
        cv2.imwrite(str(path), sheet, _PNG)
    return path


# One colour per part for part-map pictures (BGR); wall is white.
PART_COLOURS = np.array(
    [(255, 255, 255), (150, 150, 150), (60, 60, 60), (110, 90, 70), (40, 40, 220), (0, 140, 255),
     (20, 100, 160), (0, 200, 230), (200, 60, 200), (60, 160, 60), (150, 60, 20), (200, 150, 50),
     (80, 40, 120), (160, 200, 0), (120, 120, 0), (230, 120, 120), (40, 40, 140), (200, 200, 120),
     (180, 180, 180), (210, 210, 210)], np.uint8)
assert len(PART_COLOURS) == len(PARTS)


def part_picture(puppet: str, form: PuppetPose, size: tuple[int, int]) -> np.ndarray:
    """The form's shadow coloured by animal part (BGR), with a legend of the parts it has."""
    parts, holes, m = _reference_transform(form, size)
    sample = PoseSample(form, reference_sample(puppet).props, reference_sample(puppet).placement,
                        puppet)
    _, labels = _labelled_parts(sample)
    ids = draw_labels(parts, labels, holes, m, size)
    pic = PART_COLOURS[ids]
    for i, pid in enumerate(sorted(set(np.unique(ids).tolist()) - {0})):
        y = 14 + 14 * i
        cv2.rectangle(pic, (4, y - 9), (14, y + 1), PART_COLOURS[pid].tolist(), -1)
        cv2.putText(pic, PARTS[pid], (18, y), _FONT, 0.38, (20, 20, 20), 1, cv2.LINE_AA)
    return pic


def write_forms_sheet(path: str | Path, puppets: tuple[str, ...] = PUPPETS, samples: int = 3,
                      seed: int = 0, photos: str | Path | None = None) -> Path:
    """Every form of every puppet, one row each: the hands, the shadow, the part map, and a few
    generated photos of it; for judging the pose catalogue against real shadows.

    With `photos` (a folder of `<puppet>.<ext>` shadow photos, such as the shared real ones) each
    row starts with that puppet's photo as the network sees it (the contract's silhouette): the
    generator 3.5.0 llama came from seeing every llama form beside the real llama's silhouette,
    thin edge-on hands against a broad head with tall ears."""
    tile = (240, 180)
    photo_of = _photos_by_puppet(Path(photos)) if photos is not None else None
    rows = []
    for puppet in puppets:
        real = _photo_silhouette(photo_of.get(puppet), puppet, tile) if photo_of is not None else None
        for k, form in enumerate(FORMS[puppet]):
            how = howto_picture(puppet, tile, caption=False) if k == 0 else _draw_form(form, tile)
            parts, holes, m = _reference_transform(form, tile)
            sil = (255.0 * (1.0 - draw_mask(parts, holes, m, tile)) + 0.5).astype(np.uint8)
            cells = [how, cv2.cvtColor(sil, cv2.COLOR_GRAY2BGR), part_picture(puppet, form, tile)]
            rng = np.random.default_rng([seed, PUPPETS.index(puppet), k])
            for _ in range(samples):
                photo = render_photo(puppet, rng, tile[0], form=form).image
                cells.append(cv2.resize(photo, tile, interpolation=cv2.INTER_AREA))
            row = np.hstack(([real] if real is not None else []) + cells)
            label = f"{puppet} {k + 1}/{len(FORMS[puppet])}: {form.name}  [{form.source}]"
            cv2.rectangle(row, (0, tile[1] - 18), (row.shape[1], tile[1]), (255, 255, 255), -1)
            cv2.putText(row, label, (6, tile[1] - 5), _FONT, 0.45, (20, 20, 20), 1, cv2.LINE_AA)
            rows.append(row)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.vstack(rows), _PNG)
    return path


def _photos_by_puppet(folder: Path) -> dict[str, Path]:
    """The first labelled photo of each puppet, read the way every scoring tool reads one
    (`training.evaluate.labelled_images`: `<puppet>.<ext>` files or class folders)."""
    from training.evaluate import labelled_images  # matplotlib and sklearn: only when asked

    found: dict[str, Path] = {}
    for path, label in labelled_images(folder):
        found.setdefault(PUPPETS[label], path)
    return found


def _photo_silhouette(path: Path | None, puppet: str, size: tuple[int, int]) -> np.ndarray:
    """The photo through the contract's silhouette step, as the network sees it (grey: none)."""
    from ombro_contract.preprocess import load_image, silhouette_image

    cell = np.full((size[1], size[0], 3), 200, np.uint8)
    if path is None:
        cv2.putText(cell, f"no {puppet} photo", (6, 20), _FONT, 0.45, (20, 20, 20), 1, cv2.LINE_AA)
        return cell
    sil = cv2.resize(silhouette_image(load_image(path)), size, interpolation=cv2.INTER_AREA)
    cell[:] = sil[..., None] if sil.ndim == 2 else sil
    cv2.putText(cell, "photo", (6, 20), _FONT, 0.45, (0, 0, 200), 1, cv2.LINE_AA)
    return cell


def _draw_form(form: PuppetPose, size: tuple[int, int]) -> np.ndarray:
    w, h = size
    parts, _, m = _reference_transform(form, size, fill=0.72)
    canvas = np.full((h, w, 3), 242, np.uint8)
    draw_hands(canvas, parts, m, _SKIN)
    return canvas




def write_forms_grid(path: str | Path, tile: tuple[int, int] = (160, 120)) -> Path:
    """Every form of every puppet as shadow + part map pairs, one row per puppet (the docs'
    picture of the pose catalogue; palette-compressed for git)."""
    from PIL import Image

    rows, width = [], 0
    for puppet in PUPPETS:
        cells = []
        for k, form in enumerate(FORMS[puppet]):
            parts, holes, m = _reference_transform(form, tile)
            sil = (255.0 * (1.0 - draw_mask(parts, holes, m, tile)) + 0.5).astype(np.uint8)
            pair = np.hstack([cv2.cvtColor(sil, cv2.COLOR_GRAY2BGR),
                              part_picture(puppet, form, tile)])
            cv2.putText(pair, f"{puppet} {k + 1}", (4, tile[1] - 6), _FONT, 0.4, (0, 0, 200), 1,
                        cv2.LINE_AA)
            cv2.rectangle(pair, (0, 0), (pair.shape[1] - 1, pair.shape[0] - 1), (190,) * 3, 1)
            cells.append(pair)
        row = np.hstack(cells)
        width = max(width, row.shape[1])
        rows.append(row)
    rows = [np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rgb = Image.fromarray(cv2.cvtColor(np.vstack(rows), cv2.COLOR_BGR2RGB))
    rgb.quantize(colors=64, dither=Image.Dither.NONE).save(path, optimize=True)
    return path
