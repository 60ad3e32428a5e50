"""Exercises and routines as data: the TOML schema, its validation with precise errors, the
built-in definitions (``exercise_defs/``) and routines (``routines/``)."""
