"""Temperature scaling (Guo, Pleiss, Sun and Weinberger, ICML 2017): one
factor for all the class scores, chosen on records the network did not
train on, so that its probabilities say how often it is right.

A network trained to a small training loss grows its scores past what its
accuracy on new records supports; dividing every score by one temperature
keeps each prediction (the order of the scores is unchanged) and leaves the
probabilities as confident as the held-out records show them to be. Knows
nothing of scikit-learn.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

# Candidate inverse temperatures: from ten times softer to twice as sharp,
# 2.5% apart (a finer step moves held-out losses in their fourth digit).
INVERSE_TEMPERATURES = tuple(float(f) for f in np.logspace(-1, np.log10(2), 122))


def rule_of_succession(n_records: int, n_classes: int) -> float:
    """Label smoothing that puts ``1 / (n_records + 2)`` of each record's
    target on the other classes: Laplace's rule of succession, the chance
    that the next record is wrong after ``n_records`` were all right.

    Scores chosen by their cross-entropy on a few records that they all get
    right (held out, or left out one at a time) grow without bound: the
    loss keeps falling as they do. Against these targets it has a least
    value, which tends to the plain cross-entropy's as records accrue."""
    if n_classes < 2:
        return 0.0
    return n_classes / (n_classes - 1) / (n_records + 2)


def least_cross_entropy(scores, labels, weight, factors, smoothing=0.0) -> float:
    """The factor of ``factors`` under which ``factor * scores`` have the
    least cross-entropy with ``labels`` (weighted by ``weight``, with
    ``smoothing`` as torch's label smoothing); the first of equal ones.
    Tensors: ``scores`` ``(n, classes)``, ``labels`` ``(n,)``, ``weight``
    ``(n,)``."""
    losses = [
        float(
            (
                weight
                * F.cross_entropy(
                    factor * scores, labels, reduction="none", label_smoothing=smoothing
                )
            ).sum()
        )
        for factor in factors
    ]
    return factors[int(np.argmin(losses))]


def binary_cross_entropy(scores, targets, weight) -> float:
    """Weighted mean over rows of each row's mean binary cross-entropy of
    its labels (multi-label scores ``(n, labels)``, 0/1 ``targets``)."""
    loss = F.binary_cross_entropy_with_logits(
        scores, targets.to(scores.dtype), reduction="none"
    ).mean(dim=1)
    return float((weight * loss).sum() / weight.sum())


def least_binary_cross_entropy(scores, targets, weight, factors) -> float:
    """The factor of ``factors`` under which ``factor * scores`` have the
    least :func:`binary_cross_entropy` with ``targets``; the first of equal
    ones (:func:`least_cross_entropy` for multi-label scores)."""
    losses = [binary_cross_entropy(f * scores, targets, weight) for f in factors]
    return factors[int(np.argmin(losses))]


def inverse_temperature(scores, labels, weight=None) -> float:
    """The factor ``beta`` (of ``INVERSE_TEMPERATURES``) whose scaled scores
    ``beta * scores`` have the least (weighted) cross-entropy with
    ``labels``, smoothed by ``rule_of_succession``; 1.0 when no record
    weighs anything."""
    scores = torch.as_tensor(np.asarray(scores), dtype=torch.float64)
    labels = torch.as_tensor(np.asarray(labels), dtype=torch.int64)
    weight = (
        torch.ones(len(labels), dtype=torch.float64)
        if weight is None
        else torch.as_tensor(np.asarray(weight), dtype=torch.float64)
    )
    if len(labels) == 0 or float(weight.sum()) <= 0:
        return 1.0
    smoothing = rule_of_succession(int((weight > 0).sum()), scores.shape[1])
    return least_cross_entropy(scores, labels, weight, INVERSE_TEMPERATURES, smoothing)
