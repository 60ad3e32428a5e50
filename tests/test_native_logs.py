import os

from formcheck.native_logs import filter_native_logs


def test_native_log_lines_are_dropped_and_the_rest_passes(capfd):
    with filter_native_logs():
        os.write(2, b"W0000 00:00:1795323497.918935    2583 landmark_projection_calculator.cc:81] NORM_RECT\n")
        os.write(2, b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n")
        os.write(2, b"formcheck: Video not found: x.mp4.\n")
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "formcheck: Video not found: x.mp4.\nafter\n"
