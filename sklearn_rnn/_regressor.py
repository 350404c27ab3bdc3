"""RNNSequenceRegressor: predict numbers from variable-length sequences."""

from __future__ import annotations

from sklearn.base import RegressorMixin, _fit_context

from sklearn_rnn._attribution import occlusion
from sklearn_rnn._base import BaseRNN
from sklearn_rnn._classifier import WIDE_KERNEL_FEATURES
from sklearn_rnn._docstrings import SHARED_ATTRIBUTES, SHARED_PARAMETERS, document
from sklearn_rnn._tasks import RegressionTask

_CLASSIFICATION_ONLY = ("label_smoothing", "class_weight")


class RNNSequenceRegressor(RegressorMixin, BaseRNN):
    _parameter_constraints: dict = {
        k: v
        for k, v in BaseRNN._parameter_constraints.items()
        if k not in _CLASSIFICATION_ONLY
    } | {"wide": ["boolean"]}

    def __init__(
        self,
        *,
        hidden_size=64,
        cell="gru",
        nonlinearity="tanh",
        num_layers=1,
        bidirectional=False,
        dropout=0.25,
        recurrent_dropout=0.0,
        symbol_dropout=0.0,
        pooling="concat",
        fit_mode="vectorized",
        batch_size=64,
        max_iter="auto",
        learning_rate_init=0.005,
        alpha=0.0001,
        ema_decay=0.98,
        clip_grad_norm=1.0,
        bptt_steps=None,
        shuffle=True,
        length_bucketing=True,
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change="auto",
        tol=1e-4,
        analyzer="char",
        ngram_range=(1, 2),
        max_ngrams=2000,
        standardize="auto",
        patch_size="auto",
        conv_filters=0,
        kernel_shares=0,
        wide=True,
        warm_start=False,
        device="cpu",
        n_threads="auto",
        n_workers=1,
        inference_dtype="auto",
        callbacks=None,
        verbose=0,
        random_state=None,
    ):
        # Every parameter is stored as given (scikit-learn's convention).
        for name, value in locals().items():
            if name != "self":
                setattr(self, name, value)

    def _make_task(self, y, *, symbolic):
        return RegressionTask()

    def _encoder_options(self) -> dict:
        # Numeric series only: a regressor has no n-gram term (yet).
        return {"wide_kernel_features": WIDE_KERNEL_FEATURES if self.wide else None}

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network on sequences ``X`` and targets ``y``.

        Parameters
        ----------
        X : list of str, list of token lists, array-like of shape \
(n_samples, n_steps) or (n_samples, n_steps, n_features), or list of arrays
            The sequences.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Continuous targets, of any scale: they are standardised for
            training and the scaling is undone in ``predict``.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the records in the loss.

        Returns
        -------
        self : RNNSequenceRegressor
        """
        return self._fit(X, y, sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """One pass over ``X`` and ``y``, continuing the network (streaming).

        The first call fixes the vocabulary, the input shape and both
        standardisations (of X and of y) from its data. Each call is one
        epoch over the given records, with no held-out data; the AdamW state
        carries over, and ``loss_curve_``/``n_iter_`` grow by one. ``fit``
        starts over.

        Returns
        -------
        self : RNNSequenceRegressor
        """
        return self._fit(X, y, sample_weight, partial=True)

    def predict(self, X):
        """Predicted targets, in the scale of ``y`` (the internal
        standardisation undone).

        Parameters
        ----------
        X : sequences, in any form ``fit`` takes
            Strings, token lists, numeric arrays or lists of arrays.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The shape ``y`` had in ``fit``.
        """
        records, _ = self._records_for_inference(X)
        return self.task_.decode(self._run_module(records, "logits"))

    def attribute(self, X, target=0, *, window="auto"):
        """How much each step of each sequence moved its predicted value.

        Occlusion, as :meth:`RNNSequenceClassifier.attribute`: each step
        (window, channel) in turn is replaced by a neutral value (a symbol
        never seen in ``fit``; a channel's training mean) and the sequence
        predicted again; a step's attribution is how much the prediction
        fell, in the units of ``y``, spread evenly over its window.

        Parameters
        ----------
        X : sequences, in any form ``fit`` takes
        target : int, default=0
            The output attributed, where ``y`` had several columns.
        window : int or "auto", default="auto"
            Steps occluded together. "auto": 1 for symbols; for numeric
            series the steps the network reads as one (``encoder_.patch_size_``).

        Returns
        -------
        attributions : list of ndarray
            One per sequence: shape ``(n_steps,)``, or ``(n_steps,
            n_channels)`` for multichannel numeric series.
        """
        y = self.predict(X)  # validates X and the model
        if y.ndim == 1 and target != 0 or y.ndim == 2 and not 0 <= target < y.shape[1]:
            raise ValueError(
                f"target={target!r} is not an output of this regressor, which "
                f"predicts {1 if y.ndim == 1 else y.shape[1]} value(s) a sequence."
            )

        def output(y):
            return y if y.ndim == 1 else y[:, target]

        def score(batch, rows):
            return output(self.predict(batch))

        return occlusion(self, X, output(y), score, self._attribution_window(window))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


_WIDE = """wide : bool, default=True
    Numeric series: also add to the outputs a linear model of up to 9,996
    random convolution features of the series (MiniRocket's: 84 fixed
    kernels at several dilations, each read as the share of steps above a
    bias), computed once per record, started from their ridge regression
    (penalty chosen by leave-one-out error, as MiniRocket's ``RidgeCV``)
    and trained on with the network ("wide and deep"); where every training
    record fits in that ridge (at most 2,000), ``fit`` ends by setting the
    term to the ridge regression of the network's training residuals, its
    best given the rest of the network. On the public regression sets it
    lifted R² on all three (:ref:`defaults_log`). Symbol input
    and feature dicts ignore it (the classifier's n-gram term has no
    regressor counterpart yet). ``False`` gives Parr's head ``V h_T + c``
    alone."""

RNNSequenceRegressor.__doc__ = f"""Recurrent-network regressor for variable-length sequences.

The network of :class:`RNNSequenceClassifier` with a linear head ``V e + c``
trained with the squared error (as :class:`~sklearn.neural_network.MLPRegressor`),
for one or several continuous targets per sequence. Targets are standardised
(mean 0, variance 1, weighted by ``sample_weight``) before training and the
scaling is undone in ``predict``, so targets of any scale train alike.

Parameters
----------
{
    document(
        SHARED_PARAMETERS,
        drop=_CLASSIFICATION_ONLY,
        defaults={"kernel_shares": "0"},
        extra={"wide": _WIDE},
    )
}

Attributes
----------
{document(SHARED_ATTRIBUTES, drop=["classes_"])}

See Also
--------
RNNSequenceClassifier : The same network for class labels.
sklearn.neural_network.MLPRegressor : Fixed-length counterpart.

Examples
--------
>>> import numpy as np
>>> from sklearn_rnn import RNNSequenceRegressor
>>> X = [np.sin(np.linspace(0, f, 30)) for f in (3, 6, 9, 12)]  # f: frequency
>>> reg = RNNSequenceRegressor(random_state=0).fit(X, [3.0, 6.0, 9.0, 12.0])
>>> reg.predict(X).round()
array([ 3.,  6.,  9., 12.])
"""
