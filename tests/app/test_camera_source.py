import cv2
import numpy as np
import pytest

from app.camera_source import (
    CameraSourceError,
    ImageFolderSource,
    VideoFileSource,
    open_source,
)


class FakeClock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def marked(i: int) -> np.ndarray:
    img = np.zeros((48, 64, 3), np.uint8)
    img[:, :] = (i * 20) % 256
    return img


def write_video(path, n=10, fps=10.0):
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (64, 48))
    for i in range(n):
        out.write(marked(i))
    out.release()
    return path


def test_image_folder_is_paced_by_wall_clock_and_loops(tmp_path):
    for i in range(3):
        cv2.imwrite(str(tmp_path / f"f{i:02d}.png"), marked(i))
    clock = FakeClock()
    src = ImageFolderSource(tmp_path, fps=10.0, clock=clock)
    seen = []
    for _ in range(5):
        seen.append(int(src.read()[0, 0, 0]))
        clock.t += 0.1
    assert seen == [0, 20, 40, 0, 20]


def test_image_folder_without_images_says_what_to_do(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(CameraSourceError, match="no images"):
        ImageFolderSource(tmp_path)


def test_image_folder_with_corrupt_file_names_it(tmp_path):
    (tmp_path / "bad.png").write_bytes(b"not a png")
    with pytest.raises(CameraSourceError, match="bad.png"):
        ImageFolderSource(tmp_path)


def test_video_skips_ahead_when_late_and_loops(tmp_path):
    clock = FakeClock()
    src = VideoFileSource(write_video(tmp_path / "v.avi"), clock=clock)
    assert src.fps == pytest.approx(10.0)
    first = src.read()
    clock.t += 0.55  # the app stalled for five frames
    later = src.read()
    clock.t += 1.0  # past the end: wraps around
    wrapped = src.read()
    src.close()
    assert abs(int(first[0, 0, 0]) - 0) <= 3
    assert abs(int(later[0, 0, 0]) - 100) <= 3
    assert abs(int(wrapped[0, 0, 0]) - 100) <= 3  # frame 15 of 10 is frame 5


def test_open_source_dispatches_and_errors(tmp_path):
    video = write_video(tmp_path / "v.avi")
    assert isinstance(open_source(video), VideoFileSource)
    cv2.imwrite(str(tmp_path / "a.png"), marked(1))
    assert isinstance(open_source(tmp_path), ImageFolderSource)
    with pytest.raises(CameraSourceError, match="neither"):
        open_source(tmp_path / "missing.mp4")
    (tmp_path / "junk.avi").write_bytes(b"junk")
    with pytest.raises(CameraSourceError, match="cannot open video"):
        VideoFileSource(tmp_path / "junk.avi")


def test_one_phone_photo_is_a_still_camera_turned_upright_by_its_exif(tmp_path):
    from PIL import Image

    stored = np.zeros((200, 400, 3), np.uint8)
    stored[:, :100] = 255  # bright on the left as stored; the tag says turn 90 degrees clockwise
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(stored).save(tmp_path / "IMG_0001.JPG", "JPEG", exif=exif.tobytes())
    source = open_source(tmp_path / "IMG_0001.JPG")
    assert isinstance(source, ImageFolderSource)
    frame = source.read()
    assert frame.shape == (400, 200, 3)  # portrait, as the phone showed it
    assert frame[:100].mean() > 200 and frame[150:].mean() < 30  # the bright side is now on top
    assert source.read() is frame  # a still: the same frame again


def test_written_demo_video_plays_back_and_forth(tmp_path):
    from app.camera_source import VideoFileSource, write_video

    frames = [np.full((48, 64, 3), 20 * i, np.uint8) for i in range(5)]
    path = write_video(frames, tmp_path / "clip.avi", fps=10.0)
    cap = cv2.VideoCapture(str(path))
    means = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        means.append(frame.mean())
    cap.release()
    assert len(means) == 10  # forward then backward
    assert means[:5] == sorted(means[:5]) and means[5:] == sorted(means[5:], reverse=True)
    assert not list(tmp_path.glob("*.partial.avi"))
    assert VideoFileSource(path).fps == 10.0
