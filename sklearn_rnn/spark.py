"""Predict and embed a column of a Spark DataFrame.

Needs the ``spark`` extra (``pip install -e ".[spark]"`` in a clone: pyspark
and pyarrow) and Java (Spark's own requirement). A fitted estimator is
broadcast to the executors once and applied to each Arrow batch of the
column with ``mapInPandas``; every other column passes through unchanged.
The library's predictions of a record do not depend on the other records in
its batch (CPU, float32), so the result equals one process's bit for bit,
however Spark partitions the table.

A column may hold strings, token arrays (``array<string>``), numeric series
(``array<double>``, one channel) or multichannel series
(``array<array<double>>``, steps x channels).
"""

from __future__ import annotations

import numpy as np

try:
    import pandas as pd
    from pyspark.sql import types as T
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise ImportError(
        'sklearn_rnn.spark needs pyspark and pyarrow: pip install -e ".[spark]" '
        "in a clone of sklearn-rnn (the spark extra)"
    ) from exc

from sklearn.utils.validation import check_is_fitted

from sklearn_rnn._scoring_methods import check_scoring_method

__all__ = ["apply_column"]


def _records(values: pd.Series, kind: str) -> list:
    """A pandas column of one Arrow batch as records the estimator reads."""
    if kind == "string":
        return values.tolist()
    if kind == "tokens":
        return [list(v) for v in values]
    if kind == "series":
        return [np.asarray(v, dtype=np.float64) for v in values]
    # steps x channels: Arrow gives an array of per-step arrays
    return [
        np.stack(v).astype(np.float64) if len(v) else np.zeros((0, 0)) for v in values
    ]


def _input_kind(field: T.StructField) -> str:
    dtype = field.dataType
    if isinstance(dtype, T.StringType):
        return "string"
    if isinstance(dtype, T.ArrayType):
        inner = dtype.elementType
        if isinstance(inner, T.StringType):
            return "tokens"
        if isinstance(inner, T.NumericType):
            return "series"
        if isinstance(inner, T.ArrayType) and isinstance(
            inner.elementType, T.NumericType
        ):
            return "multichannel"
    raise TypeError(
        f"Column {field.name!r} is {dtype.simpleString()}; apply_column reads "
        "string, array<string> (tokens), array<double> (a series) or "
        "array<array<double>> (steps x channels)."
    )


def _label_type(labels) -> T.DataType:
    labels = np.asarray(labels)
    if labels.dtype.kind in "iu":
        return T.LongType()
    if labels.dtype.kind == "b":
        return T.BooleanType()
    if labels.dtype.kind == "f":
        return T.DoubleType()
    return T.StringType()


def _output_type(estimator, method: str) -> T.DataType:
    """Spark type of one record's result."""
    # A tagger answers per step; an embedding is one vector per record even
    # where the transformer learned a per-step objective.
    per_step = method != "transform" and bool(
        getattr(getattr(estimator, "task_", None), "per_step", False)
    )
    if method == "predict":
        if hasattr(estimator, "classes_"):
            label = _label_type(estimator.classes_)
            return T.ArrayType(label) if per_step else label
        outputs = estimator.module_.n_outputs
        return T.DoubleType() if outputs == 1 else T.ArrayType(T.DoubleType())
    vector = T.ArrayType(T.DoubleType())
    return T.ArrayType(vector) if per_step else vector


def _spark_values(result, output_type: T.DataType) -> list:
    """One Python value per record, of the declared Spark type."""
    if isinstance(output_type, T.ArrayType) and isinstance(
        output_type.elementType, T.ArrayType
    ):  # per step vectors (a tagger's probabilities)
        return [np.asarray(r, dtype=np.float64).tolist() for r in result]
    if isinstance(output_type, T.ArrayType):
        if isinstance(result, np.ndarray) and result.dtype != object:
            return np.asarray(result, dtype=np.float64).tolist()
        return [list(r) for r in result]  # a tagger's tag lists
    if isinstance(output_type, T.DoubleType):
        return np.asarray(result, dtype=np.float64).ravel().tolist()
    return np.asarray(result).tolist()


def apply_column(
    df, estimator, column: str, method: str = "predict", output_col: str | None = None
):
    """Add ``estimator.<method>`` of ``df[column]`` as a new column.

    Parameters
    ----------
    df : pyspark.sql.DataFrame
    estimator : fitted estimator of this library
        Broadcast to the executors once per call.
    column : str
        The input column: ``string``, ``array<string>``, ``array<double>``
        or ``array<array<double>>``.
    method : {"predict", "predict_proba", "predict_log_proba", "transform"}
    output_col : str, default=method
        Name of the new column.

    Returns
    -------
    pyspark.sql.DataFrame
        ``df`` with the new column: labels (string, long, double or boolean,
        as ``classes_``) or values (double, or array<double> for several
        targets) for ``predict``; array<double> for probabilities and
        embeddings; per-step arrays for a tagger.

    Examples
    --------
    >>> from sklearn_rnn.spark import apply_column  # doctest: +SKIP
    >>> scored = apply_column(names_df, clf, "name", "predict_proba")  # doctest: +SKIP
    """
    check_scoring_method(estimator, method)
    check_is_fitted(estimator, "module_")
    if column not in df.columns:
        raise ValueError(
            f"Column {column!r} is not in the DataFrame; its columns are {df.columns}."
        )
    output_col = output_col or method
    if output_col in df.columns:
        raise ValueError(
            f"Column {output_col!r} is already in the DataFrame; pass another "
            "output_col."
        )
    kind = _input_kind(df.schema[column])
    output_type = _output_type(estimator, method)
    schema = T.StructType([*df.schema.fields, T.StructField(output_col, output_type)])
    shipped = df.sparkSession.sparkContext.broadcast(estimator)

    def score(batches):
        model = shipped.value  # unpickled once per Python worker
        call = getattr(model, method)
        for batch in batches:
            if len(batch) == 0:
                batch[output_col] = pd.Series([], dtype=object)
            else:
                result = call(_records(batch[column], kind))
                batch[output_col] = _spark_values(result, output_type)
            yield batch

    return df.mapInPandas(score, schema)
