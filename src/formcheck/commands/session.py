"""`formcheck session`: a guided routine from start to finish."""
from __future__ import annotations


def cmd_session(args) -> int:
    from formcheck.i18n import t
    from formcheck.session.runner import run_session

    summary = run_session(args.routine, camera=args.camera, source_file=args.source, source_end=args.source_end,
                          keys_file=args.keys, window=not args.no_window, data_dir=args.data_dir,
                          audio=not args.no_audio, model=args.model, exercises_dir=args.exercises_dir,
                          poses=args.poses, language=getattr(args, "language", None))
    for line in summary["lines"]:
        print(line)
    # Display rate and latency are for developers: summary.json ("timing"), not the patient's screen.
    print(t("Log and summary in {folder} (open summary.html in a browser).", folder=summary["folder"]))
    return 130 if summary["end_reason"] == "interrupted" else 0
