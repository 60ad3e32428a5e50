"""`formcheck exercises`: the exercises, their capability level and what each measures.

In another language (``--language``) each exercise also gets its instructions and safety notes,
translated: that is what a patient reads before choosing. Ids stay as they are (they are typed).
"""
from __future__ import annotations


def cmd_exercises(args) -> int:
    from formcheck.core.text import with_unit
    from formcheck.definitions.exercises import load_exercises
    from formcheck.i18n import SOURCE, count_text, get_language, t

    exercises = load_exercises(args.exercises_dir)  # a bad definition fails before anything is printed
    translated = get_language() != SOURCE
    print(t("Levels: measured = angle, reps and holds validated on clips with known truth; "
            "tracked = counted and timed, angle less reliable; timer = the camera cannot measure it, "
            "formcheck times and guides.") + "\n")
    for ex in exercises.values():
        reps = count_text(ex.target_reps, "1 repetition", "{n} repetitions")
        target = t("{reps} per side", reps=reps) if ex.sides else reps
        if ex.hold_s > 0:
            target += t(", ") + t("hold {seconds} s", seconds=f"{ex.hold_s:g}")
        print(f"{ex.id:20s} {t(ex.name)} [{t(ex.level)}] " + t("view: {view}", view=t(ex.view, context="view")))
        if ex.measures:
            error = with_unit(ex.expected_error_deg, ex.unit, ascii_only=not translated)  # "°" is not ASCII
            print(f"{'':20s} " + t("measures {signal} (about +-{error}); target {target}",
                                   signal=t(ex.signal_label), error=error, target=target))
        else:
            line = t("timed: hold {seconds} s", seconds=f"{ex.hold_s:g}")
            if ex.hold_cap_s:
                line += t(", never more than {seconds} s", seconds=f"{ex.hold_cap_s:g}")
            print(f"{'':20s} {line}")
        if ex.level_reason:  # for clinicians (catalogs/<lang>/clinician.toml; an added exercise's stays English)
            print(f"{'':20s} " + t("why {level}: {reason}", level=t(ex.level), reason=t(ex.level_reason)))
        print(f"{'':20s} {t(ex.summary)}")
        if translated:
            for line in ex.instructions:
                print(f"{'':20s} - {t(line)}")
            for line in ex.safety:
                print(f"{'':20s} ! {t(line)}")
    return 0
