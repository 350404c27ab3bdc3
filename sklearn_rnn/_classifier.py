"""RNNSequenceClassifier: classify variable-length sequences."""

from __future__ import annotations

from numbers import Integral

import numpy as np
import torch
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.utils._param_validation import Interval

from sklearn_rnn._attribution import occlusion
from sklearn_rnn._base import BaseRNN, _check_ngram_range
from sklearn_rnn._docstrings import SHARED_ATTRIBUTES, SHARED_PARAMETERS, document
from sklearn_rnn._tasks import ClassificationTask, MultiLabelTask, is_multilabel

# Convolution features of the numeric wide term (``_kernels``): 84 kernels x
# dilations x biases, MiniRocket's own count. On the fifteen sets of
# benchmarks/candidates.py (five seeds) it was at least as good as 4,200
# on thirteen, and 4,200 as 1,008 on eleven (docs/defaults_log.rst).
WIDE_KERNEL_FEATURES = 9_996


class RNNSequenceClassifier(ClassifierMixin, BaseRNN):
    _parameter_constraints: dict = {
        **BaseRNN._parameter_constraints,
        "wide": ["boolean"],
        "wide_ngram_range": [tuple],
        "max_wide_ngrams": [Interval(Integral, 1, None, closed="left"), None],
    }

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network on sequences ``X`` and labels ``y``.

        Parameters
        ----------
        X : list of str, list of token lists, array-like of shape \
(n_samples, n_steps) or (n_samples, n_steps, n_features), or list of arrays
            The sequences.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels (str, int, ...), or a multi-label indicator matrix
            of 0 and 1 (a sigmoid per label, as ``MLPClassifier``: then
            ``predict`` returns such a matrix, ``predict_proba`` each label's
            probability, and ``classes_`` the label indices).
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the records in the loss.

        Returns
        -------
        self : RNNSequenceClassifier
        """
        return self._fit(X, y, sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One pass over ``X`` and ``y``, continuing the network (streaming).

        The first call fixes the vocabulary, the input shape, the classes
        and (numeric input) the standardisation, from its data; symbols
        never seen then read as unknown later. Each call is one epoch over
        the given records, with no held-out data; the AdamW state carries
        over, and ``loss_curve_``/``n_iter_`` grow by one. ``fit`` starts
        over.

        Parameters
        ----------
        X : sequences, in any form ``fit`` takes
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multi-label indicator matrix.
        classes : array-like of shape (n_classes,), default=None
            Every class of the stream; required on the first call, after
            which each call's ``y`` may hold any subset of them (for
            multi-label targets, the label indices ``0 .. n_labels - 1``).
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the records in the loss.

        Returns
        -------
        self : RNNSequenceClassifier
        """
        return self._fit(X, y, sample_weight, partial=True, classes=classes)

    def _make_task(self, y, *, symbolic):
        if is_multilabel(y):
            return MultiLabelTask(self.class_weight, self.label_smoothing)
        return ClassificationTask(self.class_weight, self.label_smoothing)

    def _wide_head(self) -> bool:
        return self.wide

    def _check_params(self):
        device = super()._check_params()
        _check_ngram_range("wide_ngram_range", self.wide_ngram_range)
        return device

    def _encoder_options(self) -> dict:
        # Strings and token lists: the wide term reads its own n-grams (with
        # a boundary at both ends). Feature dicts and numbers ignore this.
        # Numbers: it reads random convolution features of the series.
        return {
            "wide_ngram_range": tuple(self.wide_ngram_range) if self.wide else None,
            "max_wide_ngrams": self.max_wide_ngrams,
            "wide_kernel_features": WIDE_KERNEL_FEATURES if self.wide else None,
        }

    _calibrates_probabilities = True

    def _logits(self, X) -> np.ndarray:
        records, _ = self._records_for_inference(X)
        return self._run_module(records, "logits")

    def predict_log_proba(self, X):
        """Log of the class probabilities.

        Parameters
        ----------
        X : sequences, in any form ``fit`` takes
            Strings, token lists, numeric arrays or lists of arrays.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``; computed from the scores
            with ``log_softmax`` (no log of a rounded probability).
        """
        logits = torch.as_tensor(self._logits(X), dtype=torch.float64)
        if getattr(self.task_, "multilabel", False):  # a sigmoid per label
            return torch.nn.functional.logsigmoid(logits).numpy()
        return torch.log_softmax(logits, dim=1).numpy()

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : sequences, in any form ``fit`` takes
            Strings, token lists, numeric arrays or lists of arrays.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), float64
            Columns in the order of ``classes_``. A record's probabilities are
            bitwise the same whatever else is in ``X`` (CPU, float32).
        """
        # torch's softmax works row by row; numpy's exp over the whole array
        # rounds the elements of its SIMD tail differently, so a record's
        # probabilities would depend on its position in the batch.
        logits = torch.as_tensor(self._logits(X), dtype=torch.float64)
        if getattr(self.task_, "multilabel", False):  # a sigmoid per label
            return torch.sigmoid(logits).numpy()
        return torch.softmax(logits, dim=1).numpy()

    def predict(self, X):
        """Most probable class of each sequence.

        Parameters
        ----------
        X : sequences, in any form ``fit`` takes
            Strings, token lists, numeric arrays or lists of arrays.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Labels, of the type ``y`` had in ``fit``.
        """
        logits = self._logits(X)  # checks that the model is fitted
        return self.task_.decode(logits)

    def attribute(self, X, target=None, *, window="auto"):
        """How much each step of each sequence moved its class's probability.

        Occlusion: each step in turn (each window of ``window`` steps, and
        for multichannel series each channel) is replaced by a neutral value
        (a symbol never seen in ``fit``, which reads as unknown; an empty
        feature dict; a channel's training mean) and the sequence scored
        again. A step's attribution is how much the log-probability of the
        target class fell, spread evenly over its window: positive where the
        step spoke for the class, negative where it spoke against it. The
        score is the estimator's own, so the n-gram bags and the wide term
        are included. One prediction per step (per window and channel).

        Parameters
        ----------
        X : sequences, in any form ``fit`` takes
            Strings are occluded per character (``analyzer="char"``) or per
            word (``analyzer="word"``).
        target : label, array-like of labels, or None, default=None
            The class whose log-probability is attributed, for every
            sequence or one per sequence; None: each sequence's predicted
            class.
        window : int or "auto", default="auto"
            Steps occluded together. "auto": 1 for symbols; for numeric
            series the steps the network reads as one (``encoder_.patch_size_``).

        Returns
        -------
        attributions : list of ndarray
            One per sequence: shape ``(n_steps,)``, or ``(n_steps,
            n_channels)`` for multichannel numeric series.

        Examples
        --------
        >>> from sklearn_rnn import RNNSequenceClassifier
        >>> X = ["xa", "ax", "xb", "bx"] * 10
        >>> clf = RNNSequenceClassifier(random_state=0).fit(X, [0, 0, 1, 1] * 10)
        >>> int(clf.attribute(["xa"])[0].argmax())  # "a" decides class 0
        1
        """
        log_proba = self.predict_log_proba(X)  # validates X and the model
        if target is None:
            classes = log_proba.argmax(axis=1)
        else:
            labels = np.broadcast_to(np.asarray(target, dtype=object), len(log_proba))
            known = set(self.classes_.tolist())
            unknown = [t for t in labels if t not in known]
            if unknown:
                raise ValueError(
                    f"target {unknown[0]!r} is not one of classes_ "
                    f"{self.classes_.tolist()}."
                )
            classes = np.searchsorted(self.classes_, labels.astype(self.classes_.dtype))

        def score(batch, rows):
            return self.predict_log_proba(batch)[np.arange(len(rows)), classes[rows]]

        full = log_proba[np.arange(len(log_proba)), classes]
        return occlusion(self, X, full, score, self._attribution_window(window))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        tags.classifier_tags.multi_label = True
        return tags


_WIDE = """wide : bool, default=True
    Also add to the class scores a linear model learned with the network,
    beside it ("wide and deep"). Symbol input: of the counts of the
    record's n-grams (``wide_ngram_range``), the model an n-gram logistic
    regression fits; on held-out surnames it is worth 0.02-0.04 accuracy
    (three seeds, :ref:`good_results`). Numeric series: of up to 9,996
    random convolution features of the series (MiniRocket's: 84 fixed
    kernels at several dilations, each read as the share of steps above a
    bias), computed once per record; ``fit`` starts the term from a ridge
    fit of them (penalty chosen by leave-one-out error, as MiniRocket's
    ``RidgeClassifierCV``) and trains it on with the network. On the public
    time-series suite it lifted mean accuracy from 0.864 to 0.942
    (:ref:`time_series`); predict computes the features too.
    Feature dicts ignore it. ``False`` gives Parr's head
    ``V h_T + c`` alone."""

_WIDE_NGRAM_RANGE = """wide_ngram_range : tuple (min_n, max_n), default=(1, 4)
    The n-grams the wide term counts, read with a boundary at both ends of
    the record: a space for strings, as
    ``TfidfVectorizer(analyzer="char_wb")`` reads a word ("ab" gives "a",
    "b", " a", "ab", "b ", " ab", "ab ", " ab "), and the empty string for
    token lists (n-grams of tokens). Only the wide term reads them; the steps
    carry ``ngram_range``'s n-grams. Feature dicts use their own features."""

_MAX_WIDE_NGRAMS = """max_wide_ngrams : int or None, default=20_000
    Keep at most this many of the wide term's n-grams, those held by the most
    training records (``V_bag`` has one column per n-gram and class). None
    keeps all."""

RNNSequenceClassifier.__doc__ = f"""Recurrent-network classifier for variable-length sequences.

A recurrent network (Parr's matrix RNN ``h_t = f(W h_{{t-1}} + U x_t + b)``,
or by default a GRU) reads each sequence into a fixed-length embedding ``e``
(by default its final state ``h_T`` with the mean and max of its states,
``pooling="concat"``) and ``V e + c`` gives the class scores. X may
be strings (characters by default), lists of tokens, a numeric array of shape
``(n_samples, n_steps)`` or ``(n_samples, n_steps, n_features)``, or a list of
numeric arrays of different lengths. Training runs in skorch.

Parameters
----------
{
    document(
        SHARED_PARAMETERS,
        extra={
            "wide": _WIDE,
            "wide_ngram_range": _WIDE_NGRAM_RANGE,
            "max_wide_ngrams": _MAX_WIDE_NGRAMS,
        },
    )
}

Attributes
----------
{SHARED_ATTRIBUTES}
temperature_ : float
    What the class scores were divided by at the end of the fit so that
    ``predict_proba`` is as confident as the data support (temperature
    scaling, Guo et al. 2017): chosen on the held-out records
    (``early_stopping``), or with nothing held out on numeric series, by
    the wide term's records left out one at a time at its start; 1.0
    otherwise (and after ``partial_fit``). The predicted classes do not
    change.

See Also
--------
RNNEmbeddingTransformer : The same network, used as a feature extractor.
sklearn.neural_network.MLPClassifier : Fixed-length counterpart.

Notes
-----
Sequences of length 0 (``""``, ``[]``) are valid; their embedding is ``h_0 = 0``.
Symbols never seen in ``fit`` map to a zero input column.

Examples
--------
>>> from sklearn_rnn import RNNSequenceClassifier
>>> clf = RNNSequenceClassifier(random_state=0)
>>> clf.fit(["cat", "chat", "katze", "kat"], ["en", "fr", "de", "af"])
RNNSequenceClassifier(random_state=0)
>>> clf.predict(["chat", "katze"])
array(['fr', 'de'], dtype='<U2')
>>> clf.predict_proba(["katz"]).shape  # one column per class, in classes_ order
(1, 4)
"""
