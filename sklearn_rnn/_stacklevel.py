"""Where a warning should point: at the user's line, not inside the library."""

from __future__ import annotations

import sys
from types import FrameType

_OURS = ("sklearn_rnn", "sklearn")


def user_stacklevel(frame: FrameType | None = None) -> int:
    """The ``stacklevel`` that makes a warning raised in ``frame`` (default:
    the caller's) point at the first frame outside this library and
    scikit-learn: ``fit`` runs inside sklearn's ``_fit_context``, and a user
    may call it through a Pipeline or a search.

    A frame from elsewhere between two of ours (a decorator's wrapper, a
    tool's trampoline such as mutmut's) counts as ours: the line to show is
    the one that called into the library, not one inside it.
    """
    frame = frame if frame is not None else sys._getframe(1)
    level = 1
    while frame is not None and (_ours(frame) or _ours(frame.f_back)):
        frame, level = frame.f_back, level + 1
    return level


def _ours(frame: FrameType | None) -> bool:
    if frame is None:
        return False
    return frame.f_globals.get("__name__", "").partition(".")[0] in _OURS
