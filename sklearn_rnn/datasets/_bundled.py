"""Loaders for the data that ships with the package."""

from __future__ import annotations

import csv
from importlib import resources

import numpy as np
from sklearn.datasets import load_digits
from sklearn.utils import Bunch


def _read_text(name: str) -> str:
    return resources.files("sklearn_rnn.datasets").joinpath(name).read_text("utf-8")


def load_surnames(*, return_X_y=False, as_frame=False):
    """Load the surname -> language dataset (classification, 13 classes).

    5,303 surnames from the per-locale surname lists of the faker package
    (version 40.54.0, MIT licence): single words made of letters, names listed
    under two languages dropped, at most 500 names per language (a seeded
    sample). The labels are locale lists, not genealogy. Read more in the data
    description: ``load_surnames().DESCR``; ``scripts/make_surnames.py`` in
    the repository rebuilds it.

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        Data as a pandas DataFrame (column ``surname``) and target as a Series.

    Returns
    -------
    data : Bunch
        ``data`` (ndarray of str of shape (5303,)), ``target`` (ndarray of str),
        ``target_names``, ``feature_names``, ``frame`` (when ``as_frame``),
        ``DESCR``.
    (data, target) : tuple if ``return_X_y`` is True

    Examples
    --------
    >>> from sklearn_rnn.datasets import load_surnames
    >>> X, y = load_surnames(return_X_y=True)
    >>> X.shape, len(set(y))
    ((5303,), 13)
    """
    rows = list(csv.reader(_read_text("data/surnames.csv").splitlines()))[1:]
    data = np.array([r[0] for r in rows], dtype=object)
    target = np.array([r[1] for r in rows], dtype=object)
    frame = None
    if as_frame:
        import pandas as pd

        frame = pd.DataFrame({"surname": data, "language": target})
        data, target = frame[["surname"]], frame["language"]
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        frame=frame,
        target_names=np.unique(np.asarray(target)),
        feature_names=["surname"],
        DESCR=_read_text("descr/surnames.rst"),
    )


def load_digit_sequences(*, return_X_y=False):
    """Load scikit-learn's digits as 8 time steps of 8 features.

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : Bunch
        ``data`` of shape (1797, 8, 8) (float64, 0 to 16), ``target`` of shape
        (1797,), ``target_names``, ``DESCR``.
    (data, target) : tuple if ``return_X_y`` is True

    Examples
    --------
    >>> from sklearn_rnn.datasets import load_digit_sequences
    >>> X, y = load_digit_sequences(return_X_y=True)
    >>> X.shape
    (1797, 8, 8)
    """
    digits = load_digits()
    data = digits.images.astype(np.float64)
    if return_X_y:
        return data, digits.target
    return Bunch(
        data=data,
        target=digits.target,
        target_names=digits.target_names,
        DESCR=_read_text("descr/digit_sequences.rst"),
    )
