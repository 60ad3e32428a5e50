"""The guided session. ``flow`` is the state machine, with no I/O (clock, keys and poses in; log
records, sounds and a ``Screen`` out); ``types`` its states, wording and data; ``set_tracker`` the
set in progress; ``view`` and ``progress`` what it shows on screen and on a console; ``log`` its
crash-safe log and summary; ``runner`` the loop that drives it from a camera. ``live_runtime``, the
frame source with its camera retry policy and the pose feed, is shared with `formcheck live`."""
