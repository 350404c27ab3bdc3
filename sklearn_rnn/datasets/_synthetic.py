"""Synthetic sequence tasks whose labels depend on symbol order."""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state


def make_sequence_classification(
    n_samples=500, *, n_classes=2, alphabet="abcdefgh", min_length=4, max_length=12,
    random_state=None,
):
    """Strings whose class is set by the order of their symbols only.

    Every string is built from a random multiset of symbols; its class is the
    position of its largest symbol among the first ``n_classes``... in order:
    concretely, class ``k`` records are permutations whose first and last symbols
    compare by a rule that a bag of symbols cannot see. Two records of different
    classes can be anagrams of each other, so a bag-of-symbols model stays near
    chance while an order-aware model can be exact.

    Parameters
    ----------
    n_samples : int, default=500
        Number of sequences.
    n_classes : int, default=2
        Number of classes (2 to 4).
    alphabet : str, default="abcdefgh"
        Symbols to draw from.
    min_length, max_length : int, default=4, 12
        Range of sequence lengths (ragged).
    random_state : int, RandomState instance or None, default=None
        Seed.

    Returns
    -------
    X : list of str of length n_samples
    y : ndarray of shape (n_samples,) of int

    Examples
    --------
    >>> from sklearn_rnn.datasets import make_sequence_classification
    >>> X, y = make_sequence_classification(n_samples=4, random_state=0)
    >>> len(X), y.shape
    (4, (4,))
    """
    if not 2 <= n_classes <= 4:
        raise ValueError(f"n_classes must be between 2 and 4, got {n_classes}.")
    if not 2 <= min_length <= max_length:
        raise ValueError("Need 2 <= min_length <= max_length.")
    rng = check_random_state(random_state)
    X, y = [], np.empty(n_samples, dtype=int)
    for i in range(n_samples):
        length = rng.randint(min_length, max_length + 1)
        symbols = rng.choice(list(alphabet), size=length)
        # Class = which comparison holds between the first and last symbol
        # (and the middle one for more classes): the multiset is the same for
        # every permutation, only the order decides the class.
        first, last, middle = symbols[0], symbols[-1], symbols[length // 2]
        label = int(first < last)
        if n_classes > 2:
            label += 2 * int(middle < last) if n_classes == 4 else int(middle < last and label)
        X.append("".join(symbols))
        y[i] = min(label, n_classes - 1)
    return X, y
