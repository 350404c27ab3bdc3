"""Turn every accepted form of X into integer or float records.

Two families of input reach the network:

* symbols (``str`` sequences split by an analyzer, or lists of hashable tokens),
  mapped to integer ids through a vocabulary learned in ``fit``; id 0 is kept
  for tokens never seen in ``fit``;
* numbers (2-D ``(n_samples, n_steps)``, 3-D ``(n_samples, n_steps, n_features)``
  or a ragged list of ``(len_i,)`` / ``(len_i, n_features)`` arrays).

Records are stored flat (one concatenated array plus offsets) so that a batch is
built with a single fancy-indexing call instead of a Python loop over records.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain

import numpy as np
from sklearn.utils import assert_all_finite

from sklearn_rnn._char_codes import char_ngram_ids, supports
from sklearn_rnn._input_kinds import (
    FEATURES,
    NUMERIC_ARRAY,
    NUMERIC_RAGGED,
    SYMBOLIC_KINDS,
    TEXT,
    TOKENS,
    describe,
    hashable,
    is_sequence_like,
)
from sklearn_rnn._kernels import KernelFeatures, fit_kernel_features
from sklearn_rnn._lexicons import as_lexicon_list, lexicon_symbols
from sklearn_rnn._packed_vocabulary import PackedVocabularyState
from sklearn_rnn._running_shares import (
    AUTO_KERNEL_SHARES,
    RunningShares,
    fit_running_shares,
)
from sklearn_rnn._wide import WideNgrams

UNKNOWN_ID = 0
# Mixed into the fit's seed for the wide term's kernels: a stream of their own.
_KERNEL_STREAM = 0x6B65726E
_SHARES_STREAM = 0x73686172


def word_shape(word: str) -> str:
    """``"McDonald's"`` -> ``"XxXx'x"``: case, digit and other classes, repeats
    collapsed."""
    out = []
    for ch in word:
        cls = (
            "X"
            if ch.isupper()
            else "x"
            if ch.islower()
            else "d"
            if ch.isdigit()
            else ch
        )
        if not out or out[-1] != cls:
            out.append(cls)
    return "".join(out)


def word_feature_symbols(word) -> list:
    """Subword evidence for a word token: its lowercase form, 1-4 letter
    prefixes and suffixes, and its shape. A word never seen in ``fit`` (id 0)
    still reads these, which is how a tagger guesses unseen words."""
    if not isinstance(word, str):
        return []
    lower = word.lower()
    return [
        ("lower", lower),
        *(("prefix", lower[:n]) for n in (1, 2, 3, 4)),
        *(("suffix", lower[-n:]) for n in (1, 2, 3, 4)),
        ("shape", word_shape(word)),
    ]


def feature_bag(step: dict, where: str) -> list:
    """One step in sklearn-crfsuite's form -> ``[(symbol, weight), ...]``.

    str values are categorical (symbol ``"key=value"``, weight 1), and so are
    bytes, read as UTF-8 as CRFsuite reads them; numbers and bools weigh the
    symbol ``key`` (``True`` = 1; a weight of 0 drops it).
    """
    bag = []
    for key, value in step.items():
        if isinstance(value, bytes):
            # surrogateescape: bytes that are not UTF-8 stay distinct symbols.
            value = value.decode("utf-8", "surrogateescape")
        if isinstance(value, str):
            bag.append((f"{key}={value}", 1.0))
        elif isinstance(value, bool | int | float | np.number | np.bool_):
            weight = float(value)
            if not np.isfinite(weight):
                raise ValueError(
                    f"Feature {key!r} of {where} is {value}; weights must be finite."
                )
            if weight:
                bag.append((str(key), weight))
        else:
            raise TypeError(
                f"Feature {key!r} of {where} is a {describe(value)}; feature values "
                "must be str or bytes (categorical) or numbers (weights)."
            )
    return bag


# patch_size="auto" reads long numeric series in patches so that a training
# record of the median length takes at most this many recurrent steps
# (benchmarks/suite.py: on the public time-series suite a GRU learns series of
# a few dozen steps far better than of hundreds, and trains faster). The
# median, not the longest: where lengths differ (appliance currents of 100 to
# 1,344 steps) patches sized for the longest left a typical record a handful
# of steps (benchmarks/candidates.py, patch-q*).
AUTO_PATCH_STEPS = 32
# ... and the longest at most this many, so that a few very long records cost
# neither the others their resolution nor hundreds of steps themselves.
AUTO_PATCH_MAX_STEPS = 4 * AUTO_PATCH_STEPS


def channel_moments(records: Records, sample_weight=None):
    """Per-channel mean and standard deviation over every step of numeric
    records, each step weighing what its record weighs. Constant channels get
    a scale of 1 (as in sklearn's StandardScaler)."""
    values = records.values.astype(np.float64)
    n_features = values.shape[1]
    weights = (
        np.ones(len(values))
        if sample_weight is None
        else np.repeat(np.asarray(sample_weight, dtype=np.float64), records.lengths)
    )
    total = weights.sum()
    if total <= 0:
        return np.zeros(n_features), np.ones(n_features)
    mean = weights @ values / total
    std = np.sqrt(weights @ (values - mean) ** 2 / total)
    tiny = 10 * np.finfo(np.float64).eps * np.maximum(np.abs(mean), 1)
    return mean, np.where(std > tiny, std, 1.0)


def with_record_view(records: Records) -> Records:
    """Numeric records with, beside each step's channels, the same channels
    standardised by the record's own mean and standard deviation.

    Dataset-wide standardisation keeps each record's level and scale, which
    carry the class on some data; but where they span orders of magnitude
    (appliance currents: amplitudes 1 to 200) the small records shrink to
    near-constant inputs and their shapes are lost. The record's own view
    keeps every shape at unit scale; the first view keeps level and scale.
    A record (channel) that is constant to 1e-6 of its level gets zeros.
    """
    values = records.values.astype(np.float64)
    lengths = records.lengths
    if len(values) == 0:
        return Records(
            np.hstack([records.values, records.values]), lengths, records.offsets
        )
    nonempty = lengths > 0
    owner = np.repeat(np.arange(len(lengths)), lengths)
    count = lengths[nonempty, None].astype(np.float64)
    # Records are contiguous, so sums from one non-empty record's start to the
    # next's cover exactly that record.
    starts = records.offsets[nonempty]
    mean = np.zeros((len(lengths), values.shape[1]))
    mean[nonempty] = np.add.reduceat(values, starts, axis=0) / count
    centred = values - mean[owner]
    std = np.ones_like(mean)
    std[nonempty] = np.sqrt(np.add.reduceat(centred**2, starts, axis=0) / count)
    std = np.where(std > 1e-6 * np.maximum(np.abs(mean), 1), std, 1.0)
    view = _to_float32(centred / std[owner])
    return Records(
        np.hstack([records.values, view]),
        lengths,
        records.offsets,
    )


def stacked_steps(records: Records, size: int) -> Records:
    """Numeric records read ``size`` consecutive steps at a time: step ``j``
    of the result holds steps ``j*size .. j*size+size-1`` side by side
    (``size * n_features`` values), so a recurrence over it runs
    ``ceil(len / size)`` steps. A record whose length is not a multiple of
    ``size`` repeats its first step in front (the steps nearest the end,
    which the final state remembers best, keep their alignment); an empty
    record stays empty."""
    if size == 1:
        return records
    lengths = records.lengths
    new_lengths = -(-lengths // size)
    padded = new_lengths * size
    within = np.arange(padded.sum()) - np.repeat(record_starts(padded), padded)
    shifted = np.maximum(within - np.repeat(padded - lengths, padded), 0)
    source = np.repeat(records.offsets, padded) + shifted
    width = records.values.shape[1]
    values = records.values[source].reshape(-1, size * width)
    return Records(values, new_lengths, record_starts(new_lengths))


def auto_patch_size(lengths: np.ndarray) -> int:
    """``patch_size="auto"``: steps read at a time so that a training record
    of the median length takes at most ``AUTO_PATCH_STEPS`` recurrent steps
    and the longest at most ``AUTO_PATCH_MAX_STEPS`` (records of one length:
    the longest in ``AUTO_PATCH_STEPS``)."""
    if not len(lengths):
        return 1
    median = math.ceil(np.median(lengths))
    longest = int(np.max(lengths))
    return max(1, -(-median // AUTO_PATCH_STEPS), -(-longest // AUTO_PATCH_MAX_STEPS))


def record_starts(lengths: np.ndarray) -> np.ndarray:
    """Where each record begins in a flat concatenation of records."""
    return np.cumsum(lengths) - lengths


@dataclass
class Records:
    """Encoded sequences stored flat.

    ``values[offsets[i]:offsets[i] + lengths[i]]`` is record ``i``: int64 token ids
    of shape ``(len_i,)`` for symbols, float32 of shape ``(len_i, n_features)``
    for numbers.
    """

    values: np.ndarray
    lengths: np.ndarray
    offsets: np.ndarray
    # Per record, what the wide term reads beside the steps (numbers: the
    # convolution features of ``_kernels``); None when it reads none.
    features: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.lengths)

    @classmethod
    def from_list(cls, records: list[np.ndarray], empty: np.ndarray) -> Records:
        lengths = np.fromiter(
            (len(r) for r in records), dtype=np.int64, count=len(records)
        )
        values = np.concatenate(records) if len(records) else empty
        return cls(values, lengths, record_starts(lengths))

    def subset(self, indices) -> Records:
        indices = np.asarray(indices)
        lengths = self.lengths[indices]
        values = self.values[self._flat_positions(indices)]
        features = None if self.features is None else self.features[indices]
        return Records(values, lengths, record_starts(lengths), features)

    def _flat_positions(self, indices: np.ndarray) -> np.ndarray:
        lengths = self.lengths[indices]
        shift = np.repeat(self.offsets[indices] - record_starts(lengths), lengths)
        return shift + np.arange(lengths.sum())

    def left_padded(self, indices) -> tuple[np.ndarray, np.ndarray]:
        """Stack records ``indices`` into Parr's left-padded batch.

        Returns ``(X, lengths)`` where ``X`` has shape ``(batch, T)`` (symbols) or
        ``(batch, T, n_features)`` (numbers), ``T = max(lengths)``, and record
        ``i`` occupies the last ``lengths[i]`` steps of row ``i``. The pad value is
        0; the network never reads pad steps (see ``MatrixRNN``).
        """
        indices = np.asarray(indices)
        lengths = self.lengths[indices]
        n_steps = int(lengths.max()) if len(lengths) else 0
        batch = np.zeros(
            (len(indices), n_steps, *self.values.shape[1:]), self.values.dtype
        )
        rows = np.repeat(np.arange(len(indices)), lengths)
        within = np.arange(lengths.sum()) - np.repeat(record_starts(lengths), lengths)
        batch[rows, n_steps - lengths[rows] + within] = self.values[
            self._flat_positions(indices)
        ]
        return batch, lengths


def _analyze(analyzer: str | Callable, text: str) -> list:
    if analyzer == "char":
        return text  # a str iterates over its characters
    if analyzer == "word":
        return text.split()
    tokens = analyzer(text)
    if isinstance(tokens, str | bytes) or not hasattr(tokens, "__iter__"):
        raise TypeError(
            "The analyzer callable must return an iterable of tokens for each "
            f"string, got {describe(tokens)}."
        )
    return list(tokens)


class SequenceEncoder(PackedVocabularyState):
    """Learn a vocabulary (symbols) or a feature count (numbers) and encode X.

    Parameters
    ----------
    analyzer : {"char", "word"} or callable, default="char"
        How a ``str`` is split into symbols: characters, whitespace-separated
        words, or a callable returning the tokens of one string.
    ngram_range : tuple (min_n, max_n), default=(1, 1)
        Symbols each step carries: the n-grams of sizes ``min_n..max_n`` that
        end at it (``(1, 3)``: the character, and the 2- and 3-grams ending
        there). Their columns of ``U`` are summed.
    standardize : bool, default=True
        Numeric input only: learn each channel's mean and standard deviation
        over all steps in ``fit`` and rescale to mean 0, variance 1.
    per_record : bool, default=False
        Numeric input only: each step also carries its channels standardised
        by the record's own mean and deviation (:func:`with_record_view`),
        after the dataset-wide standardisation.
    max_ngrams : int or None, default=2000
        Keep at most this many n-grams (n >= 2) and word features, those held
        by the most records; single symbols are always kept. None keeps all.
    word_features : bool, default=False
        Token input only: each step also carries its word's lowercase form,
        1-4 letter prefixes and suffixes and shape (:func:`word_feature_symbols`).
    word_lexicons : WordLexicon, list of WordLexicon or None, default=None
        Token input only: each step also carries its word's symbols in each
        lexicon (:meth:`WordLexicon.symbols`).
    wide_ngram_range : tuple (min_n, max_n) or None, default=None
        Symbol input (not feature dicts): also encode each record's n-grams
        with a boundary at both ends for the wide term (:mod:`._wide`), as
        extra columns after the step's own symbols.
    max_wide_ngrams : int or None, default=20_000
        Keep at most this many wide n-grams, those held by the most records.
    patch_size : int or "auto", default=1
        Numeric input only: consecutive steps read as one (see
        :func:`stacked_steps`), after standardisation; "auto" is
        :func:`auto_patch_size` of the training lengths.
    wide_kernel_features : int or None, default=None
        Numeric input only: also compute about this many random convolution
        features of each record (:mod:`._kernels`) for the wide term, from
        the dataset-wide standardised steps; they ride in
        ``Records.features``.
    kernel_shares : int or "auto", default=0
        Numeric input only: each step (patch) also carries about this many
        running shares of random convolution kernels
        (:mod:`._running_shares`), as columns after its values. "auto":
        ``AUTO_KERNEL_SHARES`` where the series are read in patches
        (``patch_size_`` above 1), none where each step is read alone.

    Attributes
    ----------
    kind_ : str
        Input form seen in ``fit``: "text", "tokens", "array" or "ragged".
    vocabulary_ : dict
        Symbol (or n-gram) -> id, ids from 1 (symbol input only; 0 = unknown).
    n_inputs_ : int
        Vocabulary size + 1, or features per step.
    wide_ : WideNgrams or None
        The wide term's n-gram vocabulary (``wide_ngram_range`` set, symbol
        input); its ids fill the columns after the first ``step_width_``.
    step_width_ : int or None
        Columns of an encoded step that hold its own symbols (the rest are
        wide n-grams); None when there are no wide columns.
    lexicons_ : list of WordLexicon
        ``word_lexicons`` as a list (empty for None), checked in fit.
    mean_, scale_ : ndarray of shape (n_features,) or None
        Per-channel standardisation (numeric input with ``standardize=True``).
    patch_size_ : int
        Steps read as one (1 for symbol input).
    kernels_ : KernelFeatures or None
        The wide term's convolution features (``wide_kernel_features`` set,
        numeric input).
    shares_ : RunningShares or None
        The running shares each step carries (``kernel_shares`` set,
        numeric input).
    step_inputs_ : int
        Values the network reads per step.
    """

    def __init__(
        self,
        analyzer: str | Callable = "char",
        ngram_range: tuple[int, int] = (1, 1),
        standardize: bool = True,
        max_ngrams: int | None = 2000,
        word_features: bool = False,
        wide_ngram_range: tuple[int, int] | None = None,
        max_wide_ngrams: int | None = 20_000,
        patch_size: int | str = 1,
        per_record: bool = False,
        word_lexicons=None,
        wide_kernel_features: int | None = None,
        kernel_shares: int = 0,
    ):
        self.analyzer = analyzer
        self.ngram_range = ngram_range
        self.standardize = standardize
        self.max_ngrams = max_ngrams
        self.word_features = word_features
        self.wide_ngram_range = wide_ngram_range
        self.max_wide_ngrams = max_wide_ngrams
        self.patch_size = patch_size
        self.per_record = per_record
        self.word_lexicons = word_lexicons
        self.wide_kernel_features = wide_kernel_features
        self.kernel_shares = kernel_shares

    def _reads_record_view(self) -> bool:
        # Encoders pickled before the record view existed read without it.
        return getattr(self, "per_record", False) and self.kind_ not in SYMBOLIC_KINDS

    @property
    def step_inputs_(self) -> int:
        """Values the network reads per step: the vocabulary size (symbols),
        or the features of ``patch_size_`` steps side by side (numbers), twice
        as many with the record view."""
        views = 2 if self._reads_record_view() else 1
        # Encoders pickled before patches existed read one step at a time.
        values = self.n_inputs_ * views * getattr(self, "patch_size_", 1)
        return values + self.n_step_shares_

    @property
    def n_step_shares_(self) -> int:
        """Columns of running shares after each numeric step's values."""
        shares = getattr(self, "shares_", None)
        return 0 if shares is None else shares.width

    def __repr__(self) -> str:
        if not hasattr(self, "n_inputs_"):
            return f"SequenceEncoder(analyzer={self.analyzer!r})"
        if self.kind_ in SYMBOLIC_KINDS:
            return (
                f"SequenceEncoder(kind={self.kind_!r}, analyzer={self.analyzer!r}, "
                f"ngram_range={tuple(self.ngram_range)}, "
                f"vocabulary={len(self.vocabulary_)} symbols)"
            )
        return (
            f"SequenceEncoder(kind={self.kind_!r}, n_features={self.n_inputs_}, "
            f"standardize={self.standardize}, "
            f"per_record={self._reads_record_view()}, "
            f"patch_size={getattr(self, 'patch_size_', 1)})"
        )

    def fit_transform(self, X, kind: str, *, streaming: bool = False) -> Records:
        """Learn from X and encode it; ``streaming`` (partial_fit) lets the
        wide n-grams' vocabulary grow in later ``transform(streaming=True)``
        calls."""
        self.kind_ = kind
        # Resolved and checked once here, not per record as steps are read.
        self.lexicons_ = as_lexicon_list(self.word_lexicons)
        self.mean_ = self.scale_ = None
        self.wide_ = self.step_width_ = self.kernels_ = self.shares_ = None
        self.patch_size_ = 1
        if kind == FEATURES:
            sequences = self._feature_sequences(X)
            self.vocabulary_ = {
                sym: i
                for i, sym in enumerate(
                    dict.fromkeys(
                        sym for seq in sequences for bag in seq for sym, _ in bag
                    ),
                    start=1,
                )
            }
            self.n_inputs_ = len(self.vocabulary_) + 1
            return self._encode_weighted(sequences)
        if kind in SYMBOLIC_KINDS:
            raw = self._symbol_sequences(X, kind)
            sequences = [self._steps(s) for s in raw]
            self.vocabulary_ = self._learn_vocabulary(sequences)
            self.n_inputs_ = len(self.vocabulary_) + 1
            records = self._encode_steps(sequences)
            if getattr(self, "wide_ngram_range", None) is not None:
                self.wide_ = WideNgrams(self.wide_ngram_range, self.max_wide_ngrams)
                wide = self.wide_.fit_transform(raw, growable=streaming)
                self.step_width_ = (
                    1 if records.values.ndim == 1 else records.values.shape[1]
                )
                records = self._with_wide(records, wide)
            return records
        records = self._numeric_records(X, kind)
        self.n_inputs_ = records.values.shape[1]
        self.patch_size_ = (
            auto_patch_size(records.lengths)
            if self.patch_size == "auto"
            else self.patch_size
        )
        return records

    def fit_scaling(self, records: Records, sample_weight=None, seed=0) -> Records:
        """Learn the per-channel standardisation (numeric input, when asked)
        from every step, a record's steps weighing what the record weighs,
        and the wide term's convolution features (drawn from ``seed``);
        return the standardised records, read in patches. ``fit_transform``
        leaves numeric records raw for this step."""
        if self.kind_ in SYMBOLIC_KINDS:
            return records
        if self.standardize:
            self.mean_, self.scale_ = channel_moments(records, sample_weight)
        scaled, features = self._standardised(records), None
        if getattr(self, "wide_kernel_features", None):
            self.kernels_, features = fit_kernel_features(
                scaled.values,
                scaled.lengths,
                scaled.offsets,
                self.wide_kernel_features,
                np.random.default_rng([seed, _KERNEL_STREAM]),
                sample_weight,
            )
        viewed, shares = self._network_view(scaled), None
        n_shares = self._n_kernel_shares()
        if n_shares:
            self.shares_, shares = fit_running_shares(
                viewed.values,
                viewed.lengths,
                viewed.offsets,
                n_shares,
                self.patch_size_,
                np.random.default_rng([seed, _SHARES_STREAM]),
                sample_weight,
            )
        return self._in_patches(viewed, features, shares)

    def transform(self, X, kind: str, *, streaming: bool = False) -> Records:
        """Encode X with what ``fit_transform`` learned: unseen symbols take
        the unknown id 0; numbers are standardised with the fitted moments.
        ``streaming`` (partial_fit) first lets new wide n-grams take free ids.
        Raises ``ValueError`` when X is not the kind of input seen in fit."""
        if (
            kind == TOKENS
            and self.kind_ not in SYMBOLIC_KINDS
            and all(len(s) == 0 for s in X)
        ):
            kind = NUMERIC_RAGGED  # bare empty sequences after a numeric fit
        if (kind == FEATURES) != (self.kind_ == FEATURES) and {
            kind,
            self.kind_,
        } <= SYMBOLIC_KINDS:
            raise ValueError(
                f"The model was fitted on {self.kind_} input but X holds {kind}; "
                "pass the same kind of input as in fit."
            )
        if kind == FEATURES:
            return self._encode_weighted(self._feature_sequences(X))
        if (kind in SYMBOLIC_KINDS) != (self.kind_ in SYMBOLIC_KINDS):
            fitted = "symbol" if self.kind_ in SYMBOLIC_KINDS else "numeric"
            given = "symbol" if kind in SYMBOLIC_KINDS else "numeric"
            raise ValueError(
                f"The model was fitted on {fitted} sequences but X holds {given} "
                "sequences; pass the same kind of input as in fit."
            )
        if kind in SYMBOLIC_KINDS:
            sequences = self._symbol_sequences(X, kind)
            if self._reads_chars_in_bulk(kind, sequences):
                values, lengths = char_ngram_ids(
                    sequences, self.vocabulary_, self.ngram_range
                )
                records = Records(values, lengths, record_starts(lengths))
            else:
                records = self._encode_steps([self._steps(s) for s in sequences])
            if getattr(self, "wide_", None) is not None:
                if streaming:
                    self.wide_.grow(sequences)
                records = self._with_wide(records, self.wide_.transform(sequences))
            return records
        records = self._numeric_records(X, kind, default_width=self.n_inputs_)
        if records.values.shape[1] != self.n_inputs_:
            raise ValueError(
                f"X has {records.values.shape[1]} features per time step, but the "
                f"model was fitted with {self.n_inputs_} features per time step."
            )
        return self._as_network_input(records)

    def _with_wide(self, records: Records, wide: np.ndarray) -> Records:
        """The step's own symbols (``step_width_`` columns), then its wide
        n-grams."""
        steps = records.values
        steps = steps[:, None] if steps.ndim == 1 else steps
        steps = np.pad(steps, ((0, 0), (0, self.step_width_ - steps.shape[1])))
        return Records(np.hstack([steps, wide]), records.lengths, records.offsets)

    def _reads_chars_in_bulk(self, kind: str, sequences: list) -> bool:
        """Whether strings take the vectorised path of ``_char_codes``: the
        default character analyzer, n-grams of up to 3, and more characters
        than vocabulary entries (its look-up tables are built per call, so a
        lone short record stays on the per-character path, whose cost is its
        own length, whatever the vocabulary)."""
        return (
            kind == TEXT
            and self.analyzer == "char"
            and supports(self.ngram_range)
            and sum(map(len, sequences)) >= len(self.vocabulary_)
        )

    def _learn_vocabulary(self, sequences: list) -> dict:
        """Symbol -> id from 1, in order of first appearance. Single symbols
        are all kept; n-grams only the ``max_ngrams`` held by most records.

        Every update touches all of ``U`` (Adam is dense), so the vocabulary
        sets the cost of a step: random strings over 60 symbols have ~200k
        distinct trigrams, for little that generalises.
        """
        symbols = dict.fromkeys(chain.from_iterable(chain.from_iterable(sequences)))
        extras = self.ngram_range[1] > 1 or self._has_word_symbols()
        if extras and self.max_ngrams is not None:
            # With min_n == 1 a step's first symbol is the symbol itself.
            unigrams = (
                {step[0] for seq in sequences for step in seq if step}
                if self.ngram_range[0] == 1
                else set()
            )
            records_with = Counter(
                chain.from_iterable(
                    set(chain.from_iterable(seq)) - unigrams for seq in sequences
                )
            )
            if len(records_with) > self.max_ngrams:
                # most_common is stable: ties keep their first-seen order.
                kept = {g for g, _ in records_with.most_common(self.max_ngrams)}
                symbols = {s: None for s in symbols if s in unigrams or s in kept}
        return {tok: i for i, tok in enumerate(symbols, start=1)}

    def _standardised(self, records: Records) -> Records:
        if self.mean_ is None:  # standardize=False
            return records
        values = (records.values - self.mean_) / self.scale_
        return Records(_to_float32(values), records.lengths, records.offsets)

    def _as_network_input(self, records: Records) -> Records:
        """Numeric records as the network reads them: standardised (when
        fitted so), with the record view (when asked) and in patches of
        ``patch_size_`` steps; with the wide term's features."""
        records = self._standardised(records)
        kernels: KernelFeatures | None = getattr(self, "kernels_", None)
        features = (
            None
            if kernels is None
            else kernels.transform(records.values, records.lengths, records.offsets)
        )
        viewed = self._network_view(records)
        shares: RunningShares | None = getattr(self, "shares_", None)
        if shares is not None:
            shares = shares.transform(viewed.values, viewed.lengths, viewed.offsets)
        return self._in_patches(viewed, features, shares)

    def _n_kernel_shares(self) -> int:
        """The running shares to read, ``kernel_shares`` with "auto"
        resolved by the patches."""
        shares = getattr(self, "kernel_shares", 0)
        if shares != "auto":
            return int(shares)
        # A series short enough to be read one step at a time (at most 32
        # steps for a typical record, patch_size="auto") shows the network
        # every value; the shares' early steps are then fractions of a few
        # steps, and the network alone lost with them on the two such sets
        # of the suite (benchmarks/suite.py, seeds 0-2: ItalyPowerDemand,
        # 24 steps, 0.966 -> 0.945; JapaneseVowels, 7-29 steps, 0.977 ->
        # 0.956; suite_runs/kernel_shares.json against probabilities.json).
        return AUTO_KERNEL_SHARES if self.patch_size_ > 1 else 0

    def _network_view(self, records: Records) -> Records:
        """Standardised records with the record view, when asked: the
        channels the network reads, and the running shares' kernels too.
        Either view alone lost for the shares: the record's own where a
        channel's level and scale across records carry the class
        (JapaneseVowels), the dataset-wide one where scales span orders of
        magnitude, so that a bias drawn from one record reads another as all
        above or all below it (PLAID); the network alone, a scratch run of
        two seeds, not kept."""
        return with_record_view(records) if self._reads_record_view() else records

    def _in_patches(self, viewed: Records, features, shares=None) -> Records:
        """``_network_view``'s records in patches (each followed by its
        running ``shares``, when read), carrying the wide term's
        ``features``."""
        records = stacked_steps(viewed, getattr(self, "patch_size_", 1))
        if shares is not None:
            records = Records(
                np.hstack([records.values, shares]), records.lengths, records.offsets
            )
        records.features = features
        return records

    def _lexicons(self) -> list:
        # Encoders pickled before word lexicons existed have none.
        return getattr(self, "lexicons_", [])

    def _has_word_symbols(self) -> bool:
        """Whether token steps carry symbols of their word beyond itself."""
        return bool(getattr(self, "word_features", False) or self._lexicons())

    def _steps(self, sequence: list) -> list:
        """The symbols each step carries: the n-grams that end at it (and, with
        ``word_features``, the word's subword symbols; with ``word_lexicons``,
        its symbols in each lexicon)."""
        steps = self._ngram_steps(sequence)
        subword = getattr(self, "word_features", False)
        lexicons = self._lexicons()
        if isinstance(sequence, str) or not (subword or lexicons):
            return steps
        return [
            [
                *bag,
                *(word_feature_symbols(tok) if subword else ()),
                *lexicon_symbols(lexicons, tok),
            ]
            for bag, tok in zip(steps, sequence)
        ]

    def _ngram_steps(self, sequence: list) -> list:
        min_n, max_n = self.ngram_range
        if (min_n, max_n) == (1, 1):
            return [(tok,) for tok in sequence]
        joined = isinstance(sequence, str)  # char n-grams stay strings ("abc")
        steps = []
        for t in range(len(sequence)):
            bag = []
            for n in range(min_n, min(max_n, t + 1) + 1):
                if n == 1:
                    bag.append(sequence[t])
                else:
                    gram = sequence[t - n + 1 : t + 1]
                    bag.append(gram if joined else ("ngram", *gram))
            steps.append(bag)
        return steps

    def _symbol_sequences(self, X, kind: str) -> list:
        if hasattr(X, "to_numpy"):
            X = X.to_numpy()
        if kind == TEXT:
            return [_analyze(self.analyzer, s) for s in X]
        sequences = []
        for i, seq in enumerate(X):
            if isinstance(seq, str | bytes) or not is_sequence_like(seq):
                raise TypeError(
                    f"Element {i} of X is a {describe(seq)}; token input needs "
                    "every element to be a list or tuple of tokens."
                )
            for token in seq:
                if isinstance(token, list | np.ndarray) or not hashable(token):
                    raise TypeError(
                        f"Element {i} of X holds a {describe(token)} token; tokens "
                        "must be hashable scalars such as str (nested lists of "
                        "uneven depth are not sequences of tokens)."
                    )
            sequences.append(seq.tolist() if isinstance(seq, np.ndarray) else seq)
        return sequences

    def _encode_steps(self, sequences: list) -> Records:
        """Ids of each step's symbols: shape ``(n_tokens,)`` for one symbol a
        step, ``(n_tokens, max_n - min_n + 1)`` for n-gram bags (unknown and
        missing n-grams, e.g. at a record's first steps, are id 0)."""
        vocab = self.vocabulary_
        width = self.ngram_range[1] - self.ngram_range[0] + 1
        if self._has_word_symbols():
            width = max((len(step) for seq in sequences for step in seq), default=1)
        lengths = np.fromiter((len(s) for s in sequences), np.int64, len(sequences))
        total = int(lengths.sum())
        if width == 1:
            # A step's bag is empty only where its n-gram would reach before
            # the record's start (min_n > 1).
            values = np.fromiter(
                (
                    vocab.get(step[0], UNKNOWN_ID) if step else UNKNOWN_ID
                    for seq in sequences
                    for step in seq
                ),
                dtype=np.int64,
                count=total,
            )
            return Records(values, lengths, record_starts(lengths))
        values = np.zeros((total, width), dtype=np.int64)
        row = 0
        for seq in sequences:
            for step in seq:
                for j, gram in enumerate(step):
                    values[row, j] = vocab.get(gram, UNKNOWN_ID)
                row += 1
        return Records(values, lengths, record_starts(lengths))

    def _feature_sequences(self, X) -> list:
        """Each step of sklearn-crfsuite's form as ``[(symbol, weight), ...]``."""
        sequences = []
        for i, seq in enumerate(X):
            if isinstance(seq, str | bytes) or not is_sequence_like(seq):
                raise TypeError(
                    f"Element {i} of X is a {describe(seq)}; feature input needs "
                    "every element to be a list of feature dicts."
                )
            sequences.append(
                [
                    feature_bag(step, f"step {t} of element {i}")
                    for t, step in enumerate(seq)
                ]
            )
        return sequences

    def _encode_weighted(self, sequences: list) -> Records:
        """Weighted bags as float32 rows ``[ids..., weights...]`` (ids below
        2**24 are exact in float32; unknown symbols and padding are id 0)."""
        vocab = self.vocabulary_
        width = max((len(bag) for seq in sequences for bag in seq), default=1) or 1
        lengths = np.fromiter((len(s) for s in sequences), np.int64, len(sequences))
        values = np.zeros((int(lengths.sum()), 2 * width), dtype=np.float32)
        row = 0
        for seq in sequences:
            for bag in seq:
                for j, (sym, weight) in enumerate(bag):
                    values[row, j] = vocab.get(sym, UNKNOWN_ID)
                    values[row, width + j] = weight
                row += 1
        return Records(values, lengths, record_starts(lengths))

    @staticmethod
    def _numeric_records(X, kind: str, default_width: int = 1) -> Records:
        if kind == NUMERIC_ARRAY:
            X = _to_float32(np.asarray(X))
            if X.ndim == 2:
                X = X[:, :, None]
            n, steps, features = X.shape
            lengths = np.full(n, steps, dtype=np.int64)
            return Records(
                X.reshape(n * steps, features), lengths, np.arange(n) * steps
            )
        records = [_as_numeric_record(seq, i) for i, seq in enumerate(X)]
        # Empty 1-D records carry no feature count; empty 2-D ones do.
        n_features = {
            r.shape[1] for r, seq in zip(records, X) if len(r) or np.ndim(seq) == 2
        }
        if len(n_features) > 1:
            raise ValueError(
                "The numeric sequences in X have different numbers of features per "
                f"time step: {sorted(n_features)}. Every sequence must have the same "
                "number of features." + _channels_first_hint(records)
            )
        width = n_features.pop() if n_features else default_width
        records = [r.reshape(len(r), width) for r in records]
        return Records.from_list(records, np.zeros((0, width), np.float32))


def _channels_first_hint(records: list) -> str:
    """What to do when every record has the same number of steps but not of
    values a step: the layout of aeon's and sktime's unequal-length
    collections, one ``(n_channels, n_timepoints)`` array a series."""
    rows = {len(r) for r in records}
    if len(rows) != 1:
        return ""
    return (
        f" Every sequence has {rows.pop()} step(s): if yours are laid out "
        "(n_channels, n_timepoints), as in aeon and sktime, pass "
        "[x.T for x in X] (sequences are read as (n_steps, n_features))."
    )


def _as_numeric_record(seq, index: int) -> np.ndarray:
    try:
        record = np.asarray(seq)
    except ValueError as exc:  # nested lists of uneven depth
        raise ValueError(
            f"Sequence {index} of X is not a rectangular numeric array: {exc}"
        ) from None
    if record.dtype.kind == "c":
        raise ValueError(f"Complex data not supported: sequence {index} is complex.")
    if record.dtype.kind not in "biuf":
        raise TypeError(
            f"Sequence {index} of X holds {record.dtype} values; numeric sequences "
            "must hold real numbers (nested lists of uneven depth are not accepted)."
        )
    if record.ndim == 1:
        record = record[:, None]
    elif record.ndim != 2:
        raise ValueError(
            f"Sequence {index} of X has {record.ndim} dimensions; each numeric "
            "sequence must have shape (len,) or (len, n_features)."
        )
    assert_all_finite(record, input_name="X")
    return _to_float32(record)


def _to_float32(values: np.ndarray) -> np.ndarray:
    """The network computes in float32; refuse values that overflow it."""
    with np.errstate(over="ignore"):  # overflow is reported below, in words
        converted = values.astype(np.float32)
    if not np.isfinite(converted).all():
        raise ValueError(
            "Input X holds values too large for float32 (|x| > 3.4e38); rescale X."
        )
    return converted
