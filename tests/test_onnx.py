"""ONNX conversion: onnxruntime gives the library's results, in every setting
the graph expresses, alone and inside pipelines."""

import numpy as np
import pytest

pytest.importorskip("skl2onnx")
ort = pytest.importorskip("onnxruntime")

from skl2onnx import to_onnx  # noqa: E402
from skl2onnx.common.data_types import (  # noqa: E402
    FloatTensorType,
    Int64TensorType,
    StringTensorType,
)
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402

import sklearn_rnn.onnx as rnn_onnx  # noqa: E402
from sklearn_rnn import (  # noqa: E402
    RNNEmbeddingTransformer,
    RNNSequenceClassifier,
    RNNSequenceRegressor,
    RNNSequenceTagger,
)
from sklearn_rnn.datasets import load_surnames  # noqa: E402

TOL = 1e-5
TINY = {"hidden_size": 6, "max_iter": 2, "random_state": 0}
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def names():
    X, y = load_surnames(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(X))
    X, y = np.asarray(X, dtype=object)[order], np.asarray(y)[order]
    train, test = slice(0, 200), slice(1000, 1060)
    # Held-out names, plus what the graph must split as the library does:
    # the empty string, unseen symbols, spaces, a newline, non-ASCII.
    extra = np.array(["", "zzqqxx", "van der berg", "a\nb", "Øster"], dtype=object)
    return X[train], y[train], np.concatenate([X[test], extra])


def session(onx):
    return ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )


def run_classifier(model, inputs):
    onx = to_onnx(
        model,
        initial_types=rnn_onnx.input_types(model),
        options={id(model): {"zipmap": False}},
    )
    return session(onx).run(None, inputs)


STRING_SETTINGS = [
    {},
    {"cell": "rnn"},
    {"cell": "rnn", "nonlinearity": "relu", "pooling": "max"},
    {"cell": "lstm", "pooling": "mean"},
    {"cell": "gru", "bidirectional": True},
    {"cell": "lstm", "bidirectional": True, "num_layers": 2, "pooling": "concat"},
    {"cell": "rnn", "num_layers": 3, "pooling": "last", "wide": False},
    {"ngram_range": (1, 3), "wide_ngram_range": (2, 5)},
    {"ngram_range": (2, 3)},
    {"analyzer": "word"},
    {"analyzer": "word", "ngram_range": (1, 2), "bidirectional": True},
]


@pytest.mark.parametrize("params", STRING_SETTINGS, ids=str)
def test_classifier_on_strings_matches_library(names, params):
    X, y, X_test = names
    clf = RNNSequenceClassifier(**TINY, **params).fit(X, y)
    labels, proba = run_classifier(clf, {"X": X_test})
    np.testing.assert_allclose(proba, clf.predict_proba(X_test), atol=TOL, rtol=0)
    np.testing.assert_array_equal(labels, clf.predict(X_test))


def test_integer_labels_come_back_as_int64(names):
    X, y, X_test = names
    codes = np.unique(y, return_inverse=True)[1] * 3 + 1
    clf = RNNSequenceClassifier(**TINY).fit(X, codes)
    labels, _ = run_classifier(clf, {"X": X_test})
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, clf.predict(X_test))


def test_strings_as_a_column(names):
    X, y, X_test = names
    clf = RNNSequenceClassifier(**TINY).fit(X, y)
    onx = to_onnx(
        clf,
        initial_types=[("X", StringTensorType([None, 1]))],
        options={id(clf): {"zipmap": False}},
    )
    _, proba = session(onx).run(None, {"X": X_test.reshape(-1, 1)})
    np.testing.assert_allclose(proba, clf.predict_proba(X_test), atol=TOL, rtol=0)


@pytest.mark.parametrize(
    "params, supervised",
    [
        ({}, False),  # objective="next": a per-step head, pooled embedding
        ({"cell": "lstm", "pooling": "mean"}, False),
        ({"pooling": "concat"}, False),  # the next-step head reads one state
        ({"bidirectional": True, "pooling": "concat"}, True),
    ],
)
def test_transformer_embeddings_match(names, params, supervised):
    X, y, X_test = names
    rnn = RNNEmbeddingTransformer(**TINY, **params).fit(X, y if supervised else None)
    onx = to_onnx(rnn, initial_types=rnn_onnx.input_types(rnn))
    (embedding,) = session(onx).run(None, {"X": X_test})
    assert embedding.shape == (len(X_test), rnn.module_.embedding_size)
    np.testing.assert_allclose(embedding, rnn.transform(X_test), atol=TOL, rtol=0)


def test_pipeline_from_raw_strings(names):
    """The issue's case: embedding + random forest, one call, raw strings in."""
    X, y, X_test = names
    pipe = Pipeline(
        [
            ("rnn", RNNEmbeddingTransformer(**TINY)),
            ("rf", RandomForestClassifier(n_estimators=20, random_state=0)),
        ]
    ).fit(X, y)
    onx = to_onnx(pipe, X[:1], options={"zipmap": False})  # as the user guide
    labels, proba = session(onx).run(None, {"X": X_test})
    expected = pipe.predict_proba(X_test)
    np.testing.assert_allclose(proba, expected, atol=TOL, rtol=0)
    # The forest's votes are summed in float32 in ONNX: where two classes
    # tie exactly, either may win. Everywhere else the labels are the same.
    top2 = np.sort(expected, axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > TOL
    assert clear.mean() > 0.8
    np.testing.assert_array_equal(labels[clear], pipe.predict(X_test)[clear])


def test_column_transformer_with_other_columns(names):
    import pandas as pd

    X, y, X_test = names
    frame = pd.DataFrame({"name": X, "length": [float(len(s)) for s in X]})
    test = pd.DataFrame({"name": X_test, "length": [float(len(s)) for s in X_test]})
    pipe = Pipeline(
        [
            (
                "columns",
                ColumnTransformer(
                    [
                        ("rnn", RNNEmbeddingTransformer(**TINY), "name"),
                        ("num", "passthrough", ["length"]),
                    ]
                ),
            ),
            ("lr", LogisticRegression(max_iter=300)),
        ]
    ).fit(frame, y)
    onx = to_onnx(
        pipe,
        initial_types=[
            ("name", StringTensorType([None, 1])),
            ("length", FloatTensorType([None, 1])),
        ],
        options={LogisticRegression: {"zipmap": False}},
    )
    labels, proba = session(onx).run(
        None,
        {
            "name": X_test.reshape(-1, 1),
            "length": test[["length"]].to_numpy(np.float32),
        },
    )
    np.testing.assert_allclose(proba, pipe.predict_proba(test), atol=TOL, rtol=0)
    np.testing.assert_array_equal(labels, pipe.predict(test))


def _series(rng, n, n_features=2):
    scale = np.array([1.0, 50.0])[:n_features]
    return [
        rng.normal(size=(rng.integers(1, 40), n_features)) * scale + 100 * (scale > 1)
        for _ in range(n)
    ]


def _padded(series, fill=np.nan):
    """Right-padded [N, T, F] float32 (pad steps NaN: they must not matter)."""
    T = max(len(s) for s in series)
    out = np.full((len(series), T, series[0].shape[1]), fill, np.float32)
    for i, s in enumerate(series):
        out[i, : len(s)] = s
    return out, np.array([len(s) for s in series], np.int64)


@pytest.fixture(scope="module")
def series():
    rng = np.random.default_rng(1)
    X, X_test = _series(rng, 60), _series(rng, 25)
    y = np.array([s[:, 0].mean() > 0 for s in X]).astype(int)
    y_reg = np.array([s[:, 1].std() for s in X])
    return X, y, y_reg, X_test


NUMERIC_SETTINGS = [
    {},  # standardize="auto" (record view) and patch_size="auto"
    {"standardize": True, "patch_size": 1},
    {"standardize": False, "pooling": "mean", "cell": "rnn"},
    {"patch_size": 4, "cell": "lstm", "bidirectional": True, "num_layers": 2},
    # The convolutional front end, read every step (patches of 1), and at
    # strided steps of patches of 16.
    {"conv_filters": 3, "patch_size": 1},
    {"conv_filters": 2, "patch_size": 16, "wide": False},
    # Running kernel shares (with the record view and without), with and
    # without the front end.
    {"kernel_shares": 200, "patch_size": 3},
    {"kernel_shares": 100, "patch_size": 1, "standardize": True},
    {"kernel_shares": 100, "patch_size": 16, "conv_filters": 2, "wide": False},
]


@pytest.mark.parametrize("params", NUMERIC_SETTINGS, ids=str)
def test_numeric_classifier_and_regressor_match(series, params):
    X, y, y_reg, X_test = series
    values, lengths = _padded(X_test)
    clf = RNNSequenceClassifier(**TINY, **params).fit(X, y)
    labels, proba = run_classifier(clf, {"X": values, "lengths": lengths})
    np.testing.assert_allclose(proba, clf.predict_proba(X_test), atol=TOL, rtol=0)
    np.testing.assert_array_equal(labels, clf.predict(X_test))

    reg = RNNSequenceRegressor(**TINY, **params).fit(X, y_reg)
    onx = to_onnx(reg, initial_types=rnn_onnx.input_types(reg))
    (pred,) = session(onx).run(None, {"X": values, "lengths": lengths})
    expected = reg.predict(X_test)
    assert pred.shape == (len(X_test), 1)
    np.testing.assert_allclose(pred[:, 0], expected, rtol=TOL, atol=TOL)


@pytest.mark.parametrize(
    "params", [{"conv_filters": 3}, {"conv_filters": 3, "kernel_shares": 100}], ids=str
)
def test_numeric_embeddings_with_the_front_end_match(series, params):
    X, y, _, X_test = series
    values, lengths = _padded(X_test)
    rnn = RNNEmbeddingTransformer(**params, **TINY).fit(X, y)
    assert rnn.module_.conv_filters == 3
    onx = to_onnx(rnn, initial_types=rnn_onnx.input_types(rnn))
    (embedding,) = session(onx).run(None, {"X": values, "lengths": lengths})
    np.testing.assert_allclose(embedding, rnn.transform(X_test), atol=TOL, rtol=0)


def test_equal_length_series_need_no_lengths(series):
    X, y, _, _ = series
    rng = np.random.default_rng(2)
    values = rng.normal(size=(10, 12, 2)).astype(np.float32)
    clf = RNNSequenceClassifier(**TINY).fit(X, y)
    onx = to_onnx(
        clf,
        initial_types=[("X", FloatTensorType([None, None, 2]))],
        options={id(clf): {"zipmap": False}},
    )
    _, proba = session(onx).run(None, {"X": values})
    np.testing.assert_allclose(proba, clf.predict_proba(values), atol=TOL, rtol=0)


def test_univariate_series_as_a_matrix():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 15))
    y = (X[:, -3:].mean(1) > 0).astype(int)
    clf = RNNSequenceClassifier(**TINY).fit(X, y)
    onx = to_onnx(
        clf,
        initial_types=[("X", FloatTensorType([None, None]))],
        options={id(clf): {"zipmap": False}},
    )
    # Held-out records, as elsewhere here. Of these training records, one
    # has a convolution output 2e-7 from a bias drawn from another, so
    # float32 rounding decides which side of it that output falls in each
    # runtime (the user guide says so).
    held_out = rng.normal(size=(7, 15)).astype(np.float32)
    _, proba = session(onx).run(None, {"X": held_out})
    np.testing.assert_allclose(proba, clf.predict_proba(held_out), atol=TOL, rtol=0)


def test_model_fitted_on_strings_refuses_a_float_input(names):
    X, y, _ = names
    clf = RNNSequenceClassifier(**TINY).fit(X, y)
    with pytest.raises(rnn_onnx.NotConvertible, match="fitted on strings"):
        to_onnx(clf, initial_types=[("X", FloatTensorType([None, None, 1]))])


def test_token_lists_and_custom_analyzers_are_refused(names):
    X, y, _ = names
    tokens = [list(s) for s in X]
    clf = RNNSequenceClassifier(**TINY).fit(tokens, y)
    with pytest.raises(rnn_onnx.NotConvertible, match="token lists"):
        to_onnx(clf, initial_types=[("X", StringTensorType([None]))])
    custom = RNNSequenceClassifier(**TINY, analyzer=str.split).fit(X, y)
    with pytest.raises(rnn_onnx.NotConvertible, match="custom analyzer"):
        to_onnx(custom, initial_types=[("X", StringTensorType([None]))])


def test_old_opsets_are_refused_with_the_reason(names):
    X, y, _ = names
    clf = RNNSequenceClassifier(**TINY).fit(X, y)
    with pytest.raises(rnn_onnx.NotConvertible, match="opset 20"):
        to_onnx(clf, initial_types=rnn_onnx.input_types(clf), target_opset=18)


def test_tagger_says_why_it_has_no_converter():
    tagger = RNNSequenceTagger(**TINY).fit([["a", "b"], ["b"]], [["x", "y"], ["y"]])
    with pytest.raises(rnn_onnx.NotConvertible, match="token lists"):
        to_onnx(tagger, initial_types=[("X", StringTensorType([None]))])


def test_input_types():
    assert (
        rnn_onnx.input_types(RNNSequenceClassifier(**TINY).fit(["ab", "ba"], [0, 1]))[
            0
        ][1].__class__
        is StringTensorType
    )
    types = rnn_onnx.input_types(
        RNNSequenceRegressor(**TINY).fit(np.ones((4, 3, 2)), np.arange(4.0))
    )
    assert [type(t) for _, t in types] == [FloatTensorType, Int64TensorType]
    assert types[0][1].shape == [None, None, 2]
    with pytest.raises(ValueError, match="fitted sklearn-rnn estimator"):
        rnn_onnx.input_types(Pipeline([("lr", LogisticRegression())]))


def test_default_zipmap_output(names):
    """Without options, probabilities come as skl2onnx's default for every
    classifier: one {class: probability} dict per record."""
    X, y, X_test = names
    clf = RNNSequenceClassifier(**TINY).fit(X, y)
    labels, dicts = session(to_onnx(clf, X[:1])).run(None, {"X": X_test[:5]})
    expected = clf.predict_proba(X_test[:5])
    for row, probabilities in zip(expected, dicts):
        np.testing.assert_allclose(
            [probabilities[c] for c in clf.classes_], row, atol=TOL, rtol=0
        )
    np.testing.assert_array_equal(labels, clf.predict(X_test[:5]))
