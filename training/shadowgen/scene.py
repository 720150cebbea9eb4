"""From a shadow mask to a phone photo of a wall: light, wall, camera.

Real frames differ far more in their surroundings than in their puppets: white, grey and
coloured walls, candle to LED light, sharp dark shadows from a small lamp and faint grey ones
from a big near light, a spotlight disc with darkness around it, a tilted phone, noise and JPEG.
`Scene` holds everything that stays fixed for a clip (the room); `compose` adds the per-frame
camera effects on top.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# Wall albedos (BGR, 0-1) and how often each kind of wall appears.
_NEUTRAL_WALLS = [(0.93, 0.93, 0.93), (0.86, 0.87, 0.88), (0.80, 0.80, 0.80), (0.84, 0.90, 0.95),
                  (0.78, 0.84, 0.88), (0.92, 0.90, 0.88)]
_COLOURED_WALLS = [(0.05, 0.82, 0.97), (0.15, 0.60, 0.95), (0.95, 0.55, 0.62), (0.92, 0.85, 0.68),
                   (0.75, 0.55, 0.75), (0.60, 0.85, 0.65), (0.70, 0.75, 0.95), (0.90, 0.62, 0.42)]


@dataclass(frozen=True)
class Scene:
    """A room: wall colour and texture, the light and its spot, how the shadow forms."""

    albedo: tuple[float, float, float]
    light: tuple[float, float, float]  # light colour (BGR gain): temperature or a projector
    ambient: tuple[float, float, float]  # fill light (BGR) that reaches into the shadow
    brightness: float
    opacity: float  # how much of the direct light the hand blocks
    softness: float  # penumbra blur sigma as a fraction of the frame width
    spread: float  # shadow growth from a large or near light, fraction of the frame width
    spot: tuple[float, float, float, float, float, float] | None  # cx, cy, rx, ry, edge, outside
    gradient: tuple[float, float, float]  # direction (radians), strength, vignette
    texture_seed: int
    texture: float
    gamma: float


def kelvin_to_bgr(kelvin: float) -> tuple[float, float, float]:
    """Approximate white-balance gain of a black-body light (Tanner Helland's fit), as the
    phone's auto white balance leaves only part of the cast, so callers soften it."""
    t = kelvin / 100.0
    r = 255.0 if t <= 66 else 329.7 * (t - 60) ** -0.1332
    g = 99.47 * np.log(t) - 161.12 if t <= 66 else 288.1 * (t - 60) ** -0.0755
    b = 255.0 if t >= 66 else (0.0 if t <= 19 else 138.5 * np.log(t - 10) - 305.0)
    rgb = np.clip(np.array([r, g, b]) / 255.0, 0.05, 1.0)
    rgb = rgb / rgb.max()
    return float(rgb[2]), float(rgb[1]), float(rgb[0])


LIGHTINGS = ("spot", "vignette")
OFF_AIM_FRACTION = 0.3  # spotlit frames whose disc is wide and aimed past the hands


def sample_scene(rng: np.random.Generator, focus: tuple[float, float, float, float] | None = None,
                 lighting: str | None = None) -> Scene:
    """A random room. `focus` is the puppet's box (centre x, centre y, half width, half height,
    as fractions of the frame width and height): a performer aims the spotlight at the hands,
    so a spot's disc is centred near them and usually holds the whole animal.
    `lighting` picks the hard cases ('spot': a lit disc in a dark room; 'vignette': strong
    fall-off to the corners); the renderer decides how often (`render.SPOT_FRACTION`), since a
    spotlit puppet is also framed smaller."""
    if lighting is not None and lighting not in LIGHTINGS:
        raise ValueError(f"lighting must be one of {LIGHTINGS} or None, got {lighting!r}")
    if rng.random() < 0.65:
        albedo = _NEUTRAL_WALLS[rng.integers(len(_NEUTRAL_WALLS))]
    else:
        albedo = _COLOURED_WALLS[rng.integers(len(_COLOURED_WALLS))]
    albedo = tuple(float(np.clip(c + rng.normal(0, 0.04), 0.02, 1.0)) for c in albedo)
    kelvin = float(rng.choice([1900, 2700, 3500, 5000, 6000, 7000]) + rng.normal(0, 300))
    cast = kelvin_to_bgr(max(1500.0, kelvin))
    keep = rng.uniform(0.15, 0.6)  # the rest is corrected by auto white balance
    light = tuple(float(1 - keep + keep * c) for c in cast)
    ambient_level = float(rng.uniform(0.0, 0.12))
    ambient = (ambient_level,) * 3
    if rng.random() < 0.12:
        # A coloured projector on a pale wall: the lit wall takes its colour, the shadow stays
        # grey from the room's white fill light (the lilac and blue frames of HaSPeR).
        albedo = _NEUTRAL_WALLS[rng.integers(len(_NEUTRAL_WALLS))]
        light = tuple(float(c) for c in rng.uniform(0.35, 1.0, 3))
        ambient = (float(rng.uniform(0.1, 0.35)),) * 3
    sharp = rng.random() < 0.6
    opacity = float(rng.uniform(0.8, 0.98) if sharp else rng.uniform(0.45, 0.8))
    softness = float(rng.uniform(0.0, 0.005) if sharp else rng.uniform(0.002, 0.016))
    spot = None
    if lighting == "spot":
        # A lit disc in a dark room: the dark outside is often much darker than the shadow.
        fx, fy, hw, hh = focus if focus is not None else (0.5, 0.5, 0.3, 0.3)
        # Disc radii as fractions of the width (rx) and height (ry); most discs hold the whole
        # puppet, some are smaller and cut it (the arm, an ear) where their light ends.
        # Some spots are wide and aimed past the hands, which sit near the disc's edge with
        # the arm running off into the dark (the shared snail photo).
        off_aim = rng.random() < OFF_AIM_FRACTION
        if off_aim:
            grow = float(rng.uniform(1.6, 2.4))
        else:
            grow = float(rng.uniform(1.0, 1.6) if rng.random() < 0.8 else rng.uniform(0.6, 1.0))
        rx = float(np.clip(max(hw, 0.75 * hh) * 1.3 * grow, 0.25, 0.9))
        ry = float(np.clip(rx * rng.uniform(0.85, 1.3), 0.25, 0.9))
        cx, cy = fx + rng.normal(0.0, 0.05), fy + rng.normal(0.0, 0.05)
        if off_aim:
            a, d = rng.uniform(0.0, 2 * np.pi), rng.uniform(0.35, 0.55)
            cx, cy = fx + d * rx * np.cos(a), fy + d * ry * np.sin(a)
        spot = (float(cx), float(cy), rx, ry,
                float(rng.uniform(0.02, 0.15)), float(0.35 * rng.random() ** 2))
    strong = rng.random() < 0.3 or lighting == "vignette"
    vignette = float(rng.uniform(0.5, 0.9) if strong else rng.uniform(0.0, 0.5))
    gradient = (float(rng.uniform(0, 2 * np.pi)), float(rng.uniform(0.0, 0.4)), vignette)
    return Scene(
        albedo=albedo, light=light, ambient=ambient,
        # Real hands sit between a finite lamp and the wall, so most shadows are a little fatter
        # than the hand (the shared photos' limbs are ~15 % thicker than generator 3.0.0 drew).
        spread=float(0.0 if rng.random() < 0.3 else rng.uniform(0.002, 0.022)),
        brightness=float(rng.uniform(0.62, 1.0)), opacity=opacity, softness=softness,
        spot=spot, gradient=gradient, texture_seed=int(rng.integers(2**31)),
        texture=float(rng.uniform(0.0, 0.05)), gamma=float(rng.uniform(0.85, 1.2)),
    )


def _lighting(scene: Scene, w: int, h: int) -> np.ndarray:
    """Direct light reaching the wall (H, W) float32: spot disc or gradient plus vignette."""
    u = (np.arange(w, dtype=np.float32) / w)[None, :]
    v = (np.arange(h, dtype=np.float32) / h)[:, None]
    ang, strength, vignette = scene.gradient
    field = 1.0 - strength * (0.5 + (np.cos(ang) * (u - 0.5) + np.sin(ang) * (v - 0.5)))
    r2 = ((u - 0.5) ** 2 + ((v - 0.5) * h / w) ** 2) / 0.39
    field *= 1.0 - vignette * r2
    if scene.spot is not None:
        cx, cy, rx, ry, edge, outside = scene.spot
        d = np.sqrt(((u - cx) / rx) ** 2 + ((v - cy) / (ry * w / h)) ** 2)
        inside = np.clip((1.0 - d) / edge + 0.5, 0.0, 1.0)
        field = field * (outside + (1 - outside) * inside)
    return np.clip(np.broadcast_to(field, (h, w)), 0.0, 1.2).astype(np.float32)


def _texture(scene: Scene, w: int, h: int) -> np.ndarray:
    """Plaster/paper: blotches at a few scales plus fine grain, around 1.0."""
    rng = np.random.default_rng(scene.texture_seed)
    tex = np.zeros((h, w), np.float32)
    for cells, weight in ((4, 0.5), (12, 0.3), (40, 0.2)):
        small = rng.standard_normal((max(2, cells * h // w), cells), dtype=np.float32)
        tex += weight * cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    tex += 0.4 * rng.standard_normal((h, w), dtype=np.float32)
    return 1.0 + scene.texture * tex


def _clutter(img: np.ndarray, rng: np.random.Generator) -> None:
    """Something at the frame edge: a door frame, a bright window, a piece of furniture."""
    h, w = img.shape[:2]
    side = rng.integers(4)
    depth = float(rng.uniform(0.03, 0.14))
    colour = np.array(rng.uniform(0.02, 0.35, 3) if rng.random() < 0.7 else rng.uniform(0.7, 1, 3),
                      np.float32)
    if rng.random() < 0.6:
        if side == 0:
            img[:, : int(depth * w)] = colour
        elif side == 1:
            img[:, w - int(depth * w):] = colour
        elif side == 2:
            img[: int(depth * h)] = colour
        else:
            img[h - int(depth * h):] = colour
    else:
        cx = float(rng.choice([0.0, 1.0])) * w
        cy = float(rng.uniform(0.2, 1.0)) * h
        axes = (int(rng.uniform(0.06, 0.2) * w), int(rng.uniform(0.08, 0.25) * h))
        cv2.ellipse(img, (int(cx), int(cy)), axes, float(rng.uniform(0, 180)), 0, 360,
                    colour.tolist(), -1, cv2.LINE_AA)


def _perspective(w: int, h: int, rng: np.random.Generator, amount: float) -> np.ndarray:
    """A phone held not quite square to the wall: a random homography."""
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = src + rng.uniform(-amount, amount, (4, 2)).astype(np.float32) * np.float32([w, h])
    return cv2.getPerspectiveTransform(src, dst)


def _warp(img: np.ndarray, m: np.ndarray, nearest: bool = False) -> np.ndarray:
    h, w = img.shape[:2]
    flags = cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR
    return cv2.warpPerspective(img, m, (w, h), flags=flags, borderMode=cv2.BORDER_REFLECT)


def _motion_blur(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    w = img.shape[1]
    length = max(3, int(rng.uniform(0.01, 0.04) * w)) | 1
    k = np.zeros((length, length), np.float32)
    k[length // 2, :] = 1.0
    rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), float(rng.uniform(0, 180)),
                                  1.0)
    k = cv2.warpAffine(k, rot, (length, length))
    return cv2.filter2D(img, -1, k / max(k.sum(), 1e-6))


def _wobble(w: int, h: int, rng: np.random.Generator, amount: float
            ) -> tuple[np.ndarray, np.ndarray]:
    """A smooth random displacement field (remap maps) that bends the shadow: real hands are
    rounder and less regular than capsules, and a wall is never perfectly flat."""
    fields = rng.standard_normal((2, 4, 5)).astype(np.float32) * np.float32(amount * w)
    dx = cv2.resize(fields[0], (w, h), interpolation=cv2.INTER_CUBIC)
    dy = cv2.resize(fields[1], (w, h), interpolation=cv2.INTER_CUBIC)
    return (np.arange(w, dtype=np.float32)[None, :] + dx,
            np.arange(h, dtype=np.float32)[:, None] + dy)


@dataclass(frozen=True)
class Photo:
    """A photographed wall and the truth about it.

    `labels` is the part map (`shadowgen.parts` ids, 0 where no shadow falls) moved exactly as
    the shadow was (outline wobble, growth, camera tilt); `visible` is where a shadow can be
    seen at all: covered, and lit by at least `VISIBLE_LIGHT` of the brightest direct light in
    the frame. Outside a spotlight's disc no light falls, so no shadow can be told from the
    dark room there; a silhouette is measured against `visible`.
    """

    image: np.ndarray
    labels: np.ndarray
    visible: np.ndarray
    form: int | None = None  # the puppet's form it shows (render_photo), counting from 1


VISIBLE_LIGHT = 0.25


def photograph(mask: np.ndarray, scene: Scene, rng: np.random.Generator,
               effects: bool = True, noise_rng: np.random.Generator | None = None,
               labels: np.ndarray | None = None) -> Photo:
    """Photograph the shadow `mask` (float32 coverage 0-1) on the scene's wall.

    `rng` drives only per-frame camera effects (tilt, blur, noise, JPEG, clutter), so a clip can
    keep its room while frames vary; `noise_rng`, when given, draws only the sensor noise (a
    clip passes the same `rng` state every frame and a fresh `noise_rng`). `labels` is the part
    map drawn with `mask`; without one, the mask itself labels every shadow pixel 1.
    """
    h, w = mask.shape
    if labels is None:
        labels = (mask >= 0.5).astype(np.uint8)
    if effects and rng.random() < 0.7:
        xs, ys = _wobble(w, h, rng, float(rng.uniform(0.0, 0.012)))
        mask = cv2.remap(mask, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        labels = cv2.remap(labels, xs, ys, cv2.INTER_NEAREST, borderMode=cv2.BORDER_REPLICATE)
    grow = round(scene.spread * w)
    if grow >= 1:
        # A light larger than a point, or close to the hand, fattens fingers and closes gaps.
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1))
        mask = cv2.dilate(mask, kernel)
        labels = cv2.dilate(labels, kernel)
    covered = mask >= 0.5
    labels = np.where(covered, labels, 0).astype(np.uint8)
    if scene.softness > 0:
        sigma = scene.softness * w
        if sigma > 0.3:
            mask = cv2.GaussianBlur(mask, (0, 0), sigma)
    light = _lighting(scene, w, h)
    direct = light * scene.brightness * (1.0 - scene.opacity * mask)
    albedo = np.array(scene.albedo, np.float32)
    img = direct[..., None] * (albedo * np.array(scene.light, np.float32))
    img += albedo * np.array(scene.ambient, np.float32)
    img *= _texture(scene, w, h)[..., None]
    lit = light >= VISIBLE_LIGHT * float(light.max())
    if effects:
        if rng.random() < 0.2:
            before = img.copy()
            _clutter(img, rng)
            lit &= ~(img != before).any(axis=2)  # a door frame hides the wall behind it
        if rng.random() < 0.7:
            tilt = _perspective(w, h, rng, float(rng.uniform(0.01, 0.06)))
            img = _warp(img, tilt)
            labels = _warp(labels, tilt, nearest=True)
            lit = _warp(lit.astype(np.uint8), tilt, nearest=True).astype(bool)
        if rng.random() < 0.2:
            img = _motion_blur(img, rng)
        sigma = float(rng.uniform(0.002, 0.02))
        noise = (noise_rng or rng).standard_normal(img.shape, dtype=np.float32)
        img += np.float32(sigma) * noise
    out = (np.clip(img, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    gamma_lut = ((np.arange(256) / 255.0) ** (1.0 / scene.gamma) * 255.0 + 0.5).astype(np.uint8)
    out = cv2.LUT(out, gamma_lut)
    if effects and rng.random() < 0.75:
        quality = int(rng.integers(30, 96))
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok:
            out = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    return Photo(image=out, labels=labels, visible=(labels > 0) & lit)


def compose(mask: np.ndarray, scene: Scene, rng: np.random.Generator,
            effects: bool = True, noise_rng: np.random.Generator | None = None) -> np.ndarray:
    """Only the photograph's pixels (BGR uint8), for callers that need no truth."""
    return photograph(mask, scene, rng, effects, noise_rng).image
