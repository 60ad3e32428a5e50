"""Package data (the pose model, the demo clip), found with ``importlib.resources``.

Shipping these inside the package is what lets a wheel installed anywhere run ``formcheck
demo``: nothing is looked up relative to a source checkout.
"""
from __future__ import annotations

import atexit
import contextlib
from importlib import resources
from pathlib import Path

MODEL_FILENAME = "pose_landmarker_full.task"
DEMO_CLIP = "standing_flexion_1.mp4"

_extracted = contextlib.ExitStack()  # files copied out of a zipped install, removed at exit
atexit.register(_extracted.close)


def asset_path(*parts: str) -> Path:
    """A real file path for a packaged file (MediaPipe and OpenCV need paths, not streams)."""
    resource = resources.files(__name__).joinpath(*parts)
    if isinstance(resource, Path):
        return resource
    return _extracted.enter_context(resources.as_file(resource))


def model_path() -> Path:
    return asset_path(MODEL_FILENAME)


def demo_clip_path() -> Path:
    return asset_path("demo", DEMO_CLIP)
