#!/usr/bin/env python3
"""Rebuild the bundled pose model from PyPI alone.

The bundle is ``src/formcheck/assets/pose_landmarker_full.task`` (package data; ``models/`` links to it).

Why this exists: the current ``mediapipe`` wheel ships no pose model and nothing may be
downloaded from model hubs. The 0.10.14 wheel ships the two TFLite graphs of BlazePose
(full), but without the metadata the Tasks API needs to normalise its input image. This
script adds that metadata and packs both graphs into a Tasks bundle.

Steps:
1. ``pip download --no-deps mediapipe==0.10.14`` (Apache-2.0) into a temporary folder.
2. Extract ``pose_detection.tflite`` and ``pose_landmark_full.tflite``.
3. In a throw-away virtual environment with ``mediapipe==0.10.14`` and ``numpy<2`` (the 1.x
   wheels lack the writer's compiled module), add TFLite metadata: image input normalisation
   mean 127.5 / std 127.5 for the detector (input range [-1, 1]) and mean 0 / std 255 for the
   landmark model ([0, 1]), and one feature output per output tensor.
4. Write an uncompressed (stored) zip with ``pose_detector.tflite`` and
   ``pose_landmarks_detector.tflite`` and fixed timestamps, so the output is byte-for-byte
   reproducible; print its sha256 (record it in ``models/README.md`` and ``models/SHA256SUMS``).

Usage: ``python tools/build_pose_model.py [--out src/formcheck/assets/pose_landmarker_full.task] [--venv DIR]``
This is a maintainer tool: CI never runs it; tests check the committed bundle instead.
"""
from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import textwrap
import venv
import zipfile
from pathlib import Path

MEDIAPIPE_VERSION = "0.10.14"
DETECTOR_IN_WHEEL = "mediapipe/modules/pose_detection/pose_detection.tflite"
LANDMARKER_IN_WHEEL = "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

# Runs inside the 0.10.14 environment: reads a .tflite, writes it back with metadata.
_WRITER = textwrap.dedent(
    """
    import sys
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer, writer_utils

    src, dst, name, mean, std = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
    model = bytearray(open(src, "rb").read())
    n_outputs = len(writer_utils.get_output_tensor_types(model))
    writer = (
        metadata_writer.MetadataWriter.create(model)
        .add_general_info(name, "BlazePose graph from mediapipe 0.10.14 with Tasks metadata added")
        .add_image_input(norm_mean=[mean], norm_std=[std])
    )
    for i in range(n_outputs):
        writer.add_feature_output(name=f"output_{i}")
    content, _ = writer.populate()
    open(dst, "wb").write(content)
    print(f"{name}: {n_outputs} outputs, mean {mean}, std {std}")
    """
)


def _run(cmd: list[str]) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def _writer_python(venv_dir: Path) -> Path:
    python = venv_dir / "bin" / "python"
    if not python.exists():
        venv.create(venv_dir, with_pip=True)
    probe = subprocess.run(
        [str(python), "-c", "import mediapipe, numpy; print(mediapipe.__version__, numpy.__version__)"],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0 or not probe.stdout.startswith(MEDIAPIPE_VERSION):
        _run([str(python), "-m", "pip", "install", "--quiet", f"mediapipe=={MEDIAPIPE_VERSION}", "numpy<2"])
    return python


def build(out: Path, venv_dir: Path) -> str:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        _run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
              f"mediapipe=={MEDIAPIPE_VERSION}", "-d", str(tmp / "wheel")])
        wheel = next((tmp / "wheel").glob("mediapipe-*.whl"))
        with zipfile.ZipFile(wheel) as zf:
            (tmp / "detector.tflite").write_bytes(zf.read(DETECTOR_IN_WHEEL))
            (tmp / "landmarker.tflite").write_bytes(zf.read(LANDMARKER_IN_WHEEL))

        python = _writer_python(venv_dir)
        script = tmp / "write_metadata.py"
        script.write_text(_WRITER)
        _run([str(python), str(script), str(tmp / "detector.tflite"), str(tmp / "pose_detector.tflite"),
              "pose_detector", "127.5", "127.5"])
        _run([str(python), str(script), str(tmp / "landmarker.tflite"),
              str(tmp / "pose_landmarks_detector.tflite"), "pose_landmarks_detector", "0", "255"])

        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as bundle:
            for name in ("pose_detector.tflite", "pose_landmarks_detector.tflite"):
                info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
                info.compress_type = zipfile.ZIP_STORED
                info.external_attr = 0o644 << 16
                bundle.writestr(info, (tmp / name).read_bytes())
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    print(f"wrote {out} ({out.stat().st_size} bytes)\nsha256 {digest}")
    return digest


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=root / "src" / "formcheck" / "assets" / "pose_landmarker_full.task")
    parser.add_argument("--venv", type=Path, default=Path(tempfile.gettempdir()) / "formcheck-mp-0.10.14",
                        help="virtual environment for the 0.10.14 metadata writer (created if missing)")
    args = parser.parse_args()
    build(args.out, args.venv)


if __name__ == "__main__":
    main()
