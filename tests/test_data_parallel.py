"""Data-parallel training (``n_workers``): several worker processes, each
computing its share of every batch, train the network a one-process fit
trains. With dropout off, the parameters agree to float32 rounding."""

import pickle
from contextlib import contextmanager

import joblib
import numpy as np
import pytest
from sklearn.base import clone

from sklearn_rnn import (
    RNNEmbeddingTransformer,
    RNNSequenceClassifier,
    RNNSequenceRegressor,
    RNNSequenceTagger,
)

# Dropout off (its masks are drawn per worker); one thread per worker.
EXACT = dict(dropout=0.0, hidden_size=8, max_iter=3, random_state=0, n_threads=1)
# The tagger also drops whole symbols (symbol_dropout) by default.
TAGGER = dict(EXACT, symbol_dropout=0.0)
# Float32 sums of two shares against one sum, over a few dozen updates, which
# Adam divides by the root of their squares (the largest gaps are in small
# weights of the wide term, which reads 9,996 features).
ATOL, RTOL = 5e-5, 1e-4


def _series(n=150, length=30, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, length))
    return X, (X[:, -5:].mean(1) > 0).astype(int)


def _words(n=90, seed=0):
    rng = np.random.default_rng(seed)
    vocab = ["the", "a", "cat", "dog", "sat", "ran", "on", "mat", "fast"]
    tags = {"the": "DET", "a": "DET", "on": "ADP", "fast": "ADV", "mat": "NOUN"}
    tags |= {"cat": "NOUN", "dog": "NOUN", "sat": "VERB", "ran": "VERB"}
    X = [list(rng.choice(vocab, rng.integers(1, 7))) for _ in range(n)]
    return X, [[tags[w] for w in s] for s in X]


def _assert_same_network(one, many):
    a = dict(one.module_.named_parameters())
    b = dict(many.module_.named_parameters())
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_allclose(
            b[name].detach().numpy(),
            a[name].detach().numpy(),
            atol=ATOL,
            rtol=RTOL,
            err_msg=name,
        )
    np.testing.assert_allclose(many.loss_curve_, one.loss_curve_, rtol=1e-5)


def _fit_both(make, X, y=None, **fit):
    one = make(n_workers=1).fit(X, y, **fit)
    many = make(n_workers=2).fit(X, y, **fit)
    _assert_same_network(one, many)
    return one, many


def test_classifier_on_series_equals_one_process():
    X, y = _series()
    one, many = _fit_both(lambda **k: RNNSequenceClassifier(**EXACT, **k), X, y)
    np.testing.assert_allclose(many.predict_proba(X), one.predict_proba(X), atol=1e-5)


def test_held_out_records_and_early_stopping_decide_alike():
    # 600 strings: a tenth held out, the weight average on, sample weights.
    rng = np.random.default_rng(1)
    X = ["".join(rng.choice(list("abcd"), rng.integers(1, 9))) for _ in range(600)]
    y = np.array([s.count("a") > s.count("b") for s in X]).astype(int)
    weight = rng.uniform(0.5, 2.0, len(X))
    one, many = _fit_both(
        lambda **k: RNNSequenceClassifier(**EXACT, **k),
        X,
        y,
        sample_weight=weight,
    )
    assert len(many.validation_loss_curve_) == len(one.validation_loss_curve_)
    np.testing.assert_allclose(
        many.validation_loss_curve_, one.validation_loss_curve_, rtol=1e-5
    )


def test_regressor_equals_one_process():
    X, _ = _series(seed=2)
    y = X[:, -3:].sum(1)
    _fit_both(lambda **k: RNNSequenceRegressor(**EXACT, **k), X, y)


@pytest.mark.parametrize("use_crf", [False, True])
def test_tagger_equals_one_process(use_crf):
    # Per-step losses (and the CRF's whole-sequence one) are divided by the
    # whole batch's steps; the word lookups are updated by rows.
    X, y = _words()
    _fit_both(
        lambda **k: RNNSequenceTagger(**TAGGER, use_crf=use_crf, batch_size=16, **k),
        X,
        y,
    )


def test_language_model_without_labels_equals_one_process():
    X = ["abcabc", "bca", "cab", "aabbcc", "ccba", "a"] * 10
    # Its variational dropout on the state ("auto": 0.25) off too.
    make = lambda **k: RNNEmbeddingTransformer(**EXACT, recurrent_dropout=0.0, **k)  # noqa: E731
    _fit_both(make, X)


@pytest.mark.parametrize("wide", [True, False])
def test_a_last_batch_smaller_than_the_workers(wide):
    # 7 records in batches of 3: the last batch has one record, and the
    # second worker's share of it is empty.
    X, y = _series(n=7)
    y[:3] = [0, 1, 0]
    # (The empty share's gradients once came back in the wrong layout for
    # the column-major U, which the fused optimizer then misread.)
    make = lambda **k: RNNSequenceClassifier(  # noqa: E731
        **EXACT, wide=wide, batch_size=3, **k
    )
    _fit_both(make, X, y)


def test_partial_fit_continues_alike():
    X, y = _series(seed=3)
    one = RNNSequenceClassifier(**EXACT)
    many = RNNSequenceClassifier(**EXACT, n_workers=2)
    for est in (one, many):
        est.partial_fit(X[:80], y[:80], classes=[0, 1])
        est.partial_fit(X[80:], y[80:])
    _assert_same_network(one, many)


def test_the_fitted_model_is_an_ordinary_one():
    X, y = _series(n=60)
    many = RNNSequenceClassifier(**EXACT, n_workers=2).fit(X, y)
    again = pickle.loads(pickle.dumps(many))
    np.testing.assert_array_equal(again.predict_proba(X), many.predict_proba(X))
    assert clone(many).get_params()["n_workers"] == 2
    # Training on from it runs in this process.
    again.set_params(n_workers=1, warm_start=True, max_iter=1).fit(X, y)


def test_dropout_trains_to_the_same_accuracy():
    X, y = _series(n=300, seed=4)
    kw = dict(hidden_size=8, max_iter=20, random_state=0, n_threads=1)
    one = RNNSequenceClassifier(wide=False, **kw).fit(X[:200], y[:200])
    many = RNNSequenceClassifier(wide=False, n_workers=2, **kw).fit(X[:200], y[:200])
    assert abs(one.score(X[200:], y[200:]) - many.score(X[200:], y[200:])) < 0.1


def test_threads_of_this_process_are_refused():
    X, y = _series(n=20)
    with joblib.parallel_config(backend="threading"):
        with pytest.raises(ValueError, match="runs tasks in this process"):
            RNNSequenceClassifier(**EXACT, n_workers=2).fit(X, y)


def test_per_record_updates_are_refused():
    X, y = _series(n=20)
    with pytest.raises(ValueError, match="fit_mode='sgd'.*n_workers=2"):
        RNNSequenceClassifier(**EXACT, n_workers=2, fit_mode="sgd").fit(X, y)


@pytest.mark.parametrize("bad", [0, -1, 1.5])
def test_bad_worker_counts_are_refused(bad):
    X, y = _series(n=20)
    with pytest.raises(ValueError, match="n_workers"):
        RNNSequenceClassifier(n_workers=bad).fit(X, y)


@contextmanager
def _dask_backend(workers: int):
    """joblib's dask backend on a LocalCluster of single-threaded processes."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster),
        joblib.parallel_config(backend="dask"),
    ):
        yield


def test_dask_workers_train_the_same_network():
    X, y = _series(n=90, seed=5)
    make = lambda **k: RNNSequenceClassifier(**EXACT, **k)  # noqa: E731
    one = make().fit(X, y)
    with _dask_backend(2):
        many = make(n_workers=2).fit(X, y)
    _assert_same_network(one, many)


def test_a_cluster_with_too_few_slots_is_refused_at_once():
    # Two workers that wait for each other on one slot would wait forever.
    X, y = _series(n=20)
    with _dask_backend(1):
        with pytest.raises(ValueError, match="dask backend runs 1 task"):
            RNNSequenceClassifier(**EXACT, n_workers=2).fit(X, y)
