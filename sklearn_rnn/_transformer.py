"""RNNEmbeddingTransformer: sequences -> fixed-length embedding vectors."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted

from sklearn_rnn._base import BaseRNN
from sklearn_rnn._docstrings import SHARED_ATTRIBUTES, SHARED_PARAMETERS, document
from sklearn_rnn._module import POOLINGS
from sklearn_rnn._tasks import (
    ClassificationTask,
    MultiLabelTask,
    NextStepTask,
    RegressionTask,
    is_multilabel,
)

_OBJECTIVES = ("auto", "classification", "regression", "next")


class RNNEmbeddingTransformer(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseRNN
):
    _parameter_constraints: dict = {
        **BaseRNN._parameter_constraints,
        "objective": [StrOptions(set(_OBJECTIVES))],
        "conv_filters": [
            Interval(Integral, 0, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "recurrent_dropout": [
            Interval(Real, 0, 1, closed="left"),
            StrOptions({"auto"}),
        ],
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "ngram_range": [tuple, StrOptions({"auto"})],
        "ema_decay": [
            Interval(Real, 0, 1, closed="left"),
            None,
            StrOptions({"auto"}),
        ],
        "pooling": [StrOptions({*POOLINGS, "auto"})],
    }

    def __init__(
        self,
        *,
        objective="auto",
        hidden_size=64,
        cell="gru",
        nonlinearity="tanh",
        num_layers=1,
        bidirectional=False,
        dropout=0.25,
        recurrent_dropout="auto",
        symbol_dropout=0.0,
        pooling="auto",
        fit_mode="vectorized",
        batch_size="auto",
        max_iter="auto",
        learning_rate_init=0.005,
        alpha=0.0001,
        ema_decay="auto",
        clip_grad_norm=1.0,
        bptt_steps=None,
        shuffle=True,
        length_bucketing=True,
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change="auto",
        tol=1e-4,
        label_smoothing=0.0,
        class_weight=None,
        analyzer="char",
        ngram_range="auto",
        max_ngrams=2000,
        standardize="auto",
        patch_size="auto",
        conv_filters="auto",
        kernel_shares="auto",
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

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Train the network; its states become the features.

        Parameters
        ----------
        X : list of str, list of token lists, array-like of shape \
(n_samples, n_steps) or (n_samples, n_steps, n_features), or list of arrays
            The sequences.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            Class labels or continuous targets that shape the embedding; None
            (or ``objective="next"``) learns from ``X`` alone.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the records in the loss.

        Returns
        -------
        self : RNNEmbeddingTransformer
        """
        return self._fit(X, y, sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None, classes=None, sample_weight=None):
        """One pass over ``X`` (and ``y``), continuing the network (streaming).

        As :meth:`RNNSequenceClassifier.partial_fit`; the first call fixes the
        objective too. With class labels, ``classes`` defaults to the labels
        of the first call's ``y`` (a transformer is not a classifier, and
        scikit-learn passes no ``classes`` to it); without labels
        (``objective="next"``) none are needed.

        Returns
        -------
        self : RNNEmbeddingTransformer
        """
        first = not hasattr(self, "module_")
        if first and classes is None and y is not None:
            if is_multilabel(y):  # the label indices
                classes = np.arange(np.shape(y)[1])
            elif self._make_task(y, symbolic=True).kind == "classification":
                classes = np.unique(np.asarray(y))
        return self._fit(X, y, sample_weight, partial=True, classes=classes)

    @property
    def objective_(self) -> str:
        """What the fitted network was trained to predict: "next",
        "classification" or "regression" (``objective="auto"`` resolved)."""
        check_is_fitted(self, "module_")
        return self.task_.kind

    @property
    def _n_features_out(self):
        """Width of ``transform``'s output, for ``get_feature_names_out``."""
        return self.module_.embedding_size

    def _objective(self, y) -> str:
        """The objective this fit trains for ("auto" resolved from ``y``)."""
        if self.objective != "auto":
            return self.objective
        if y is None:
            return "next"
        if type_of_target(y, input_name="y").startswith("continuous"):
            return "regression"
        return "classification"

    def _fit_settings(self, y) -> dict:
        # A language model (objective="next") and a supervised network learn
        # best with different settings; "auto" picks each by the objective.
        # Measured on four data sets (docs: "Getting good results"): reading
        # single characters, variational dropout on the state and smaller
        # batches lift the language model's embeddings (LR on the surnames'
        # 0.551 -> 0.593); the classifier's sweep found no gain from them.
        # Weight averaging lifts the supervised networks but not the language
        # model, which trains for many more updates (LR on the surnames' 0.593
        # -> 0.584, sine-vs-square 0.856 -> 0.841 with it).
        settings = super()._fit_settings(y)
        objective = self._objective(y)
        language_model = objective == "next"
        auto = {
            "ngram_range": (1, 1) if language_model else (1, 2),
            "recurrent_dropout": 0.25
            if language_model and self.fit_mode != "packed"
            else 0.0,
            "batch_size": 32 if language_model else 64,
            "ema_decay": None if language_model else 0.98,
            # Every objective resolves "auto" from the lengths (encoder): the
            # language model then predicts each next patch. Against reading
            # every step, on the sixteen classification sets of suite.py
            # (benchmarks/unsupervised.py, three seeds) a logistic regression
            # on its embeddings scored 0.810 against 0.809 in mean accuracy,
            # for a median quarter of the fit time (ACSF1 259 -> 4 s, PigCVP
            # 321 -> 4 s); on the bundled sine-vs-square (quality.py) 0.920
            # against 0.952.
            "patch_size": "auto",
            # A supervised network's embedding is what the classifier's and
            # regressor's heads read (the final state, mean and max). In
            # pipelines on the sixteen classification sets of
            # benchmarks/suite.py (three seeds) RidgeClassifierCV on it
            # scored 0.811 -> 0.845 and LogisticRegression 0.810 -> 0.855
            # against the final state alone (PickupGestureWiimoteZ 0.76 ->
            # 0.84, OSULeaf 0.60 -> 0.70, Trace 0.82 -> 1.00); on the bundled
            # surnames and the grouped split within the seeds' spread
            # (ridge +0.021 and +0.009, LR -0.005 and -0.016). The language
            # model's pooling follows the input's kind (_settings_for_kind).
            "pooling": "auto" if language_model else "concat",
            # Series embedded for class labels read them through the
            # convolutional front end: the embeddings carry no wide term, so
            # the filters are the network's only convolutional reading. On
            # the sixteen classification sets (benchmarks/pipelines.py, three
            # seeds) RidgeClassifierCV on the embeddings scored 0.845 ->
            # 0.870 and LogisticRegression 0.855 -> 0.876, for a median 2.1x
            # the fit time. Regression targets keep none: the regressor's
            # network alone gained on three of seven sets and lost most on
            # the small forecasting sets (suite_runs/regressor_front_end.json).
            # Symbols and objective="next" never read filters.
            # "auto" is left for the fit to resolve by what the encoder
            # reads (BaseRNN._conv_filters): 32 filters, or none where the
            # network reads the kernels' running shares.
            "conv_filters": "auto" if objective == "classification" else 0,
            # The embeddings carry no wide term, so with class labels the
            # network reads MiniRocket's kernels itself, as the classifier's
            # network does with wide=False ("auto" left for the encoder to
            # resolve by the patches). On the sixteen classification sets of
            # benchmarks/suite.py (benchmarks/pipelines.py, three seeds)
            # RidgeClassifierCV on the embeddings scored 0.921 and
            # StandardScaler + LogisticRegression 0.914, against 0.870 and
            # 0.876 with the 32 filters alone; on the bundled numeric tasks
            # of quality.py they cost a little (ridge 0.979 -> 0.968, most
            # of it on sine-vs-square).
            "kernel_shares": "auto" if objective == "classification" else 0,
        }
        settings = {
            name: auto[name] if value == "auto" else value
            for name, value in settings.items()
        }
        # The record view standardises a step by its record's mean and
        # deviation, which hold the steps to come: a language model would
        # read part of its answer there.
        settings["per_record"] = settings["per_record"] and not language_model
        return settings

    def _settings_for_kind(self, settings, symbolic):
        # The language model's training does not depend on its pooling (its
        # head reads every step), only its embedding does. Read by
        # StandardScaler + LogisticRegression on the sixteen classification
        # sets of benchmarks/suite.py (benchmarks/unsupervised.py, the same
        # fits), the states' mean and max beside the final state lift
        # numeric series from 0.696 to 0.810 in mean accuracy (Trace 0.837
        # -> 0.997, ArrowHead 0.421 -> 0.684); on the surnames they leave
        # both readers level within the seeds' spread (regression 0.593 ->
        # 0.602, k-means' adjusted Rand index 0.158 -> 0.146), so symbols
        # keep the final state.
        if settings["pooling"] == "auto":
            settings = {**settings, "pooling": "last" if symbolic else "concat"}
        return settings

    def _make_task(self, y, *, symbolic):
        objective = self._objective(y)
        if objective == "next":
            return NextStepTask(symbolic)
        if objective == "regression":
            return RegressionTask()
        if is_multilabel(y):
            return MultiLabelTask(self.class_weight, self.label_smoothing)
        return ClassificationTask(self.class_weight, self.label_smoothing)

    def transform(self, X):
        """Embed each sequence.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features_out)
            The pooled hidden states (``pooling``): ``hidden_size * (1 +
            bidirectional)`` values, three times as many for ``"concat"``
            (the default for a network fitted on labels or targets); float32
            for float32 numeric input, float64 otherwise.
        """
        records, dtype = self._records_for_inference(X)
        out_dtype = dtype if dtype.kind == "f" and dtype.itemsize == 4 else "float64"
        return self._run_module(records, "embed", dtype=out_dtype)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.target_tags.required = False  # y=None learns without labels
        return tags


RNNEmbeddingTransformer.__doc__ = f"""Turn variable-length sequences into fixed-length vectors.

Trains the network of :class:`RNNSequenceClassifier`, then ``transform``
returns each sequence's embedding, ready for any scikit-learn model, e.g. in
``Pipeline([("rnn", RNNEmbeddingTransformer()), ("rf", RandomForestClassifier())])``.
With labels or targets the embedding is what the classifier's head reads
(the final state, the mean and the max of the states; for numeric series
read through the convolutional front end when the labels are classes) but
not its wide term, so a model on the embeddings scores at the level of the
network alone (``wide=False``), below the classifier's defaults on series;
without ``y`` it is what a next-step model's states hold: the final state
``h_T`` for symbols, the final state, mean and max for numeric series.

What shapes the embedding is ``objective``: the class labels or continuous
targets passed as ``y``, or, without ``y``, the sequences themselves: the
network learns to predict each next step (the next symbol, as in Parr's and
Karpathy's character-level language models, or the next patch of values of
a numeric series), and what it must remember to do so becomes the
embedding.

Parameters
----------
{
    document(
        SHARED_PARAMETERS,
        extra={
            "pooling": '''pooling : {"auto", "last", "mean", "max", "concat"}, default="auto"
    The embedding ``transform`` returns: the final state ``h_T`` or the
    mean/max of the states over the real (non-pad) steps, ``hidden_size``
    values each (twice with ``bidirectional``), or ``"concat"``: the three
    side by side, three times as wide (the classifier's and regressor's
    default). "auto" is ``"concat"`` when the network learns from labels or
    targets (what the classifier's head reads, minus its wide term), and for
    ``objective="next"`` ``"concat"`` on numeric series and ``"last"`` on
    symbols (the language model's training is the same for every pooling:
    its head reads each step's state).''',
            "patch_size": '''patch_size : int or "auto", default="auto"
    Numeric input: read this many consecutive time steps as one step of the
    recurrence (their values side by side), so the network runs
    ``ceil(length / patch_size)`` steps. "auto" is the smallest size that
    reads a training sequence of the median length in at most 32 steps and
    the longest in at most 128; with ``objective="next"`` the network then
    predicts each next patch.''',
            "conv_filters": '''conv_filters : int or "auto", default="auto"
    Numeric input: the convolutional front end the recurrence reads (see
    :class:`RNNSequenceClassifier`): this many learned filters at each of up
    to six dilations, whose mean and max over every patch go beside it. 0:
    none. "auto" is 32 when the network learns from class labels and reads
    no running shares (``kernel_shares``; series read one step at a time),
    0 where it reads them (they carry what the filters would, at half the
    fit time) and 0 for regression targets. Symbol input and
    ``objective="next"`` read none.''',
            "kernel_shares": '''kernel_shares : int or "auto", default="auto"
    Numeric input: the running shares of MiniRocket's fixed kernels that
    the recurrence reads beside each step (see
    :class:`RNNSequenceClassifier`). "auto" is up to 1,512 when the network
    learns from class labels and reads the series in patches (the embeddings then
    carry what the kernels see, which the classifier's wide term holds
    outside its network), and 0 for regression targets, for
    ``objective="next"`` and for series read one step at a time. Symbol
    input reads none.''',
            "recurrent_dropout": '''recurrent_dropout : float or "auto", default="auto"
    During training, zero this fraction of the entries of ``h_{t-1}`` in
    ``W h_{t-1}``, with the same mask at every step of a record (variational
    dropout). Not available with ``fit_mode="packed"``. "auto" is 0.25 for
    ``objective="next"`` (0 with ``fit_mode="packed"``) and 0 otherwise.''',
            "batch_size": '''batch_size : int or "auto", default="auto"
    Records per update (ignored by ``fit_mode="sgd"``). "auto" is 32 for
    ``objective="next"`` and 64 otherwise.''',
            "ema_decay": '''ema_decay : float in [0, 1), None or "auto", default="auto"
    Polyak averaging: an exponential moving average of the weights, moved
    towards them by ``1 - ema_decay`` after every update (at first a
    polynomial-decay average). Validation, early stopping and the fitted
    model use the average; training continues from the raw weights. "auto"
    is None (the raw weights) for ``objective="next"``, whose language model
    trains for many more updates and gained nothing from it, and 0.98
    otherwise. ``partial_fit`` always keeps the raw weights.''',
            "ngram_range": '''ngram_range : tuple (min_n, max_n) or "auto", default="auto"
    Symbol input: each step carries the n-grams of sizes ``min_n..max_n``
    that end at it, summed through their columns of ``U``. "auto" is
    ``(1, 1)`` (one symbol per step, as in Parr's and Karpathy's language
    models) for ``objective="next"`` and ``(1, 2)`` (a character and the
    bigram ending there) otherwise: with bigram bags the language model
    predicts the next character from the last bigram alone and its states
    carry less of the record.''',
            "objective": '''objective : {"auto", "classification", "regression", "next"}, default="auto"
    What the network is trained to predict. "auto" picks from ``y``: None ->
    "next", continuous numbers -> "regression", anything else ->
    "classification". "next" (self-supervised) predicts every step's
    successor from the steps so far and ignores ``y``, so an unsupervised
    transformer inside a supervised ``Pipeline`` never sees the labels.''',
        },
    )
}

Attributes
----------
{
    document(
        SHARED_ATTRIBUTES,
        extra={
            "classes_": '''classes_ : ndarray of shape (n_classes,)
    Class labels (classification objective only).''',
            "objective_": '''objective_ : str
    The objective the network was trained for ("next", "classification" or
    "regression"): ``objective`` with "auto" resolved from ``y``.''',
        },
    )
}

See Also
--------
RNNSequenceClassifier : The same network as a classifier.

Notes
-----
Fitted on labels, the embedding is what :class:`RNNSequenceClassifier`'s head
reads from its network (``pooling="auto"``: the final state, mean and max of
the states), but the classifier also adds a linear term beside the network
(``wide``: character n-gram counts for text, convolution features for
numeric series) that the embedding does not hold. A model on the embeddings
therefore scores like the network alone, not like the classifier's
defaults. On numeric series fitted on class labels the network itself
reads MiniRocket's kernels as running shares (``kernel_shares="auto"``):
on the sixteen classification sets of the public time-series suite
(``docs/time_series.rst``; ``benchmarks/pipelines.py``, three seeds)
``RidgeClassifierCV`` on the embeddings scores 0.921 and
``StandardScaler`` + ``LogisticRegression`` 0.914 in mean accuracy,
against 0.939 for the classifier's defaults (five seeds), and within 0.02
of them on 10 of the 16 sets.

Examples
--------
>>> from sklearn_rnn import RNNEmbeddingTransformer
>>> rnn = RNNEmbeddingTransformer(hidden_size=8, random_state=0)
>>> # From labels: the final state, mean and max of the states side by side.
>>> rnn.fit_transform(["cat", "chat", "katze", "kat"], ["en", "fr", "de", "af"]).shape
(4, 24)
>>> rnn.fit_transform(["cat", "chat", "katze", "kat"]).shape  # no labels: h_T
(4, 8)
>>> rnn.get_feature_names_out()[:3]
array(['rnnembeddingtransformer0', 'rnnembeddingtransformer1',
       'rnnembeddingtransformer2'], dtype=object)
"""
