"""Shared base of the estimators: parameters, validation, and the orchestration
of fitting and inference. What differs between estimators (targets, head,
loss, decoding) is a task object from ``_tasks.py``."""

from __future__ import annotations

import copy
import math
import warnings
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    StrOptions,
)
from sklearn.utils.validation import _check_sample_weight, check_is_fitted
from skorch import NeuralNet

from sklearn_rnn._data_parallel import (
    active_engine,
    check_ray_scaling,
    is_ray_scaling,
    train_data_parallel,
    train_ray,
    world_size,
)
from sklearn_rnn._devices import resolve_device
from sklearn_rnn._encoding import SequenceEncoder
from sklearn_rnn._fitting import (
    _FIT_MODES,
    LIBRARY_CALLBACKS,
    SequenceDataset,
    TrainingConfig,
    TrainingDiverged,
    outputs_in_record_order,
    stopped_early,
    train,
)
from sklearn_rnn._inference import INFERENCE_MAX_RECORDS, module_in_dtype, run_module
from sklearn_rnn._input_kinds import (
    NUMERIC_ARRAY,
    NUMERIC_RAGGED,
    SYMBOLIC_KINDS,
    infer_input_kind,
    nested_frame_records,
    text_column,
)
from sklearn_rnn._module import (
    GATES,
    NONLINEARITIES,
    POOLINGS,
    MatrixRNN,
    conv_dilations_for,
    front_filters,
)
from sklearn_rnn._persistence import (
    PersistenceMixin,
    optimizer_state_from_arrays,
)
from sklearn_rnn._stacklevel import user_stacklevel
from sklearn_rnn._tasks import split_for_validation
from sklearn_rnn._threads import auto_threads, torch_threads
from sklearn_rnn._validation import (
    FIXED_COLUMN_ATTRIBUTES,
    OTHER_LENGTHS_HINT,
    forget_fixed_columns,
    validate_numeric_array,
    warn_if_channels_first,
)

# early_stopping="auto" holds out a validation set from this many records on:
# below it, a tenth of the data is too few records to judge an epoch by.
_AUTO_EARLY_STOPPING_MIN_SAMPLES = 500

# max_iter="auto" budgets updates, not only epochs: at least this many
# updates, so that 20 records (one batch, one update an epoch) train as long
# as 1,300 do.
_AUTO_MIN_UPDATES = 500
# n_iter_no_change="auto" waits at least this many updates for the loss to
# improve: ten epochs of one update each stopped small data sets on the
# plateau of their first updates (GunPoint 0.47 on one seed of five; waiting
# 50 updates: 0.97; benchmarks/suite.py).
_AUTO_PATIENCE_UPDATES = 50
# A fit whose outputs start fitted (the numeric wide term started from its
# ridge fit) and that holds out nothing gets this share of those budgets,
# its epochs and the updates of its patience: the network refines a fitted
# model, and only its training loss says when to stop, which on a noisy
# target keeps falling as it memorises. On the 20 time-series sets of
# benchmarks/suite.py under 500 records (five seeds) half the budget moved
# no score by more than its spread (Covid3Month 0.274 -> 0.256, ACSF1 0.918
# -> 0.926, Covid3Month_disc 0.682 -> 0.705) in about half the fit time,
# which brought the smallest sets to about twice the fit time of the
# defaults before the budget counted updates. With held-out records early
# stopping ends a fit when it should; halving there only cut PLAID short.
_FITTED_START_BUDGET = 0.5

# The numeric wide term starts from a ridge fit of at most this many training
# records (drawn from random_state): its Gram matrix costs records^2 x
# features, about 5 s for 2,000 records of 9,996 features on one thread. The
# term then trains on all of them with the network.
_KERNEL_START_MAX_RECORDS = 2_000
_KERNEL_START_STREAM = 0x72696467  # mixed into the fit's seed for that draw


def _check_ngram_range(name: str, ngram) -> None:
    if not (
        len(ngram) == 2
        and all(isinstance(n, Integral) for n in ngram)
        and 1 <= ngram[0] <= ngram[1]
    ):
        raise ValueError(
            f"{name} must be a tuple (min_n, max_n) of integers with "
            f"1 <= min_n <= max_n, got {ngram!r}."
        )


class BaseRNN(PersistenceMixin, BaseEstimator):
    """Parameters and machinery shared by the classifier and the transformer."""

    _parameter_constraints: dict = {
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "cell": [StrOptions(set(GATES))],
        "nonlinearity": [StrOptions(set(NONLINEARITIES))],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "recurrent_dropout": [Interval(Real, 0, 1, closed="left")],
        "symbol_dropout": [Interval(Real, 0, 1, closed="left")],
        "pooling": [StrOptions(set(POOLINGS))],
        "fit_mode": [StrOptions(set(_FIT_MODES))],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "ema_decay": [Interval(Real, 0, 1, closed="left"), None],
        "clip_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
        "bptt_steps": [Interval(Integral, 1, None, closed="left"), None],
        "shuffle": ["boolean"],
        "length_bucketing": ["boolean"],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "tol": [Interval(Real, 0, None, closed="left")],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "analyzer": [StrOptions({"char", "word"}), callable],
        "ngram_range": [tuple],
        "max_ngrams": [Interval(Integral, 0, None, closed="left"), None],
        "standardize": ["boolean", StrOptions({"auto"})],
        "patch_size": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "conv_filters": [Interval(Integral, 0, None, closed="left")],
        "kernel_shares": [
            Interval(Integral, 0, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "warm_start": ["boolean"],
        "device": [str, torch.device],
        "n_threads": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
            None,
        ],
        # An int >= 1 or Ray Train's ScalingConfig, recognised without
        # importing Ray: checked by _check_workers.
        "n_workers": "no_validation",
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
        label_smoothing=0.0,
        wide=True,
        wide_ngram_range=(1, 4),
        max_wide_ngrams=20_000,
        class_weight=None,
        analyzer="char",
        ngram_range=(1, 2),
        max_ngrams=2000,
        standardize="auto",
        patch_size="auto",
        conv_filters=0,
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
        self.hidden_size = hidden_size
        self.cell = cell
        self.nonlinearity = nonlinearity
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.recurrent_dropout = recurrent_dropout
        self.symbol_dropout = symbol_dropout
        self.pooling = pooling
        self.fit_mode = fit_mode
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.learning_rate_init = learning_rate_init
        self.alpha = alpha
        self.ema_decay = ema_decay
        self.clip_grad_norm = clip_grad_norm
        self.bptt_steps = bptt_steps
        self.shuffle = shuffle
        self.length_bucketing = length_bucketing
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.label_smoothing = label_smoothing
        self.wide = wide
        self.wide_ngram_range = wide_ngram_range
        self.max_wide_ngrams = max_wide_ngrams
        self.class_weight = class_weight
        self.analyzer = analyzer
        self.ngram_range = ngram_range
        self.max_ngrams = max_ngrams
        self.standardize = standardize
        self.patch_size = patch_size
        self.conv_filters = conv_filters
        self.kernel_shares = kernel_shares
        self.warm_start = warm_start
        self.device = device
        self.n_threads = n_threads
        self.n_workers = n_workers
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
                if getattr(self, name) not in (None, 0, "auto"):
                    raise ValueError(
                        f"{name} needs a step-by-step fit_mode ('sgd', "
                        "'minibatch' or 'vectorized'); torch's packed kernels run "
                        "every step of every record inside one call."
                    )
        if self.ngram_range != "auto":
            _check_ngram_range("ngram_range", self.ngram_range)
        for item in self.callbacks or []:
            if isinstance(item, tuple) and item[0] in LIBRARY_CALLBACKS:
                raise ValueError(
                    f"callbacks: the name {item[0]!r} belongs to one of the "
                    f"library's own callbacks ({', '.join(LIBRARY_CALLBACKS)}); "
                    "give yours another name."
                )
        device = resolve_device(self.device)
        self._check_workers(device)
        return device

    def _validate_X(
        self,
        X,
        *,
        reset: bool,
        streaming: bool = False,
        ngram_range=None,
        patch_size=1,
        standardize=True,
        per_record=False,
        kernel_shares=0,
    ):
        """Validate and encode X; return ``(records, kind, dtype, encoder)``.

        A new encoder (``reset``) is built with ``ngram_range``,
        ``patch_size``, ``standardize``, ``per_record`` and
        ``kernel_shares``: fit passes the values it resolved from "auto".

        Nothing on ``self`` but sklearn's ``n_features_in_``/``feature_names_in_``
        changes here: ``fit`` stores the returned encoder once everything passed.
        """
        X = text_column(nested_frame_records(X))
        kind = infer_input_kind(X)
        if kind == NUMERIC_ARRAY:
            if isinstance(X, np.ndarray) and X.dtype == object and X.ndim == 1:
                # Records held one per element (dask, pandas): numpy stacks a
                # list of equal-shape arrays but not an object array of them.
                X = list(X)
            X = validate_numeric_array(self, X, reset=reset)
            if reset:
                warn_if_channels_first(X)
            if X.ndim > 3:
                raise ValueError(
                    f"Found array with dim {X.ndim}. {type(self).__name__} expected <= 3: "
                    "(n_samples, n_steps) or (n_samples, n_steps, n_features)."
                )
            out_dtype = X.dtype
        else:
            if reset:
                forget_fixed_columns(self)
            elif hasattr(self, "n_features_in_"):
                hint = "" if kind != NUMERIC_RAGGED else OTHER_LENGTHS_HINT
                raise ValueError(
                    f"{type(self).__name__} was fitted on a numeric array with "
                    f"{self.n_features_in_} steps; X must be such an array too." + hint
                )
            out_dtype = np.dtype(np.float64)
        if reset:
            encoder = SequenceEncoder(
                self.analyzer,
                tuple(ngram_range),
                standardize,
                self.max_ngrams,
                patch_size=patch_size,
                per_record=per_record,
                kernel_shares=kernel_shares,
                **self._encoder_options(),
            )
            records = encoder.fit_transform(X, kind, streaming=streaming)
        else:
            encoder = self.encoder_
            records = encoder.transform(X, kind, streaming=streaming)
        return records, kind, out_dtype, encoder

    def _encoder_options(self) -> dict:
        """Extra encoder settings of an estimator (the tagger's word features)."""
        return {}

    def _fit_settings(self, y) -> dict:
        """The values this fit uses for the parameters an estimator may leave
        to ``"auto"`` (the transformer resolves them by its objective)."""
        return {
            "ngram_range": self.ngram_range,
            "recurrent_dropout": self.recurrent_dropout,
            "batch_size": self.batch_size,
            "ema_decay": self.ema_decay,
            # The tagger has no patch_size: it labels every single step.
            "patch_size": getattr(self, "patch_size", 1),
            # standardize="auto": dataset-wide, plus each record's own view
            # (the tagger's standardize is a plain bool).
            "standardize": bool(self.standardize),
            "per_record": self.standardize == "auto",
            "pooling": self.pooling,
            # The tagger has no front end.
            "conv_filters": getattr(self, "conv_filters", 0),
            "kernel_shares": self._network_kernel_shares(),
        }

    def _network_kernel_shares(self):
        """``kernel_shares`` as the encoder takes it: "auto" reads the
        kernels' running shares only where no wide term reads the kernels
        themselves (``wide=False``); the encoder resolves what is left of
        "auto" by the patches."""
        shares = getattr(self, "kernel_shares", 0)  # the tagger has none
        if shares == "auto" and getattr(self, "wide", False):
            return 0
        return shares

    def _settings_for_kind(self, settings: dict, symbolic: bool) -> dict:
        """``settings`` with what "auto" resolves by the input's kind
        (symbols or numbers), known once ``X`` is validated (the transformer's
        pooling without labels)."""
        return settings

    def _continuing(self) -> bool:
        return self.warm_start and hasattr(self, "module_")

    # The epochs max_iter="auto" and n_iter_no_change="auto" give at least
    # (the tagger's are fewer).
    _AUTO_EPOCHS = 100
    # Update the step lookup by the rows each batch reads (``_row_updates``):
    # for vocabularies of words, whose tables dwarf a batch.
    _ROW_UPDATES = False
    _AUTO_PATIENCE = 10
    # n_iter_no_change="auto" waits no longer than the epochs that read this
    # many records (and at least _AUTO_MIN_PATIENCE): ten epochs of 10,000
    # records are 100,000 records of waiting after the held-out loss has
    # stopped falling (benchmarks/large_data.py). None: ten epochs at any size.
    _AUTO_PATIENCE_RECORDS: int | None = 40_000
    _AUTO_MIN_PATIENCE = 2

    def _epoch_budget(
        self, n_train: int, batch_size: int, *, fitted_start: bool = False
    ) -> tuple[int, int]:
        """Epochs of this fit and of patience: ``max_iter`` and
        ``n_iter_no_change``, or for "auto" at least ``_AUTO_EPOCHS`` and
        ``_AUTO_PATIENCE`` epochs and enough of them for
        ``_AUTO_MIN_UPDATES`` and ``_AUTO_PATIENCE_UPDATES`` updates; the
        patience no more epochs than read ``_AUTO_PATIENCE_RECORDS`` records
        when that is fewer (down to ``_AUTO_MIN_PATIENCE``). A
        ``fitted_start`` (outputs fitted before the first update, nothing
        held out) takes ``_FITTED_START_BUDGET`` of the epochs and of every
        count of updates."""
        if _FIT_MODES[self.fit_mode].per_record_updates:
            per_epoch = max(n_train, 1)
        else:
            per_epoch = max(-(-n_train // batch_size), 1)
        share = _FITTED_START_BUDGET if fitted_start else 1.0
        epochs, patience = self.max_iter, self.n_iter_no_change
        if epochs == "auto":
            updates = math.ceil(_AUTO_MIN_UPDATES * share)
            epochs = max(round(self._AUTO_EPOCHS * share), -(-updates // per_epoch))
        if patience == "auto":
            patience = self._AUTO_PATIENCE
            if self._AUTO_PATIENCE_RECORDS is not None:
                enough = -(-self._AUTO_PATIENCE_RECORDS // max(n_train, 1))
                patience = min(patience, max(self._AUTO_MIN_PATIENCE, enough))
            updates = math.ceil(_AUTO_PATIENCE_UPDATES * share)
            patience = max(patience, -(-updates // per_epoch))
        return epochs, patience

    def _uses_early_stopping(self, n_samples: int) -> bool:
        if self.early_stopping == "auto":
            return n_samples >= _AUTO_EARLY_STOPPING_MIN_SAMPLES
        return bool(self.early_stopping)

    # ---------------------------------------------------------------- fitting
    def _make_task(self, y, *, symbolic: bool):
        """The task object for this fit (targets, head size, loss, decoding)."""
        raise NotImplementedError

    # Whether a fit ends by dividing the class scores by the temperature
    # that held-out records, or the wide term's start, support (the
    # classifier; ``_temperature``).
    _calibrates_probabilities = False

    def _wide_head(self) -> bool:
        """Whether the head adds a linear term on the record's bag of symbols
        (the classifier's ``wide``; the module ignores it for numbers)."""
        return False

    def _fit(self, X, y, sample_weight=None, *, partial=False, classes=None):
        """Train (``fit``), or one pass over X (``partial_fit``, ``partial=True``)."""
        device = self._check_params()
        # A warm start, and every partial_fit after the first, keeps the fitted
        # vocabulary, input shape, targets and optimizer state.
        continuing = self._continuing() or (partial and hasattr(self, "module_"))
        settings = self._fit_settings(y)
        if continuing:
            settings = self._settings_for_kind(settings, self.module_.symbolic)
            # The task first: another objective also resolves "auto" settings
            # differently, and its own error says more than the changed list.
            task = self._make_task(y, symbolic=self.module_.symbolic)
            if self.task_.kind != task.kind:
                raise ValueError(
                    f"The fitted network was trained for {self.task_.kind!r}; "
                    f"continuing it (warm_start or partial_fit) asks for "
                    f"{task.kind!r}. Call fit with warm_start=False to train a "
                    "new network."
                )
            self._check_same_architecture(self.module_, settings)
        # validate_data sets n_features_in_ as it goes: put it back if any
        # check fails, so a failed refit leaves the fitted model usable.
        shape_attrs = {
            k: v for k, v in vars(self).items() if k in FIXED_COLUMN_ATTRIBUTES
        }
        seed = int(
            check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        )
        try:
            records, kind, _, encoder = self._validate_X(
                X,
                reset=not continuing,
                streaming=partial,
                ngram_range=settings["ngram_range"],
                patch_size=settings["patch_size"],
                standardize=settings["standardize"],
                per_record=settings["per_record"],
                kernel_shares=settings["kernel_shares"],
            )
            sample_weight = _check_sample_weight(
                sample_weight,
                np.empty(len(records)),
                dtype=np.float64,
                ensure_non_negative=True,
            )
            if not continuing:
                records = encoder.fit_scaling(records, sample_weight, seed)
            if not continuing:  # else built above; reset=False kept the kind
                task = self._make_task(y, symbolic=kind in SYMBOLIC_KINDS)
                settings = self._settings_for_kind(settings, kind in SYMBOLIC_KINDS)
            if task.kind == "next" and self.bidirectional:
                raise ValueError(
                    "objective='next' predicts each step from the steps before it; "
                    "a bidirectional network would read the answer from the "
                    "backward direction. Set bidirectional=False."
                )
            targets = task.fit(
                y,
                records,
                sample_weight,
                estimator=self,
                previous=self.task_ if continuing else None,
                partial=partial,
                classes=classes,
            )
        except Exception:
            forget_fixed_columns(self)
            self.__dict__.update(shape_attrs)
            raise
        if partial:  # each call shuffles and drops out afresh, reproducibly
            seed = (seed + 7919 * getattr(self, "n_iter_", 0)) % np.iinfo(np.int32).max
        dataset = SequenceDataset(records, targets, sample_weight)
        train_set, valid_set = dataset, None
        if not partial and self._uses_early_stopping(len(records)):
            train_idx, valid_idx = split_for_validation(
                task.stratify(targets), len(records), self.validation_fraction, seed
            )
            train_set, valid_set = dataset.subset(train_idx), dataset.subset(valid_idx)
        if continuing:
            # Training happens on a copy: a diverged fit must not leave NaN
            # weights behind in the fitted model.
            module = copy.deepcopy(self.module_)
        else:
            module = MatrixRNN(
                encoder.step_inputs_,
                task.n_outputs,
                self.hidden_size,
                symbolic=kind in SYMBOLIC_KINDS,
                cell=self.cell,
                nonlinearity=self.nonlinearity,
                num_layers=self.num_layers,
                bidirectional=self.bidirectional,
                pooling=settings["pooling"],
                per_step=task.per_step,
                crf=getattr(task, "crf", False),
                wide=self._wide_head(),
                n_wide_inputs=None
                if encoder.wide_ is None
                else encoder.wide_.n_inputs_,
                step_width=encoder.step_width_,
                n_kernel_features=None
                if getattr(encoder, "kernels_", None) is None
                else encoder.kernels_.width,
                n_step_shares=encoder.n_step_shares_,
                **self._front_end(encoder, records, settings["conv_filters"]),
                generator=torch.Generator().manual_seed(seed),
            )
        # Training-only settings may change between warm-started fits.
        module.dropout = self.dropout
        module.recurrent_dropout = settings["recurrent_dropout"]
        module.symbol_dropout = self.symbol_dropout
        module.bptt_steps = self.bptt_steps
        # A new numeric wide term starts from its ridge fit unless the
        # network trains first (a regressor with a held-out set), and a
        # regressor's fit ends with the term's refit either way.
        new_term = bool(module.n_kernel_features) and not (continuing or partial)
        network_first = new_term and _network_first(task, valid_set)
        epochs, patience = self._epoch_budget(
            len(train_set),
            settings["batch_size"],
            # Nothing held out: the term starts from its ridge fit.
            fitted_start=new_term and valid_set is None,
        )
        config = TrainingConfig(
            fit_mode=self.fit_mode,
            batch_size=settings["batch_size"],
            max_iter=1 if partial else epochs,
            learning_rate_init=self.learning_rate_init,
            alpha=self.alpha,
            # partial_fit: the caller drives the epochs; each call trains and
            # keeps the raw weights, which the next call continues.
            ema_decay=None if partial else settings["ema_decay"],
            clip_grad_norm=self.clip_grad_norm,
            shuffle=self.shuffle,
            length_bucketing=self.length_bucketing,
            n_iter_no_change=patience,
            tol=self.tol,
            criterion=task.criterion(),
            callbacks=list(self.callbacks or []),
            verbose=self.verbose,
            device=device,
            seed=seed,
            optimizer_state=self._optimizer_state() if continuing else None,
            row_updates=self._ROW_UPDATES,
        )
        try:
            # The module moves to the device inside train: name it here.
            with torch_threads(self._threads(module, config.batch_size, device)):
                basis = None  # the start's ridge decomposition, for the refit
                if new_term and not network_first:
                    basis = _start_kernel_term(module, train_set, task, seed)
                with _held_at_zero(module, network_first):
                    net = self._train(module, train_set, valid_set, config)
                if module.n_kernel_features and not partial:
                    _refit_kernel_term(
                        module,
                        net,
                        train_set,
                        task,
                        basis,
                        draw_seed=seed if network_first else None,
                    )
                temperature = None
                if self._calibrates_probabilities:
                    temperature = _temperature(
                        task, net, valid_set, started=new_term and not network_first
                    )
                    module.scale_outputs(1.0 / temperature)
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
        self.encoder_, self.task_ = encoder, task
        # Labels of the classes predicted (not the symbol classes a next-step
        # objective learns internally).
        self.__dict__.pop("classes_", None)
        if task.kind in ("classification", "tagging"):
            self.classes_ = task.classes_
        self.module_, self.net_ = module, net
        if self._calibrates_probabilities:
            self.temperature_ = temperature
        # A stream's model is saved with its optimizer's moments, so the next
        # partial_fit continues exactly, in another process or on another
        # dask worker (see PersistenceMixin); a model from fit is not.
        self._continues_optimizer_ = bool(partial)
        self.__dict__.pop("_optimizer_state_", None)
        self.loss_curve_ = previous[0] + [
            float(v) for v in net.history[:, "train_loss"]
        ]
        self.__dict__.pop("validation_loss_curve_", None)
        if valid_set is not None:
            self.validation_loss_curve_ = previous[1] + [
                float(v) for v in net.history[:, "valid_loss"]
            ]
        self.n_iter_ = len(self.loss_curve_)
        if not partial:  # one pass is what partial_fit asks for
            self._warn_on_poor_fit(net, task, train_set)
        return self

    def _warn_on_poor_fit(self, net, task, train_set) -> None:
        """sklearn's ConvergenceWarning when a ``max_iter`` the user set cut
        training short, and a warning when the loss never got below that of a
        constant prediction, with advice that fits what happened."""
        stacklevel = user_stacklevel()
        ran_out = not stopped_early(net)
        # "auto" ending its budget is the plan, not a sign of trouble.
        if ran_out and self.max_iter != "auto":
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached "
                "and the optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=stacklevel,
            )
        baseline = task.baseline_loss(train_set.targets, train_set.sample_weight)
        best = min(self.loss_curve_)
        if baseline and best > 0.97 * baseline:
            advice = self._poor_fit_advice(ran_out, len(net.history), task)
            warnings.warn(
                f"The network learned next to nothing: its best training loss "
                f"({best:.4f}) stayed at the level of a constant prediction "
                f"({baseline:.4f}). Try {advice}, or check that X carries the "
                "signal.",
                ConvergenceWarning,
                stacklevel=stacklevel,
            )

    def _poor_fit_advice(self, ran_out: bool, epochs: int, task) -> str:
        """Changes worth trying after a fit that learned nothing: only ones
        that differ from the current settings and fit how training ended."""
        if ran_out:
            tips = [
                f"more epochs (max_iter; it ran all {epochs})",
                f"a larger learning_rate_init (now {self.learning_rate_init:g})",
            ]
        else:
            tips = [
                f"a smaller learning_rate_init (now {self.learning_rate_init:g}; "
                f"training stopped at epoch {epochs} as the loss stalled)"
            ]
        if self.cell == "rnn":
            tips.append("cell='gru'")
        if self.pooling in ("last", "max") and not task.per_step:
            tips.append(f"pooling='concat' (now {self.pooling!r})")
        return ", ".join(tips[:-1]) + (" or " if len(tips) > 1 else "") + tips[-1]

    _ARCHITECTURE = (
        "hidden_size",
        "cell",
        "nonlinearity",
        "num_layers",
        "bidirectional",
        "pooling",
    )

    # conv_filters="auto" where the transformer resolves it so (class labels).
    _AUTO_CONV_FILTERS = 32

    def _conv_filters(self, filters, encoder) -> int:
        """``filters`` with "auto" resolved by what the encoder reads: none
        where the network reads the kernels' running shares, which carry
        what the filters would (on the sixteen classification sets of
        benchmarks/suite.py, RidgeClassifierCV on the transformer's
        embeddings scored 0.921 without the filters and 0.918 with them,
        three seeds, for a median 2.2x the fit time with them;
        benchmarks/pipelines.py), else ``_AUTO_CONV_FILTERS``."""
        if filters != "auto":
            return filters
        return 0 if encoder.n_step_shares_ else self._AUTO_CONV_FILTERS

    def _front_end(self, encoder, records, filters) -> dict:
        """The module's convolutional front end (numeric series only): its
        ``filters`` ("auto" resolved), their dilations spread up to the
        median training length (in steps of the series, not of the
        patches), the patch."""
        filters = self._conv_filters(filters, encoder)
        if not filters or not len(records):  # the module decides where they apply
            return {}
        patch = int(getattr(encoder, "patch_size_", 1))
        median = int(np.median(records.lengths)) * patch
        return {
            "conv_filters": filters,
            "conv_dilations": conv_dilations_for(median),
            "patch_size": patch,
        }

    # Architecture parameters the module holds under another name.
    _MODULE_ATTRIBUTES: dict = {}
    _ENCODING = (
        "analyzer",
        "ngram_range",
        "standardize",
        "per_record",
        "max_ngrams",
        "patch_size",
        "kernel_shares",
    )

    def _check_same_architecture(self, module, settings: dict) -> None:
        """Refuse to continue ``module`` if an architecture or encoding
        parameter changed; ``settings`` holds this fit's "auto" values resolved."""
        changed = [
            p
            for p in self._ARCHITECTURE
            if getattr(module, self._MODULE_ATTRIBUTES.get(p, p))
            != settings.get(p, getattr(self, p))
        ]
        filters = front_filters(
            self._conv_filters(settings["conv_filters"], self.encoder_),
            symbolic=module.symbolic,
            per_step=module.per_step,
        )
        if module.conv_filters != filters:
            changed.append("conv_filters")
        encoder = self.encoder_
        changed += [
            p
            for p in self._ENCODING
            # An encoder pickled before patches existed read single steps,
            # which is what continuing it keeps doing.
            if getattr(encoder, p, settings.get(p))
            != (settings[p] if p in settings else getattr(self, p))
        ]
        changed += [
            p
            for p, value in self._encoder_options().items()
            if p not in self._ENCODING
            # None: an encoder pickled before the option existed.
            and getattr(encoder, p, None) != value
        ]
        # per_record is what standardize="auto" resolved to.
        changed = list(
            dict.fromkeys("standardize" if p == "per_record" else p for p in changed)
        )
        if changed:
            raise ValueError(
                f"warm_start=True continues the fitted network, but {changed} "
                "changed since the last fit; set warm_start=False to train a new "
                "network with these values."
            )

    def _optimizer_state(self) -> dict | None:
        """AdamW's state to continue from: the live net's, or the one saved
        with a model trained by partial_fit; None starts a fresh optimizer."""
        if hasattr(self, "net_"):
            return self.net_.optimizer_.state_dict()
        saved = getattr(self, "_optimizer_state_", None)
        return None if saved is None else optimizer_state_from_arrays(saved)

    def _forget_fit(self) -> None:
        for attr in [
            a for a in vars(self) if a.endswith("_") and not a.startswith("__")
        ]:
            delattr(self, attr)

    # -------------------------------------------------------------- inference
    def _records_for_inference(self, X):
        check_is_fitted(self, "module_")
        records, _, dtype, _ = self._validate_X(X, reset=False)
        return records, dtype

    def _run_module(self, records, output: str, dtype=np.float64) -> np.ndarray:
        """``run_module`` on the fitted module in the inference precision."""
        module = self._inference_module()
        rows = min(len(records), INFERENCE_MAX_RECORDS)
        with torch_threads(self._threads(module, rows, module.V.device)):
            return run_module(module, records, output, dtype)

    def _train(self, module, train_set, valid_set, config) -> NeuralNet:
        """:func:`train` here, or in ``n_workers`` processes, each computing
        its share of every batch (``_data_parallel``); either way ``module``
        ends with the trained weights."""
        ray_train = is_ray_scaling(self.n_workers)
        world = world_size(self.n_workers)
        if world == 1 and not ray_train:
            return train(module, train_set, valid_set, config)
        threads = self._threads(module, -(-config.batch_size // world), config.device)
        args = (module, train_set, valid_set, config)
        if ray_train:
            net = train_ray(train, self.n_workers, args, threads)
        else:
            net = train_data_parallel(train, world, args, threads)
        # The first worker's network came back a copy: its weights go into
        # this process's module, which the rest of the fit holds.
        module.load_state_dict(net.module_.state_dict())
        net.module_ = module
        return net

    def _check_workers(self, device) -> None:
        """Refuse what data-parallel training cannot split, by name."""
        ray_train = is_ray_scaling(self.n_workers)
        count = self.n_workers
        if not ray_train and (
            isinstance(count, bool) or not isinstance(count, Integral) or count < 1
        ):
            raise InvalidParameterError(
                f"The 'n_workers' parameter of {type(self).__name__} must be an "
                "int in the range [1, inf) or a ray.train.ScalingConfig. Got "
                f"{count!r} instead."
            )
        if world_size(count) == 1 and not ray_train:
            return
        if _FIT_MODES[self.fit_mode].per_record_updates:
            raise ValueError(
                f"fit_mode={self.fit_mode!r} updates after every record, which "
                f"n_workers={self.n_workers} cannot split; use fit_mode="
                "'minibatch', 'vectorized' or 'packed' to train on several workers."
            )
        if torch.device(device).type != "cpu":
            raise ValueError(
                f"n_workers={self.n_workers} trains on CPU worker processes "
                f"(torch.distributed's gloo backend); device={self.device!r} is "
                "not supported with several workers yet."
            )
        if ray_train:
            check_ray_scaling(self.n_workers)
        else:
            active_engine(self.n_workers)  # runs that many processes at once

    def _threads(self, module, batch_rows: int, device) -> int | None:
        """torch threads for ``module`` on ``device``, on batches of
        ``batch_rows`` records (``n_threads``; None leaves torch's setting
        alone). The sizes are the module's own: parameters set after fit do
        not describe it."""
        if self.n_threads != "auto":
            return self.n_threads
        if torch.device(device).type != "cpu":
            return None  # the CPU only feeds the device
        gates = GATES[module.cell] * module.directions
        return auto_threads(batch_rows, module.hidden_size, gates)

    def _attribution_window(self, window) -> int:
        """Steps occluded together by ``attribute``: "auto" is 1 for symbols
        and the encoder's patch for numbers (the network's own step)."""
        if window == "auto":
            return int(getattr(self.encoder_, "patch_size_", 1))
        if (
            isinstance(window, bool)
            or not isinstance(window, int | np.integer)
            or window < 1
        ):
            raise ValueError(
                f"window must be a positive int or 'auto', got {window!r}."
            )
        return int(window)

    def _inference_module(self):
        return module_in_dtype(self.module_, self.inference_dtype)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.target_tags.required = True
        return tags


def _temperature(task, net, valid_set, *, started: bool) -> float:
    """What a classifier's scores are divided by at the end of its fit
    (``_calibration``; the order of the scores stays): the temperature that
    fits the held-out records best, or with nothing held out the one the
    wide term's records, left out one at a time, supported at its start
    (``ClassificationTask.linear_start``); else 1."""
    if valid_set is not None:
        outputs = outputs_in_record_order(net, valid_set)
        return 1.0 / task.inverse_temperature(outputs, valid_set)
    if started:
        return getattr(task, "start_temperature_", 1.0)
    return 1.0


def _network_first(task, valid_set) -> bool:
    """Whether the network trains alone, the numeric wide term then fitted
    to what it left (``_refit_kernel_term``), rather than the term starting
    from its ridge fit and training with the network.

    Started from ridge, the term fits a few hundred training records almost
    exactly (thousands of features), so the network is left little to learn,
    which costs wherever the features miss the signal: on windows of a
    series, forecasting the next value (``benchmarks/generated.py``, 600
    records) the defaults scored R² -0.03 (AR2) and 0.23 (SETAR), the
    network alone 0.29 and 0.61. Trained alone, the network needs something
    else to stop it fitting noise: a held-out set, whose loss stops it. So
    the network goes first where there is one and the task's loss has a
    closed-form refit (the squared error: regressors). Without a held-out
    set (below 500 records by default) the ridge start also keeps the network
    off a small set's noise, and stays: trained alone there, the network
    scored R² -0.63 on CardanoSentiment (ridge start: -0.24), 0.15 on
    Covid3Month (0.27) and -0.01 on M1Yearly (0.20), five seeds each
    (``benchmarks/small_regression.py``). Going first costs time where the
    features alone would do: quality.py's sine regression (700 records)
    fits in 2.4x the time, at the same R² 0.994."""
    return valid_set is not None and getattr(task, "linear_refit", None) is not None


@contextmanager
def _held_at_zero(module: MatrixRNN, held: bool):
    """The numeric wide term left out of training (its weights are zero
    and get no gradient) while ``held``."""
    if not held:
        yield
        return
    module.V_kernels.requires_grad_(False)
    try:
        yield
    finally:
        module.V_kernels.requires_grad_(True)


def _ridge_rows(train_set, seed: int | None) -> tuple[np.ndarray, bool]:
    """The training records a ridge of the wide term reads (those of
    positive weight; at most ``_KERNEL_START_MAX_RECORDS``, drawn from
    ``seed``), and whether they are all of them."""
    rows = np.flatnonzero(train_set.sample_weight > 0)
    if len(rows) <= _KERNEL_START_MAX_RECORDS:
        return rows, True
    rng = np.random.default_rng([seed, _KERNEL_START_STREAM])
    return np.sort(rng.choice(rows, _KERNEL_START_MAX_RECORDS, replace=False)), False


def _start_kernel_term(module: MatrixRNN, train_set, task, seed: int):
    """Start the numeric wide term from the task's closed-form linear model
    of the training records' kernel features (ridge, its penalty chosen by
    leave-one-out error: ``_ridge``) rather than from zero. A first
    ``partial_fit`` and a warm start keep training their term as it is.
    Returns the task's ridge decomposition (a regressor's; classifiers give
    none) when it read every training record, as the refit does; else None."""
    rows, every_record = _ridge_rows(train_set, seed)
    if len(rows) == 0:
        return None
    coef, intercept, basis = task.linear_start(
        train_set.records.features[rows],
        train_set.targets.subset(train_set.records, rows),
        train_set.sample_weight[rows].astype(np.float64),
    )
    module.set_kernel_term(coef, intercept)
    return basis if every_record else None


def _refit_kernel_term(
    module: MatrixRNN, net, train_set, task, basis=None, draw_seed=None
) -> None:
    """End a fit with the numeric wide term at its closed-form best given the
    rest of the trained network (the last step of backfitting an additive
    model), where the task has one (the squared error).

    Trained on with the network after its ridge start, the term learns the
    noise of a small, noisy set along with the signal: on CardanoSentiment
    (74 records) the term alone went from test R² -0.30 at its start to
    -0.42 after training. A ridge of the network's training residuals, its
    penalty again chosen by leave-one-out error, keeps the part of the term
    that predicts held-out records. Above the ridge's record cap a trained
    term has seen more records than a ridge could, and is kept. ``basis``:
    the start's ridge decomposition of the same records (a warm start has
    none, and decomposes again).

    ``draw_seed``: the network trained alone (``_network_first``), so this
    is the term's only fit: above the cap it reads the records the seed
    draws, and it may add nothing (the penalty's grid ends with an infinite
    one) when no penalty predicts held-out residuals better than their mean.
    After a ridge start the network learned beside the term, and dropping
    it loses (M1Yearly R² 0.20 -> 0.15 over five seeds)."""
    refit = getattr(task, "linear_refit", None)
    weighed = np.count_nonzero(train_set.sample_weight > 0)
    if refit is None or weighed == 0:
        return
    if draw_seed is None and weighed > _KERNEL_START_MAX_RECORDS:
        return  # the trained term is kept
    rows, every_record = _ridge_rows(train_set, draw_seed)
    with torch.no_grad():
        module.V_kernels.zero_()
        rest = outputs_in_record_order(net, train_set).to(torch.float64).numpy()
    coef, intercept = refit(
        train_set.records.features[rows],
        train_set.targets.subset(train_set.records, rows),
        rest[rows],
        train_set.sample_weight[rows].astype(np.float64),
        basis=basis if every_record else None,
        may_add_nothing=draw_seed is not None,
    )
    module.set_kernel_term(coef, intercept)
