"""RNNEmbeddingTransformer: shapes, feature names, pandas output, pooling."""

import re

import numpy as np
import pytest

from sklearn_rnn import RNNEmbeddingTransformer


def test_transform_shape_and_names(cat_words):
    """Check that transform returns (n_samples, width) and named features:
    fitted on labels, pooling="auto" is the classifier's concat pooling
    (final state, mean and max: three times hidden_size)."""
    X, y = cat_words
    rnn = RNNEmbeddingTransformer(hidden_size=5, max_iter=2, random_state=0)
    Xt = rnn.fit_transform(X, y)
    assert rnn.module_.pooling == "concat"
    assert Xt.shape == (4, 15) and Xt.dtype == np.float64
    np.testing.assert_allclose(Xt, rnn.transform(X), rtol=1e-6)
    names = rnn.get_feature_names_out()
    assert list(names) == [f"rnnembeddingtransformer{i}" for i in range(15)]


@pytest.mark.parametrize(
    "y, pooling, series",
    [
        (None, "last", False),
        (None, "concat", True),
        ("labels", "concat", False),
        ("numbers", "concat", False),
    ],
)
def test_auto_pooling_follows_the_objective(cat_words, y, pooling, series):
    """Check that pooling="auto" reads the final state for the language
    model of symbols, the final state, mean and max for that of numeric
    series, and the classifier's concat pooling for labels and targets, and
    that a warm start keeps what "auto" resolved to."""
    X, labels = cat_words
    if series:
        X = [np.cos(np.arange(len(x) + 3.0)) for x in X]
    targets = {"labels": labels, "numbers": np.arange(len(X), dtype=float)}
    rnn = RNNEmbeddingTransformer(
        hidden_size=4, max_iter=2, warm_start=True, random_state=0
    )
    rnn.fit(X, targets.get(y))
    assert rnn.module_.pooling == pooling
    width = rnn.transform(X).shape[1]
    rnn.fit(X, targets.get(y))  # continues: the same architecture
    assert rnn.module_.pooling == pooling and rnn.transform(X).shape[1] == width
    explicit = RNNEmbeddingTransformer(hidden_size=4, max_iter=2, pooling="max")
    assert explicit.fit(X, targets.get(y)).module_.pooling == "max"


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
        hidden_size=4, bidirectional=True, pooling="last", max_iter=2, random_state=0
    ).fit(X, y)
    assert rnn.transform(X).shape == (4, 8)
    assert len(rnn.get_feature_names_out()) == 8


@pytest.mark.parametrize("pooling", ["last", "mean", "max", "concat"])
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


# ----------------------------------------------------------- without labels
def test_objective_auto_follows_y(language_words):
    """Check that "auto" learns without y, regresses continuous y and
    classifies labels."""
    X, y = language_words
    params = dict(hidden_size=6, max_iter=2, random_state=0)
    kinds = {}
    for name, target in [
        ("none", None),
        ("labels", y),
        ("numbers", np.linspace(0, 1, len(X))),
    ]:
        rnn = RNNEmbeddingTransformer(**params)
        width = 6 if target is None else 18  # pooling="auto": h_T, or concat
        assert rnn.fit_transform(X, target).shape == (len(X), width)
        kinds[name] = rnn.task_.kind
    assert kinds == {
        "none": "next",
        "labels": "classification",
        "numbers": "regression",
    }
    assert not hasattr(RNNEmbeddingTransformer(**params).fit(X), "classes_")
    # A refit for another objective forgets the classes of the previous one.
    rnn = RNNEmbeddingTransformer(**params).fit(X, y)
    assert list(rnn.classes_) == sorted(set(y))
    assert not hasattr(rnn.fit(X), "classes_")


def test_next_objective_ignores_y(language_words):
    """Check that objective="next" gives the same embedding whatever y is, so
    it never sees the labels of the Pipeline it sits in."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    X, y = language_words
    params = dict(objective="next", hidden_size=6, max_iter=3, random_state=0)
    plain = RNNEmbeddingTransformer(**params).fit_transform(X)
    shuffled = RNNEmbeddingTransformer(**params).fit_transform(X, np.roll(y, 7))
    np.testing.assert_array_equal(plain, shuffled)
    pipe = make_pipeline(RNNEmbeddingTransformer(**params), LogisticRegression()).fit(
        X, y
    )
    np.testing.assert_array_equal(pipe[0].transform(X), plain)


def test_language_model_learns_the_next_symbol():
    """Check that the next-symbol objective learns: on strings that repeat
    "abc", the loss falls far below that of guessing among the symbols."""
    X = ["abc" * k for k in range(1, 8)] * 10
    rnn = RNNEmbeddingTransformer(
        hidden_size=16,
        max_iter=40,
        learning_rate_init=0.02,
        dropout=0.0,
        random_state=0,
    ).fit(X)
    n_classes = len(rnn.task_.classes_)  # a, b, c and "end"
    assert n_classes == 4
    assert rnn.loss_curve_[-1] < 0.25 * np.log(n_classes)


def test_numeric_next_step_objective():
    """Check that numeric series learn to predict their next step, and that
    series without a second step leave nothing to learn (a clear error)."""
    rng = np.random.default_rng(0)
    X = [
        np.sin(0.3 * np.arange(n) + rng.uniform(0, 6)) for n in rng.integers(10, 30, 40)
    ]
    rnn = RNNEmbeddingTransformer(
        hidden_size=16, max_iter=40, learning_rate_init=0.02, random_state=0
    ).fit(X)
    assert rnn.loss_curve_[-1] < 0.1 * rnn.loss_curve_[0]
    with pytest.raises(ValueError, match="at least 2 steps"):
        RNNEmbeddingTransformer(max_iter=1).fit([np.array([1.0]), np.array([2.0])])


@pytest.mark.parametrize("kind", ["text", "series"])
def test_language_model_embeds_with_every_pooling(kind, cat_words):
    """Check that objective="next" trains the same network whatever the
    pooling (its head reads every step's state), and that the embedding is
    the chosen pooling of it: concat's first block is the final state."""
    if kind == "text":
        X, _ = cat_words
    else:
        X = np.random.default_rng(0).normal(size=(8, 12, 2))
    embeddings = {
        pooling: RNNEmbeddingTransformer(
            hidden_size=4, pooling=pooling, max_iter=3, random_state=0
        ).fit_transform(X)
        for pooling in ("last", "mean", "max", "concat")
    }
    assert embeddings["concat"].shape == (len(X), 12)
    np.testing.assert_array_equal(
        embeddings["concat"],
        np.hstack([embeddings[p] for p in ("last", "mean", "max")]),
    )


def test_next_objective_refuses_a_backward_reader(language_words):
    """Check that objective="next" with bidirectional=True is refused: the
    backward direction has already read the step it should predict."""
    X, _ = language_words
    message = (
        "objective='next' predicts each step from the steps before it; a "
        "bidirectional network would read the answer from the backward "
        "direction. Set bidirectional=False."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        RNNEmbeddingTransformer(objective="next", bidirectional=True).fit(X)


def test_continuing_refuses_another_objective(language_words):
    """Check that a warm start or partial_fit cannot switch the objective,
    while both continue the same objective, resolved from the same y."""
    X, y = language_words
    rnn = RNNEmbeddingTransformer(hidden_size=6, max_iter=2, warm_start=True)
    rnn.fit(X, y)
    message = re.escape(
        "The fitted network was trained for 'classification'; continuing it "
        "(warm_start or partial_fit) asks for 'next'. Call fit with "
        "warm_start=False to train a new network."
    )
    with pytest.raises(ValueError, match=message):
        rnn.fit(X)
    with pytest.raises(ValueError, match=message):
        rnn.partial_fit(X)
    rnn.fit(X, y)
    rnn.partial_fit(X, y)
    assert rnn.task_.kind == "classification" and rnn.n_iter_ == 5


def test_continuing_compares_the_resolved_ngram_range(language_words):
    """Check that a warm start compares what "auto" resolves to: a network
    fitted with ngram_range=(1, 3) cannot continue as "auto" (here (1, 1)),
    while "auto" continuing an "auto" fit, or an explicit value equal to the
    resolved one, is accepted."""
    X, _ = language_words
    params = dict(hidden_size=4, max_iter=1, warm_start=True)
    rnn = RNNEmbeddingTransformer(ngram_range=(1, 3), **params).fit(X)
    with pytest.raises(ValueError, match=r"\['ngram_range'\] changed"):
        rnn.set_params(ngram_range="auto").fit(X)
    assert rnn.encoder_.ngram_range == (1, 3)  # the fitted model is untouched
    auto = RNNEmbeddingTransformer(**params).fit(X)
    auto.fit(X)
    auto.set_params(ngram_range=(1, 1)).fit(X)
    assert auto.encoder_.ngram_range == (1, 1)


@pytest.mark.parametrize(
    "y_kind, objective, expected",
    [
        ("none", "auto", ((1, 1), 0.25, 32, None)),
        ("labels", "next", ((1, 1), 0.25, 32, None)),
        ("labels", "auto", ((1, 2), 0.0, 64, 0.98)),
        ("numbers", "auto", ((1, 2), 0.0, 64, 0.98)),
    ],
)
def test_auto_settings_follow_the_objective(
    language_words, y_kind, objective, expected
):
    """Check that ngram_range, recurrent_dropout, batch_size and ema_decay
    "auto" take the language model's settings for objective "next" and the
    supervised network's otherwise, and that the fit really uses them."""
    X, y = language_words
    target = {"none": None, "labels": y, "numbers": np.linspace(0, 1, len(X))}
    rnn = RNNEmbeddingTransformer(
        objective=objective, hidden_size=4, max_iter=1, early_stopping=False
    ).fit(X, target[y_kind])
    ngram_range, recurrent_dropout, batch_size, ema_decay = expected
    assert rnn.encoder_.ngram_range == ngram_range
    assert rnn.module_.recurrent_dropout == recurrent_dropout
    assert len(rnn.net_.history[-1, "batches"]) == -(-len(X) // batch_size)
    averaging = dict(rnn.net_.callbacks_).get("averaging")
    assert (averaging and averaging.decay) == ema_decay
    assert rnn.get_params()["batch_size"] == "auto"  # the parameter stays as given


def test_explicit_settings_win_over_auto(language_words):
    """Check that values set by the user are used as given, and that packed
    training (no recurrent dropout) resolves "auto" to 0 instead of failing."""
    X, _ = language_words
    rnn = RNNEmbeddingTransformer(
        ngram_range=(1, 3),
        recurrent_dropout=0.1,
        batch_size=5,
        ema_decay=0.9,
        hidden_size=4,
        max_iter=1,
    ).fit(X)
    assert dict(rnn.net_.callbacks_)["averaging"].decay == 0.9
    assert rnn.encoder_.ngram_range == (1, 3)
    assert rnn.module_.recurrent_dropout == 0.1
    assert len(rnn.net_.history[-1, "batches"]) == -(-len(X) // 5)
    packed = RNNEmbeddingTransformer(fit_mode="packed", hidden_size=4, max_iter=1).fit(
        X
    )
    assert packed.module_.recurrent_dropout == 0.0
    with pytest.raises(ValueError, match="recurrent_dropout needs a step-by-step"):
        RNNEmbeddingTransformer(fit_mode="packed", recurrent_dropout=0.1).fit(X)


def test_language_model_embeddings_export_with_their_pooling():
    """The concat pooling of a numeric next-step model (a head sized for one
    step's state) travels through export_network to standalone.py."""
    from sklearn_rnn.export import export_network
    from sklearn_rnn.standalone import StandaloneRNN

    rng = np.random.default_rng(0)
    X = [rng.normal(size=(n, 2)) for n in (5, 30, 31, 12, 40)] * 3
    rnn = RNNEmbeddingTransformer(hidden_size=4, max_iter=3, random_state=0).fit(X)
    assert rnn.module_.pooling == "concat"
    np.testing.assert_allclose(
        StandaloneRNN(export_network(rnn)).embed(X), rnn.transform(X), atol=1e-6
    )
