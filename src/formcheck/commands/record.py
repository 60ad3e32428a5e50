"""Record a clip's landmarks (raw model output) for replay without the model."""
from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np

from formcheck.analysis.frame_loop import run_frames
from formcheck.analysis.person_selection import ContinuitySelector
from formcheck.analysis.pipeline import default_filter
from formcheck.analysis.spine import keep_outline
from formcheck.io.recording import LandmarkRecording, RecordingBuilder, settings_dict
from formcheck.io.sources import VideoFileSource
from formcheck.pose.estimators import PoseEstimator, PoseSettings
from formcheck.pose.model import file_sha256


def recording_path(clip: Path) -> Path:
    clip = Path(clip)
    return clip.with_name(clip.stem + ".landmarks.npz")


def record_landmarks(clip: Path, out: Path | None = None, model: Path | None = None,
                     settings: PoseSettings | None = None) -> tuple[Path, LandmarkRecording]:
    """With ``settings.segmentation_masks`` (the default here: a recording may be replayed by an exercise
    that measures the spine) each pose's outline across the trunk is kept (format 3), never the mask."""
    settings = settings or PoseSettings(segmentation_masks=True)
    with VideoFileSource(clip) as source, PoseEstimator(model, settings) as estimator:
        builder = RecordingBuilder(clip=Path(clip).name, fps=source.fps, model=estimator.model_path.name,
                                   model_sha256=file_sha256(estimator.model_path), settings=settings_dict(settings))
        # ``closing``: the model's frame in flight is finished before the estimator closes.
        with contextlib.closing(run_frames(source, estimator, overlap=True)) as steps:
            for step in steps:
                for kp in step.poses:
                    keep_outline(kp)
                builder.add(step.frame.t_s, step.poses)
                builder.meta["width"], builder.meta["height"] = step.frame.image.shape[1], step.frame.image.shape[0]
    recording = builder.build()
    # The person the pipeline follows, smoothed as it smooths them (afresh when it chooses again).
    selector, smoother = ContinuitySelector(), default_filter()
    recording.smoothed_xy = np.full_like(recording.xy, np.nan)
    for i, (t, poses) in enumerate(recording.frames()):
        selection = selector.update(t, poses)
        if selection.new_person:
            smoother.reset()
        smoothed = smoother(selection.person, t)
        if smoothed is not None:
            recording.smoothed_xy[i] = smoothed.xy
    recording.meta["filter"] = {"name": "OneEuroPoseFilter", "min_cutoff": smoother.min_cutoff,
                                "beta": smoother.beta, "d_cutoff": smoother.d_cutoff}
    path = recording.save(out or recording_path(clip))
    return path, recording


def cmd_record(args) -> int:
    for clip in args.clips:
        path, rec = record_landmarks(clip, out=args.out if len(args.clips) == 1 else None, model=args.model,
                                     settings=PoseSettings(num_poses=args.poses, segmentation_masks=True))
        more = f", {int(rec.others_detected.any(axis=1).sum())} with more than one" if rec.others_detected.size else ""
        print(f"{clip}: {len(rec)} frames, {int(rec.detected.sum())} with a person{more} -> {path}")
    return 0
