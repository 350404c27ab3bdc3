"""A synthetic sequence task whose labels depend on symbol order only."""

from __future__ import annotations

from itertools import permutations

import numpy as np
from sklearn.utils import check_random_state

_MARKERS = "ABC"


def make_sequence_classification(
    n_samples=500,
    *,
    n_markers=2,
    alphabet="defghijklmnop",
    min_length=4,
    max_length=12,
    random_state=None,
):
    """Strings whose class is the order in which marker symbols appear.

    Each string holds every marker (``"A"``, ``"B"``[, ``"C"``]) exactly once,
    at random positions among filler symbols. The class is the order of the
    markers: with two markers, 0 for ``A...B`` and 1 for ``B...A``; with three,
    the index of their permutation (6 classes). Records of different classes can
    be anagrams, so a bag-of-symbols model stays at chance while a model that
    reads order can be exact.

    Parameters
    ----------
    n_samples : int, default=500
        Number of sequences.
    n_markers : {2, 3}, default=2
        Markers per string; gives 2 or 6 classes.
    alphabet : str, default="defghijklmnop"
        Filler symbols.
    min_length, max_length : int, default=4, 12
        Range of string lengths, markers included (ragged).
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
    if n_markers not in (2, 3):
        raise ValueError(f"n_markers must be 2 or 3, got {n_markers}.")
    if not n_markers <= min_length <= max_length:
        raise ValueError(f"Need {n_markers} <= min_length <= max_length.")
    rng = check_random_state(random_state)
    markers = _MARKERS[:n_markers]
    orders = ["".join(p) for p in permutations(markers)]
    X, y = [], np.empty(n_samples, dtype=int)
    for i in range(n_samples):
        length = rng.randint(min_length, max_length + 1)
        symbols = list(rng.choice(list(alphabet), size=length - n_markers))
        label = rng.randint(len(orders))
        slots = np.sort(rng.choice(length, size=n_markers, replace=False))
        for slot, marker in zip(slots, orders[label]):
            symbols.insert(slot, marker)
        X.append("".join(symbols))
        y[i] = label
    return X, y
