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

    Each string holds every marker ("A" and "B", and with three markers "C")
    exactly once, at random positions among filler symbols. The class is the
    order of the markers: with two markers, 0 for ``A...B`` and 1 for
    ``B...A``; with three, the index of their permutation (6 classes). Records of different classes can
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


_WAVES = ("sine", "square", "sawtooth")


def make_wave_classification(
    n_samples=600,
    *,
    n_classes=3,
    n_channels=3,
    min_length=20,
    max_length=200,
    noise=0.3,
    scale_range=100.0,
    random_state=None,
):
    """Ragged multichannel series whose class is the shape of a wave.

    Class ``k`` is a sine (0), square (1) or sawtooth (2) wave with a random
    period (8-40 steps) and phase, sampled for a random number of steps. Each
    channel carries the same wave with its own amplitude, plus Gaussian noise,
    then an offset and a scale drawn for that channel once for the whole data
    set (scales span ``1/scale_range`` to ``scale_range``): what sensors of
    different units look like, and what unscaled numbers do to a network.

    Parameters
    ----------
    n_samples : int, default=600
        Number of series.
    n_classes : {2, 3}, default=3
        2: sine and square; 3: sine, square and sawtooth.
    n_channels : int, default=3
        Features per step. ``n_channels=1`` returns 1-D series.
    min_length, max_length : int, default=20, 200
        Range of series lengths (ragged).
    noise : float, default=0.3
        Standard deviation of the noise, relative to a unit wave.
    scale_range : float, default=100.0
        Channel scales are drawn log-uniformly in ``[1/scale_range,
        scale_range]`` and offsets in ``[-scale_range, scale_range]``; 1.0 gives
        unscaled data.
    random_state : int, RandomState instance or None, default=None
        Seed.

    Returns
    -------
    X : list of ndarray of shape (len_i, n_channels), or (len_i,) for one channel
    y : ndarray of shape (n_samples,) of int

    Examples
    --------
    >>> from sklearn_rnn.datasets import make_wave_classification
    >>> X, y = make_wave_classification(n_samples=4, random_state=0)
    >>> len(X), X[0].shape[1], y.shape
    (4, 3, (4,))
    """
    if n_classes not in (2, 3):
        raise ValueError(f"n_classes must be 2 or 3, got {n_classes}.")
    if not 2 <= min_length <= max_length:
        raise ValueError("Need 2 <= min_length <= max_length.")
    if scale_range < 1:
        raise ValueError(f"scale_range must be >= 1, got {scale_range}.")
    rng = check_random_state(random_state)
    log_range = np.log(scale_range)
    scales = np.exp(rng.uniform(-log_range, log_range, n_channels))
    offsets = rng.uniform(-scale_range, scale_range, n_channels) * (scale_range > 1)
    y = rng.randint(n_classes, size=n_samples)
    X = []
    for label in y:
        length = rng.randint(min_length, max_length + 1)
        period = rng.uniform(8, 40)
        phase = rng.uniform(0, 1)
        cycle = (np.arange(length) / period + phase) % 1.0
        wave = {
            "sine": np.sin(2 * np.pi * cycle),
            "square": np.where(cycle < 0.5, 1.0, -1.0),
            "sawtooth": 2 * cycle - 1,
        }[_WAVES[label]]
        amplitude = rng.uniform(0.5, 1.5, n_channels)
        series = wave[:, None] * amplitude + noise * rng.randn(length, n_channels)
        series = series * scales + offsets
        X.append(series[:, 0] if n_channels == 1 else series)
    return X, y


def make_sine_regression(
    n_samples=500,
    *,
    min_length=20,
    max_length=200,
    noise=0.2,
    random_state=None,
):
    """Ragged noisy sines whose targets are their frequency and amplitude.

    Each series samples ``amplitude * sin(2 pi frequency t + phase)`` for a
    random number of steps and adds Gaussian noise; the frequency (0.02-0.2
    cycles per step), amplitude (0.5-3) and phase are drawn per series. The
    targets are properties of the whole series: no single step tells them,
    and zero-padded values line up differently for every phase and length.

    Parameters
    ----------
    n_samples : int, default=500
        Number of series.
    min_length, max_length : int, default=20, 200
        Range of series lengths (ragged).
    noise : float, default=0.2
        Standard deviation of the noise.
    random_state : int, RandomState instance or None, default=None
        Seed.

    Returns
    -------
    X : list of ndarray of shape (len_i,)
    y : ndarray of shape (n_samples, 2)
        Frequency and amplitude of each series.

    Examples
    --------
    >>> from sklearn_rnn.datasets import make_sine_regression
    >>> X, y = make_sine_regression(n_samples=3, random_state=0)
    >>> len(X), y.shape
    (3, (3, 2))
    """
    if not 1 <= min_length <= max_length:
        raise ValueError("Need 1 <= min_length <= max_length.")
    rng = check_random_state(random_state)
    freq = rng.uniform(0.02, 0.2, n_samples)
    amp = rng.uniform(0.5, 3.0, n_samples)
    phase = rng.uniform(0, 2 * np.pi, n_samples)
    lengths = rng.randint(min_length, max_length + 1, n_samples)
    X = [
        a * np.sin(2 * np.pi * f * np.arange(n) + p) + noise * rng.normal(size=n)
        for f, a, p, n in zip(freq, amp, phase, lengths)
    ]
    return X, np.column_stack([freq, amp])
