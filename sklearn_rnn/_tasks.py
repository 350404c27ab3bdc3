"""What the network is trained to do: one small object per task.

The recurrent core (``MatrixRNN``) is the same for every estimator; a task owns
what differs around it:

* the targets: validating ``y`` and encoding it as one row per record
  (classification, regression) or one row per real step (tagging, next-step
  prediction), with the weight each row carries in the loss;
* the head: how many outputs ``V`` has and whether it reads the pooled
  embedding or every step (``per_step``);
* the loss (a torch criterion with ``reduction="none"``);
* decoding the head's outputs back into what the user passed.

A task is fitted once per ``fit`` and kept by the estimator (``task_``); it
knows nothing of torch's training loop or of scikit-learn's estimator API
beyond the validation helpers whose wording users expect.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.model_selection import train_test_split
from sklearn.utils import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import _check_y, check_array, check_consistent_length
from torch import nn

from sklearn_rnn import _crf as crf
from sklearn_rnn._calibration import (
    INVERSE_TEMPERATURES,
    binary_cross_entropy,
    inverse_temperature,
    least_binary_cross_entropy,
    least_cross_entropy,
    rule_of_succession,
)
from sklearn_rnn._encoding import Records
from sklearn_rnn._input_kinds import describe, is_sequence_like
from sklearn_rnn._ridge import ALPHAS, NO_TERM, fit_ridge_loo
from sklearn_rnn._tag_schemes import allowed_transitions, detect_scheme, first_invalid


@dataclass
class Targets:
    """Encoded targets: one row per record, or with ``per_step`` one row per
    real step in the records' flat order; ``step_weight`` scales the loss of
    each step (0 where a step has nothing to predict)."""

    values: np.ndarray
    per_step: bool = False
    step_weight: np.ndarray | None = None

    def subset(self, records: Records, idx: np.ndarray) -> Targets:
        """The targets of records ``idx``, in that order."""
        if not self.per_step:
            return Targets(self.values[idx])
        positions = records._flat_positions(idx)
        step_weight = None if self.step_weight is None else self.step_weight[positions]
        return Targets(self.values[positions], per_step=True, step_weight=step_weight)

    def rows(self, records: Records, idx: np.ndarray, sample_weight: np.ndarray):
        """Target rows of records ``idx`` (their steps, record by record, when
        per step) and the weight of each row in the loss."""
        if not self.per_step:
            return self.values[idx], sample_weight[idx]
        positions = records._flat_positions(idx)
        weight = np.repeat(sample_weight[idx], records.lengths[idx])
        if self.step_weight is not None:
            weight = weight * self.step_weight[positions]
        return self.values[positions], weight


def split_for_validation(stratify, n_samples: int, fraction: float, seed: int):
    """Train and validation indices, stratified by ``stratify`` (record labels
    or None) where every class has two records."""
    indices = np.arange(n_samples)
    if stratify is not None:
        counts = np.unique(stratify, return_counts=True)[1]
        if counts.min() < 2:
            stratify = None
    try:
        return train_test_split(
            indices, test_size=fraction, random_state=seed, stratify=stratify
        )
    except ValueError:  # fewer validation records than classes
        return train_test_split(indices, test_size=fraction, random_state=seed)


class _WeightedCrossEntropy(nn.CrossEntropyLoss):
    """Cross-entropy per row (``reduction="none"``) for the weighted loss."""

    def __init__(self, class_weight=None, label_smoothing=0.0):
        weight = (
            None
            if class_weight is None
            else torch.as_tensor(class_weight, dtype=torch.float32)
        )
        super().__init__(
            weight=weight, reduction="none", label_smoothing=label_smoothing
        )


class _SquaredError(nn.Module):
    """Half the squared error per row, averaged over outputs (MLPRegressor's loss)."""

    def forward(self, y_pred, y_true):
        return 0.5 * (y_pred - y_true.to(y_pred.dtype)).pow(2).mean(dim=1)


def _require_y(y, estimator) -> None:
    if y is None:
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target y "
            "is None."
        )


def _prior_cross_entropy(labels: np.ndarray, weight: np.ndarray, n: int) -> float:
    """Loss of always predicting the (weighted) class frequencies."""
    prior = np.bincount(labels, weights=weight, minlength=n)
    prior = prior[prior > 0] / prior.sum()
    return float(-(prior * np.log(prior)).sum())


class ClassificationTask:
    """One class per record: cross-entropy on ``V e + c``."""

    per_step = False
    kind = "classification"

    def __init__(self, class_weight=None, label_smoothing=0.0):
        self.class_weight = class_weight
        self.label_smoothing = label_smoothing

    def check_y(self, y, records: Records, estimator):
        _require_y(y, estimator)
        y = _check_y(y, estimator=estimator)
        check_consistent_length(records.lengths, y)
        check_classification_targets(y)
        return y

    def fit(
        self,
        y,
        records,
        sample_weight,
        *,
        estimator,
        previous=None,
        classes=None,
        partial=False,
    ) -> Targets:
        """Learn the classes (kept from ``previous`` on a warm start).

        ``partial_fit`` passes ``partial=True`` and, on its first call, every
        class in ``classes``; each call's ``y`` may then hold any subset.
        """
        y = self.check_y(y, records, estimator)
        if partial:
            return self._fit_partial(y, estimator, previous, classes)
        classes, labels = np.unique(y, return_inverse=True)
        name = type(estimator).__name__
        if previous is not None:
            if not np.array_equal(classes, previous.classes_):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as "
                    "in the previous call to fit. Previously got "
                    f"{previous.classes_}, `y` has {classes}"
                )
        elif len(classes) < 2:
            raise ValueError(
                f"{name} needs samples of at least 2 classes in the data, but the "
                # .tolist(): 'en', not numpy 2's np.str_('en').
                f"data contains only one class: {classes.tolist()[0]!r}."
            )
        if previous is None and len(np.unique(labels[sample_weight > 0])) < 2:
            raise ValueError(
                "sample_weight must be positive for samples of at least 2 "
                "classes; the weighted data contains fewer than 2 classes."
            )
        self.classes_ = classes
        self.n_outputs = len(classes)
        self._class_weight_ = None
        if self.class_weight is not None:
            self._class_weight_ = compute_class_weight(
                self.class_weight, classes=classes, y=y
            )
        return Targets(labels.astype(np.int64))

    def _fit_partial(self, y, estimator, previous, classes) -> Targets:
        name = type(estimator).__name__
        if previous is not None:
            if classes is not None and not np.array_equal(
                np.unique(classes), previous.classes_
            ):
                raise ValueError(
                    f"`classes={np.unique(classes)}` is not the same as on the "
                    f"first call to partial_fit, which was {previous.classes_}."
                )
            self.classes_ = previous.classes_
            self._class_weight_ = previous._class_weight_
        else:
            if classes is None:
                raise ValueError(
                    f"classes must be passed on the first call to {name}.partial_fit."
                )
            self.classes_ = np.unique(classes)
            if len(self.classes_) < 2:
                raise ValueError(
                    f"{name} needs at least 2 classes, got classes={self.classes_}."
                )
            self._class_weight_ = None
            if isinstance(self.class_weight, dict):
                self._class_weight_ = compute_class_weight(
                    self.class_weight, classes=self.classes_, y=self.classes_
                )
            elif self.class_weight is not None:
                raise ValueError(
                    "class_weight='balanced' needs all the data at once; pass a "
                    "dict of class weights to use partial_fit."
                )
        unseen = np.setdiff1d(np.unique(y), self.classes_)
        if len(unseen):
            raise ValueError(
                f"y holds labels not in classes: {unseen.tolist()}; pass every "
                "class in `classes` on the first call to partial_fit."
            )
        self.n_outputs = len(self.classes_)
        return Targets(np.searchsorted(self.classes_, y).astype(np.int64))

    def criterion(self) -> nn.Module:
        return _WeightedCrossEntropy(self._class_weight_, self.label_smoothing)

    def stratify(self, targets: Targets):
        return targets.values

    def baseline_loss(self, targets: Targets, weight: np.ndarray) -> float | None:
        """The loss a network that learned nothing reaches (class frequencies)."""
        if self.label_smoothing >= 0.5:
            return None
        return _prior_cross_entropy(targets.values, weight, self.n_outputs)

    def decode(self, outputs: np.ndarray) -> np.ndarray:
        return self.classes_[np.argmax(outputs, axis=1)]

    def inverse_temperature(self, outputs, held_out) -> float:
        """The factor for the class scores that fits the held-out records'
        labels best (``_calibration``), their sample weights counted (not
        the class weights: probabilities are of the data as it comes)."""
        return inverse_temperature(
            outputs, held_out.targets.values, held_out.sample_weight
        )

    def linear_start(self, features, targets: Targets, weight: np.ndarray):
        """Class scores ``(coef, intercept, None)`` of a linear model of
        ``features``: ridge regression on RidgeClassifier's coding (+1 for
        the record's class, -1 for the others), times the factor under which
        its leave-one-out scores have the least cross-entropy (ridge scores
        are not logits; the factor makes them probabilities that the loss
        does not at once pull apart)."""
        labels = targets.values
        if self._class_weight_ is not None:
            weight = weight * self._class_weight_[labels]
        coding = -np.ones((len(labels), self.n_outputs))
        coding[np.arange(len(labels)), labels] = 1.0
        fit = fit_ridge_loo(features, coding, weight)
        counted = torch.as_tensor(weight > 0)
        loo = fit.loo[counted]
        true = torch.as_tensor(labels)[counted]
        w = torch.as_tensor(weight, dtype=torch.float64)[counted]
        # The factor under the loss the network then trains on (its label
        # smoothing: started under the plain loss, label_smoothing=0.1 began
        # at a loss of 3.2 and training spent itself pulling the scores
        # back), and the factor its records support as probabilities: left
        # out one at a time, a few records that are all right choose the
        # largest factor under the plain loss, probabilities of 1 for test
        # records that are not (UnitTest: test log-loss 0.80 against the
        # class prior's 0.69). Laplace's rule of succession bounds it; the
        # ratio of the two is the temperature a fit with nothing held out
        # ends with (``start_temperature_``). Training from the second
        # instead cost CBF 0.982 -> 0.969 (30 records; suite.py, five seeds).
        calibrated = max(
            self.label_smoothing,
            rule_of_succession(int(counted.sum()), self.n_outputs),
        )
        factor = least_cross_entropy(loo, true, w, _LOGIT_FACTORS, self.label_smoothing)
        self.start_temperature_ = factor / least_cross_entropy(
            loo, true, w, _LOGIT_FACTORS, calibrated
        )
        # No refit reads a classifier's decomposition (and it folds the class
        # weights in): it is not held while the network trains.
        return factor * fit.coef, factor * fit.intercept, None


# Candidate factors from ridge scores (about +-1) to logits.
_LOGIT_FACTORS = tuple(float(f) for f in np.logspace(-1, 2, 31))


def is_multilabel(y) -> bool:
    """Whether ``y`` is a multi-label indicator matrix (as ``MLPClassifier``
    reads it)."""
    if y is None or isinstance(y, str) or not hasattr(y, "__len__"):
        return False
    try:
        if np.ndim(np.asarray(y, dtype=object)) != 2:
            return False  # labels, one a record: not even a look at their values
        with np.errstate(invalid="ignore"):  # NaN labels: the task names them
            return type_of_target(y, input_name="y") == "multilabel-indicator"
    except (ValueError, TypeError):  # the task's own check names the problem
        return False


class _BinaryCrossEntropy(nn.Module):
    """Binary cross-entropy of every label, averaged over the labels of a
    row (``MLPClassifier``'s multi-label loss), per row."""

    def __init__(self, label_smoothing=0.0):
        super().__init__()
        self.label_smoothing = label_smoothing

    def forward(self, y_pred, y_true):
        target = y_true.to(y_pred.dtype)
        if self.label_smoothing:
            target = target * (1 - self.label_smoothing) + self.label_smoothing / 2
        loss = F.binary_cross_entropy_with_logits(y_pred, target, reduction="none")
        return loss.mean(dim=1)


class MultiLabelTask(ClassificationTask):
    """Any number of labels per record, given as an indicator matrix ``(n,
    n_labels)`` of 0 and 1 (``MLPClassifier``'s multi-label targets): a
    sigmoid per label, binary cross-entropy averaged over the labels;
    ``classes_`` are the label indices."""

    multilabel = True

    def __init__(self, class_weight=None, label_smoothing=0.0):
        if class_weight is not None:
            raise ValueError(
                "class_weight is not supported for multi-label targets (as in "
                "MLPClassifier); weigh records with sample_weight instead."
            )
        super().__init__(None, label_smoothing)

    def check_y(self, y, records: Records, estimator):
        _require_y(y, estimator)
        y = check_array(y, ensure_2d=True, dtype=None, input_name="y")
        check_consistent_length(records.lengths, y)
        if type_of_target(y) != "multilabel-indicator":
            raise ValueError(
                "Multi-label targets must be an indicator matrix of 0 and 1, "
                f"one column per label; got {type_of_target(y)!r} targets."
            )
        return y.astype(np.int64)

    def fit(self, y, records, sample_weight, *, estimator, previous=None, **partial):
        y = self.check_y(y, records, estimator)
        classes = np.arange(y.shape[1])
        given = partial.get("classes")
        if previous is not None and not np.array_equal(previous.classes_, classes):
            raise ValueError(
                f"y has {y.shape[1]} labels; the previous fit had "
                f"{len(previous.classes_)}."
            )
        if partial.get("partial") and previous is None:
            if given is None or not np.array_equal(np.unique(given), classes):
                raise ValueError(
                    "classes must be passed on the first call to partial_fit; "
                    f"for multi-label targets, the label indices {classes.tolist()}."
                )
        self.classes_, self.n_outputs = classes, len(classes)
        self._class_weight_ = None
        return Targets(y.astype(np.float32))

    def criterion(self) -> nn.Module:
        return _BinaryCrossEntropy(self.label_smoothing)

    def stratify(self, targets: Targets):
        return None  # rows hold several labels: a plain random split

    def baseline_loss(self, targets: Targets, weight: np.ndarray) -> float | None:
        """The loss of predicting every label's (weighted) frequency."""
        values = torch.as_tensor(targets.values, dtype=torch.float64)
        w = torch.as_tensor(weight, dtype=torch.float64)
        if float(w.sum()) <= 0:
            return None
        rate = ((w[:, None] * values).sum(0) / w.sum()).clamp(1e-6, 1 - 1e-6)
        scores = torch.log(rate / (1 - rate)).expand_as(values)
        return binary_cross_entropy(scores, values, w)

    def decode(self, outputs: np.ndarray) -> np.ndarray:
        return (np.asarray(outputs) > 0).astype(np.int64)

    def inverse_temperature(self, outputs, held_out) -> float:
        """The factor of the scores with the least binary cross-entropy on
        the held-out records."""
        scores = torch.as_tensor(np.asarray(outputs), dtype=torch.float64)
        targets = torch.as_tensor(held_out.targets.values)
        weight = torch.as_tensor(held_out.sample_weight, dtype=torch.float64)
        if len(scores) == 0 or float(weight.sum()) <= 0:
            return 1.0
        return least_binary_cross_entropy(scores, targets, weight, INVERSE_TEMPERATURES)

    def linear_start(self, features, targets: Targets, weight: np.ndarray):
        """Label scores of a ridge regression on the +1/-1 coding of each
        label, times the factor whose leave-one-out scores have the least
        binary cross-entropy."""
        values = np.asarray(targets.values)
        fit = fit_ridge_loo(features, 2 * values - 1, weight)
        counted = torch.as_tensor(weight > 0)
        loo = fit.loo[counted]
        true = torch.as_tensor(values)[counted]
        w = torch.as_tensor(weight, dtype=torch.float64)[counted]
        factor = least_binary_cross_entropy(loo, true, w, _LOGIT_FACTORS)
        self.start_temperature_ = 1.0
        return factor * fit.coef, factor * fit.intercept, None


class TaggingTask(ClassificationTask):
    """One class per real step: a label sequence as long as each record."""

    per_step = True
    kind = "tagging"

    def check_y(self, y, records: Records, estimator):
        _require_y(y, estimator)
        if isinstance(y, str | bytes) or not (
            is_sequence_like(y) or hasattr(y, "__array__")
        ):
            raise ValueError(
                f"y must be a list of label sequences (one per record), got "
                f"{describe(y)}."
            )
        check_consistent_length(records.lengths, y)
        flat = []
        for i, (labels, n) in enumerate(zip(y, records.lengths)):
            if isinstance(labels, str | bytes) or not is_sequence_like(labels):
                raise ValueError(
                    f"y[{i}] is a {describe(labels)}; each element of y must be a "
                    "list of labels, one per step of its record."
                )
            if len(labels) != n:
                raise ValueError(
                    f"Record {i} has {n} steps but y[{i}] has {len(labels)} "
                    "labels; every record needs one label per step."
                )
            flat.extend(labels)
        flat = np.asarray(flat) if flat else np.asarray([], dtype=object)
        if len(flat) == 0:
            raise ValueError(
                "y holds no labels: every record is empty, so there is nothing "
                "to learn."
            )
        check_classification_targets(flat)
        return flat

    def __init__(self, class_weight=None, label_smoothing=0.0, tag_scheme="auto"):
        super().__init__(class_weight, label_smoothing)
        self.tag_scheme = tag_scheme

    def fit(self, y, records, sample_weight, *, estimator, previous=None, **partial):
        targets = super().fit(
            y,
            records,
            np.repeat(sample_weight, records.lengths),
            estimator=estimator,
            previous=previous,
            **partial,
        )
        targets.per_step = True
        sequences = np.split(targets.values, np.cumsum(records.lengths)[:-1])
        if partial.get("partial") and previous is not None:
            # A stream keeps the scheme of its first call.
            self.tag_scheme_ = getattr(previous, "tag_scheme_", None)
            self.allowed_ = getattr(previous, "allowed_", None)
            self._check_sequences(sequences, self.tag_scheme_)
        else:
            self._fit_scheme(sequences)
        return targets

    def _fit_scheme(self, sequences) -> None:
        """Which tag pairs decoding allows (``allowed_``: masks of
        ``_tag_schemes.allowed_transitions``, or None for every pair)."""
        scheme = self.tag_scheme
        if scheme == "auto":
            scheme = detect_scheme(self.classes_.tolist())
            allowed = None if scheme is None else self._masks(scheme)
            # Labels that look like BIO but do not follow it (IOB1, where
            # I-X may open a span) are read as they are.
            if allowed is not None and first_invalid(sequences, allowed) is not None:
                scheme, allowed = None, None
            self.tag_scheme_, self.allowed_ = scheme, allowed
            return
        self.tag_scheme_ = scheme
        self.allowed_ = None if scheme is None else self._masks(scheme)
        self._check_sequences(sequences, scheme)

    def _masks(self, scheme):
        return allowed_transitions(self.classes_.tolist(), scheme)

    def _check_sequences(self, sequences, scheme) -> None:
        if self.allowed_ is None:
            return
        bad = first_invalid(sequences, self.allowed_)
        if bad is not None:
            raise ValueError(
                f"y[{bad}] is not a valid {scheme} sequence: "
                f"{self.classes_[sequences[bad]].tolist()}. Decoding under "
                f"tag_scheme={scheme!r} forbids it; correct the labels, or set "
                "tag_scheme=None to allow every pair of tags."
            )

    def _transition_scores(self, dtype=torch.float64):
        """``(start, transitions, end)``: 0 where a pair is allowed, -inf
        where the scheme forbids it; None without a scheme."""
        if getattr(self, "allowed_", None) is None:
            return None
        zeros = [torch.zeros(np.shape(a), dtype=dtype) for a in self.allowed_]
        return crf.constrain(zeros, self.allowed_)

    def stratify(self, targets: Targets):
        return None  # records hold many labels: a plain random split

    crf = False

    def decode_steps(self, logits, lengths, module) -> np.ndarray:
        """The tag of every real step, flat: the best-scoring one, or under a
        tag scheme the most probable sequence that the scheme allows (the
        per-step probabilities multiplied along the sequence; Viterbi)."""
        scores = self._transition_scores()
        if scores is None or len(logits) == 0:
            return self.decode(logits)
        log_proba = torch.log_softmax(torch.as_tensor(logits, dtype=torch.float64), 1)
        emissions, mask = crf.padded_steps(log_proba, lengths)
        best = crf.viterbi(emissions, mask, *scores)
        return self.classes_[crf.flat_steps(best, mask).numpy()]

    def step_probabilities(self, logits, lengths, module) -> np.ndarray:
        """Probability of every tag at every real step, flat (softmax)."""
        scores = torch.as_tensor(logits, dtype=torch.float64)
        return torch.softmax(scores, 1).numpy()

    def baseline_loss(self, targets: Targets, weight: np.ndarray) -> float | None:
        return None  # per-step weights differ from record weights


class _CRFLoss(nn.Module):
    """Per step, the record's CRF negative log-likelihood divided by its
    length: weighted and summed over a batch's steps (as the training loop
    sums per-row losses) it is the records' likelihood per token, the scale
    of the per-step cross-entropy it replaces."""

    reads_records = True

    def __init__(self, allowed=None):
        super().__init__()
        self.allowed = allowed  # the tag scheme's masks (None: every pair)

    def forward(self, y_pred, y_true, lengths, module):
        lengths = np.asarray(lengths)
        if not lengths.any():  # a batch of empty records: no rows, no loss
            return y_pred[:, 0] * 0
        nonempty = lengths[lengths > 0]  # empty records have no rows
        emissions, mask = crf.padded_steps(y_pred, nonempty)
        tags, _ = crf.padded_steps(y_true[:, None], nonempty)
        nll = crf.negative_log_likelihood(
            emissions,
            tags[..., 0],
            mask,
            *crf.constrain(module.crf_scores(), self.allowed),
        )
        steps = torch.as_tensor(nonempty, device=y_pred.device)
        return torch.repeat_interleave(nll / steps, steps)


class CRFTaggingTask(TaggingTask):
    """Tagging with a linear-chain CRF output (``use_crf=True``): the loss is
    the negative log-likelihood of each record's whole tag sequence, the
    prediction its best sequence (Viterbi), the probabilities the marginals."""

    crf = True

    def __init__(self, class_weight=None, label_smoothing=0.0, tag_scheme="auto"):
        for name, value in (
            ("class_weight", class_weight),
            ("label_smoothing", label_smoothing or None),
        ):
            if value is not None:
                raise ValueError(
                    f"{name} has no meaning for a CRF's sequence likelihood; "
                    f"set {name}={None if name == 'class_weight' else 0.0} with "
                    "use_crf=True."
                )
        super().__init__(tag_scheme=tag_scheme)

    def criterion(self) -> nn.Module:
        return _CRFLoss(self.allowed_)

    def crf_scores(self, module):
        """The module's learned ``(start, transitions, end)`` on the CPU in
        float64, with the pairs the tag scheme forbids at -inf."""
        scores = [p.detach().cpu().double() for p in module.crf_scores()]
        return crf.constrain(scores, getattr(self, "allowed_", None))

    def _padded(self, module, logits, lengths):
        scores = torch.as_tensor(logits, dtype=torch.float64)
        emissions, mask = crf.padded_steps(scores, lengths)
        return emissions, mask, self.crf_scores(module)

    def decode_steps(self, logits, lengths, module) -> np.ndarray:
        """The tags of every real step, flat: each record's Viterbi path."""
        if len(logits) == 0:
            return self.classes_[np.zeros(0, dtype=np.int64)]
        emissions, mask, params = self._padded(module, logits, lengths)
        best = crf.viterbi(emissions, mask, *params)
        return self.classes_[crf.flat_steps(best, mask).numpy()]

    def step_probabilities(self, logits, lengths, module) -> np.ndarray:
        """Marginal probability of every tag at every real step, flat."""
        if len(logits) == 0:
            return np.zeros((0, len(self.classes_)))
        emissions, mask, params = self._padded(module, logits, lengths)
        return crf.flat_steps(crf.marginals(emissions, mask, *params), mask).numpy()


class RegressionTask:
    """Continuous targets, one row per record: squared error on standardised
    targets, undone in ``decode``."""

    per_step = False
    kind = "regression"
    label_smoothing = 0.0

    def check_y(self, y, records: Records, estimator):
        _require_y(y, estimator)
        y = _check_y(y, multi_output=True, y_numeric=True, estimator=estimator)
        check_consistent_length(records.lengths, y)
        return y

    def fit(
        self,
        y,
        records,
        sample_weight,
        *,
        estimator,
        previous=None,
        partial=False,
        classes=None,  # no classes here: partial_fit passes None
    ) -> Targets:
        y = self.check_y(y, records, estimator)
        self.single_output_ = y.ndim == 1
        y2 = y.reshape(len(y), -1).astype(np.float64)
        if previous is not None:
            if y2.shape[1] != previous.n_outputs:
                raise ValueError(
                    f"warm_start can only be used where `y` has the same number of "
                    f"outputs as in the previous call to fit ({previous.n_outputs}), "
                    f"`y` has {y2.shape[1]}."
                )
            self.mean_, self.scale_ = previous.mean_, previous.scale_
        else:
            # Weighted moments, so scaling agrees with the weighted loss.
            weight = sample_weight if sample_weight.sum() > 0 else None
            self.mean_ = np.average(y2, axis=0, weights=weight)
            std = np.sqrt(np.average((y2 - self.mean_) ** 2, axis=0, weights=weight))
            tiny = 10 * np.finfo(np.float64).eps * np.maximum(np.abs(self.mean_), 1)
            self.scale_ = np.where(std > tiny, std, 1.0)
        self.n_outputs = y2.shape[1]
        return Targets(((y2 - self.mean_) / self.scale_).astype(np.float32))

    def criterion(self) -> nn.Module:
        return _SquaredError()

    def stratify(self, targets: Targets):
        return None

    def baseline_loss(self, targets: Targets, weight: np.ndarray) -> float | None:
        """Predicting the weighted mean of each standardised target."""
        if weight.sum() <= 0:
            return None
        values = targets.values.astype(np.float64)
        mean = np.average(values, axis=0, weights=weight)
        return float(0.5 * np.average(((values - mean) ** 2).mean(1), weights=weight))

    def decode(self, outputs: np.ndarray) -> np.ndarray:
        y = outputs * self.scale_ + self.mean_
        return y.ravel() if self.single_output_ else y

    def linear_start(self, features, targets: Targets, weight: np.ndarray):
        """``(coef, intercept, basis)`` of the ridge regression of the
        standardised targets on ``features`` (the loss is their squared
        error); ``basis``, the decomposition, serves ``linear_refit``."""
        fit = fit_ridge_loo(features, targets.values, weight)
        return fit.coef, fit.intercept, fit.basis

    def linear_refit(
        self,
        features,
        targets: Targets,
        rest,
        weight: np.ndarray,
        basis=None,
        may_add_nothing=False,
    ):
        """``(coef, intercept)`` of the linear model of ``features`` that,
        added to ``rest`` (the network's outputs without it), has the least
        penalised squared error: the ridge regression of the residuals.
        Under the squared error the best term given the rest of the network
        is this closed form; no such form exists for the cross-entropy.
        ``basis``: ``linear_start``'s, when it read the same records.
        ``may_add_nothing``: the penalties tried end with an infinite one
        (no term, the residuals' mean)."""
        residuals = targets.values - rest
        alphas = ALPHAS + (NO_TERM,) if may_add_nothing else ALPHAS
        fit = fit_ridge_loo(features, residuals, weight, alphas=alphas, basis=basis)
        return fit.coef, fit.intercept


class NextStepTask:
    """Self-supervised: at every step, predict the next one.

    Symbol input predicts the next step's symbol (its first symbol when steps
    carry n-gram bags) as a class, with class 0 meaning "the record ends here"
    (Parr's and Karpathy's character-level language model). Numeric input
    predicts the next step's (standardised) values with the squared error (a
    step being a patch of ``patch_size`` time steps); the last step has
    nothing to predict and weighs 0.
    """

    per_step = True
    kind = "next"
    label_smoothing = 0.0

    def __init__(self, symbolic: bool):
        self.symbolic = symbolic

    def fit(
        self,
        y,
        records,
        sample_weight,
        *,
        estimator,
        previous=None,
        partial=False,
        classes=None,  # no classes here: partial_fit passes None
    ) -> Targets:
        values = records.values
        last = np.zeros(len(values), dtype=bool)
        ends = records.offsets + records.lengths - 1
        last[ends[records.lengths > 0]] = True
        nxt = np.roll(np.arange(len(values)), -1)  # the step after each step
        if self.symbolic:
            # The step's own symbol: a bag's first id (a float column for
            # weighted feature bags).
            symbols = (values if values.ndim == 1 else values[:, 0]).astype(np.int64)
            following = np.where(last, 0, symbols[nxt] if len(values) else symbols)
            self.classes_ = (
                previous.classes_
                if previous is not None
                else np.union1d(np.unique(symbols), [0])
            )
            self.n_outputs = len(self.classes_)
            labels = np.searchsorted(self.classes_, following)
            labels = np.where(
                self.classes_[np.minimum(labels, self.n_outputs - 1)] == following,
                labels,
                0,  # a symbol unseen when the classes were learned: "ends/unknown"
            )
            return Targets(labels.astype(np.int64), per_step=True)
        if not (~last).any():
            raise ValueError(
                "objective='next' on numeric sequences needs sequences of at least "
                "2 steps: each step learns to predict the one after it. Every "
                "sequence of X has at most 1 step (a 2-D array of 1 feature(s) "
                "per row is one step per sequence)."
            )
        self.n_outputs = values.shape[1]
        following = values[nxt]
        return Targets(
            following.astype(np.float32),
            per_step=True,
            step_weight=(~last).astype(np.float32),
        )

    def criterion(self) -> nn.Module:
        return _WeightedCrossEntropy() if self.symbolic else _SquaredError()

    def stratify(self, targets: Targets):
        return None

    def baseline_loss(self, targets: Targets, weight: np.ndarray) -> float | None:
        return None
