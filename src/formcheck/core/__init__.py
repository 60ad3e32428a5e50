"""The types every layer shares: ``KeyPoints`` (landmarks as plain arrays), ``Frame``, the
events and feedback an analyzer reports, ``FormcheckError`` and small wording helpers. Nothing
here imports another formcheck package."""
