"""Rectangular numeric input checked as scikit-learn checks arrays, with one
difference that a recurrent network needs: the steps of a 3-D array are not
features.

A 2-D array ``(n_samples, n_steps)`` is scikit-learn's table: its columns
(the steps) are its features, fixed at fit (``n_features_in_``, feature
names), and scikit-learn's common checks hold estimators to that. A 3-D
array ``(n_samples, n_steps, n_features)`` holds records of ``n_steps`` steps
of ``n_features`` values; a recurrent network reads any number of steps, so
fitting on one fixes no length and later calls may pass records of other
lengths (the values per step are checked where the records are read).
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.utils.validation import check_array, validate_data

from sklearn_rnn._stacklevel import user_stacklevel

# Appended to a refusal of other lengths after a 2-D fit: how to fit a model
# that takes any.
OTHER_LENGTHS_HINT = (
    " A 2-D array (n_samples, n_steps) fixes the number of steps at fit, as "
    "scikit-learn fixes a table's columns; to pass sequences of other "
    "lengths later, fit on a 3-D array (n_samples, n_steps, 1) or on a list "
    "of sequences of different lengths."
)

_DTYPES = [np.float64, np.float32]

# What scikit-learn's validate_data sets on a fit to a table: only a 2-D fit
# has them.
FIXED_COLUMN_ATTRIBUTES = ("n_features_in_", "feature_names_in_")


def forget_fixed_columns(estimator) -> None:
    """Drop the columns an earlier fit on a table fixed (a refit on sequences
    fixes none)."""
    for attr in FIXED_COLUMN_ATTRIBUTES:
        estimator.__dict__.pop(attr, None)


def holds_records_of_steps(X) -> bool:
    """Whether a rectangular numeric X is 3-D: an ndarray, or a list of 2-D
    records (read from the first, without numpy calls on X itself, which
    array-likes such as scikit-learn's ``_NotAnArray`` refuse)."""
    if isinstance(X, np.ndarray):
        return X.ndim == 3
    if isinstance(X, list | tuple) and len(X):
        first = X[0]
        if isinstance(first, np.ndarray):
            return first.ndim == 2
        return (
            isinstance(first, list | tuple)
            and len(first) > 0
            and isinstance(first[0], list | tuple | np.ndarray)
        )
    return False


def validate_numeric_array(estimator, X, *, reset: bool, copy: bool = False):
    """``validate_data`` for a 2-D X, and for any X once the estimator was
    fitted on a 2-D one (it keeps that length); ``check_array`` for a 3-D X
    otherwise, dropping a fitted ``n_features_in_`` when fitting (``reset``).
    """
    try:
        return _validate(estimator, X, reset=reset, copy=copy)
    except ValueError as exc:
        if "NaN" in str(exc) and _padded_with_nan(X):
            raise ValueError(f"{exc}{_NAN_PADDING_HINT[np.ndim(X)]}") from None
        raise


# Appended to the refusal of NaN where every record's NaNs come after its
# values: the padding of unequal lengths in the UCR archive's files.
_NAN_PADDING_HINT = {
    ndim: " The NaNs in X end the records they are in, as the padding of "
    "series of unequal lengths does (the UCR archive's files): pass the records "
    f"as a list without it, e.g. {expression}."
    for ndim, expression in (
        (2, "[x[~np.isnan(x)] for x in X]"),
        (3, "[x[~np.isnan(x).any(axis=1)] for x in X]"),
    )
}


def _padded_with_nan(X) -> bool:
    """Whether X is a 2-D or 3-D array whose records each hold NaN only at
    their end (once a step holds NaN, every later step does)."""
    try:
        values = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        return False
    if values.ndim not in (2, 3):
        return False
    missing = np.isnan(values)
    if values.ndim == 3:
        missing = missing.any(axis=2)
    return bool(missing.any()) and bool((missing[:, 1:] >= missing[:, :-1]).all())


def _validate(estimator, X, *, reset: bool, copy: bool):
    fixed = hasattr(estimator, "n_features_in_")
    if holds_records_of_steps(X) and (reset or not fixed):
        if reset:
            forget_fixed_columns(estimator)
        return check_array(X, allow_nd=True, dtype=_DTYPES, copy=copy)
    if (
        not reset
        and fixed
        and isinstance(X, np.ndarray)
        and X.ndim == 2
        and X.shape[1] != estimator.n_features_in_
    ):
        # scikit-learn's wording, and what to do about it.
        raise ValueError(
            f"X has {X.shape[1]} features, but {type(estimator).__name__} is "
            f"expecting {estimator.n_features_in_} features as input."
            + OTHER_LENGTHS_HINT
        )
    return validate_data(
        estimator, X, reset=reset, allow_nd=True, dtype=_DTYPES, copy=copy
    )


def warn_if_channels_first(X: np.ndarray) -> None:
    """A 3-D array of one step per record is most likely aeon's and sktime's
    layout, ``(n_cases, n_channels, n_timepoints)`` with one channel: read as
    ``(n_samples, n_steps, n_features)``, each series would be a single step
    of all its values, and the recurrence would read nothing in order."""
    if X.ndim == 3 and X.shape[1] == 1 and X.shape[2] > 1:
        warnings.warn(
            f"X has one step of {X.shape[2]} values per record: 3-D arrays are "
            "read as (n_samples, n_steps, n_features). If yours is laid out "
            "(n_cases, n_channels, n_timepoints), as in aeon and sktime, pass "
            "X.transpose(0, 2, 1).",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
