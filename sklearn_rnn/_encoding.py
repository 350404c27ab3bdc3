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

import numbers
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from itertools import chain

import numpy as np
from scipy.sparse import issparse
from sklearn.utils import assert_all_finite

UNKNOWN_ID = 0

TEXT, TOKENS, NUMERIC_ARRAY, NUMERIC_RAGGED = "text", "tokens", "array", "ragged"
SYMBOLIC_KINDS = frozenset({TEXT, TOKENS})


def _describe(value) -> str:
    return type(value).__name__


def _is_number(value) -> bool:
    return isinstance(value, numbers.Number | np.number | np.bool_) and not isinstance(
        value, str | bytes
    )


def _is_sequence_like(value) -> bool:
    return isinstance(value, list | tuple | np.ndarray)


def _check_not_bytes_or_none(value, index: int) -> None:
    if value is None:
        raise TypeError(
            f"X contains None at index {index}; every element of X must be a "
            "sequence (a str, a list of tokens or a numeric array)."
        )
    if isinstance(value, bytes | bytearray):
        raise TypeError(
            f"X contains bytes at index {index}; decode bytes to str first "
            "(e.g. value.decode('utf-8'))."
        )


def text_column(X):
    """The column of a one-column DataFrame of text (``df[["name"]]``, what
    ``ColumnTransformer`` passes for a list of columns); X itself otherwise."""
    if not (hasattr(X, "iloc") and getattr(X, "ndim", 1) == 2):
        return X
    text = [name for name, dtype in X.dtypes.items() if _is_text_dtype(dtype)]
    if not text:
        return X
    if X.shape[1] != 1:
        raise ValueError(
            f"X is a DataFrame with {X.shape[1]} columns, of which {text} hold "
            "text; pass one text column (a Series or df[[column]]) or numeric "
            "columns only."
        )
    return X.iloc[:, 0]


def _is_text_dtype(dtype) -> bool:
    return getattr(dtype, "kind", "O") in "OUS" or str(dtype).startswith("str")


def infer_input_kind(X) -> str:
    """Tell which of the accepted input forms ``X`` is, or raise a clear error.

    Returns one of ``"text"``, ``"tokens"``, ``"array"`` (a rectangular numeric
    array that goes through :func:`sklearn.utils.validation.validate_data`) and
    ``"ragged"`` (a list of numeric arrays of different lengths).
    """
    if issparse(X):  # before the Mapping test: a dok matrix is a dict
        return NUMERIC_ARRAY
    if isinstance(X, str | bytes):
        raise TypeError(
            f"X must be a collection of sequences, got a single {_describe(X)}; "
            "wrap it in a list, e.g. [X]."
        )
    if isinstance(X, Mapping) or not (hasattr(X, "__len__") or hasattr(X, "__array__")):
        raise TypeError(
            "X must be an array-like of sequences (a list of str, a list of token "
            f"lists, or a numeric array), got {_describe(X)}."
        )
    if hasattr(X, "iloc") and getattr(X, "ndim", 1) == 2:  # pandas DataFrame
        return NUMERIC_ARRAY  # text frames were reduced by text_column()
    if hasattr(X, "to_numpy") and getattr(X, "ndim", None) == 1:  # pandas Series
        X = X.to_numpy()
    if hasattr(X, "__array__") and not isinstance(X, np.ndarray):
        X = np.asarray(X)

    if isinstance(X, np.ndarray):
        if X.dtype.kind in "US":
            if X.dtype.kind == "S":
                raise TypeError(
                    "X holds bytes; decode them to str first (e.g. X.astype(str))."
                )
            return TEXT if X.ndim == 1 else TOKENS
        if X.dtype.kind != "O" or X.ndim == 0:
            return NUMERIC_ARRAY
        if X.ndim >= 2:
            # An object array of str rows is a batch of equal-length token lists;
            # anything else is numeric and checked by sklearn (check_dtype_object).
            flat = X.ravel()
            if flat.size and all(isinstance(v, str) for v in flat):
                return TOKENS
            return NUMERIC_ARRAY
    elements = list(X)

    if len(elements) == 0:
        raise ValueError(
            "Found array with 0 sample(s) (shape=(0,)) while a minimum of 1 is required."
        )
    return _kind_of_elements(elements)


def _kind_of_elements(elements: list) -> str:
    first_str = first_other = None
    for i, value in enumerate(elements):
        _check_not_bytes_or_none(value, i)
        if isinstance(value, str):
            first_str = i if first_str is None else first_str
        else:
            first_other = i if first_other is None else first_other
        if first_str is not None and first_other is not None:
            j = first_other
            raise TypeError(
                "X mixes str sequences with other values: element "
                f"{first_str} is a str but element {j} is a "
                f"{_describe(elements[j])}. Use one form for every sequence."
            )
    if first_other is None:
        return TEXT
    if all(_is_number(v) for v in elements):
        # A flat list of numbers: sklearn explains "Expected 2D array".
        return NUMERIC_ARRAY
    for i, value in enumerate(elements):
        if not _is_sequence_like(value) and not hasattr(value, "__array__"):
            raise TypeError(
                f"Element {i} of X is a {_describe(value)}, which is not a "
                "sequence; expected a str, a list/tuple of tokens, or a numeric "
                "array."
            )
    if all(len(v) == 0 for v in elements):
        # Only empty sequences: numeric arrays say numeric; bare [] fit either
        # kind (see SequenceEncoder.transform).
        numeric = all(
            isinstance(v, np.ndarray) and v.dtype.kind in "biuf" for v in elements
        )
        return NUMERIC_RAGGED if numeric else TOKENS
    if any(_holds_symbols(v) for v in elements):
        return TOKENS
    lengths = {len(v) for v in elements}
    shapes = {np.shape(v) for v in elements if _is_rectangular(v)}
    if len(lengths) == 1 and len(shapes) == 1:
        return NUMERIC_ARRAY
    return NUMERIC_RAGGED


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _is_rectangular(value) -> bool:
    try:
        np.asarray(value, dtype=float)
    except (ValueError, TypeError):
        return False
    return True


def _holds_symbols(sequence) -> bool:
    """Whether a sequence holds symbols (str or other non-numeric hashables)."""
    if isinstance(sequence, np.ndarray):
        return sequence.dtype.kind in "USO" and any(
            isinstance(v, str) for v in sequence.ravel()
        )
    for token in sequence:
        if _is_number(token) or _is_sequence_like(token):
            continue
        if isinstance(token, Hashable):
            return True
    return False


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
        return Records(values, lengths, record_starts(lengths))

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
            f"string, got {_describe(tokens)}."
        )
    return list(tokens)


class SequenceEncoder:
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

    Attributes
    ----------
    kind_ : str
        Input form seen in ``fit``: "text", "tokens", "array" or "ragged".
    vocabulary_ : dict
        Symbol (or n-gram) -> id, ids from 1 (symbol input only; 0 = unknown).
    n_inputs_ : int
        Vocabulary size + 1, or features per step.
    mean_, scale_ : ndarray of shape (n_features,) or None
        Per-channel standardisation (numeric input with ``standardize=True``).
    """

    def __init__(
        self,
        analyzer: str | Callable = "char",
        ngram_range: tuple[int, int] = (1, 1),
        standardize: bool = True,
    ):
        self.analyzer = analyzer
        self.ngram_range = ngram_range
        self.standardize = standardize

    def __repr__(self) -> str:
        if not hasattr(self, "kind_"):
            return f"SequenceEncoder(analyzer={self.analyzer!r})"
        if self.kind_ in SYMBOLIC_KINDS:
            return (
                f"SequenceEncoder(kind={self.kind_!r}, analyzer={self.analyzer!r}, "
                f"ngram_range={tuple(self.ngram_range)}, "
                f"vocabulary={len(self.vocabulary_)} symbols)"
            )
        return (
            f"SequenceEncoder(kind={self.kind_!r}, n_features={self.n_inputs_}, "
            f"standardize={self.standardize})"
        )

    def fit_transform(self, X, kind: str) -> Records:
        self.kind_ = kind
        self.mean_ = self.scale_ = None
        if kind in SYMBOLIC_KINDS:
            sequences = [self._steps(s) for s in self._symbol_sequences(X, kind)]
            tokens = dict.fromkeys(
                chain.from_iterable(chain.from_iterable(sequences))
            )
            self.vocabulary_ = {tok: i for i, tok in enumerate(tokens, start=1)}
            self.n_inputs_ = len(self.vocabulary_) + 1
            return self._encode_steps(sequences)
        records = self._numeric_records(X, kind)
        self.n_inputs_ = records.values.shape[1]
        return records

    def fit_scaling(self, records: Records, sample_weight=None) -> Records:
        """Learn the per-channel standardisation (numeric input, when asked)
        from every step, a record's steps weighing what the record weighs;
        return the standardised records."""
        if self.kind_ in SYMBOLIC_KINDS or not self.standardize:
            return records
        self.mean_, self.scale_ = channel_moments(records, sample_weight)
        return self._standardized(records)

    def transform(self, X, kind: str) -> Records:
        if (
            kind == TOKENS
            and self.kind_ not in SYMBOLIC_KINDS
            and all(len(s) == 0 for s in X)
        ):
            kind = NUMERIC_RAGGED  # bare empty sequences after a numeric fit
        if (kind in SYMBOLIC_KINDS) != (self.kind_ in SYMBOLIC_KINDS):
            fitted = "symbol" if self.kind_ in SYMBOLIC_KINDS else "numeric"
            given = "symbol" if kind in SYMBOLIC_KINDS else "numeric"
            raise ValueError(
                f"The model was fitted on {fitted} sequences but X holds {given} "
                "sequences; pass the same kind of input as in fit."
            )
        if kind in SYMBOLIC_KINDS:
            return self._encode_steps(
                [self._steps(s) for s in self._symbol_sequences(X, kind)]
            )
        records = self._numeric_records(X, kind, default_width=self.n_inputs_)
        if records.values.shape[1] != self.n_inputs_:
            raise ValueError(
                f"X has {records.values.shape[1]} features per time step, but the "
                f"model was fitted with {self.n_inputs_} features per time step."
            )
        return self._standardized(records)

    def _standardized(self, records: Records) -> Records:
        if getattr(self, "mean_", None) is None:
            return records
        values = (records.values - self.mean_) / self.scale_
        return Records(_to_float32(values), records.lengths, records.offsets)

    def _steps(self, sequence: list) -> list:
        """The symbols each step carries: the n-grams that end at it."""
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
            if isinstance(seq, str | bytes) or not _is_sequence_like(seq):
                raise TypeError(
                    f"Element {i} of X is a {_describe(seq)}; token input needs "
                    "every element to be a list or tuple of tokens."
                )
            for token in seq:
                if isinstance(token, list | np.ndarray) or not _hashable(token):
                    raise TypeError(
                        f"Element {i} of X holds a {_describe(token)} token; tokens "
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
        lengths = np.fromiter((len(s) for s in sequences), np.int64, len(sequences))
        total = int(lengths.sum())
        if width == 1:
            values = np.fromiter(
                (vocab.get(step[0], UNKNOWN_ID) for seq in sequences for step in seq)
                if self.ngram_range[0] == 1
                else (
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
                "number of features."
            )
        width = n_features.pop() if n_features else default_width
        records = [r.reshape(len(r), width) for r in records]
        return Records.from_list(records, np.zeros((0, width), np.float32))


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
