"""The analyzer's per-frame ``Feedback`` with its words in the active language, for the overlay.

Analyzers speak English (their events and reports keep it); the overlay of the session window,
the live window and the annotated video translates where it draws (``ui.overlay``).
"""
from __future__ import annotations

from dataclasses import replace

from formcheck.core.events import EVENT_MESSAGES, Feedback
from formcheck.i18n import SOURCE, get_language, t


def translated(feedback: Feedback | None) -> Feedback | None:
    """``feedback`` with its cue (or, without one, the first warning's words) and the gauge's
    title translated; unchanged in English."""
    if feedback is None or get_language() == SOURCE:
        return feedback
    cue = feedback.cue or (EVENT_MESSAGES.get(feedback.warnings[0], feedback.warnings[0]) if feedback.warnings else "")
    name = t(feedback.signal_name)
    name = name.split("（", 1)[0].split("(", 1)[0].strip() or name  # the gauge shows the name without its bracket
    return replace(feedback, cue=t(cue), signal_name=name)
