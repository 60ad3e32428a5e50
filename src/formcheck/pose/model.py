"""The pose model bundle: where it is, and a check before MediaPipe loads it.

The bundled model must match its recorded checksum (a damaged or swapped file is refused with
advice); a model given with ``--model`` only has to be a Tasks pose bundle.
"""
from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

from formcheck.assets import model_path
from formcheck.core.errors import FormcheckError

# sha256 of the bundle that tools/build_pose_model.py builds (also in models/SHA256SUMS).
MODEL_SHA256 = "cdbf300732f0e68a7f7ed90eb72b4e770e4e681d4bca6e78f90be4b63bb40a74"
BUNDLE_MEMBERS = {"pose_detector.tflite", "pose_landmarks_detector.tflite"}


def default_model_path() -> Path:
    """The model shipped in the package (``formcheck/assets``), or ``$FORMCHECK_MODEL``."""
    env = os.environ.get("FORMCHECK_MODEL")
    if env:
        return Path(env)
    return model_path()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_model(path: Path | None = None) -> Path:
    """Return a usable model path or raise ``FormcheckError`` saying what to do.

    The bundled model must match its recorded checksum; a model given with ``--model`` (for
    example Google's official lite or heavy bundle) only has to be a Tasks pose bundle.
    """
    bundled = path is None
    path = Path(path) if path is not None else default_model_path()
    if not path.exists():
        if bundled:
            raise FormcheckError(
                f"The pose model is missing: {path}.",
                "Reinstall formcheck (`python -m pip install --force-reinstall formcheck`), or in a source "
                "checkout restore it with `git checkout -- src/formcheck/assets/`, or pass --model PATH.")
        raise FormcheckError(f"Model file not found: {path}.", "Check the --model path.")
    if bundled:
        actual = file_sha256(path)
        if actual != MODEL_SHA256:
            raise FormcheckError(
                f"The pose model {path} has been altered (sha256 {actual[:12]}..., expected {MODEL_SHA256[:12]}...).",
                "Reinstall formcheck, or in a source checkout restore it with "
                "`git checkout -- src/formcheck/assets/` or rebuild it with `python tools/build_pose_model.py`.")
        return path
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError):
        names = set()
    if not BUNDLE_MEMBERS <= names:
        raise FormcheckError(f"{path} is not a MediaPipe pose landmarker bundle (.task).",
                             "Use pose_landmarker_lite/full/heavy.task, or leave out --model to use the bundled one.")
    return path
