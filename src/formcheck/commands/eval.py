"""`formcheck eval`: score the analyzers on clips with known truth, against absolute limits and a
baseline of known failures (README, "Testing on clips with known truth").

Exit codes: 0 every clip passes (meets its limits, or is a listed known failure no worse than its
baseline), 1 a clip fails, 2 bad input (a clip that cannot be evaluated, a bad baseline or option).
"""
from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from formcheck.core.errors import FormcheckError

EXIT_FAIL = 1
EXIT_BAD_INPUT = 2


def default_clips_dir() -> Path:
    """``samples/`` of a source checkout, else ``./samples``: the clips ``formcheck eval`` scores by default."""
    for candidate in (Path(__file__).resolve().parents[3] / "samples", Path.cwd() / "samples"):
        if (candidate / "clips.json").is_file():
            return candidate
    raise FormcheckError("No clips given, and no samples/ folder with clips.json here.",
                         "Name clips or folders: formcheck eval CLIPS_OR_FOLDERS (see README, 'Testing on clips').")


def cmd_eval(args) -> int:
    from formcheck.evaluation.baseline import FAILING, KNOWN, judge, updated_baseline
    from formcheck.evaluation.scoring import collect, evaluate, table
    from formcheck.io.outputs import write_json

    reasons = _known_failure_options(args.known_failure)
    if reasons and not args.update_baseline:
        raise FormcheckError("--known-failure is only used with --update-baseline.",
                             "Add --update-baseline, or list known failures in the baseline file.")
    paths = collect(list(args.paths) + ([args.clips_dir] if args.clips_dir else []) or [default_clips_dir()])
    baseline_path = args.baseline or paths[0].parent / "eval_baseline.json"
    baseline = None
    if baseline_path.exists():
        baseline = _read_baseline(baseline_path)  # before the run: a bad file is found at once
    elif args.baseline and not args.update_baseline:
        raise FormcheckError(f"Baseline not found: {baseline_path}.",
                             "Check the --baseline path, or write one with --update-baseline.")
    results = []
    for i, path in enumerate(paths, 1):
        if not args.quiet:
            sys.stdout.flush()  # progress (stderr) and the table (stdout) never share a line
            print(f"[{i}/{len(paths)}] {path.name}", file=sys.stderr, flush=True)
        results.append(evaluate(path, replay=args.replay, model=args.model, exercises_dir=args.exercises_dir))
    notes = []
    if args.update_baseline:
        try:
            baseline, notes = updated_baseline(results, baseline, _resolve(reasons, results))
        except FormcheckError:
            print(table(results))  # the figures behind the refusal
            raise
        write_json(baseline_path, baseline.as_json(
            "Written by `formcheck eval --update-baseline` (README, 'Testing on clips with known truth'). "
            "known_failures: clips that miss an absolute limit, with why; clips: the ratchet figures."))
    verdicts = judge(results, baseline)
    print(table(results, verdicts))
    for note in notes:
        print(note)
    if args.update_baseline:
        print(f"Baseline written: {baseline_path}")
    problems = [f"{v.status.upper()} {v.clip}: {p}" for v in verdicts if v.failed for p in v.problems]
    write_json(args.json, {
        "results": [{**r.as_dict(), "status": v.status, "known_failure": v.reason or None,
                     "limits_missed": [m.text for m in v.misses]} for r, v in zip(results, verdicts, strict=True)],
        "baseline": str(baseline_path) if baseline is not None else None,
        "known_failures": baseline.known_failures if baseline is not None else {},
        "failures": problems})
    print(f"Results: {args.json}")
    for v in verdicts:
        if v.status == KNOWN:
            print(f"known failure {v.clip}: {'; '.join(m.text for m in v.misses)} -- {v.reason}")
    for problem in problems:
        print(problem)
    if baseline is None:
        print(f"No baseline ({baseline_path} does not exist; --update-baseline writes one): "
              "checked against the absolute limits only.")
    counts = Counter(v.status for v in verdicts)
    summary = ", ".join(f"{n} {status}{'s' if n > 1 and status == KNOWN else ''}"
                        for status, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    errors = [r for r in results if r.error]
    if errors:
        what = (f"{errors[0].clip}: {errors[0].error}" if len(errors) == 1 else
                f"{len(errors)} clips could not be evaluated: {', '.join(r.clip for r in errors)} (ERROR lines above)")
        print(f"formcheck eval: {what}", file=sys.stderr)
        return EXIT_BAD_INPUT
    failed = [v for v in verdicts if v.status in FAILING]
    where = f" (baseline {baseline_path})" if baseline is not None else ""
    if failed:
        print(f"formcheck eval: {len(failed)} of {len(results)} clips fail ({summary}){where}.", file=sys.stderr)
        return EXIT_FAIL
    print(f"All {len(results)} clips pass: {summary}{where}.")
    return 0


def _known_failure_options(options: list[str]) -> dict[str, str]:
    reasons = {}
    for option in options or []:
        clip, sep, reason = option.partition("=")
        if not sep or not clip.strip():
            raise FormcheckError(f"--known-failure {option!r} is not CLIP=REASON.",
                                 "e.g. --known-failure 'bridge_1.mp4=hold timing off on the far side (issue 10)'.")
        reasons[clip.strip()] = reason.strip()
    return reasons


def _resolve(reasons: dict[str, str], results) -> dict[str, str]:
    """Clip names as the table shows them; a clip's stem (``bridge_1``) names it too."""
    from formcheck.evaluation.truth import RECORDING_SUFFIX

    by_stem = {}
    for r in results:
        stem = r.clip[: -len(RECORDING_SUFFIX)] if r.clip.endswith(RECORDING_SUFFIX) else Path(r.clip).stem
        by_stem.setdefault(stem, r.clip)
    names = {r.clip for r in results}
    return {(clip if clip in names else by_stem.get(clip, clip)): reason for clip, reason in reasons.items()}


def _read_baseline(path: Path):
    from formcheck.evaluation.baseline import parse_baseline

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormcheckError(f"Cannot read the baseline {path}: {exc}.",
                             "Restore it (git), or write a new one with --update-baseline after deleting it "
                             "(its known-failure reasons are then lost).") from exc
    return parse_baseline(data, str(path))
