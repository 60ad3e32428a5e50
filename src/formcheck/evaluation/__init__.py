"""Scoring analyzers on clips with known truth (``formcheck eval``): the truth formats
(``truth``), per-clip scores (``scoring``) and the regression check against a baseline
(``baseline``)."""
