"""Predict and embed dask collections partition by partition.

Needs the ``dask`` extra: ``pip install -e ".[dask]"`` in a clone of the
repository. A fitted estimator of this library is applied to each block of a
dask array, each partition of a bag or each partition of a dataframe column,
on whatever scheduler is active (threads,
processes or a ``distributed`` cluster). The model is shipped once: scattered
to every worker of a cluster before the work starts, or one key of the graph
that every block depends on; never once per partition.

``dask_ml.wrappers.ParallelPostFit`` assumes 2-D arrays (it drops or adds
axis 1), which fits numeric ``(n_samples, n_steps)`` input but not a 1-D array
of strings, a bag of token lists or a 3-D array; :func:`apply_blocks` takes
every form this library reads. Training from blocks goes through
``dask_ml.wrappers.Incremental`` and the estimators' ``partial_fit``; it reads
1-D and 2-D arrays, and :func:`as_record_array` turns a 3-D array into the
1-D form it reads.
"""

from __future__ import annotations

import numpy as np

try:
    import dask
    import dask.array as da
    import dask.bag as db
    import dask.dataframe as dd
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise ImportError(
        'sklearn_rnn.dask needs dask: pip install -e ".[dask]" in a clone of '
        "sklearn-rnn (the dask extra)"
    ) from exc

from sklearn.utils.validation import check_is_fitted

from sklearn_rnn._scoring_methods import check_scoring_method

__all__ = ["apply_blocks", "as_record_array"]


def apply_blocks(estimator, X, method="predict"):
    """Call ``estimator.<method>`` on every partition of a dask collection.

    Parameters
    ----------
    estimator : fitted estimator of this library
        Shipped to the workers once per computation, not once per partition.
    X : dask Array, Bag, Series or one-column DataFrame
        - Array: the records along axis 0 (1-D object array of strings or
          token lists, or numeric ``(n, n_steps)``/``(n, n_steps, n_features)``);
          other axes are merged into one chunk, since a record must not be split.
        - Bag: each element is one record (a string, a token list, an array).
        - Series or one-column DataFrame: a column of strings (a text column
          of a table).
    method : {"predict", "predict_proba", "predict_log_proba", "transform"}

    Returns
    -------
    The same kind of collection, lazy, one output row per record: an Array
    (``(n,)`` for predictions, ``(n, k)`` for probabilities and embeddings),
    a Bag of per-record outputs, or a Series (predictions) or DataFrame
    (probabilities with the classes as columns, embeddings with
    ``get_feature_names_out()`` as columns) on the input's index.

    Examples
    --------
    >>> import dask.array as da, numpy as np
    >>> from sklearn_rnn import RNNSequenceClassifier
    >>> from sklearn_rnn.dask import apply_blocks
    >>> X = np.array(["abc", "cba", "aab", "bba"] * 10, dtype=object)
    >>> y = np.array([0, 1, 0, 1] * 10)
    >>> clf = RNNSequenceClassifier(hidden_size=4, max_iter=2, random_state=0)
    >>> clf = clf.fit(X, y)
    >>> dX = da.from_array(X, chunks=10)
    >>> apply_blocks(clf, dX, "predict_proba").shape
    (40, 2)
    """
    check_scoring_method(estimator, method)
    check_is_fitted(estimator)
    model = _shipped(estimator)
    if isinstance(X, da.Array):
        return _apply_array(estimator, model, X, method)
    if isinstance(X, db.Bag):
        return X.map_partitions(_call_on_partition, model, method)
    if isinstance(X, dd.DataFrame):
        if len(X.columns) != 1:
            raise ValueError(
                "apply_blocks takes a DataFrame with one text column; got "
                f"{len(X.columns)} columns. Select the column: X['name']."
            )
        X = X[X.columns[0]]
    if isinstance(X, dd.Series):
        return X.map_partitions(
            _call_on_series, model, method, meta=_frame_meta(estimator, method)
        )
    raise TypeError(
        "apply_blocks takes a dask Array, Bag, Series or one-column DataFrame; "
        f"got {type(X).__name__}. For in-memory data call the estimator directly."
    )


def _shipped(estimator):
    """The model as every block's task refers to it.

    On a ``distributed`` cluster (the default client is the scheduler) it is
    scattered to every worker up front, once per call; the graph then holds
    only a reference. Elsewhere it is one key of the graph that every block
    depends on, never a copy per block.

    Each call scatters under a key of its own (``hash=False``): with a key
    derived from the model's bytes, a second call for the same model reused
    the key that the first call's result was releasing on the scheduler, and
    its blocks failed with "lost dependencies" (every other call of a loop).
    A key per call also means a refitted model is never served stale.
    """
    if dask.config.get("scheduler", None) == "dask.distributed":
        from distributed import default_client

        return default_client().scatter(estimator, broadcast=True, hash=False)
    return dask.delayed(estimator, pure=True)


def _call(estimator, method, records):
    return getattr(estimator, method)(records)


def _call_on_block(block, estimator, method):
    return _call(estimator, method, block)


def _call_on_partition(partition, estimator, method):
    records = list(partition)
    if not records:  # empty partitions exist in bags; the estimator needs a row
        return []
    return list(_call(estimator, method, _as_records(records)))


def _as_records(records: list):
    """A bag partition as the estimator reads it: strings as an object array,
    anything else (token lists, arrays) as a list of records."""
    if all(isinstance(r, str) for r in records):
        return np.array(records, dtype=object)
    return records


def _call_on_series(series, estimator, method):
    import pandas as pd

    if len(series) == 0:
        return _frame_meta(estimator, method).set_axis(series.index)
    out = _call(estimator, method, series.to_numpy(dtype=object))
    if out.ndim == 1:
        return pd.Series(out, index=series.index)
    return pd.DataFrame(out, index=series.index, columns=_columns(estimator, method))


def _columns(estimator, method) -> list:
    if method == "transform":
        return list(estimator.get_feature_names_out())
    return [str(c) for c in estimator.classes_]


def _frame_meta(estimator, method):
    """The empty pandas object a Series partition turns into (dask's meta)."""
    import pandas as pd

    out = _call(estimator, method, np.array([""], dtype=object))
    if out.ndim == 1:
        return pd.Series(out[:0])
    return pd.DataFrame(out[:0], columns=_columns(estimator, method))


def _apply_array(estimator, model, X, method):
    # A record is one row with all its steps and features: never split it.
    X = X.rechunk({axis: -1 for axis in range(1, X.ndim)})
    meta = _array_meta(estimator, method, X)
    if meta.ndim == 1:
        drop_axis = list(range(1, X.ndim))
        return X.map_blocks(
            _call_on_block, model, method, drop_axis=drop_axis, meta=meta
        )
    width = meta.shape[1]
    chunks = (X.chunks[0], (width,))
    kwargs = {"new_axis": 1} if X.ndim == 1 else {"drop_axis": list(range(2, X.ndim))}
    return X.map_blocks(
        _call_on_block, model, method, chunks=chunks, meta=meta, **kwargs
    )


def _array_meta(estimator, method, X):
    """The output's dtype and width, from one empty record of X's form (an
    empty string, an empty token list, a zero series of X's trailing shape):
    the model is not applied to any of X's data to find them."""
    if X.dtype == object:
        kind = getattr(estimator.encoder_, "kind_", "text")
        probe = np.empty(1, dtype=object)
        probe[0] = "" if kind == "text" else []
    else:
        probe = np.zeros((1, *X.shape[1:]), dtype=X.dtype)
    out = np.asarray(_call(estimator, method, probe))
    return out[:0]


def as_record_array(X):
    """A 1-D object dask array holding one ``(n_steps, n_features)`` record per
    element, from a 3-D numeric dask array.

    dask-ml's ``Incremental`` indexes blocks as if arrays had at most two
    dimensions; a 1-D array of records is a form it handles and the
    estimators read (a list of 2-D arrays, as for ragged series).

    >>> import dask.array as da, numpy as np
    >>> X = da.from_array(np.zeros((6, 4, 2)), chunks=(3, 4, 2))
    >>> R = as_record_array(X)
    >>> R.shape, R.dtype, R.compute()[0].shape
    ((6,), dtype('O'), (4, 2))
    """
    if not isinstance(X, da.Array) or X.ndim != 3:
        raise ValueError(
            "as_record_array takes a 3-D dask array (n_samples, n_steps, "
            f"n_features); got {type(X).__name__} with ndim={getattr(X, 'ndim', None)}."
        )
    X = X.rechunk({1: -1, 2: -1})
    return X.map_blocks(_rows_as_objects, drop_axis=[1, 2], dtype=object)


def _rows_as_objects(block):
    out = np.empty(len(block), dtype=object)
    out[:] = list(block)
    return out
