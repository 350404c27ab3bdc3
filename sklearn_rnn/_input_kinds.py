"""Which of the accepted input forms X is: text, token lists, numeric arrays,
ragged numeric lists; or a clear error naming what is wrong."""

from __future__ import annotations

import numbers
from collections.abc import Hashable, Mapping

import numpy as np
from scipy.sparse import issparse

TEXT, TOKENS, NUMERIC_ARRAY, NUMERIC_RAGGED = "text", "tokens", "array", "ragged"
# sklearn-crfsuite's form: sequences of {feature: str value or number} dicts.
FEATURES = "features"
SYMBOLIC_KINDS = frozenset({TEXT, TOKENS, FEATURES})


def describe(value) -> str:
    return type(value).__name__


def _is_number(value) -> bool:
    return isinstance(value, numbers.Number | np.number | np.bool_) and not isinstance(
        value, str | bytes
    )


def is_sequence_like(value) -> bool:
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
    """The column of a one-column DataFrame or array of text (``df[["name"]]``
    or ``X[:, [0]]``, what ``ColumnTransformer`` and dask-ml's wrappers pass
    for a list of columns); X itself otherwise."""
    if isinstance(X, np.ndarray):
        is_column = X.ndim == 2 and X.shape[1] == 1 and X.shape[0] > 0
        if (
            is_column
            and X.dtype.kind in "OU"
            and all(isinstance(v, str) for v in X[:, 0])
        ):
            return X[:, 0]
        return X
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


def nested_frame_records(X):
    """The records of a DataFrame whose cells hold series (sktime's nested
    format: a row per record, a column per channel, each cell that record's
    values of that channel, as a pandas Series or an array), as a list of
    ``(n_steps, n_channels)`` arrays; X itself otherwise."""
    if not (hasattr(X, "iloc") and getattr(X, "ndim", 1) == 2) or not X.size:
        return X
    if not all(_holds_series(v) for v in X.iloc[0]):
        return X  # token lists in a column, or a plain table
    records = []
    for i, row in enumerate(X.itertuples(index=False)):
        channels = []
        for value in row:
            if not _holds_series(value):
                raise TypeError(
                    f"Row {i} of X holds a {describe(value)} where the first "
                    "row holds numeric series; every cell of a nested DataFrame "
                    "must hold one channel's values."
                )
            channels.append(np.asarray(value))
        lengths = sorted({len(c) for c in channels})
        if len(lengths) > 1:
            raise ValueError(
                f"Row {i} of X holds channels of different lengths {lengths}; "
                "the channels of one record must have one length."
            )
        records.append(np.column_stack(channels))
    return records


def _holds_series(value) -> bool:
    """A cell of a nested DataFrame: a Series, array or list of numbers (not
    text, nor a token list)."""
    if not hasattr(value, "__len__") or isinstance(value, str | bytes | Mapping):
        return False
    return np.asarray(value).dtype.kind in "biuf"


def _is_text_dtype(dtype) -> bool:
    return getattr(dtype, "kind", "O") in "OUS" or str(dtype).startswith("str")


def infer_input_kind(X) -> str:
    """Tell which of the accepted input forms ``X`` is, or raise a clear error.

    Returns one of ``"text"``, ``"tokens"``, ``"features"`` (sequences of
    feature dicts, sklearn-crfsuite's form), ``"array"`` (a rectangular numeric
    array that goes through :func:`sklearn.utils.validation.validate_data`) and
    ``"ragged"`` (a list of numeric arrays of different lengths).
    """
    if issparse(X):  # before the Mapping test: a dok matrix is a dict
        return NUMERIC_ARRAY
    if isinstance(X, str | bytes):
        raise TypeError(
            f"X must be a collection of sequences, got a single {describe(X)}; "
            "wrap it in a list, e.g. [X]."
        )
    if isinstance(X, Mapping) or not (hasattr(X, "__len__") or hasattr(X, "__array__")):
        raise TypeError(
            "X must be an array-like of sequences (a list of str, a list of token "
            f"lists, or a numeric array), got {describe(X)}."
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
    if all(isinstance(value, str) for value in elements):
        return TEXT  # the common case in one pass; the loop below explains errors
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
                f"{describe(elements[j])}. Use one form for every sequence."
            )
    if first_other is None:
        return TEXT
    if all(_is_number(v) for v in elements):
        # A flat list of numbers: sklearn explains "Expected 2D array".
        return NUMERIC_ARRAY
    for i, value in enumerate(elements):
        if not is_sequence_like(value) and not hasattr(value, "__array__"):
            raise TypeError(
                f"Element {i} of X is a {describe(value)}, which is not a "
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
    if any(isinstance(t, Mapping) for v in elements for t in v):
        for i, value in enumerate(elements):
            for token in value:
                if not isinstance(token, Mapping):
                    raise TypeError(
                        f"Element {i} of X mixes feature dicts with a "
                        f"{describe(token)}; in sklearn-crfsuite's form every step "
                        "is a dict of features."
                    )
        return FEATURES
    if any(_holds_symbols(v) for v in elements):
        return TOKENS
    lengths = {len(v) for v in elements}
    shapes = {np.shape(v) for v in elements if _is_rectangular(v)}
    if len(lengths) == 1 and len(shapes) == 1:
        return NUMERIC_ARRAY
    return NUMERIC_RAGGED


def hashable(value) -> bool:
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
        if _is_number(token) or is_sequence_like(token):
            continue
        if isinstance(token, Hashable):
            return True
    return False
