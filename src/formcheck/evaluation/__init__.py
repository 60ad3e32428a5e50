"""Scoring analyzers on clips with known truth: truth formats, per-clip scores and the
regression check against a baseline (``formcheck eval``)."""
