#!/usr/bin/env python3
"""Make the two-person test clips in ``samples/two_person/`` from bundled one-person clips.

A second person is cut out of ``samples/standing-neutral_polybag_1.mp4`` (a real person turning
on the spot; MIT) with MediaPipe's own segmentation mask, scaled down, and composited into a
synthetic exercise clip (CC0) beside the exerciser, who is left exactly where the renderer put
them: so the exerciser's truth (``CLIP.json``, per-frame angles and keypoints) is copied
unchanged, with a ``two_person`` note saying what was added.

- ``standing_flexion_bystander``: ``standing_flexion_1`` with the second person standing to
  its right (behind the exerciser's back) for the whole clip.
- ``bridge_walkthrough``: ``bridge_1`` with the second person sliding across the back of the
  room, left to right, from 4 s to 12 s (during the first repetition's hold).
- ``standing_flexion_exit_bystander``: ``standing_flexion_exit_frame`` (the exerciser walks half
  out of the frame, 4-9 s) with the second person standing at the left for the whole clip.

The bystander clip's frames run at 15 fps (every second frame of the 30-fps source), played
forwards and backwards as often as needed. Written as MPEG-4 Part 2 at the exerciser clip's size
and frame rate. Usage: ``python tools/make_two_person_clips.py`` (a maintainer tool: the tests
use the committed outputs; record their landmarks afterwards with
``formcheck record-landmarks --poses 2 samples/two_person/*.mp4``).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
OUT = SAMPLES / "two_person"
BYSTANDER = SAMPLES / "standing-neutral_polybag_1.mp4"
CONTENT_X = (658, 1262)  # the portrait picture inside the source's black side bars


def _segmenter():
    from mediapipe.tasks.python.core.base_options import BaseOptions
    from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions, RunningMode

    sys.path.insert(0, str(ROOT / "src"))
    from formcheck.pose.model import check_model

    options = PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(check_model(None))),
                                    running_mode=RunningMode.VIDEO, output_segmentation_masks=True)
    return PoseLandmarker.create_from_options(options)


def person_mask(landmarker, image: np.ndarray, ts_ms: int) -> np.ndarray:
    """Alpha 0..1 of the person MediaPipe finds in ``image`` (all 0 if none)."""
    import mediapipe as mp

    result = landmarker.detect_for_video(
        mp.Image(image_format=mp.ImageFormat.SRGB, data=cv2.cvtColor(image, cv2.COLOR_BGR2RGB)), ts_ms)
    if not result.segmentation_masks:
        return np.zeros(image.shape[:2], np.float32)
    mask = result.segmentation_masks[0].numpy_view().astype(np.float32).reshape(image.shape[:2])
    return np.clip((mask - 0.3) / 0.4, 0.0, 1.0)  # a soft but tight edge


def bystander_cutouts() -> list[tuple[np.ndarray, np.ndarray]]:
    """(BGR crop, alpha mask 0..1) of the person, every second frame of the source."""
    cap = cv2.VideoCapture(str(BYSTANDER))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    out = []
    with _segmenter() as landmarker:
        i = 0
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            if i % 2 == 0:
                crop = np.ascontiguousarray(frame[:, CONTENT_X[0]:CONTENT_X[1]])
                out.append((crop, person_mask(landmarker, crop, int(i * 1000 / fps))))
            i += 1
    cap.release()
    return out


def paste(scene: np.ndarray, cutout: tuple[np.ndarray, np.ndarray], height: int, x: float, foot_y: int) -> None:
    """Composite the cut-out person into ``scene`` in place: ``height`` px tall (the source's
    full frame height), horizontally centred on ``x``, the frame's bottom at ``foot_y``."""
    image, alpha = cutout
    scale = height / image.shape[0]
    w = max(1, round(image.shape[1] * scale))
    image = cv2.resize(image, (w, height), interpolation=cv2.INTER_AREA)
    alpha = cv2.resize(alpha, (w, height), interpolation=cv2.INTER_AREA)[..., None]
    x0, y0 = round(x - w / 2), foot_y - height
    sx0, sy0 = max(0, -x0), max(0, -y0)
    dx0, dy0 = max(0, x0), max(0, y0)
    dx1, dy1 = min(scene.shape[1], x0 + w), min(scene.shape[0], y0 + height)
    if dx1 <= dx0 or dy1 <= dy0:
        return
    region = scene[dy0:dy1, dx0:dx1].astype(np.float32)
    src = image[sy0:sy0 + dy1 - dy0, sx0:sx0 + dx1 - dx0].astype(np.float32)
    a = alpha[sy0:sy0 + dy1 - dy0, sx0:sx0 + dx1 - dx0]
    scene[dy0:dy1, dx0:dx1] = (a * src + (1 - a) * region).round().astype(np.uint8)


def ping_pong(n: int, length: int) -> list[int]:
    cycle = list(range(length)) + list(range(length - 2, 0, -1))
    return [cycle[i % len(cycle)] for i in range(n)]


# name: (source clip, bystander height px, foot y, x at time t (s), or None where not in view, what it shows)
CLIPS = {
    "standing_flexion_bystander": ("standing_flexion_1", 280, 420, lambda t: 545.0,
                                   "a second person stands to the right, behind the exerciser's back, "
                                   "for the whole clip"),
    "bridge_walkthrough": ("bridge_1", 200, 205,
                           lambda t: -120.0 + (t - 4.0) * 110.0 if 4.0 <= t <= 12.0 else None,
                           "a second person slides across the back of the room, left to right, 4-12 s"),
    "standing_flexion_exit_bystander": ("standing_flexion_exit_frame", 280, 420, lambda t: 95.0,
                                        "the exerciser walks half out of the frame (4-9 s) while a second "
                                        "person stands at the left for the whole clip"),
}


def make(name: str, cutouts) -> Path:
    source, height, foot_y, x_at, note = CLIPS[name]
    cap = cv2.VideoCapture(str(SAMPLES / f"{source}.mp4"))
    fps = cap.get(cv2.CAP_PROP_FPS)
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    OUT.mkdir(exist_ok=True)
    path = OUT / f"{name}.mp4"
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    order = ping_pong(len(frames), len(cutouts))
    with _segmenter() as landmarker:
        for i, frame in enumerate(frames):
            x = x_at(i / fps)
            if x is not None:
                # The bystander is behind the exerciser: the exerciser's own pixels stay on top.
                front = person_mask(landmarker, frame, int(i * 1000 / fps))[..., None]
                scene = frame.copy()
                paste(scene, cutouts[order[i]], height, x, foot_y)
                frame = (front * frame + (1 - front) * scene).round().astype(np.uint8)
            writer.write(frame)
    writer.release()
    truth = json.loads((SAMPLES / f"{source}.json").read_text())
    truth["two_person"] = {
        "source": f"{source}.mp4", "bystander": BYSTANDER.name, "what": note,
        "note": "The exerciser is where the renderer put them, so this truth (reps, holds, per-frame "
                "angles and keypoints) is the source clip's, unchanged; the bystander is not in it.",
        "made_by": "tools/make_two_person_clips.py",
    }
    truth["options"]["out"] = path.name
    (OUT / f"{name}.json").write_text(json.dumps(truth, separators=(",", ":")))
    return path


def main() -> None:
    cutouts = bystander_cutouts()
    for name in CLIPS:
        print(make(name, cutouts))


if __name__ == "__main__":
    main()
