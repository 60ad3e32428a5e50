import os
import sys

from formcheck.pose.native_logs import filter_native_logs


def test_native_writes_are_dropped_and_kept_for_a_crash_report(capfd):
    with filter_native_logs() as native:
        os.write(2, b"W0000 00:00:1795323497.918935    2583 landmark_projection_calculator.cc:81] NORM_RECT\n")
        os.write(2, b"INFO: [accelerator_registry.cc:43] DestroyAccelerator\n")
        os.write(2, b"[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55] moov atom not found\n")
        print("formcheck: Video not found: x.mp4.", file=sys.stderr)
    os.write(2, b"after\n")
    err = capfd.readouterr().err
    assert err == "formcheck: Video not found: x.mp4.\nafter\n"
    assert native.count == 3 and "moov atom not found" in native.lines[-1]


def test_everything_passes_when_asked_for(capfd, monkeypatch):
    monkeypatch.setenv("FORMCHECK_NATIVE_LOGS", "1")
    with filter_native_logs():
        os.write(2, b"INFO: [accelerator_registry.cc:43] DestroyAccelerator\n")
    assert "DestroyAccelerator" in capfd.readouterr().err
