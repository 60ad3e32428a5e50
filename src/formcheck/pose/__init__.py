"""Pose estimation at the boundary: the MediaPipe Tasks adapter (VIDEO mode for files,
LIVE_STREAM for cameras) that turns images into ``KeyPoints``, the check of the bundled model, and
the filter that keeps native libraries' log lines off the terminal. The only package that imports
MediaPipe."""
