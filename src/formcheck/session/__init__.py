"""The guided session: a state machine with no I/O (clock, keys and poses in; log records,
sounds and a ``Screen`` out), its crash-safe log and summary, and the runner that drives it from a
camera."""
