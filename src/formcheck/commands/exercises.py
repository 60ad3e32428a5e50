"""`formcheck exercises`: the exercises, their capability level and what each measures."""
from __future__ import annotations


def cmd_exercises(args) -> int:
    from formcheck.core.text import plural, with_unit
    from formcheck.definitions.exercises import load_exercises

    exercises = load_exercises(args.exercises_dir)  # a bad definition fails before anything is printed
    print("Levels: measured = angle, reps and holds validated on clips with known truth; "
          "tracked = counted and timed, angle less reliable; timer = the camera cannot measure it, "
          "formcheck times and guides.\n")
    for ex in exercises.values():
        per_side = " per side" if ex.sides else ""
        hold = f", hold {ex.hold_s:g} s" if ex.hold_s > 0 else ""
        print(f"{ex.id:20s} {ex.name} [{ex.level}] view: {ex.view}")
        if ex.measures:
            error = with_unit(ex.expected_error_deg, ex.unit, ascii_only=True)
            print(f"{'':20s} measures {ex.signal_label} (about +-{error}); "
                  f"target {plural(ex.target_reps, 'repetition')}{per_side}{hold}")
        else:
            print(f"{'':20s} timed: hold {ex.hold_s:g} s" + (f", never more than {ex.hold_cap_s:g} s"
                                                            if ex.hold_cap_s else ""))
        if ex.level_reason:
            print(f"{'':20s} why {ex.level}: {ex.level_reason}")
        print(f"{'':20s} {ex.summary}")
    return 0
