"""Where frames come from: the phone camera, a video file, or a folder of images.

Files stand in for the camera in demos and tests (`--camera-source PATH`). They are paced by the
wall clock at their own frame rate, so "hold for two seconds" means two real seconds whatever the
speed of the machine, and they loop so a lesson never runs out of shadow. Every source returns BGR
uint8 frames, the layout the model contract expects.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from ombro_contract.errors import ImageDecodeError, OmbroError
from ombro_contract.preprocess import load_image

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp"}


class CameraSourceError(OmbroError):
    """The configured camera source cannot give frames."""


class FrameSource(Protocol):
    fps: float

    def read(self) -> np.ndarray | None:
        """The frame for "now" (BGR uint8), or None while none is available yet."""

    def close(self) -> None: ...


class _Paced:
    """Maps wall-clock time to a frame index at `fps`, looping over `count` frames."""

    def __init__(self, fps: float, count: int | None, loop: bool, clock: Callable[[], float]):
        self.fps = fps
        self.count = count
        self.loop = loop
        self._clock = clock
        self._start = clock()

    def index(self) -> int | None:
        i = int((self._clock() - self._start) * self.fps + 1e-6)  # float dust at boundaries
        if self.count is None:
            return i
        if i >= self.count and not self.loop:
            return None
        return i % self.count if self.count else None


class ImageFolderSource:
    """Images in name order (a folder of them, or one photo), shown `fps` per second; decoded
    once and kept (demo folders are small).

    Images go through the contract's `load_image`, not OpenCV's video reader, so a phone photo
    saved sideways with an EXIF Orientation tag is shown and classified upright, as the server
    decodes it."""

    def __init__(self, folder: Path, fps: float = 10.0, loop: bool = True,
                 clock: Callable[[], float] = time.monotonic) -> None:
        folder = Path(folder)
        files = ([folder] if folder.is_file() else
                 sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES))
        if not files:
            raise CameraSourceError(
                f"no images in {folder}: put .png or .jpg frames there, or pass a video file"
            )
        frames = []
        for path in files:
            try:
                frames.append(load_image(path))
            except ImageDecodeError as exc:
                raise CameraSourceError(f"{exc}; remove or replace that file") from exc
        self._frames = frames
        self.fps = fps
        self._pace = _Paced(fps, len(frames), loop, clock)

    def read(self) -> np.ndarray | None:
        i = self._pace.index()
        return None if i is None else self._frames[i]

    def close(self) -> None:
        self._frames = []


def write_video(frames, path: Path, fps: float = 15.0) -> Path:
    """Frames as an MJPG .avi for `--camera-source` (demos and tests), written atomically.

    Played forward then backward, so a `VideoFileSource` looping over it never jumps.
    """
    frames = list(frames)
    if not frames:
        raise CameraSourceError("write_video needs at least one frame")
    frames += frames[::-1]
    path = Path(path)
    h, w = frames[0].shape[:2]
    tmp = path.with_name(path.stem + ".partial.avi")
    out = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
    if not out.isOpened():
        raise CameraSourceError(f"cannot write a video at {path}: is the folder writable?")
    for frame in frames:
        out.write(frame)
    out.release()
    tmp.replace(path)
    return path


class VideoFileSource:
    """A video decoded with OpenCV at its own frame rate; skips frames when the app lags."""

    def __init__(self, path: Path, loop: bool = True, fps: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.path = Path(path)
        self._cap = cv2.VideoCapture(str(self.path))
        if not self._cap.isOpened():
            raise CameraSourceError(
                f"cannot open video {self.path}: check the path and that OpenCV can decode it "
                "(MJPG .avi always works)"
            )
        native = self._cap.get(cv2.CAP_PROP_FPS) or 0.0
        self.fps = float(fps or (native if 1.0 <= native <= 120.0 else 25.0))
        count = int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0) or None
        self._pace = _Paced(self.fps, count, loop, clock)
        self._pos = -1  # index of the frame in `_frame`
        self._frame: np.ndarray | None = None

    def _rewind(self) -> None:
        self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
        self._pos = -1

    def read(self) -> np.ndarray | None:
        target = self._pace.index()
        if target is None:
            return None
        if target < self._pos:
            self._rewind()
        while self._pos < target:
            if self._pos < target - 1:  # skip without decoding when the app lagged behind
                ok, frame = self._cap.grab(), None
            else:
                ok, frame = self._cap.read()
            if not ok:  # end of a file whose frame count was unknown or wrong
                if not self._pace.loop or self._pos < 0:
                    return self._frame
                self._pace = _Paced(self.fps, self._pos + 1, True, self._pace._clock)
                self._rewind()
                target = self._pace.index() or 0
                continue
            self._pos += 1
            if frame is not None:
                self._frame = frame
        return self._frame

    def close(self) -> None:
        self._cap.release()


class KivyCameraSource:
    """The device camera through Kivy's core camera provider (Android camera, V4L2 on Linux)."""

    def __init__(self, index: int = 0, resolution: tuple[int, int] = (640, 480)) -> None:
        from kivy.core.camera import Camera as CoreCamera  # only the live app needs Kivy here

        try:
            self._camera = CoreCamera(index=index, resolution=resolution, stopped=True)
            self._camera.start()
        except Exception as exc:
            raise CameraSourceError(
                f"cannot open camera {index} ({exc}): allow camera access in the phone settings, "
                "or choose a video file in Settings"
            ) from exc
        self.fps = 30.0

    def read(self) -> np.ndarray | None:
        texture = self._camera.texture
        if texture is None:
            return None
        w, h = texture.size
        rgba = np.frombuffer(texture.pixels, dtype=np.uint8).reshape(h, w, 4)
        return cv2.cvtColor(rgba[::-1], cv2.COLOR_RGBA2BGR)  # GL textures are bottom-up

    def close(self) -> None:
        self._camera.stop()


def open_source(spec: str | Path | None, fps: float | None = None) -> FrameSource:
    """`spec` is a camera index ("0"), a video file, an image folder or one image."""
    text = str(spec if spec is not None else "0").strip()
    if text.isdigit():
        return KivyCameraSource(int(text))
    path = Path(text).expanduser()
    if path.is_dir() or (path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES):
        return ImageFolderSource(path, fps=fps or 10.0)
    if path.is_file():
        return VideoFileSource(path, fps=fps)
    raise CameraSourceError(
        f"camera source {text!r} is neither a camera index, a video file, an image folder nor "
        "an image"
    )
