"""formcheck: a camera-based exercise form checker for a low-back home programme.

The whole loop, in a few lines::

    from formcheck.io.sources import VideoFileSource
    from formcheck.definitions.exercises import get_exercise
    from formcheck.analysis.pipeline import Pipeline
    from formcheck.pose.estimators import PoseEstimator

    with VideoFileSource("samples/standing_flexion_1.mp4") as frames, PoseEstimator() as pose:
        pipeline = Pipeline(get_exercise("standing_flexion"), pose)
        for frame in frames:
            result = pipeline.process(frame)  # people found -> the one followed -> One Euro -> angles -> analyzer
            print(result.t_s, result.angles.trunk_inclination_deg, result.feedback.phase)
    print(len(pipeline.analyzer.reps), "reps")

Packages, in the order data flows: ``io`` (frame sources) -> ``pose`` (MediaPipe, returns
``KeyPoints``) -> ``analysis`` (filters -> kinematics -> exercise analyzer) -> ``ui`` (drawing,
screens) and ``io`` (video, CSV, JSON). Beside them: ``core`` (types every layer shares),
``definitions`` (exercises and routines as data), ``session`` (the guided session),
``evaluation`` (scoring against known truth) and ``commands`` (the CLI).
"""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("formcheck")  # written once, in pyproject.toml
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
