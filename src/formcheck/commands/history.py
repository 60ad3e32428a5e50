"""`formcheck history`: past runs from the local history, one exercise's trend, a progress plot,
page and CSV; `--rebuild` recreates the history from the session logs and recorded reports."""
from __future__ import annotations


def _check_exercise(name: str, runs: list[dict], exercises_dir) -> None:
    """A name that is neither a known exercise nor in the history is a typo: say so."""
    from formcheck.definitions.exercises import get_exercise

    if any(r["exercise"] == name for r in runs):
        return
    get_exercise(name, exercises_dir)  # raises "Unknown exercise 'x'. Choose one of: ..."


def cmd_history(args) -> int:
    from formcheck.history import store, views

    if args.rebuild:
        from formcheck.history.rebuild import rebuild

        done = rebuild(args.data_dir)
        if done["moved"]:
            print(f"The damaged history was moved to {done['moved']}.")
        for problem in done["problems"]:
            print(f"  {problem}")
        print(f"History rebuilt: {done['runs']} run{'s' if done['runs'] != 1 else ''} in {done['path']}.")
    for path, what in ((args.plot, "plot"), (args.html, "progress page"), (args.csv, "CSV file")):
        if path is not None:
            views.check_target(path, what)  # before any output: a bad path is the only line
    all_runs = store.load_runs(args.data_dir)
    runs = all_runs
    if args.exercise:
        _check_exercise(args.exercise, all_runs, args.exercises_dir)
        runs = [r for r in all_runs if r["exercise"] == args.exercise]
    if not runs:
        what = f"No runs of {args.exercise} in the history yet" if args.exercise else "The history is empty"
        print(f"{what} ({store.history_path(args.data_dir)}): `formcheck analyze`, `live` and `session` add to it"
              + ("; no plot was drawn." if args.plot else "."))
    elif args.exercise:
        print("\n".join(views.trend_lines(runs, args.exercise)))
    else:
        print("\n".join(views.table_lines(runs)))
    if args.plot and runs:
        print(f"Progress plot: {views.write_plot(runs, args.plot)}")
    if args.html:
        print(f"Progress page: {views.write_html(runs, args.html, args.exercise)}")
    if args.csv:
        print(f"CSV: {views.write_csv(runs, args.csv)}")
    return 0
