"""RNNEmbeddingTransformer: shapes, feature names, pandas output, pooling."""

import numpy as np
import pytest

from sklearn_rnn import RNNEmbeddingTransformer


def test_transform_shape_and_names(cat_words):
    """Check that transform returns (n_samples, hidden_size) and named features."""
    X, y = cat_words
    rnn = RNNEmbeddingTransformer(hidden_size=5, max_iter=2, random_state=0)
    Xt = rnn.fit_transform(X, y)
    assert Xt.shape == (4, 5) and Xt.dtype == np.float64
    np.testing.assert_allclose(Xt, rnn.transform(X), rtol=1e-6)
    names = rnn.get_feature_names_out()
    assert list(names) == [f"rnnembeddingtransformer{i}" for i in range(5)]


def test_set_output_pandas(cat_words):
    """Check set_output(transform='pandas') gives a DataFrame with those names."""
    pd = pytest.importorskip("pandas")
    X, y = cat_words
    rnn = RNNEmbeddingTransformer(hidden_size=3, max_iter=2, random_state=0)
    df = rnn.set_output(transform="pandas").fit(X, y).transform(X)
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == list(rnn.get_feature_names_out())


def test_bidirectional_doubles_the_embedding(cat_words):
    """Check that a bidirectional network embeds both final states."""
    X, y = cat_words
    rnn = RNNEmbeddingTransformer(
        hidden_size=4, bidirectional=True, max_iter=2, random_state=0
    ).fit(X, y)
    assert rnn.transform(X).shape == (4, 8)
    assert len(rnn.get_feature_names_out()) == 8


@pytest.mark.parametrize("pooling", ["last", "mean", "max"])
def test_pooling_ignores_padding(pooling, cat_words):
    """Check that a record embeds the same alone or next to a much longer one."""
    X, y = cat_words
    rnn = RNNEmbeddingTransformer(
        hidden_size=4, pooling=pooling, max_iter=2, random_state=0
    ).fit(X, y)
    alone = rnn.transform(["kat"])
    with_long = rnn.transform(["kat", "katzekatzekatzekatze"])[:1]
    np.testing.assert_allclose(alone, with_long, rtol=1e-6, atol=1e-7)
    assert np.all(rnn.transform([""]) == 0)


def test_float32_input_gives_float32_output():
    """Check dtype conventions: float32 in, float32 out; float64 otherwise."""
    X = np.random.default_rng(0).normal(size=(30, 4))
    y = np.arange(30) % 2
    rnn = RNNEmbeddingTransformer(hidden_size=3, max_iter=2, random_state=0)
    assert rnn.fit(X, y).transform(X.astype(np.float32)).dtype == np.float32
    assert rnn.transform(X).dtype == np.float64
