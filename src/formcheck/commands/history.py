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
    from formcheck.i18n import SOURCE, count_text, get_language, t

    if args.rebuild:
        from formcheck.history.rebuild import rebuild

        done = rebuild(args.data_dir)
        if done["moved"]:
            print(t("The damaged history was moved to {path}.", path=done["moved"]))
        for problem in done["problems"]:
            print(f"  {problem}")
        runs_text = count_text(done["runs"], "1 run", "{n} runs")
        print(t("History rebuilt: {runs} in {path}.", runs=runs_text, path=done["path"]))
    for path, what in ((args.plot, "plot"), (args.html, "progress page"), (args.csv, "CSV file")):
        if path is not None:
            views.check_target(path, what)  # before any output: a bad path is the only line
    all_runs = store.load_runs(args.data_dir)
    runs = all_runs
    if args.exercise:
        _check_exercise(args.exercise, all_runs, args.exercises_dir)
        runs = [r for r in all_runs if r["exercise"] == args.exercise]
    if runs and get_language() != SOURCE:
        _load_exercise_names(args.exercises_dir)
    if not runs:
        what = (t("No runs of {exercise} in the history yet", exercise=args.exercise) if args.exercise
                else t("The history is empty"))
        where = store.history_path(args.data_dir)
        if args.plot:
            print(t("{what} ({path}): `formcheck analyze`, `live` and `session` add to it; no plot was drawn.",
                    what=what, path=where))
        else:
            print(t("{what} ({path}): `formcheck analyze`, `live` and `session` add to it.", what=what, path=where))
    elif args.exercise:
        print("\n".join(views.trend_lines(runs, args.exercise)))
    else:
        print("\n".join(views.table_lines(runs)))
    if args.plot and runs:
        print(t("Progress plot: {path}", path=views.write_plot(runs, args.plot)))
    if args.html:
        print(t("Progress page: {path}", path=views.write_html(runs, args.html, args.exercise)))
    if args.csv:
        print(t("CSV: {path}", path=views.write_csv(runs, args.csv)))
    return 0


def _load_exercise_names(exercises_dir) -> None:
    """The exercises' translated names come with their definitions: load them (a definition that
    does not load costs its name's translation here, not the history)."""
    from formcheck.core.errors import FormcheckError
    from formcheck.definitions.exercises import load_exercises

    try:
        load_exercises(exercises_dir)
    except FormcheckError:
        pass
