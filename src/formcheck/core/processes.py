"""Worker processes: how many cores there are, and a pool of spawned workers (standard library only,
so the command-line parser can ask without loading numpy or OpenCV)."""
from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import signal


def available_cores() -> int:
    """Cores this process may run on (the CPU affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def ignore_sigint() -> None:
    # Ctrl-C reaches the whole process group: the parent decides what happens, workers stay quiet.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def spawn_pool(workers: int) -> cf.ProcessPoolExecutor:
    """A pool of ``workers`` spawned processes (no MediaPipe state forked) that ignore Ctrl-C."""
    return cf.ProcessPoolExecutor(max_workers=workers, initializer=ignore_sigint,
                                  mp_context=multiprocessing.get_context("spawn"))
