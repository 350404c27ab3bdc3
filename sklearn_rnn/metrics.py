"""Metrics and scorers for sequence tagging (one label per step).

``y_true`` and ``y_pred`` are lists of label sequences, as
:meth:`RNNSequenceTagger.predict` returns them. The flat metrics treat every
step of every sequence as one sample (sklearn-crfsuite's ``flat_*``);
:func:`sequence_accuracy_score` counts a sequence as right only when all its
steps are. The ``*_scorer`` objects plug into ``GridSearchCV(scoring=...)``
and ``cross_val_score``.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, make_scorer

__all__ = [
    "flat_accuracy_score",
    "flat_accuracy_scorer",
    "flat_f1_score",
    "flat_f1_macro_scorer",
    "flat_f1_micro_scorer",
    "sequence_accuracy_score",
    "sequence_accuracy_scorer",
]


def _check_sequences(y_true, y_pred):
    if len(y_true) != len(y_pred):
        raise ValueError(
            f"y_true holds {len(y_true)} sequences but y_pred holds {len(y_pred)}."
        )
    for i, (t, p) in enumerate(zip(y_true, y_pred)):
        if isinstance(t, str) or isinstance(p, str):
            raise ValueError(
                f"y_true[{i}] and y_pred[{i}] must be label sequences (lists), not str."
            )
        if len(t) != len(p):
            raise ValueError(
                f"Sequence {i} has {len(t)} labels in y_true but {len(p)} in y_pred."
            )


def _flatten(y_true, y_pred, sample_weight):
    _check_sequences(y_true, y_pred)
    lengths = np.fromiter((len(t) for t in y_true), np.int64, len(y_true))
    flat_true = [label for seq in y_true for label in seq]
    flat_pred = [label for seq in y_pred for label in seq]
    weight = None
    if sample_weight is not None:
        weight = np.repeat(np.asarray(sample_weight, dtype=np.float64), lengths)
    return flat_true, flat_pred, weight


def flat_accuracy_score(y_true, y_pred, *, sample_weight=None) -> float:
    """Share of all steps whose label is right (each step weighing its
    sequence's ``sample_weight``)."""
    flat_true, flat_pred, weight = _flatten(y_true, y_pred, sample_weight)
    return float(accuracy_score(flat_true, flat_pred, sample_weight=weight))


def flat_f1_score(
    y_true, y_pred, *, labels=None, average="macro", sample_weight=None, **kwargs
):
    """:func:`sklearn.metrics.f1_score` over all steps of all sequences."""
    flat_true, flat_pred, weight = _flatten(y_true, y_pred, sample_weight)
    return f1_score(
        flat_true,
        flat_pred,
        labels=labels,
        average=average,
        sample_weight=weight,
        **kwargs,
    )


def sequence_accuracy_score(y_true, y_pred, *, sample_weight=None) -> float:
    """Share of sequences whose every label is right."""
    _check_sequences(y_true, y_pred)
    right = [list(t) == list(p) for t, p in zip(y_true, y_pred)]
    return float(np.average(right, weights=sample_weight)) if right else 0.0


flat_accuracy_scorer = make_scorer(flat_accuracy_score)
flat_f1_macro_scorer = make_scorer(flat_f1_score, average="macro", zero_division=0)
flat_f1_micro_scorer = make_scorer(flat_f1_score, average="micro", zero_division=0)
sequence_accuracy_scorer = make_scorer(sequence_accuracy_score)
