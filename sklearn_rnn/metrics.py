"""Metrics and scorers for sequence tagging (one label per step).

``y_true`` and ``y_pred`` are lists of label sequences, as
:meth:`RNNSequenceTagger.predict` returns them. The flat metrics treat every
step of every sequence as one sample (sklearn-crfsuite's ``flat_*``);
:func:`sequence_accuracy_score` counts a sequence as right only when all its
steps are. The span metrics read BIO tags (``B-X`` begins a span of type
``X``, ``I-X`` continues it, ``O`` is outside) and count whole spans, as
seqeval does in its strict mode. The ``*_scorer`` objects plug into
``GridSearchCV(scoring=...)`` and ``cross_val_score``.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    classification_report,
    f1_score,
    make_scorer,
    precision_score,
    recall_score,
)

__all__ = [
    "bio_spans",
    "flat_accuracy_score",
    "flat_accuracy_scorer",
    "flat_classification_report",
    "flat_f1_score",
    "flat_f1_macro_scorer",
    "flat_f1_micro_scorer",
    "flat_precision_score",
    "flat_recall_score",
    "invalid_bio_count",
    "sequence_accuracy_score",
    "sequence_accuracy_scorer",
    "span_f1_scorer",
    "span_precision_recall_f1",
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


def _flat(metric, y_true, y_pred, labels, average, sample_weight, kwargs):
    flat_true, flat_pred, weight = _flatten(y_true, y_pred, sample_weight)
    return metric(
        flat_true,
        flat_pred,
        labels=labels,
        average=average,
        sample_weight=weight,
        **kwargs,
    )


def flat_f1_score(
    y_true, y_pred, *, labels=None, average="macro", sample_weight=None, **kwargs
):
    """:func:`sklearn.metrics.f1_score` over all steps of all sequences."""
    return _flat(f1_score, y_true, y_pred, labels, average, sample_weight, kwargs)


def flat_precision_score(
    y_true, y_pred, *, labels=None, average="macro", sample_weight=None, **kwargs
):
    """:func:`sklearn.metrics.precision_score` over all steps of all sequences."""
    return _flat(
        precision_score, y_true, y_pred, labels, average, sample_weight, kwargs
    )


def flat_recall_score(
    y_true, y_pred, *, labels=None, average="macro", sample_weight=None, **kwargs
):
    """:func:`sklearn.metrics.recall_score` over all steps of all sequences."""
    return _flat(recall_score, y_true, y_pred, labels, average, sample_weight, kwargs)


def flat_classification_report(
    y_true, y_pred, *, labels=None, sample_weight=None, **kwargs
):
    """:func:`sklearn.metrics.classification_report` over all steps of all
    sequences (sklearn-crfsuite's ``flat_classification_report``)."""
    flat_true, flat_pred, weight = _flatten(y_true, y_pred, sample_weight)
    return classification_report(
        flat_true, flat_pred, labels=labels, sample_weight=weight, **kwargs
    )


def _bio_parts(tag) -> tuple[str, str]:
    """("B" | "I" | "O", span type) of a BIO tag; anything else is outside."""
    tag = str(tag)
    if len(tag) > 2 and tag[1] == "-" and tag[0] in "BI":
        return tag[0], tag[2:]
    return "O", ""


def bio_spans(tags) -> list[tuple[str, int, int]]:
    """The spans of one BIO tag sequence as ``(type, start, stop)``, ``stop``
    exclusive, read strictly (seqeval's strict IOB2 mode): a span starts at
    ``B-X`` and takes the ``I-X`` that follow; an ``I-X`` that does not
    continue a span of type ``X`` starts none and ends the open one.

    Examples
    --------
    >>> bio_spans(["B-PER", "I-PER", "O", "I-LOC", "B-LOC"])
    [('PER', 0, 2), ('LOC', 4, 5)]
    """
    spans, open_type, start = [], None, 0
    for position, tag in enumerate(list(tags) + ["O"]):
        prefix, kind = _bio_parts(tag)
        if open_type is not None and not (prefix == "I" and kind == open_type):
            spans.append((open_type, start, position))
            open_type = None
        if prefix == "B":
            open_type, start = kind, position
    return spans


def invalid_bio_count(y) -> int:
    """How many sequences of ``y`` hold an ``I-X`` that does not follow
    ``B-X`` or ``I-X``: label sequences that no BIO-annotated data contains."""
    invalid = 0
    for tags in y:
        previous = ("O", "")
        for tag in tags:
            prefix, kind = _bio_parts(tag)
            if prefix == "I" and (previous[0] == "O" or previous[1] != kind):
                invalid += 1
                break
            previous = (prefix, kind)
    return invalid


def span_precision_recall_f1(y_true, y_pred) -> tuple[float, float, float]:
    """Precision, recall and F1 of whole spans (:func:`bio_spans`): a predicted
    span counts only when its type, start and end all match a true span
    (micro-averaged over all spans of all sequences, as seqeval's strict
    mode). 0.0 where nothing is predicted or nothing is true.

    Examples
    --------
    >>> y_true = [["B-NAME", "I-NAME", "O"], ["O", "B-NAME"]]
    >>> y_pred = [["B-NAME", "O", "O"], ["O", "B-NAME"]]
    >>> span_precision_recall_f1(y_true, y_pred)
    (0.5, 0.5, 0.5)
    """
    _check_sequences(y_true, y_pred)
    true = {(i, *span) for i, tags in enumerate(y_true) for span in bio_spans(tags)}
    pred = {(i, *span) for i, tags in enumerate(y_pred) for span in bio_spans(tags)}
    right = len(true & pred)
    precision = right / len(pred) if pred else 0.0
    recall = right / len(true) if true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if right else 0.0
    return precision, recall, f1


def _span_f1(y_true, y_pred) -> float:
    return span_precision_recall_f1(y_true, y_pred)[2]


def sequence_accuracy_score(y_true, y_pred, *, sample_weight=None) -> float:
    """Share of sequences whose every label is right."""
    _check_sequences(y_true, y_pred)
    right = [list(t) == list(p) for t, p in zip(y_true, y_pred)]
    return float(np.average(right, weights=sample_weight)) if right else 0.0


flat_accuracy_scorer = make_scorer(flat_accuracy_score)
flat_f1_macro_scorer = make_scorer(flat_f1_score, average="macro", zero_division=0)
flat_f1_micro_scorer = make_scorer(flat_f1_score, average="micro", zero_division=0)
sequence_accuracy_scorer = make_scorer(sequence_accuracy_score)
span_f1_scorer = make_scorer(_span_f1)
