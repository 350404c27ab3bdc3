"""dask: inference on every collection form, dask-ml's wrappers, training
from blocks, and a search on a real LocalCluster (the "dask" extra)."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV

pytest.importorskip("dask.dataframe")
pytest.importorskip("distributed")
import dask  # noqa: E402
import dask.array as da  # noqa: E402
import dask.bag as db  # noqa: E402
import dask.dataframe as dd  # noqa: E402
import pandas as pd  # noqa: E402

from sklearn_rnn import (  # noqa: E402
    RNNEmbeddingTransformer,
    RNNSequenceClassifier,
    RNNSequenceRegressor,
)
from sklearn_rnn.dask import apply_blocks, as_record_array  # noqa: E402

TINY = dict(hidden_size=4, max_iter=3, random_state=0)
NAMES = np.array(["abc", "cba", "aab", "bba", "c", "ba", "acb"] * 9, dtype=object)
LABELS = np.array(["x", "y", "x", "y", "y", "y", "x"] * 9)


@pytest.fixture(autouse=True)
def synchronous():
    # The threaded tests need no pool; the cluster test sets its own client.
    with dask.config.set(scheduler="synchronous"):
        yield


@pytest.fixture(scope="module")
def clf():
    return RNNSequenceClassifier(**TINY).fit(NAMES, LABELS)


@pytest.fixture(scope="module")
def series3d():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 6, 3))
    return X, X[:, :, 0].sum(1)


@pytest.mark.parametrize("method", ["predict", "predict_proba"])
def test_apply_blocks_on_a_1d_string_array_equals_calling_the_model(clf, method):
    out = apply_blocks(clf, da.from_array(NAMES, chunks=10), method)
    expected = getattr(clf, method)(NAMES)
    assert out.shape == expected.shape and out.dtype == expected.dtype
    assert out.numblocks[0] == 7
    # Bitwise: a record's result does not depend on the block it is in.
    np.testing.assert_array_equal(out.compute(), expected)


def test_apply_blocks_on_3d_and_2d_numeric_arrays(series3d):
    X, y = series3d
    reg = RNNSequenceRegressor(**TINY).fit(X, y)
    # Chunks that split steps and features are merged: a record is never cut.
    out = apply_blocks(reg, da.from_array(X, chunks=(15, 4, 2)))
    assert out.shape == (40,)
    np.testing.assert_array_equal(out.compute(), reg.predict(X))

    X2 = X[:, :, 0]
    emb = RNNEmbeddingTransformer(**TINY).fit(X2)
    out = apply_blocks(emb, da.from_array(X2, chunks=(15, 3)), "transform")
    # A numeric language model embeds the final state, mean and max.
    assert out.shape == (40, 3 * emb.hidden_size)
    np.testing.assert_array_equal(out.compute(), emb.transform(X2))


def test_apply_blocks_on_a_bag_of_token_lists():
    docs = [["the", "cat"], ["a", "dog", "ran"], [], ["cat"]] * 5
    y = [0, 1, 1, 0] * 5
    clf = RNNSequenceClassifier(**TINY).fit(docs, y)
    bag = db.from_sequence(docs, npartitions=3)
    assert list(apply_blocks(clf, bag).compute()) == list(clf.predict(docs))
    probas = apply_blocks(clf, bag, "predict_proba").compute()
    np.testing.assert_array_equal(np.stack(probas), clf.predict_proba(docs))


def test_apply_blocks_on_a_dataframe_text_column(clf):
    frame = pd.DataFrame({"name": NAMES}, index=np.arange(100, 100 + len(NAMES)))
    ddf = dd.from_pandas(frame, npartitions=4)

    pred = apply_blocks(clf, ddf["name"]).compute()
    assert isinstance(pred, pd.Series)
    assert list(pred.index) == list(frame.index)  # rows keep their index
    np.testing.assert_array_equal(pred.to_numpy(), clf.predict(NAMES))

    proba = apply_blocks(clf, ddf, "predict_proba").compute()  # one-column frame
    assert list(proba.columns) == ["x", "y"]
    np.testing.assert_array_equal(proba.to_numpy(), clf.predict_proba(NAMES))

    emb = RNNEmbeddingTransformer(**TINY).fit(NAMES)
    out = ddf["name"].map_partitions(len).compute()  # partitions are non-trivial
    assert len(out) == 4
    emb_frame = apply_blocks(emb, ddf["name"], "transform").compute()
    assert list(emb_frame.columns) == list(emb.get_feature_names_out())


def test_apply_blocks_puts_the_model_in_the_graph_once(clf):
    out = apply_blocks(clf, da.from_array(NAMES, chunks=7), "predict")
    graph = dict(out.__dask_graph__())
    model_size = len(pickle.dumps(clf))
    task_sizes = sorted(len(pickle.dumps(task)) for task in graph.values())
    # Exactly one task is as large as the model; the ten block tasks refer to it.
    assert sum(size >= model_size for size in task_sizes) == 1
    assert sum(size < model_size / 4 for size in task_sizes) == len(graph) - 1


def test_apply_blocks_errors(clf):
    dX = da.from_array(NAMES, chunks=10)
    with pytest.raises(ValueError, match="method must be one of"):
        apply_blocks(clf, dX, "fit")
    with pytest.raises(AttributeError, match="no method 'transform'"):
        apply_blocks(clf, dX, "transform")
    with pytest.raises(Exception, match="not fitted"):
        apply_blocks(RNNSequenceClassifier(), dX)
    two = dd.from_pandas(pd.DataFrame({"a": NAMES, "b": NAMES}), npartitions=2)
    with pytest.raises(ValueError, match="one text column"):
        apply_blocks(clf, two)
    with pytest.raises(TypeError, match="dask Array, Bag, Series"):
        apply_blocks(clf, NAMES)
    with pytest.raises(ValueError, match="3-D dask array"):
        as_record_array(dX)


def test_parallel_post_fit_with_numeric_and_text_columns(series3d):
    wrappers = pytest.importorskip("dask_ml.wrappers")
    X, y = series3d
    X2 = X[:, :, 0]
    reg = wrappers.ParallelPostFit(RNNSequenceRegressor(**TINY)).fit(X2, y)
    out = reg.predict(da.from_array(X2, chunks=10)).compute()
    np.testing.assert_array_equal(out, reg.estimator.predict(X2))

    # dask-ml assumes 2-D input: a text column is X[:, None] (one-column
    # input is read as text), and the output metadata is given up front.
    clf = wrappers.ParallelPostFit(
        RNNSequenceClassifier(**TINY),
        predict_meta=np.array([], dtype=LABELS.dtype),
        predict_proba_meta=np.empty((0, 2)),
    ).fit(NAMES, LABELS)
    column = da.from_array(NAMES, chunks=10)[:, None]
    np.testing.assert_array_equal(
        clf.predict(column).compute(), clf.estimator.predict(NAMES)
    )
    assert clf.predict_proba(column).compute().shape == (len(NAMES), 2)


def test_incremental_trains_from_blocks_like_a_partial_fit_loop(series3d):
    wrappers = pytest.importorskip("dask_ml.wrappers")
    est = RNNSequenceClassifier(hidden_size=4, random_state=0)
    inc = wrappers.Incremental(clone(est), shuffle_blocks=False)
    inc.fit(
        da.from_array(NAMES, chunks=20),
        da.from_array(LABELS, chunks=20),
        classes=["x", "y"],
    )
    loop = clone(est)
    for start in range(0, len(NAMES), 20):
        part = slice(start, start + 20)
        loop.partial_fit(NAMES[part], LABELS[part], classes=["x", "y"])
    assert inc.estimator_.n_iter_ == loop.n_iter_ == 4
    np.testing.assert_array_equal(
        inc.estimator_.predict_proba(NAMES), loop.predict_proba(NAMES)
    )

    X, y = series3d  # 3-D: one record per element of a 1-D array
    inc = wrappers.Incremental(
        RNNSequenceRegressor(hidden_size=4, random_state=0), shuffle_blocks=False
    )
    inc.fit(as_record_array(da.from_array(X, chunks=(10, 6, 3))), da.from_array(y, 10))
    loop = RNNSequenceRegressor(hidden_size=4, random_state=0)
    for start in range(0, 40, 10):
        loop.partial_fit(X[start : start + 10], y[start : start + 10])
    np.testing.assert_array_equal(inc.estimator_.predict(X), loop.predict(X))


@pytest.fixture(scope="module")
def cluster_client():
    distributed = pytest.importorskip("distributed")
    with (
        # The active memory manager trims replicas no task waits for every 2 s
        # (ReduceReplicas): on a loaded machine it dropped one copy of a
        # broadcast model before the test could see both.
        dask.config.set({"distributed.scheduler.active-memory-manager.start": False}),
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def test_search_and_inference_on_a_local_cluster(cluster_client, clf):
    import joblib

    grid = {"hidden_size": [3, 5], "fit_mode": ["minibatch", "vectorized"]}
    est = RNNSequenceClassifier(max_iter=3, random_state=0)
    local = GridSearchCV(est, grid, cv=2).fit(NAMES, LABELS)
    with joblib.parallel_backend("dask"):
        remote = GridSearchCV(est, grid, cv=2, n_jobs=-1).fit(NAMES, LABELS)
    np.testing.assert_array_equal(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    assert remote.best_params_ == local.best_params_

    dist = {"hidden_size": [3, 4, 5, 6]}
    local = RandomizedSearchCV(est, dist, n_iter=2, cv=2, random_state=0)
    remote = clone(local).set_params(n_jobs=-1)
    local.fit(NAMES, LABELS)
    with joblib.parallel_backend("dask"):
        remote.fit(NAMES, LABELS)
    np.testing.assert_array_equal(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )

    # Inference on the workers: the model is scattered to both up front, and
    # the graph only refers to it.
    with dask.config.set(scheduler="dask.distributed"):
        out = apply_blocks(clf, da.from_array(NAMES, chunks=20), "predict_proba")
        model_size = len(pickle.dumps(clf))
        graph = dict(out.__dask_graph__())
        assert all(len(pickle.dumps(task)) < model_size / 4 for task in graph.values())
        np.testing.assert_array_equal(out.compute(), clf.predict_proba(NAMES))
        holders = cluster_client.who_has()
        assert any(len(workers) == 2 for workers in holders.values())  # broadcast


def test_apply_blocks_holds_up_to_repeated_concurrent_and_refitted_use(
    cluster_client, clf
):
    """Check the adapter on a real cluster as a user calls it: the same call
    again and again (each once failed with "lost dependencies" when the model
    was scattered under a key derived from its bytes), two computations at
    once with the same and another model, a model refitted in place between
    calls, and after client.restart()."""
    names = da.from_array(NAMES, chunks=9)
    bag = db.from_sequence(list(NAMES), npartitions=4)
    expected = clf.predict_proba(NAMES)
    other = RNNSequenceClassifier(**{**TINY, "random_state": 1}).fit(NAMES, LABELS)
    with dask.config.set(scheduler="dask.distributed"):
        for _ in range(20):
            out = apply_blocks(clf, names, "predict_proba").compute()
            np.testing.assert_array_equal(out, expected)
        assert apply_blocks(clf, bag).compute() == list(clf.predict(NAMES))

        same, again, theirs = dask.compute(
            apply_blocks(clf, names, "predict_proba"),
            apply_blocks(clf, names, "predict_proba"),
            apply_blocks(other, names, "predict_proba"),
        )
        np.testing.assert_array_equal(same, expected)
        np.testing.assert_array_equal(again, expected)
        np.testing.assert_array_equal(theirs, other.predict_proba(NAMES))

        model = clone(clf).fit(NAMES, LABELS)
        first = apply_blocks(model, names, "predict_proba").compute()
        model.set_params(random_state=7).fit(NAMES, LABELS)
        refitted = apply_blocks(model, names, "predict_proba").compute()
        np.testing.assert_array_equal(refitted, model.predict_proba(NAMES))
        assert not np.array_equal(first, refitted)

        cluster_client.restart()
        out = apply_blocks(clf, names, "predict_proba").compute()
        np.testing.assert_array_equal(out, expected)


def test_apply_blocks_twenty_times_with_a_real_sized_model(cluster_client):
    """The loop of the bug report with a model of the default size (hidden
    64, the wide term's 20,000 n-grams: megabytes, not the tiny model's
    kilobytes) on 10,000 names in blocks of 2,500."""
    from sklearn_rnn.datasets import load_surnames

    names, langs = load_surnames(return_X_y=True)
    names = np.asarray(names, dtype=object)
    model = RNNSequenceClassifier(max_iter=1, random_state=0).fit(names, langs)
    assert len(pickle.dumps(model)) > 1_000_000
    X = np.resize(names, 10_000)
    expected = model.predict(X)
    arr = da.from_array(X, chunks=2_500)
    column = dd.from_pandas(pd.DataFrame({"name": X}), npartitions=4)["name"]
    with dask.config.set(scheduler="dask.distributed"):
        for _ in range(20):
            np.testing.assert_array_equal(apply_blocks(model, arr).compute(), expected)
        for method in ("predict_proba", "predict_log_proba"):
            for _ in range(3):
                np.testing.assert_array_equal(
                    apply_blocks(model, arr, method).compute(),
                    getattr(model, method)(X),
                )
        for _ in range(3):  # a table's text column
            got = apply_blocks(model, column).compute()
            np.testing.assert_array_equal(np.asarray(got), expected)


def test_apply_blocks_completes_when_a_worker_dies_mid_computation(cluster_client):
    """Check that killing a worker process while blocks run still gives the
    complete result, equal to one process: its tasks run again elsewhere and
    the model has a copy on every worker."""
    import os
    import signal
    import time

    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 60, 3))
    model = RNNSequenceRegressor(hidden_size=32, max_iter=1, random_state=0)
    model.fit(X[:100], X[:100, :, 0].sum(1))
    expected = model.predict(X)
    pids = cluster_client.run(os.getpid)
    with dask.config.set(scheduler="dask.distributed"):
        future = cluster_client.compute(
            apply_blocks(model, da.from_array(X, chunks=(100, 60, 3)))
        )
        busy, deadline = [], time.monotonic() + 60
        while not busy and time.monotonic() < deadline:
            time.sleep(0.05)
            busy = [w for w, tasks in cluster_client.processing().items() if tasks]
        assert busy and not future.done(), "no worker was running the blocks"
        os.kill(pids[busy[0]], signal.SIGKILL)
        out = future.result(timeout=300)
    np.testing.assert_array_equal(out, expected)


def test_incremental_fit_survives_a_worker_killed_mid_fit(cluster_client):
    """Check that dask-ml's Incremental, training from blocks on the cluster,
    gives the same model as without the fault when the worker running a
    block's partial_fit is killed: the chain of partial_fit tasks is run again
    from the last result a live worker holds, and each partial_fit is
    deterministic (its shuffling and dropout are seeded from random_state and
    the number of calls so far)."""
    import os
    import signal
    import threading
    import time

    wrappers = pytest.importorskip("dask_ml.wrappers")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2400, 60, 3))
    y = X[:, :, 0].mean(1)
    blocks = as_record_array(da.from_array(X, chunks=(300, 60, 3)))
    target = da.from_array(y, chunks=300)
    params = {"hidden_size": 64, "random_state": 0}

    def fit():
        inc = wrappers.Incremental(
            RNNSequenceRegressor(**params), shuffle_blocks=True, random_state=0
        )
        return inc.fit(blocks, target).estimator_

    with dask.config.set(scheduler="dask.distributed"):
        expected = fit().predict(X[:50])
        pids = cluster_client.run(os.getpid)
        result = {}
        worker = threading.Thread(target=lambda: result.update(model=fit()))
        worker.start()

        # Wait until the third block's partial_fit (or a later one) runs,
        # then kill the worker running it: the blocks before are done.
        def fitting_block(key):
            return isinstance(key, tuple) and str(key[0]).startswith("fit-")

        busy, deadline = [], time.monotonic() + 120
        while time.monotonic() < deadline and worker.is_alive():
            time.sleep(0.02)
            busy = [
                w
                for w, keys in cluster_client.processing().items()
                if any(fitting_block(k) and k[-1] >= 2 for k in keys)
            ]
            if busy:
                break
        assert busy and worker.is_alive(), "the fit ended before a worker was killed"
        os.kill(pids[busy[0]], signal.SIGKILL)
        worker.join(timeout=600)
    assert not worker.is_alive()
    model = result["model"]
    assert model.n_iter_ == 8  # every block, once
    np.testing.assert_array_equal(model.predict(X[:50]), expected)
