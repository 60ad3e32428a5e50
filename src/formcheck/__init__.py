"""formcheck: a camera-based exercise form checker for a low-back home programme.

The whole loop, in a few lines::

    from formcheck.capture import VideoFileSource
    from formcheck.exercises import get_exercise
    from formcheck.pipeline import Pipeline
    from formcheck.pose import PoseEstimator

    with VideoFileSource("samples/standing_flexion_1.mp4") as frames, PoseEstimator() as pose:
        pipeline = Pipeline(get_exercise("standing_flexion"), pose)
        for frame in frames:
            result = pipeline.process(frame)  # landmarks -> One Euro -> angles -> analyzer
            print(result.t_s, result.angles.trunk_inclination_deg, result.feedback.phase)
    print(len(pipeline.analyzer.reps), "reps")

Modules, in the order data flows: ``capture`` -> ``pose`` (MediaPipe, returns ``KeyPoints``)
-> ``filters`` -> ``kinematics`` -> ``analyzers`` -> ``render`` / ``report``.
"""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("formcheck")  # written once, in pyproject.toml
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
