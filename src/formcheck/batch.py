"""Many videos: one job per video, on a pool of local processes or on a Dask cluster.

A job is a top-level function of plain values returning a plain dict (``analyze_one``), so it
can cross a process boundary. ``run_local`` maps it over a process pool (``--jobs N``);
``run_dask`` sends it to a Dask distributed scheduler (``--scheduler tcp://HOST:PORT``). A cluster's
workers need not see this machine's disk: each video travels to the worker as bytes, is analysed
in a temporary folder there, and its output files travel back to be written here.

Results come back in the order the videos were given; a video that fails is that result's
``error`` (by name), never the end of the batch.
"""
from __future__ import annotations

import concurrent.futures as cf
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from formcheck.core.errors import FormcheckError
from formcheck.core.processes import spawn_pool

CLUSTER_EXTRA = "formcheck[cluster]"


@dataclass(frozen=True)
class VideoTask:
    video: str
    exercise: str
    folder: str  # where this video's outputs go, on the machine the command runs on
    options: dict  # ``analyze_one``'s options: plain values only


def _failed(task: VideoTask, message: str) -> dict:
    return {"video": task.video, "folder": task.folder, "ok": False, "error": message, "report": None, "page": False}


def run_local(tasks: list[VideoTask], job: Callable, jobs: int,
              on_done: Callable[[dict], None] | None = None) -> list[dict]:
    """``job(video, exercise, folder, options)`` for every task on ``jobs`` processes (1: in this one)."""
    if jobs <= 1 or len(tasks) <= 1:
        results = []
        for task in tasks:
            results.append(job(task.video, task.exercise, task.folder, task.options))
            if on_done:
                on_done(results[-1])
        return results
    results: list[dict | None] = [None] * len(tasks)
    pool = spawn_pool(min(jobs, len(tasks)))
    try:
        futures = {pool.submit(job, t.video, t.exercise, t.folder, t.options): i for i, t in enumerate(tasks)}
        for future in cf.as_completed(futures):
            i = futures[future]
            try:
                results[i] = future.result()
            except cf.process.BrokenProcessPool:
                results[i] = _failed(tasks[i], "its worker process stopped unexpectedly (out of memory?); "
                                               "run it again on its own")
            except Exception as exc:  # a bug in one video's run: reported by name, the others go on
                results[i] = _failed(tasks[i], f"unexpected error: {exc}")
            if on_done:
                on_done(results[i])
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return results


# --- Dask ---------------------------------------------------------------------------------

def remote_job(name: str, video: bytes, exercise: str, options: dict, job: Callable) -> tuple[dict, dict[str, bytes]]:
    """On a cluster worker: analyse the video's bytes in a temporary folder; return the result
    and every output file's bytes (the worker's disk is not the client's)."""
    work = Path(tempfile.mkdtemp(prefix="formcheck-"))
    try:
        path = work / name
        path.write_bytes(video)
        out = work / "out"
        result = job(str(path), exercise, str(out), options)
        files = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} if out.is_dir() else {}
        return result, files
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _localise(result: dict, task: VideoTask, files: dict[str, bytes]) -> dict:
    """Write a worker's output files into the task's folder and point the report at them."""
    from formcheck.io.outputs import ensure_writable_dir, write_json

    folder = ensure_writable_dir(Path(task.folder))
    for name, data in files.items():
        (folder / name).write_bytes(data)
    report = result.get("report")
    if report:
        report["source"] = task.video
        report["outputs"] = {k: str(folder / Path(v).name) for k, v in (report.get("outputs") or {}).items()}
        write_json(folder / "report.json", report)
        if (folder / "report.html").is_file():
            from formcheck.io.report_page import write_report_page

            write_report_page(report, folder)  # its text names the source: this machine's path
    return dict(result, video=task.video, folder=task.folder)


def connect(scheduler: str):
    """A Dask client for ``scheduler`` (``tcp://HOST:PORT``), or one clear error."""
    try:
        from distributed import Client
    except ImportError as exc:
        raise FormcheckError("--scheduler needs Dask's distributed scheduler, which is not installed.",
                             f"Install it with `python -m pip install '{CLUSTER_EXTRA}'`.") from exc
    try:
        return Client(scheduler, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise FormcheckError(f"Cannot reach the Dask scheduler at {scheduler}: {str(exc).splitlines()[0]}",
                             "Check the address (tcp://HOST:PORT) and that `dask scheduler` is running there.") from exc


def run_dask(tasks: list[VideoTask], job: Callable, client, on_done: Callable[[dict], None] | None = None,
             in_flight: int | None = None) -> list[dict]:
    """Every task on the cluster behind ``client``; outputs are written here as they arrive.

    At most ``in_flight`` videos (default: twice the cluster's worker threads) are held in
    memory and on the network at once, so a backlog of thousands streams through.
    """
    from distributed import as_completed

    if in_flight is None:
        in_flight = max(2, 2 * sum(client.nthreads().values()))
    results: list[dict | None] = [None] * len(tasks)

    def finish(i: int, result: dict) -> None:
        results[i] = result
        if on_done:
            on_done(result)

    queue = iter(enumerate(tasks))
    pending: dict[str, int] = {}
    running = as_completed()

    def submit_next() -> bool:
        for i, task in queue:
            try:
                data = Path(task.video).read_bytes()
            except OSError as exc:
                finish(i, _failed(task, f"cannot read it: {exc.strerror or exc}"))
                continue
            options = dict(task.options, progress=False, history=False)  # the history is this machine's
            video = client.scatter(data)  # big arguments go as data, not inside the task graph
            future = client.submit(remote_job, Path(task.video).name, video, task.exercise, options, job,
                                   pure=False, key=f"formcheck-{i}-{Path(task.video).stem}")
            pending[future.key] = i
            running.add(future)
            return True
        return False

    for _ in range(in_flight):
        if not submit_next():
            break
    for future in running:
        i = pending.pop(future.key)
        try:
            result, files = future.result()
            finish(i, _localise(result, tasks[i], files))
        except Exception as exc:  # a worker lost, or a bug: this video fails, the others go on
            finish(i, _failed(tasks[i], f"the cluster could not analyse it: {exc}"))
        future.release()
        submit_next()
    return results
