"""Many videos: a local process pool and a Dask cluster give what one process gives, video by video."""
import json

import pytest

from formcheck.batch import VideoTask, run_local

from support import SAMPLES

CLIPS = [("bridge_overarch.mp4", "bridge"), ("standing_still.mp4", "standing_flexion")]
SAME = ("exercise", "reps", "reps_by_side", "frames", "detected_frames", "rep_details", "fps")


def _tasks(tmp_path, name, clips=CLIPS, **extra):
    options = {"write_video": False, "progress": False, "poses": 1, "history": False, **extra}
    return [VideoTask(str(SAMPLES / clip), exercise, str(tmp_path / name / clip), options) for clip, exercise in clips]


def _same(a: dict, b: dict) -> None:
    assert a["ok"] and b["ok"], (a["error"], b["error"])
    for key in SAME:
        assert a["report"][key] == b["report"][key], key
    assert [e["code"] for e in a["report"]["events"]] == [e["code"] for e in b["report"]["events"]]


@pytest.fixture(scope="module")
def one_process(tmp_path_factory):
    from formcheck.commands.analyze import analyze_one

    return run_local(_tasks(tmp_path_factory.mktemp("one"), "one"), analyze_one, jobs=1)


@pytest.mark.model
@pytest.mark.processes
def test_a_pool_of_two_gives_each_video_the_one_process_result(tmp_path, one_process):
    from formcheck.commands.analyze import analyze_one

    done = []
    results = run_local(_tasks(tmp_path, "pool"), analyze_one, jobs=2, on_done=done.append)
    assert len(done) == 2 and [r["video"] for r in results] == [r["video"] for r in one_process]
    for a, b in zip(one_process, results, strict=True):
        _same(a, b)
        assert (tmp_path / "pool" / a["video"].rsplit("/", 1)[-1] / "report.json").is_file()


@pytest.mark.model
@pytest.mark.processes
def test_one_bad_video_in_a_pool_is_reported_by_name_and_the_others_finish(tmp_path):
    from formcheck.commands.analyze import analyze_one

    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"not a video")
    tasks = _tasks(tmp_path, "pool", clips=[("standing_still.mp4", "standing_flexion")])
    tasks.insert(0, VideoTask(str(bad), "standing_flexion", str(tmp_path / "pool" / "broken"), tasks[0].options))
    results = run_local(tasks, analyze_one, jobs=2)
    assert not results[0]["ok"] and "broken.mp4" in results[0]["error"]
    assert results[1]["ok"] and results[1]["report"]["frames"] == 15


@pytest.mark.model
@pytest.mark.processes
def test_a_dask_local_cluster_gives_the_local_result_and_writes_outputs_here(tmp_path, one_process):
    distributed = pytest.importorskip("distributed", reason="Dask distributed is not installed (formcheck[cluster])")
    from formcheck.batch import run_dask
    from formcheck.commands.analyze import analyze_one

    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        results = run_dask(_tasks(tmp_path, "dask"), analyze_one, client)
    for a, b, (clip, _) in zip(one_process, results, CLIPS, strict=True):
        _same(a, b)
        folder = tmp_path / "dask" / clip
        report = json.loads((folder / "report.json").read_text())
        assert report["source"] == str(SAMPLES / clip)  # this machine's path, not the worker's
        assert all(str(folder) in p for p in report["outputs"].values())
        assert (folder / "angles.csv").is_file() and (folder / "report.html").is_file()
