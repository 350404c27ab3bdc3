"""Preprocessing for numeric sequences, shaped as the estimators take them."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
)

from sklearn_rnn._encoding import Records, SequenceEncoder, channel_moments
from sklearn_rnn._input_kinds import NUMERIC_ARRAY, SYMBOLIC_KINDS, infer_input_kind
from sklearn_rnn._validation import validate_numeric_array


class SequenceStandardScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Standardise each channel of numeric sequences over all their steps.

    scikit-learn's :class:`~sklearn.preprocessing.StandardScaler` scales the
    columns of a 2-D array; a sequence's channel is spread over its steps, and
    series may be 3-D or ragged. This scaler learns one mean and one standard
    deviation per channel (feature) from every step of every training
    sequence, and returns X in the form it was given:

    - ``(n_samples, n_steps)``: one channel, every value scaled alike;
    - ``(n_samples, n_steps, n_features)``: per feature;
    - a list of ``(len_i,)`` or ``(len_i, n_features)`` arrays: per feature.

    The estimators of this library do the same by default
    (``standardize=True``); use this transformer to inspect the scaling or to
    scale once ahead of several models.

    Parameters
    ----------
    with_mean : bool, default=True
        Centre each channel.
    with_std : bool, default=True
        Divide each channel by its standard deviation (constant channels are
        left unscaled).

    Attributes
    ----------
    mean_ : ndarray of shape (n_channels,)
    scale_ : ndarray of shape (n_channels,)
    n_channels_ : int
        Features per step.
    n_features_in_ : int
        Number of steps, when fitted on a 2-D array ``(n_samples, n_steps)``
        (scikit-learn's convention for a table's columns). A 3-D array fixes
        no length: records of other lengths may follow.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn.preprocessing import SequenceStandardScaler
    >>> X = [np.array([[1.0, 100.0], [3.0, 300.0]]), np.array([[2.0, 200.0]])]
    >>> Xt = SequenceStandardScaler().fit_transform(X)
    >>> [x.round(2).tolist() for x in Xt]
    [[[-1.22, -1.22], [1.22, 1.22]], [[0.0, 0.0]]]
    """

    def __init__(self, *, with_mean=True, with_std=True):
        self.with_mean = with_mean
        self.with_std = with_std

    _parameter_constraints: dict = {"with_mean": ["boolean"], "with_std": ["boolean"]}

    def fit(self, X, y=None, sample_weight=None):
        """Learn the per-channel mean and scale.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps[, n_features]) or list of arrays
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence (all its steps).

        Returns
        -------
        self : SequenceStandardScaler
        """
        self._validate_params()
        records, kind = self._records(X, reset=True)
        sample_weight = _check_sample_weight(
            sample_weight, np.empty(len(records)), ensure_non_negative=True
        )
        mean, scale = channel_moments(records, sample_weight)
        self.mean_ = mean if self.with_mean else np.zeros_like(mean)
        self.scale_ = scale if self.with_std else np.ones_like(scale)
        self.n_channels_ = len(mean)
        return self

    def transform(self, X):
        """Scale X; the result has the form and shape of X (float64 or float32)."""
        check_is_fitted(self, "mean_")
        return self._apply(X, lambda v: (v - self.mean_) / self.scale_)

    def inverse_transform(self, X):
        """Undo :meth:`transform`."""
        check_is_fitted(self, "mean_")
        return self._apply(X, lambda v: v * self.scale_ + self.mean_)

    def _records(self, X, *, reset):
        kind = infer_input_kind(X)
        if kind in SYMBOLIC_KINDS:
            raise TypeError(
                "SequenceStandardScaler scales numeric sequences; X holds "
                "symbols (strings or tokens)."
            )
        if kind == NUMERIC_ARRAY:
            X = validate_numeric_array(self, X, reset=reset)
            if X.ndim not in (2, 3):
                raise ValueError(
                    f"Found array with dim {X.ndim}; expected (n_samples, n_steps) "
                    "or (n_samples, n_steps, n_features)."
                )
        # The encoder validates every form and finds the lengths; the values
        # are taken again in float64 (the encoder keeps float32 for torch).
        records = SequenceEncoder(standardize=False).fit_transform(X, kind)
        if kind == NUMERIC_ARRAY:
            values = np.asarray(X, dtype=np.float64).reshape(len(records.values), -1)
        else:
            values = np.concatenate(
                [np.asarray(x, dtype=np.float64).reshape(len(x), -1) for x in X]
                or [np.zeros((0, records.values.shape[1]))]
            )
        return Records(values, records.lengths, records.offsets), kind

    def _apply(self, X, fn):
        kind = infer_input_kind(X)
        if kind == NUMERIC_ARRAY:
            X = validate_numeric_array(self, X, reset=False, copy=True)
            channels = X[..., None] if X.ndim == 2 else X
            self._check_channels(channels.shape[-1])
            out = fn(channels.astype(np.float64)).astype(X.dtype, copy=False)
            return out.reshape(X.shape)
        records, _ = self._records(X, reset=False)
        self._check_channels(records.values.shape[1])
        out = []
        for i, seq in enumerate(X):
            start, n = records.offsets[i], records.lengths[i]
            values = fn(records.values[start : start + n])
            out.append(values.reshape(np.shape(seq)))
        return out

    def _check_channels(self, n):
        if n != self.n_channels_:
            raise ValueError(
                f"X has {n} features per time step, but SequenceStandardScaler "
                f"was fitted with {self.n_channels_} features per time step."
            )

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns, for a scaler fitted on a 2-D array
        (its steps are its columns, one name each, as in scikit-learn).

        Raises ``ValueError`` after a fit on 3-D arrays or on sequences of
        different lengths: their output has no fixed columns to name.
        """
        check_is_fitted(self, "mean_")
        if not hasattr(self, "n_features_in_"):
            raise ValueError(
                "SequenceStandardScaler was fitted on sequences (a 3-D array or "
                "sequences of different lengths), whose output has no fixed "
                "columns to name; feature names exist after a fit on a 2-D "
                "array (n_samples, n_steps)."
            )
        return super().get_feature_names_out(input_features)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
