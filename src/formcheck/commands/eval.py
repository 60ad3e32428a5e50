"""`formcheck eval`: score the analyzers on clips with known truth, against a baseline."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from formcheck.core.errors import FormcheckError


def default_clips_dir() -> Path:
    """``samples/`` of a source checkout, else ``./samples``: the clips ``formcheck eval`` scores by default."""
    for candidate in (Path(__file__).resolve().parents[3] / "samples", Path.cwd() / "samples"):
        if (candidate / "clips.json").is_file():
            return candidate
    raise FormcheckError("No clips given, and no samples/ folder with clips.json here.",
                         "Name clips or folders: formcheck eval CLIPS_OR_FOLDERS (see README, 'Testing on clips').")


def cmd_eval(args) -> int:
    from formcheck.evaluation.baseline import baseline_from, compare
    from formcheck.evaluation.scoring import collect, evaluate, table
    from formcheck.io.outputs import write_json

    paths = collect(list(args.paths) + ([args.clips_dir] if args.clips_dir else []) or [default_clips_dir()])
    results = []
    for i, path in enumerate(paths, 1):
        if not args.quiet:
            sys.stdout.flush()  # progress (stderr) and the table (stdout) never share a line
            print(f"[{i}/{len(paths)}] {path.name}", file=sys.stderr, flush=True)
        results.append(evaluate(path, replay=args.replay, model=args.model, exercises_dir=args.exercises_dir))
    print(table(results))
    baseline_path = args.baseline or paths[0].parent / "eval_baseline.json"
    if args.update_baseline:
        write_json(baseline_path, baseline_from(results))
        print(f"Baseline written: {baseline_path}")
    if baseline_path.exists():
        baseline = _read_baseline(baseline_path)
    elif args.baseline:
        raise FormcheckError(f"Baseline not found: {baseline_path}.",
                             "Check the --baseline path, or write one with --update-baseline.")
    else:
        baseline = None
    problems = compare(results, baseline or {})
    write_json(args.json, {"results": [r.as_dict() for r in results],
                           "baseline": str(baseline_path) if baseline is not None else None,
                           "regressions": problems})
    print(f"Results: {args.json}")
    if baseline is None:
        # Nothing to regress from: the truth itself is the bar (counts and evaluation errors).
        for problem in problems:
            print(f"MISS {problem}")
        print(f"No baseline ({baseline_path} does not exist; --update-baseline writes one): "
              "repetition counts were checked against the truth only.")
        if problems:
            print(f"formcheck eval: {len(problems)} clip(s) differ from the truth.", file=sys.stderr)
            return 1
        print(f"All {len(results)} clips count the true repetitions.")
        return 0
    for problem in problems:
        print(f"REGRESSION {problem}")
    if problems:
        print(f"formcheck eval: {len(problems)} regression(s) against {baseline_path}.", file=sys.stderr)
        return 1
    print(f"All {len(results)} clips within the tolerances of the baseline {baseline_path}.")
    return 0


def _read_baseline(path: Path) -> dict:
    try:
        baseline = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormcheckError(f"Cannot read the baseline {path}: {exc}.",
                             "Restore it, or write a new one with --update-baseline.") from exc
    if not isinstance(baseline, dict):
        raise FormcheckError(f"The baseline {path} is not a JSON object of clips.",
                             "Write a new one with --update-baseline.")
    return baseline
