"""Inputs that look odd but are legitimate: each gets a correct result."""

import numpy as np
import pytest

from sklearn_rnn import RNNEmbeddingTransformer, RNNSequenceClassifier

TINY = dict(hidden_size=4, max_iter=1, random_state=0)


def test_unknown_tokens_at_predict_act_as_missing_input(cat_words):
    """Check that unseen symbols are skipped by U (only W h + b acts)."""
    X, y = cat_words
    rnn = RNNEmbeddingTransformer(**TINY).fit(X, y)
    Xt = rnn.transform(["€€€", "xyq", "c"])
    assert np.isfinite(Xt).all()
    np.testing.assert_allclose(Xt[0], Xt[1], atol=1e-7)  # both: three unknown steps


@pytest.mark.parametrize(
    "X",
    [
        ["", "   ", "a b", "\t\n"],  # empty and whitespace-only strings
        ["café", "cafe\u0301", "naïve", "Ærø"],  # accents, a combining mark
        ["😀🐍", "👍🏽", "ok😀", "🐍"],  # emoji, skin-tone modifier
        ["שלום", "مرحبا", "hello", "עולם"],  # right-to-left scripts
    ],
)
def test_unusual_strings_fit_and_predict(X):
    """Check that empty, whitespace, unicode, emoji and RTL strings are handled."""
    y = [0, 1, 0, 1]
    clf = RNNSequenceClassifier(**TINY).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (4, 2) and np.isfinite(proba).all()
    assert set(clf.encoder_.vocabulary_) == set("".join(X))


def test_empty_strings_embed_as_h0(cat_words):
    """Check that an empty sequence's embedding is h_0 = 0."""
    X, y = cat_words
    rnn = RNNEmbeddingTransformer(**TINY).fit(X, y)
    assert np.all(rnn.transform([""]) == 0)


def test_ten_thousand_step_sequence():
    """Check that a 10,000-step sequence fits and transforms (no recursion/OOM)."""
    rng = np.random.default_rng(0)
    X = [rng.normal(size=10_000).astype(np.float32) * 0.1, rng.normal(size=50) * 0.1]
    rnn = RNNEmbeddingTransformer(
        hidden_size=8, max_iter=1, bptt_steps=100, random_state=0
    ).fit(X, [0, 1])
    Xt = rnn.transform(X)
    assert Xt.shape == (2, 8) and np.isfinite(Xt).all()


def test_hundred_thousand_token_vocabulary():
    """Check a 100k-token vocabulary: U is hidden x vocab, nothing vocab x vocab."""
    X = [
        [f"tok{i}", f"tok{i + 1}", f"tok{(i * 7) % 100_000}"]
        for i in range(0, 100_000, 2)
    ]
    y = np.arange(len(X)) % 2
    clf = RNNSequenceClassifier(
        hidden_size=8, max_iter=1, batch_size=4096, random_state=0
    ).fit(X, y)
    n_vocab = len(clf.encoder_.vocabulary_)
    assert n_vocab == 100_000
    sizes = [p.numel() for p in clf.module_.parameters()]
    assert max(sizes) == 8 * (n_vocab + 1)  # U; no parameter grows with vocab^2
    assert clf.predict(X[:5]).shape == (5,)


def test_token_lists_of_any_hashable():
    """Check token sequences of mixed hashable types (str, int, tuples)."""
    X = [["a", 1, ("x", 2)], [1, 1], ["a"], []]
    clf = RNNSequenceClassifier(**TINY).fit(X, [0, 1, 0, 1])
    assert clf.predict([["a", ("x", 2)], ["never"]]).shape == (2,)


def test_float32_and_float64_numeric_input_agree():
    """Check that float32 and float64 inputs give the same model."""
    X = np.random.default_rng(0).normal(size=(30, 6))
    y = np.arange(30) % 2
    a = RNNSequenceClassifier(**TINY).fit(X, y).predict_proba(X)
    b = RNNSequenceClassifier(**TINY).fit(X.astype(np.float32), y).predict_proba(X)
    np.testing.assert_allclose(a, b, rtol=1e-6)
    assert a.dtype == np.float64


def test_dataframe_input_keeps_feature_names():
    """Check a DataFrame of steps: names recorded, mismatches warned as in sklearn."""
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(
        np.random.default_rng(0).normal(size=(20, 3)), columns=["t0", "t1", "t2"]
    )
    clf = RNNSequenceClassifier(**TINY).fit(X, np.arange(20) % 2)
    assert list(clf.feature_names_in_) == ["t0", "t1", "t2"]
    with pytest.warns(UserWarning, match="feature names"):
        clf.predict(X.to_numpy())
