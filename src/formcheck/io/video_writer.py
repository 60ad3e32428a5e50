"""Annotated video output: an H.264 mp4 that plays in browsers and ordinary players.

OpenCV's ``VideoWriter`` can only write MPEG-4 Part 2 ("mp4v") into .mp4 without a system
H.264 encoder, and browsers do not play that. This writer uses PyAV's bundled libx264 instead:

* H.264, ``yuv420p`` (the only chroma format every browser decodes), even width and height
  (an odd frame loses its last column/row);
* ``+faststart``: the index (moov atom) goes before the media data, so a browser can start
  playing before it has downloaded the whole file;
* frame ``i`` has pts ``i`` in time base ``1/fps``; fps is kept as an exact fraction, and
  NTSC-style rates (29.97, 23.976, 59.94) are snapped to ``30000/1001`` etc.;
* BGR -> YUV uses OpenCV's BT.601 limited-range conversion and the stream is tagged as such,
  so players do not guess the colour matrix.

The file is written under a hidden temporary name next to the target and renamed into place by
``close()``: closing after zero frames leaves no file at all, and an interrupted run never leaves
a half-written video under the real name.

Speed (x264 ``ultrafast`` with its deblocking filter, crf 23, one thread): about 2 ms of CPU per
640x480 frame on a 2-core machine, half of what ``superfast`` took. More encoder threads do not
make the per-frame call faster at these sizes and would compete with the pose model.
"""
from __future__ import annotations

import math
import os
import tempfile
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from formcheck.core.errors import FormcheckError

# The encoder shares the cores with the pose model, so CPU is what counts: ultrafast takes about
# half of superfast's, for a file about 1.7x larger; its deblocking filter, off in that preset
# (a visibly blocky picture), is turned back on (README, "Speed").
DEFAULT_PRESET = "ultrafast"
DEFAULT_X264_PARAMS = "deblock=0,0"  # on, offsets 0,0 (":" would split libav's option list)
DEFAULT_CRF = 23
KEYFRAME_INTERVAL_S = 2.0  # keyframe every ~2 s so scrubbing in a browser is snappy

# libavutil enum values (AVColorSpace / AVColorRange): OpenCV's COLOR_BGR2YUV_I420 is BT.601
# ("SMPTE 170M") with limited ("MPEG", 16-235) range.
_AVCOL_SPC_SMPTE170M = 6
_AVCOL_RANGE_MPEG = 1


def frame_rate(fps: float | Fraction) -> Fraction:
    """An exact frame rate for ``fps``: integers stay integers, 29.97 becomes 30000/1001."""
    if isinstance(fps, Fraction):
        rate = fps
    else:
        fps = float(fps)
        if not math.isfinite(fps) or fps <= 0:
            raise ValueError(f"fps must be a positive number, got {fps!r}")
        rate = None
        for candidate in (Fraction(round(fps)), Fraction(round(fps * 1.001) * 1000, 1001)):
            if candidate > 0 and abs(float(candidate) - fps) <= 1e-3 * fps:
                rate = candidate
                break
        if rate is None:
            rate = Fraction(fps).limit_denominator(1001)
    if rate <= 0:
        raise ValueError(f"fps must be a positive number, got {fps!r}")
    return rate


def _check_writable(path: Path) -> None:
    """Raise FormcheckError now, before any work is done, if ``path`` cannot be written."""
    if path.is_dir():
        raise FormcheckError(f"Cannot write the video to {path}: it is a folder.",
                             "Give a file name ending in .mp4.")
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # The only reliable test (root, read-only mounts, ACLs): create and delete a file there.
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise FormcheckError(f"Cannot write the video to {path}: the folder {folder} is not "
                             f"writable ({reason}).",
                             "Choose another output folder, or check its permissions and free space.") from exc


class VideoWriter:
    """Write BGR frames to a browser-playable H.264 mp4.

    ``size`` is ``(width, height)`` like OpenCV; if omitted it is taken from the first frame.
    Frames of another size are resized to it. Use as a context manager, or call ``close()``.

        with VideoWriter("out/annotated.mp4", fps=30) as video:
            for frame in frames:
                video.write(frame)
    """

    def __init__(self, path: str | os.PathLike, fps: float | Fraction,
                 size: tuple[int, int] | None = None, *,
                 preset: str = DEFAULT_PRESET, crf: float = DEFAULT_CRF, threads: int = 1,
                 x264_params: str = DEFAULT_X264_PARAMS) -> None:
        self.path = Path(path)
        self.rate = frame_rate(fps)
        self.size: tuple[int, int] | None = None  # requested (width, height)
        self.output_size: tuple[int, int] | None = None  # encoded (width, height), both even
        if size is not None:
            self._set_size(int(size[0]), int(size[1]))
        self.preset = preset
        self.crf = crf
        self.threads = threads
        self.x264_params = x264_params
        self.frame_count = 0
        self._container = None
        self._stream = None
        self._time_base = 1 / self.rate
        self._tmp_path = self.path.with_name(f".{self.path.name}.{os.getpid()}.partial")
        self._closed = False
        _check_writable(self.path)

    # -- public API -----------------------------------------------------------------------------

    def write(self, frame_bgr: np.ndarray) -> None:
        """Append one frame (uint8 BGR, H x W x 3; grey and BGRA are accepted too)."""
        if self._closed:
            raise ValueError("write() on a closed VideoWriter")
        frame = self._as_bgr(frame_bgr)
        if self.size is None:
            self._set_size(frame.shape[1], frame.shape[0])
        width, height = self.size
        if frame.shape[:2] != (height, width):
            shrink = frame.shape[1] > width or frame.shape[0] > height
            frame = cv2.resize(frame, (width, height),
                               interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
        out_w, out_h = self.output_size
        if (out_w, out_h) != (width, height):
            frame = frame[:out_h, :out_w]
        if self._container is None:
            self._open()
        yuv = cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420)
        video_frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
        video_frame.pts = self.frame_count
        video_frame.time_base = self._time_base
        self._mux(self._stream.encode(video_frame))
        self.frame_count += 1

    def close(self) -> Path | None:
        """Flush the encoder and move the file into place. Returns its path, or None if no
        frame was written (then no file is created). Safe to call twice."""
        if self._closed:
            return self.path if self.frame_count else None
        self._closed = True
        if self._container is None:
            return None
        try:
            self._mux(self._stream.encode(None))  # flush delayed frames
            self._container.close()  # writes the trailer; faststart moves moov to the front
            self._container = None
            os.replace(self._tmp_path, self.path)
        except BaseException:
            self._abort()
            raise
        return self.path

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
            return
        # Something failed mid-run (or Ctrl-C): keep the frames written so far as a playable
        # video if possible, but never let a second error hide the first.
        try:
            self.close()
        except Exception:
            pass

    # -- internals -------------------------------------------------------------------------------

    def _set_size(self, width: int, height: int) -> None:
        if width < 2 or height < 2:
            raise ValueError(f"video size must be at least 2x2, got {width}x{height}")
        self.size = (width, height)
        self.output_size = (width - width % 2, height - height % 2)

    @staticmethod
    def _as_bgr(frame: np.ndarray) -> np.ndarray:
        frame = np.asarray(frame)
        if frame.dtype != np.uint8:
            raise ValueError(f"frames must be uint8, got {frame.dtype}")
        if frame.ndim == 2:
            return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
        if frame.ndim == 3 and frame.shape[2] == 3:
            return frame
        if frame.ndim == 3 and frame.shape[2] == 4:
            return cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
        raise ValueError(f"frames must be H x W x 3 BGR, got shape {frame.shape}")

    def _open(self) -> None:
        width, height = self.output_size
        try:
            container = av.open(str(self._tmp_path), mode="w", format="mp4",
                                options={"movflags": "+faststart"})
        except OSError as exc:
            raise FormcheckError(f"Cannot create the video file {self.path} ({exc}).",
                                 "Choose another output folder, or check its permissions.") from exc
        try:
            stream = container.add_stream("libx264", rate=self.rate)
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            ctx = stream.codec_context
            ctx.time_base = self._time_base
            ctx.thread_count = self.threads
            ctx.gop_size = max(1, round(float(self.rate) * KEYFRAME_INTERVAL_S))
            ctx.colorspace = _AVCOL_SPC_SMPTE170M
            ctx.color_range = _AVCOL_RANGE_MPEG
            options = {"preset": self.preset, "crf": str(self.crf)}
            if self.x264_params:
                options["x264-params"] = self.x264_params
            stream.options = options
        except BaseException:
            container.close()
            self._tmp_path.unlink(missing_ok=True)
            raise
        self._container, self._stream = container, stream

    def _mux(self, packets) -> None:
        try:
            self._container.mux(packets)
        except OSError as exc:
            self._abort()
            self._closed = True
            raise FormcheckError(f"Writing the video {self.path} failed ({exc}).",
                                 "Check that the disk is not full and the folder is still there.") from exc

    def _abort(self) -> None:
        """Drop the partial file without raising."""
        if self._container is not None:
            try:
                self._container.close()
            except Exception:
                pass
            self._container = None
        try:
            self._tmp_path.unlink(missing_ok=True)
        except OSError:
            pass
