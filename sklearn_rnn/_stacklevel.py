"""Where a warning should point: at the user's line, not inside the library."""

from __future__ import annotations

import sys
from types import FrameType

_OURS = ("sklearn_rnn", "sklearn")


def user_stacklevel() -> int:
    """The ``stacklevel`` that makes a warning raised by the caller point at
    the line that called into this library or scikit-learn: ``fit`` runs
    inside sklearn's ``_fit_context``, and a user may call it through a
    Pipeline or a search.

    The line shown is the caller of the outermost frame of ours, so frames
    from elsewhere between two of ours (joblib under a search, a decorator's
    wrapper, a tool's trampolines such as mutmut's) are stepped over.
    """
    frame = sys._getframe(1)
    level, outermost = 1, 0
    while frame is not None:
        if _ours(frame):
            outermost = level
        frame, level = frame.f_back, level + 1
    return outermost + 1


def _ours(frame: FrameType) -> bool:
    return frame.f_globals.get("__name__", "").partition(".")[0] in _OURS
