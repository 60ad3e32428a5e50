"""One exception type for every problem a user can fix.

The CLI prints ``FormcheckError`` as a single line (what is wrong, then what to do) and exits
with status 2; anything else is a bug and keeps its traceback.
"""
from __future__ import annotations


class FormcheckError(Exception):
    """A problem with the user's input or environment, with advice on how to fix it."""

    def __init__(self, problem: str, fix: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.problem} {self.fix}".strip()
