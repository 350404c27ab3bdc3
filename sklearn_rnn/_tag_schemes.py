"""Span tagging schemes: which tag may follow which.

Span labels written as BIO (also called IOB2: ``B-X`` opens a span of type
``X``, ``I-X`` continues it, ``O`` is outside) or BIOES (also ``E-X`` ends a
span of more than one step, ``S-X`` is a span of one; BILOU writes them
``L-X`` and ``U-X``) forbid some tag pairs: ``I-X`` never follows ``O``. A
tagger that scores each step, or learns transition scores that only make
such pairs unlikely, can still output them; decoding under these masks
cannot (AllenNLP's ``allowed_transitions``).

Plain numpy; knows nothing of torch or scikit-learn.
"""

from __future__ import annotations

import numpy as np

# Prefixes of each scheme: (opens, continues, closes, alone); a scheme without
# closing or single-step tags lets a span end at any tag of its type.
SCHEMES = {
    "BIO": ("B", "I", None, None),
    "BIOES": ("B", "I", "E", "S"),
    "BILOU": ("B", "I", "L", "U"),
}
OUTSIDE = "O"


def _parts(tag):
    """``("B", "PER")`` of ``"B-PER"``, ``("O", None)`` of ``"O"``, None of a
    tag in no scheme."""
    if tag == OUTSIDE:
        return OUTSIDE, None
    if not isinstance(tag, str) or "-" not in tag:
        return None
    prefix, kind = tag.split("-", 1)
    return (prefix, kind) if len(prefix) == 1 and kind else None


def detect_scheme(tags) -> str | None:
    """The least strict scheme whose prefixes cover every tag of ``tags``
    (the label set), or None. ``B``/``I`` only reads as BIO."""
    parts = [_parts(tag) for tag in tags]
    if any(part is None for part in parts):
        return None
    prefixes = {prefix for prefix, _ in parts} - {OUTSIDE}
    for name in ("BIO", "BIOES", "BILOU"):
        if prefixes <= {p for p in SCHEMES[name] if p}:
            return name
    return None


def allowed_transitions(tags, scheme: str):
    """Boolean masks ``(start, transitions, end)`` over ``tags`` (the label
    set, in the order of the network's outputs): ``start[k]`` whether a
    sequence may open with tag ``k``, ``transitions[i, j]`` whether tag
    ``j`` may follow tag ``i``, ``end[k]`` whether a sequence may close on
    ``k``. Every tag must belong to ``scheme``."""
    opens, continues, closes, alone = SCHEMES[scheme]
    parts = []
    for tag in tags:
        part = _parts(tag)
        if part is None or (
            part[0] != OUTSIDE and part[0] not in (opens, continues, closes, alone)
        ):
            raise ValueError(
                f"The tag {tag!r} does not belong to the {scheme} scheme, whose "
                f"tags are {OUTSIDE!r} and "
                f"{', '.join(repr(p + '-X') for p in SCHEMES[scheme] if p)}."
            )
        parts.append(part)
    # Tags after which a span is over (a new one or O may follow), and tags
    # that start one.
    closed = {OUTSIDE, closes, alone} if closes else {OUTSIDE, opens, continues}
    starting = {OUTSIDE, opens, alone}
    inside = {continues, closes} - {None}  # need an open span of their type
    k = len(parts)
    start = np.array([p in starting for p, _ in parts])
    end = np.array([p in closed for p, _ in parts])
    transitions = np.zeros((k, k), dtype=bool)
    for i, (p, kind) in enumerate(parts):
        for j, (q, next_kind) in enumerate(parts):
            if q in inside:
                # Continuing needs an open span of the same type before it.
                transitions[i, j] = (
                    p in ({opens, continues} - {None}) and kind == next_kind
                )
            else:
                transitions[i, j] = p in closed
    return start, transitions, end


def first_invalid(sequences, masks) -> int | None:
    """Index of the first sequence of tag indices (into the label set of
    :func:`allowed_transitions`) that its masks forbid, or None."""
    start, transitions, end = masks
    for i, seq in enumerate(sequences):
        seq = np.asarray(seq, dtype=np.int64)
        if len(seq) and (
            not start[seq[0]]
            or not end[seq[-1]]
            or not transitions[seq[:-1], seq[1:]].all()
        ):
            return i
    return None
