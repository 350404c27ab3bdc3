"""Shared base of the estimators: parameters, validation, fitting, inference."""

from __future__ import annotations

import copy
import warnings
import weakref
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, compute_class_weight
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    assert_all_finite,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from sklearn_rnn._devices import resolve_device
from sklearn_rnn._encoding import SequenceEncoder
from sklearn_rnn._fitting import (
    _FIT_MODES,
    SequenceDataset,
    TrainingConfig,
    TrainingDiverged,
    stopped_early,
    train,
)
from sklearn_rnn._input_kinds import (
    NUMERIC_ARRAY,
    SYMBOLIC_KINDS,
    infer_input_kind,
    text_column,
)
from sklearn_rnn._module import GATES, POOLINGS, MatrixRNN
from sklearn_rnn._persistence import PersistenceMixin

# Inference batches: many records amortise the per-step Python work; a cap on
# padded cells (records x longest length) keeps memory flat in n_samples and
# bounded for very long sequences.
_INFERENCE_MAX_RECORDS = 8192
_INFERENCE_MAX_CELLS = 1 << 20


# early_stopping="auto" holds out a validation set from this many records on:
# below it, a tenth of the data is too few records to judge an epoch by.
_AUTO_EARLY_STOPPING_MIN_SAMPLES = 500


# Fitted module -> {dtype: converted copy for inference}; entries go with the
# fitted module they were made from.
_CONVERTED_MODULES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _comparable(value):
    return tuple(value) if isinstance(value, list | tuple) else value


def validation_split(y_idx: np.ndarray, fraction: float, seed: int):
    """Train and validation indices, stratified where every class allows it."""
    indices = np.arange(len(y_idx))
    counts = np.bincount(y_idx)
    stratify = y_idx if counts[counts > 0].min() >= 2 else None
    try:
        return train_test_split(
            indices, test_size=fraction, random_state=seed, stratify=stratify
        )
    except ValueError:  # fewer validation records than classes
        return train_test_split(indices, test_size=fraction, random_state=seed)


def inference_batches(lengths: np.ndarray) -> list[np.ndarray]:
    """Indices sorted by length, cut into batches under both caps."""
    order = np.argsort(lengths, kind="stable")
    sorted_len = np.maximum(lengths[order], 1)  # empty records still take a row
    batches, start = [], 0
    while start < len(order):
        stop = min(start + _INFERENCE_MAX_RECORDS, len(order))
        # Sorted ascending, so a batch's last record is its longest: shrink the
        # batch until its padded cells fit the cap.
        while stop - start > 1 and (stop - start) * sorted_len[stop - 1] > (
            _INFERENCE_MAX_CELLS
        ):
            stop = start + max(1, _INFERENCE_MAX_CELLS // int(sorted_len[stop - 1]))
        batches.append(order[start:stop])
        start = stop
    return batches


class BaseRNN(PersistenceMixin, BaseEstimator):
    """Parameters and machinery shared by the classifier and the transformer."""

    _parameter_constraints: dict = {
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "cell": [StrOptions(set(GATES))],
        "nonlinearity": [StrOptions({"tanh", "relu"})],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "recurrent_dropout": [Interval(Real, 0, 1, closed="left")],
        "pooling": [StrOptions(set(POOLINGS))],
        "fit_mode": [StrOptions(set(_FIT_MODES))],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "clip_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
        "bptt_steps": [Interval(Integral, 1, None, closed="left"), None],
        "shuffle": ["boolean"],
        "length_bucketing": ["boolean"],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "analyzer": [StrOptions({"char", "word"}), callable],
        "ngram_range": [tuple],
        "max_ngrams": [Interval(Integral, 0, None, closed="left"), None],
        "standardize": ["boolean"],
        "warm_start": ["boolean"],
        "device": [str, torch.device],
        "inference_dtype": [StrOptions({"auto", "float32", "float64"})],
        "callbacks": [list, None],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

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
        pooling="last",
        fit_mode="vectorized",
        batch_size=64,
        max_iter=100,
        learning_rate_init=0.005,
        alpha=0.0001,
        clip_grad_norm=1.0,
        bptt_steps=None,
        shuffle=True,
        length_bucketing=True,
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        label_smoothing=0.0,
        class_weight=None,
        analyzer="char",
        ngram_range=(1, 2),
        max_ngrams=2000,
        standardize=True,
        warm_start=False,
        device="cpu",
        inference_dtype="auto",
        callbacks=None,
        verbose=0,
        random_state=None,
    ):
        self.hidden_size = hidden_size
        self.cell = cell
        self.nonlinearity = nonlinearity
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.recurrent_dropout = recurrent_dropout
        self.pooling = pooling
        self.fit_mode = fit_mode
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.learning_rate_init = learning_rate_init
        self.alpha = alpha
        self.clip_grad_norm = clip_grad_norm
        self.bptt_steps = bptt_steps
        self.shuffle = shuffle
        self.length_bucketing = length_bucketing
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.label_smoothing = label_smoothing
        self.class_weight = class_weight
        self.analyzer = analyzer
        self.ngram_range = ngram_range
        self.max_ngrams = max_ngrams
        self.standardize = standardize
        self.warm_start = warm_start
        self.device = device
        self.inference_dtype = inference_dtype
        self.callbacks = callbacks
        self.verbose = verbose
        self.random_state = random_state

    # ------------------------------------------------------------ validation
    def _check_params(self) -> torch.device:
        """Rules that involve several parameters (single ones are constrained)."""
        if self.nonlinearity != "tanh" and self.cell != "rnn":
            raise ValueError(
                f"nonlinearity={self.nonlinearity!r} applies to cell='rnn' only; "
                f"cell={self.cell!r} has fixed gate nonlinearities."
            )
        if self.fit_mode == "packed":
            for name in ("bptt_steps", "recurrent_dropout"):
                if getattr(self, name):
                    raise ValueError(
                        f"{name} needs a step-by-step fit_mode ('sgd', "
                        "'minibatch' or 'vectorized'); torch's packed kernels run "
                        "every step of every record inside one call."
                    )
        ngram = self.ngram_range
        if not (
            len(ngram) == 2
            and all(isinstance(n, Integral) for n in ngram)
            and 1 <= ngram[0] <= ngram[1]
        ):
            raise ValueError(
                "ngram_range must be a tuple (min_n, max_n) of integers with "
                f"1 <= min_n <= max_n, got {ngram!r}."
            )
        return resolve_device(self.device)

    def _validate_X(self, X, y=None, *, reset: bool):
        """Validate X (and y in fit); return ``(records, y, kind, dtype, encoder)``.

        Nothing on ``self`` but sklearn's ``n_features_in_``/``feature_names_in_``
        changes here: ``fit`` stores the returned encoder once everything passed.
        """
        X = text_column(X)
        kind = infer_input_kind(X)
        fitting = y is not None
        if kind == NUMERIC_ARRAY:
            dtype = [np.float64, np.float32]
            if fitting:
                X, y = validate_data(
                    self, X, y, reset=reset, allow_nd=True, dtype=dtype
                )
            else:
                X = validate_data(self, X, reset=reset, allow_nd=True, dtype=dtype)
            if X.ndim > 3:
                raise ValueError(
                    f"Found array with dim {X.ndim}. {type(self).__name__} expected <= 3: "
                    "(n_samples, n_steps) or (n_samples, n_steps, n_features)."
                )
            out_dtype = X.dtype
        else:
            if reset:
                for attr in ("n_features_in_", "feature_names_in_"):
                    self.__dict__.pop(attr, None)
            elif hasattr(self, "n_features_in_"):
                raise ValueError(
                    f"{type(self).__name__} was fitted on a numeric array with "
                    f"{self.n_features_in_} steps; X must be such an array too."
                )
            out_dtype = np.dtype(np.float64)
            if fitting:
                y = column_or_1d(y, warn=True)
                if y.dtype.kind == "f":
                    assert_all_finite(y, input_name="y")
                check_consistent_length(X, y)
        if reset:
            encoder = SequenceEncoder(
                self.analyzer,
                tuple(self.ngram_range),
                self.standardize,
                self.max_ngrams,
            )
            records = encoder.fit_transform(X, kind)
        else:
            encoder = self.encoder_
            records = encoder.transform(X, kind)
        if fitting and len(records) == 0:
            raise ValueError(
                "Found array with 0 sample(s) while a minimum of 1 is required."
            )
        return records, y, kind, out_dtype, encoder

    def _encode_targets(self, y):
        """``(classes, class indices)``; nothing is stored here."""
        check_classification_targets(y)
        classes, y_idx = np.unique(y, return_inverse=True)
        if self._continuing():
            if not np.array_equal(classes, self.classes_):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as "
                    "in the previous call to fit. Previously got "
                    f"{self.classes_}, `y` has {classes}"
                )
        elif len(classes) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in the "
                f"data, but the data contains only one class: {classes[0]!r}."
            )
        return classes, y_idx

    def _continuing(self) -> bool:
        return self.warm_start and hasattr(self, "module_")

    def _uses_early_stopping(self, n_samples: int) -> bool:
        if self.early_stopping == "auto":
            return n_samples >= _AUTO_EARLY_STOPPING_MIN_SAMPLES
        return bool(self.early_stopping)

    # ---------------------------------------------------------------- fitting
    def _fit(self, X, y, sample_weight=None):
        device = self._check_params()
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        # A warm start keeps the fitted vocabulary and input shape.
        continuing = self._continuing()
        if continuing:
            self._check_same_architecture(self.module_)
        # validate_data sets n_features_in_ as it goes: put it back if any
        # check fails, so a failed refit leaves the fitted model usable.
        shape_attrs = {
            k: v
            for k, v in vars(self).items()
            if k in ("n_features_in_", "feature_names_in_")
        }
        try:
            records, y, kind, _, encoder = self._validate_X(X, y, reset=not continuing)
            classes, y_idx = self._encode_targets(y)
            sample_weight = _check_sample_weight(
                sample_weight,
                np.empty(len(records)),
                dtype=np.float64,
                ensure_non_negative=True,
            )
            if len(np.unique(y_idx[sample_weight > 0])) < 2 and not continuing:
                raise ValueError(
                    "sample_weight must be positive for samples of at least 2 "
                    "classes; the weighted data contains fewer than 2 classes."
                )
            if not continuing:
                records = encoder.fit_scaling(records, sample_weight)
        except Exception:
            for k in ("n_features_in_", "feature_names_in_"):
                self.__dict__.pop(k, None)
            self.__dict__.update(shape_attrs)
            raise
        seed = int(
            check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        )
        train_idx, valid_idx = np.arange(len(records)), None
        if self._uses_early_stopping(len(records)):
            train_idx, valid_idx = validation_split(
                y_idx, self.validation_fraction, seed
            )
        class_weight = None
        if self.class_weight is not None:
            class_weight = compute_class_weight(
                self.class_weight, classes=classes, y=classes[y_idx]
            )
        if continuing:
            # Training happens on a copy: a diverged fit must not leave NaN
            # weights behind in the fitted model.
            module = copy.deepcopy(self.module_)
        else:
            module = MatrixRNN(
                encoder.n_inputs_,
                len(classes),
                self.hidden_size,
                symbolic=kind in SYMBOLIC_KINDS,
                cell=self.cell,
                nonlinearity=self.nonlinearity,
                num_layers=self.num_layers,
                bidirectional=self.bidirectional,
                pooling=self.pooling,
                generator=torch.Generator().manual_seed(seed),
            )
        # Training-only settings may change between warm-started fits.
        module.dropout = self.dropout
        module.recurrent_dropout = self.recurrent_dropout
        module.bptt_steps = self.bptt_steps
        config = TrainingConfig(
            fit_mode=self.fit_mode,
            batch_size=self.batch_size,
            max_iter=self.max_iter,
            learning_rate_init=self.learning_rate_init,
            alpha=self.alpha,
            clip_grad_norm=self.clip_grad_norm,
            shuffle=self.shuffle,
            length_bucketing=self.length_bucketing,
            n_iter_no_change=self.n_iter_no_change,
            tol=self.tol,
            label_smoothing=self.label_smoothing,
            class_weight=class_weight,
            callbacks=list(self.callbacks or []),
            verbose=self.verbose,
            device=device,
            seed=seed,
            optimizer_state=(
                self.net_.optimizer_.state_dict()
                if continuing and hasattr(self, "net_")
                else None
            ),
        )

        def subset(idx):
            return SequenceDataset(records.subset(idx), y_idx[idx], sample_weight[idx])

        valid_set = subset(valid_idx) if valid_idx is not None else None
        try:
            net = train(module, subset(train_idx), valid_set, config)
        except TrainingDiverged as exc:
            if not continuing:
                self._forget_fit()
            raise ValueError(str(exc)) from None
        # Everything passed: only now is fitted state replaced.
        module.forward_mode = _FIT_MODES[self.fit_mode].inference_mode(device)
        module.eval()
        previous = (
            (self.loss_curve_, getattr(self, "validation_loss_curve_", []))
            if continuing
            else ([], [])
        )
        self.encoder_, self.classes_ = encoder, classes
        self.module_, self.net_ = module, net
        self.loss_curve_ = previous[0] + [
            float(v) for v in net.history[:, "train_loss"]
        ]
        self.__dict__.pop("validation_loss_curve_", None)
        if valid_set is not None:
            self.validation_loss_curve_ = previous[1] + [
                float(v) for v in net.history[:, "valid_loss"]
            ]
        self.n_iter_ = len(self.loss_curve_)
        self._warn_on_poor_fit(net, y_idx[train_idx], sample_weight[train_idx])
        return self

    def _warn_on_poor_fit(self, net, y_idx, sample_weight) -> None:
        """sklearn's ConvergenceWarning when max_iter cut training short, and a
        warning when the loss never got below that of the class frequencies."""
        if not stopped_early(net):
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached "
                "and the optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=3,
            )
        prior = np.bincount(y_idx, weights=sample_weight, minlength=len(self.classes_))
        prior = prior[prior > 0] / prior.sum()
        prior_loss = float(-(prior * np.log(prior)).sum())
        best = min(self.loss_curve_)
        if prior_loss > 0 and best > 0.97 * prior_loss and self.label_smoothing < 0.5:
            warnings.warn(
                f"The network learned next to nothing: its best training loss "
                f"({best:.4f}) stayed at the level of predicting the class "
                f"frequencies ({prior_loss:.4f}). Try more epochs (max_iter), a "
                "larger learning_rate_init, pooling='mean' or cell='gru' for long "
                "sequences, or check that X carries the signal.",
                ConvergenceWarning,
                stacklevel=3,
            )

    _ARCHITECTURE = (
        "hidden_size",
        "cell",
        "nonlinearity",
        "num_layers",
        "bidirectional",
        "pooling",
    )
    _ENCODING = ("analyzer", "ngram_range", "standardize", "max_ngrams")

    def _check_same_architecture(self, module) -> None:
        changed = [
            p for p in self._ARCHITECTURE if getattr(module, p) != getattr(self, p)
        ]
        encoder = self.encoder_
        changed += [
            p
            for p in self._ENCODING
            if _comparable(getattr(encoder, p)) != _comparable(getattr(self, p))
        ]
        if changed:
            raise ValueError(
                f"warm_start=True continues the fitted network, but {changed} "
                "changed since the last fit; set warm_start=False to train a new "
                "network with these values."
            )

    def _forget_fit(self) -> None:
        for attr in [
            a for a in vars(self) if a.endswith("_") and not a.startswith("__")
        ]:
            delattr(self, attr)

    # -------------------------------------------------------------- inference
    def _records_for_inference(self, X):
        check_is_fitted(self, "module_")
        records, _, _, dtype, _ = self._validate_X(X, reset=False)
        return records, dtype

    def _run_module(self, records, method: str, dtype=np.float64) -> np.ndarray:
        """Apply ``module_.embed`` or ``module_`` to all records, in batches.

        Batches group records of similar length (fewer pad steps); each record's
        result does not depend on its batch (see ``rowwise_matmul``), so the
        output is simply put back in the input order.
        """
        module = self._inference_module()
        device = module.V.device
        fn = module.embed if method == "embed" else module
        width = module.embedding_size if method == "embed" else module.n_outputs
        # Written batch by batch straight into the caller's dtype: no second
        # full-size copy of the output.
        out = np.empty((len(records), width), dtype=dtype)
        with torch.no_grad():
            for idx in inference_batches(records.lengths):
                X, lengths = records.left_padded(idx)
                result = fn(torch.as_tensor(X).to(device), lengths)
                out[idx] = result.cpu().numpy()
        return out

    def _inference_module(self):
        """``module_`` in the precision predictions are computed in.

        float32 rounding of a record differs, by ~1e-7, between a lone record
        and a batched one, and how much depends on the CPU's SIMD kernels; in
        float64 those differences fall far below anything a user or sklearn's
        invariance checks can see. "auto" is float64 on the CPU and float32 on
        accelerators, where float64 is slow.
        """
        module = self.module_
        dtype = self.inference_dtype
        if dtype == "auto":
            dtype = "float64" if module.V.device.type == "cpu" else "float32"
        wanted = getattr(torch, dtype)
        if module.V.dtype == wanted:
            return module
        # Converted once per fitted module, not per call (a copy of U alone is
        # vocabulary-sized), and kept off the estimator: predict must not
        # change its __dict__, and pickles stay free of the copy. Threads
        # racing here build equal copies.
        copies = _CONVERTED_MODULES.setdefault(module, {})
        if wanted not in copies:
            copies[wanted] = copy.deepcopy(module).to(wanted)  # module_ unchanged
        return copies[wanted]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.target_tags.required = True
        return tags
