#!/usr/bin/env python3
"""Screenshots of a real `formcheck session` window in each language, on a virtual X display.

Runs one whole session per language (the sample clip as the camera, scripted keys) in a window
on its own Xvfb display and grabs the window at five moments: the welcome screen, the first safety
question, the first exercise's card, the tracking screen (once the set has begun, from
events.jsonl) and the summary it quits to. Writes LANG-welcome.png, LANG-question.png,
LANG-card.png, LANG-tracking.png and LANG-summary.png into --out, and prints each session's
summary lines.

Usage: python tools/language_screenshots.py [--out docs/languages] [--languages en zh-TW ko]
Needs Xvfb (apt-get install xvfb) and, for Chinese and Korean, fonts-noto-cjk.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT / "samples" / "standing_flexion_1.mp4"
# Welcome -> question 1 (held 2 s for its screenshot) -> questions 2-5 -> card (held 2 s) -> set-up.
KEYS = [(1.0, "space"), (3.0, "n"), (3.2, "n"), (3.4, "n"), (3.6, "n"), (3.8, "n"), (6.0, "space"),
        (24.0, "q"), (26.0, "space")]
SHOTS = {"welcome": 0.7, "question": 2.0, "card": 5.0}  # seconds after the start
SUMMARY_AT = 25.0  # after "q" at 24 s, before "space" closes the summary at 26 s


def start_xvfb() -> tuple[subprocess.Popen, str]:
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as fh:
        number = fh.readline().strip()
    if not number:
        proc.kill()
        sys.exit("Xvfb did not start")
    return proc, f":{number}"


def grab(display: str, path: Path) -> None:
    import numpy as np
    from PIL import Image, ImageGrab

    shot = np.asarray(ImageGrab.grab(xdisplay=display).convert("RGB"))
    rows, cols = np.nonzero(shot.max(axis=2) > 0)  # crop to the window
    Image.fromarray(shot[:rows.max() + 1, :cols.max() + 1] if rows.size else shot).save(path)


def events(folder: Path) -> list[dict]:
    logs = list(folder.glob("sessions/*/events.jsonl"))
    if not logs:
        return []
    return [json.loads(line) for line in logs[0].read_text(encoding="utf-8").splitlines() if line.strip()]


def run(lang: str, out: Path, display: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        keys = Path(tmp, "keys.txt")
        keys.write_text("".join(f"{t} {k}\n" for t, k in KEYS))
        data = Path(tmp, "data")
        proc = subprocess.Popen([sys.executable, "-m", "formcheck", "session", "--source", str(CLIP), "--no-audio",
                                 "--keys", str(keys), "--data-dir", str(data), "--language", lang],
                                cwd=ROOT, env={**os.environ, "DISPLAY": display}, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            while not events(data):  # the clock of the key script starts with the session
                time.sleep(0.05)
            started = time.monotonic()
            for name, at in SHOTS.items():
                time.sleep(max(0.0, at - (time.monotonic() - started)))
                grab(display, out / f"{lang}-{name}.png")
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not any(r.get("type") == "set_start" for r in events(data)):
                time.sleep(0.2)
            while time.monotonic() < deadline and not any(r.get("type") == "setup_ok" for r in events(data)):
                time.sleep(0.2)
            time.sleep(6.0)  # the 3-2-1 countdown, then a few seconds into the set
            grab(display, out / f"{lang}-tracking.png")
            time.sleep(max(0.0, SUMMARY_AT - (time.monotonic() - started)))
            grab(display, out / f"{lang}-summary.png")
            stdout, stderr = proc.communicate(timeout=90)
        finally:
            if proc.poll() is None:
                proc.kill()
        print(f"== {lang}: exit {proc.returncode}")
        print(stdout.strip())
        if proc.returncode != 0:
            print(stderr.strip(), file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "languages")
    parser.add_argument("--languages", nargs="+", default=["en", "zh-TW", "ko"])
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    xvfb, display = start_xvfb()
    try:
        for lang in args.languages:
            run(lang, args.out, display)
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)
    print(f"Screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
