"""Per-step attributions by occlusion: how much each step of a record moved
the model's output.

Each step (or window of steps) is replaced in turn by a neutral value and the
record scored again; the attribution of the step is how much the output fell
(Zeiler and Fergus 2014; captum's ``Occlusion``). Occlusion asks the fitted
estimator itself, through ``predict``'s path, so it accounts for everything
the output depends on: the recurrent network, its n-gram bags and the wide
term alike, on every input form, with no gradient through discrete symbols
or the wide term's thresholded convolution features (which integrated
gradients would need). It costs one prediction per step (per window and
channel for numeric series).

The neutral values: a symbol the model never saw (an unknown symbol reads as
id 0, the column of ``U`` that is zero, and its n-grams are unknown too); an
empty feature dict; for numbers, the training mean of the channel (what
standardisation maps to zero).
"""

from __future__ import annotations

import numpy as np

from sklearn_rnn._input_kinds import FEATURES, TEXT, TOKENS


def _unseen_symbol(vocabulary) -> str:
    """A character of Unicode's private use area that is not a symbol of
    ``vocabulary`` (so it reads as unknown)."""
    for code in range(0xE000, 0xF8FF):
        if chr(code) not in vocabulary:
            return chr(code)
    raise RuntimeError("every private-use character is in the vocabulary")


class _Steps:
    """How to occlude the steps of one input form."""

    def __init__(self, encoder, X):
        self.kind = encoder.kind_
        self.analyzer = getattr(encoder, "analyzer", "char")
        self.array = isinstance(X, np.ndarray) and self.kind not in (TEXT, TOKENS)
        if self.kind in (TEXT, TOKENS):
            self.unknown = _unseen_symbol(set(encoder.vocabulary_))
        elif self.kind != FEATURES:
            mean = encoder.mean_
            self.mean = None if mean is None else np.asarray(mean, dtype=float)

    def parts(self, record) -> tuple[list | np.ndarray, int]:
        """The record's steps (for text, its characters or words) and
        channels per step (1 for symbols)."""
        if self.kind == TEXT:
            if self.analyzer == "char":
                return list(record), 1
            if self.analyzer == "word":
                return record.split(), 1
            raise ValueError(
                "attribute reads strings by characters or words: with a callable "
                "analyzer, pass the token lists it returns (fit on them too)."
            )
        if self.kind in (TOKENS, FEATURES):
            return list(record), 1
        values = np.asarray(record, dtype=float)
        return values, 1 if values.ndim == 1 else values.shape[1]

    def occlude(self, record, steps, start, stop, channel):
        """The record with steps ``start:stop`` (of channel ``channel``)
        replaced by the neutral value, in the record's own form."""
        if self.kind in (TEXT, TOKENS, FEATURES):
            blank = {} if self.kind == FEATURES else self.unknown
            out = list(steps)
            out[start:stop] = [blank] * (stop - start)
            if self.kind != TEXT:
                return out
            return "".join(out) if self.analyzer == "char" else " ".join(out)
        out = steps.copy()
        if out.ndim == 1:
            out[start:stop] = 0.0 if self.mean is None else self.mean[0]
        else:
            out[start:stop, channel] = 0.0 if self.mean is None else self.mean[channel]
        return out


def occlusion(estimator, X, full, score, window) -> list:
    """Per record, the fall of ``score`` (a function of a batch of records
    and of the records' indices -> one value each) from ``full`` (its value
    on the records as they are, which the caller has from validating them)
    when each window of ``window`` steps is occluded, spread evenly over the
    window's steps: arrays of shape ``(n_steps,)``, or ``(n_steps,
    n_channels)`` for multichannel numeric series."""
    form = _Steps(estimator.encoder_, X)
    records = list(X)
    result = []
    for i, record in enumerate(records):
        steps, channels = form.parts(record)
        n = len(steps)
        attribution = np.zeros((n, channels))
        copies, where = [], []
        for start in range(0, n, window):
            stop = min(start + window, n)
            for channel in range(channels):
                copies.append(form.occlude(record, steps, start, stop, channel))
                where.append((start, stop, channel))
        if copies:
            batch = np.stack(copies) if form.array else copies
            fallen = full[i] - score(batch, np.full(len(copies), i))
            for (start, stop, channel), drop in zip(where, fallen):
                attribution[start:stop, channel] = drop / (stop - start)
        numeric = form.kind not in (TEXT, TOKENS, FEATURES)
        multichannel = numeric and np.asarray(record).ndim > 1
        result.append(attribution if multichannel else attribution[:, 0])
    return result
