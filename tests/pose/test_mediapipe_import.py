"""MediaPipe is imported without its drawing helpers (and matplotlib.pyplot), which load on first use."""
import subprocess
import sys

import pytest

from formcheck.pose.estimators import LOADED_ON_FIRST_USE

CHECK = """
import sys
from formcheck.pose.estimators import import_mediapipe
vision = import_mediapipe()
print(vision.PoseLandmarker.__name__, vision.RunningMode.VIDEO.name)
print(sorted(n for n in ("matplotlib", "matplotlib.pyplot") if n in sys.modules))
from mediapipe.tasks.python.vision import drawing_styles, drawing_utils
print(drawing_utils.DrawingSpec.__name__, callable(drawing_styles.get_default_pose_landmarks_style))
print("matplotlib.pyplot" in sys.modules)
"""


@pytest.fixture(scope="module")
def lines():
    # A new interpreter: this one may have imported matplotlib or MediaPipe already.
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=120, check=True)
    return out.stdout.splitlines()


def test_the_pose_model_api_is_there(lines):
    assert lines[0] == "PoseLandmarker VIDEO"


def test_matplotlib_is_not_imported_with_mediapipe(lines):
    assert lines[1] == "[]"


def test_the_drawing_helpers_load_when_used(lines):
    assert lines[2:] == ["DrawingSpec True", "True"]


def test_the_finder_is_gone_after_the_import():
    from formcheck.pose.estimators import import_mediapipe

    import_mediapipe()
    assert not any(type(f).__name__ == "_LoadOnFirstUse" for f in sys.meta_path)
    assert all(name.startswith("mediapipe.tasks.python.vision.") for name in LOADED_ON_FIRST_USE)
