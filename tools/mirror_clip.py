#!/usr/bin/env python3
"""Make a horizontally mirrored copy of a sample clip and of its synthetic truth.

A mirror makes the body's left side appear as its right: a person filmed with the camera on
their left looks, in the mirrored video, like a person filmed with the camera on their right.
So the truth changes with it: left and right swap in ``reps[].side``, per-frame ``side`` /
``moving_leg`` / ``moving_arm``, every ``*_left*`` / ``*_right*`` field and landmark name;
x of every pixel position becomes ``width - 1 - x``; x of every 3-D point is negated (the
world mirrored about the body's midplane); ``near_side`` and ``forward_in_image`` flip. Angles
are unchanged (unsigned image-plane angles are mirror-invariant, signed ones are measured
towards the body's front). ``options.mirror`` and a ``note`` say that the clip was mirrored.

Usage: ``python tools/mirror_clip.py samples/bridge_1.mp4 [...]`` writes
``samples/bridge_1_mirrored.mp4`` and ``samples/bridge_1_mirrored.json`` (MPEG-4 Part 2,
same size and frame rate as the source). Record its landmarks afterwards with
``formcheck record-landmarks``. A maintainer tool: the tests use the committed outputs.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import cv2

_SWAP = {"left": "right", "right": "left"}
_WORD = re.compile(r"(?<![a-z])(left|right)(?![a-z])")


def swap_name(name: str) -> str:
    """``hip_angle_left_deg`` -> ``hip_angle_right_deg``; ``forward_in_image`` unchanged."""
    return _WORD.sub(lambda m: _SWAP[m.group(1)], name)


def _swap_value(value):
    return _SWAP.get(value, value) if isinstance(value, str) else value


def _mirror_points(points: dict, flip) -> dict:
    return {swap_name(k): flip(v) for k, v in points.items()}


def mirror_frame(frame: dict, width: int) -> dict:
    def px(p):
        return [round(width - 1 - p[0], 2), p[1]]

    def world(p):
        return [-p[0], *p[1:]]

    out = {}
    for key, value in frame.items():
        if key == "keypoints_2d_px":
            value = _mirror_points(value, px)
        elif key == "keypoints_3d_m":
            value = _mirror_points(value, world)
        elif key == "keypoints_visible":
            value = _mirror_points(value, lambda v: v)
        elif key.endswith("_px") and isinstance(value, list) and len(value) == 2:
            value = px(value)
        elif key in ("side", "moving_leg", "moving_arm"):
            value = _swap_value(value)
        out[swap_name(key)] = value
    return out


def mirror_truth(truth: dict, clip_name: str, source_name: str) -> dict:
    width = truth["width"]
    out = dict(truth)
    out["near_side"] = _SWAP[truth["near_side"]]
    out["forward_in_image"] = _SWAP.get(truth.get("forward_in_image"), truth.get("forward_in_image"))
    camera = dict(truth.get("camera") or {})
    camera["mirror"] = True  # the image is the source render flipped left-right
    for key in ("eye", "target"):  # in the mirrored world: the camera on the other side of the body
        if isinstance(camera.get(key), list):
            camera[key] = [-camera[key][0], *camera[key][1:]]
    if "view" in camera:
        camera["view"] = swap_name(camera["view"])
    out["camera"] = camera
    out["reps"] = [dict(r, side=_swap_value(r.get("side"))) for r in truth["reps"]]
    out["options"] = dict(truth.get("options") or {}, mirror=True, out=clip_name, mirrored_from=source_name)
    out["note"] = (f"{source_name} mirrored horizontally (tools/mirror_clip.py): the body's left and right "
                   "swap, so the camera now sees the body's " + out["near_side"] + " side.")
    out["frames"] = [mirror_frame(f, width) for f in truth["frames"]]
    return out


def mirror_video(src: Path, dst: Path) -> tuple[int, float, tuple[int, int]]:
    cap = cv2.VideoCapture(str(src))
    if not cap.isOpened():
        raise SystemExit(f"cannot read {src}")
    fps = cap.get(cv2.CAP_PROP_FPS)
    size = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    writer = cv2.VideoWriter(str(dst), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    n = 0
    while True:
        ok, image = cap.read()
        if not ok:
            break
        writer.write(cv2.flip(image, 1))
        n += 1
    cap.release()
    writer.release()
    return n, fps, size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="+", type=Path)
    args = parser.parse_args(argv)
    for src in args.clips:
        dst = src.with_name(f"{src.stem}_mirrored{src.suffix}")
        n, fps, size = mirror_video(src, dst)
        truth_src = src.with_suffix(".json")
        if truth_src.exists():
            truth = json.loads(truth_src.read_text())
            if truth.get("n_frames", n) != n:
                print(f"{src}: {n} frames but the truth has {truth['n_frames']}", file=sys.stderr)
                return 1
            mirrored = mirror_truth(truth, dst.name, src.name)
            dst.with_suffix(".json").write_text(json.dumps(mirrored, separators=(",", ":")))
        print(f"{dst}: {n} frames, {fps:g} fps, {size[0]}x{size[1]}, {dst.stat().st_size} bytes "
              f"(source {src.stat().st_size})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
