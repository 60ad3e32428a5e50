"""From landmarks to numbers, detector-agnostic and free of I/O: whom to follow when several
people are in view (person_selection), smoothing filters, per-frame angles (kinematics), the
camera set-up check (framing), the exercise analyzer with its repetition/hold state machines
(``reps/``), the ``Pipeline`` that ties them together, the offline frame loop over a file
(``frame_loop``) and the report of a finished analysis."""
