"""Property-based tests (hypothesis) on random ragged inputs.

Each example fits a tiny network for one epoch; the number of examples is kept
small so the file runs in seconds.
"""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sklearn_rnn import RNNEmbeddingTransformer, RNNSequenceClassifier

FAST = settings(
    max_examples=int(os.environ.get("SKLEARN_RNN_HYPOTHESIS_EXAMPLES", 12)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TINY = dict(hidden_size=4, max_iter=1, random_state=0)

texts = st.lists(st.text(max_size=12), min_size=2, max_size=12)
tokens = st.lists(
    st.lists(st.sampled_from(["a", "b", "cc", "d", "e"]), max_size=8),
    min_size=2,
    max_size=12,
)
numeric = st.integers(1, 3).flatmap(
    lambda f: st.lists(
        st.integers(0, 8).map(
            lambda n: np.linspace(-1, 1, n * f).reshape(n, f) if n else np.zeros((0, f))
        ),
        min_size=2,
        max_size=10,
    )
)
sequences = st.one_of(texts, tokens, numeric)


def _labels(n):
    return np.arange(n) % 2


@FAST
@given(X=sequences)
def test_shapes_and_dtypes(X):
    """Check fit/predict/transform shapes and dtypes on any ragged input."""
    y = _labels(len(X))
    clf = RNNSequenceClassifier(**TINY).fit(X, y)
    assert clf.predict(X).shape == (len(X),)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2) and proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    Xt = RNNEmbeddingTransformer(**TINY).fit(X, y).transform(X)
    assert Xt.shape == (len(X), 3 * 4) and np.isfinite(Xt).all()  # concat


@FAST
@given(X=sequences, seed=st.integers(0, 2**16))
def test_permuting_rows_permutes_outputs(X, seed):
    """Check that predictions follow a permutation of X, bitwise."""
    rnn = RNNEmbeddingTransformer(**TINY).fit(X, _labels(len(X)))
    perm = np.random.default_rng(seed).permutation(len(X))
    X_perm = [X[i] for i in perm]
    np.testing.assert_array_equal(rnn.transform(X_perm), rnn.transform(X)[perm])


@FAST
@given(X=sequences, n_repeat=st.integers(1, 4))
def test_batch_composition_invariance(X, n_repeat):
    """Check that a record embeds bitwise the same alone and among others."""
    rnn = RNNEmbeddingTransformer(**TINY).fit(X, _labels(len(X)))
    together = rnn.transform(list(X) * n_repeat)[: len(X)]
    alone = np.vstack([rnn.transform([x]) for x in X])
    np.testing.assert_array_equal(alone, together)


@FAST
@given(X=sequences)
def test_refit_with_same_random_state_reproduces(X):
    """Check that two fits with one random_state give identical results."""
    y = _labels(len(X))
    a = RNNSequenceClassifier(**{**TINY, "max_iter": 2}).fit(X, y).predict_proba(X)
    b = RNNSequenceClassifier(**{**TINY, "max_iter": 2}).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("inference_dtype", ["auto", "float32"])
@pytest.mark.parametrize("method", ["predict_proba", "transform"])
def test_concurrent_calls_match_sequential(method, inference_dtype, language_words):
    """Check that several threads predicting at once get the sequential results."""
    from concurrent.futures import ThreadPoolExecutor

    X, y = language_words
    Est = (
        RNNSequenceClassifier if method == "predict_proba" else RNNEmbeddingTransformer
    )
    model = Est(
        hidden_size=16,
        max_iter=2,
        cell="gru",
        inference_dtype=inference_dtype,
        random_state=0,
    ).fit(X, y)
    chunks = [X[i::4] for i in range(4)] * 4
    expected = [getattr(model, method)(c) for c in chunks]
    # Every call runs the same module object: shared state is exercised.
    shared = model._inference_module()
    assert shared is model._inference_module()
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(getattr(model, method), chunks))
    for got, want in zip(results, expected):
        np.testing.assert_array_equal(got, want)
