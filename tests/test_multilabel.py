"""Multi-label targets: an indicator matrix, as MLPClassifier takes it (a
sigmoid per label, binary cross-entropy), through every fit mode, the wide
terms, early stopping, partial_fit, saving, ONNX and the transformer.
scikit-learn's own multi-label checks run in tests/test_common.py."""

import pickle

import numpy as np
import pytest

from sklearn_rnn import RNNEmbeddingTransformer, RNNSequenceClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def letters(n, seed=0):
    """Strings of a-f; label 0: an "a" in the first three letters, label 1:
    an "f" anywhere, label 2: at least two "b"s."""
    rng = np.random.default_rng(seed)
    X = ["".join(rng.choice(list("abcdef"), 8)) for _ in range(n)]
    Y = np.array(
        [[int("a" in s[:3]), int("f" in s), int(s.count("b") >= 2)] for s in X]
    )
    return X, Y


def series(n, seed=0):
    """Noise series; label 0: the first third's mean is positive, label 1:
    a peak above 1.8 in the last third."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 30))
    Y = np.stack([X[:, :10].mean(1) > 0, X[:, 20:].max(1) > 1.8], 1).astype(int)
    return X, Y


@pytest.mark.parametrize("mode", ["sgd", "minibatch", "vectorized", "packed"])
def test_every_fit_mode_learns_several_labels(mode):
    X, Y = letters(300)
    params = {"max_iter": 20} if mode == "sgd" else {}
    clf = RNNSequenceClassifier(fit_mode=mode, random_state=0, **params)
    clf.fit(X[:250], Y[:250])
    predicted = clf.predict(X[250:])
    assert predicted.shape == (50, 3) and predicted.dtype.kind == "i"
    assert set(np.unique(predicted)) <= {0, 1}
    assert (predicted == Y[250:]).mean() >= 0.9
    proba = clf.predict_proba(X[250:])
    assert proba.shape == (50, 3)
    # One sigmoid per label: the rows need not sum to one, and a label is
    # predicted where its probability is above one half.
    assert not np.allclose(proba.sum(1), 1.0)
    np.testing.assert_array_equal(predicted, (proba > 0.5).astype(int))
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X[250:])), proba)
    assert clf.classes_.tolist() == [0, 1, 2]


def test_numeric_series_and_the_wide_terms():
    X, Y = series(240)
    clf = RNNSequenceClassifier(random_state=0).fit(X[:200], Y[:200])
    # Each label better than always predicting its majority value.
    majority = np.maximum(Y[200:].mean(0), 1 - Y[200:].mean(0))
    assert ((clf.predict(X[200:]) == Y[200:]).mean(0) >= majority + 0.1).all()
    # The wide term started from its ridge fit and trained on.
    assert np.abs(clf.module_.V_kernels.detach().numpy()).max() > 0
    text = RNNSequenceClassifier(random_state=0).fit(*letters(200))
    assert np.abs(text.module_.V_bag.detach().numpy()).max() > 0


def test_early_stopping_and_the_held_out_temperature():
    X, Y = letters(600)
    clf = RNNSequenceClassifier(random_state=0).fit(X[:550], Y[:550])
    assert len(clf.validation_loss_curve_) == clf.n_iter_  # 500+: held out
    assert 0 < clf.temperature_ < 20
    assert (clf.predict(X[550:]) == Y[550:]).mean() >= 0.9


def test_partial_fit_needs_the_labels_first():
    X, Y = letters(200)
    clf = RNNSequenceClassifier(hidden_size=8, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed on the first"):
        clf.partial_fit(X[:100], Y[:100])
    clf.partial_fit(X[:100], Y[:100], classes=[0, 1, 2])
    clf.partial_fit(X[100:], Y[100:])
    assert clf.predict(X[:5]).shape == (5, 3) and clf.n_iter_ == 2


def test_bad_targets_are_named():
    X, Y = letters(40)
    with pytest.raises(ValueError, match="class_weight is not supported"):
        RNNSequenceClassifier(class_weight="balanced").fit(X, Y)
    clf = RNNSequenceClassifier(hidden_size=4, max_iter=2, random_state=0).fit(X, Y)
    with pytest.raises(ValueError, match="y has 2 labels; the previous fit had 3"):
        clf.set_params(warm_start=True).fit(X, Y[:, :2])


def test_saved_models_give_the_same_outputs(tmp_path):
    from sklearn_rnn.export import save_network
    from sklearn_rnn.standalone import load

    X, Y = letters(200)
    clf = RNNSequenceClassifier(hidden_size=8, random_state=0).fit(X, Y)
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    save_network(clf, tmp_path / "multilabel.pt")
    model = load(tmp_path / "multilabel.pt")
    np.testing.assert_array_equal(model.predict(X[:30]), clf.predict(X[:30]))
    in_float64 = pickle.loads(pickle.dumps(clf)).set_params(inference_dtype="float64")
    np.testing.assert_allclose(
        model.predict_proba(X[:30]), in_float64.predict_proba(X[:30]), atol=1e-10
    )
    sio = pytest.importorskip("skops.io")
    sio.dump(clf, tmp_path / "multilabel.skops")
    path = tmp_path / "multilabel.skops"
    restored = sio.load(path, trusted=sio.get_untrusted_types(file=path))
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))


def test_onnx_gives_the_indicator_and_the_sigmoids():
    pytest.importorskip("skl2onnx")
    ort = pytest.importorskip("onnxruntime")
    from skl2onnx import to_onnx

    import sklearn_rnn.onnx as rnn_onnx

    X, Y = letters(200)
    X = np.asarray(X, dtype=object)
    clf = RNNSequenceClassifier(hidden_size=8, random_state=0).fit(X, Y)
    onx = to_onnx(
        clf,
        initial_types=rnn_onnx.input_types(clf),
        options={id(clf): {"zipmap": False}},
    )
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    name = session.get_inputs()[0].name
    labels, proba = session.run(None, {name: X[:40]})
    np.testing.assert_array_equal(labels, clf.predict(X[:40]))
    np.testing.assert_allclose(proba, clf.predict_proba(X[:40]), atol=1e-5)


def test_the_transformer_learns_from_several_labels():
    X, Y = letters(300)
    transformer = RNNEmbeddingTransformer(random_state=0).fit(X[:250], Y[:250])
    assert type(transformer.task_).__name__ == "MultiLabelTask"
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    head = OneVsRestClassifier(LogisticRegression(max_iter=1000))
    head.fit(transformer.transform(X[:250]), Y[:250])
    assert (head.predict(transformer.transform(X[250:])) == Y[250:]).mean() >= 0.85


def test_the_transformer_streams_several_labels():
    X, Y = letters(100)
    transformer = RNNEmbeddingTransformer(hidden_size=8, random_state=0)
    transformer.partial_fit(X[:50], Y[:50]).partial_fit(X[50:], Y[50:])
    assert transformer.objective_ == "classification" and transformer.n_iter_ == 2
    assert transformer.transform(X[:3]).shape[0] == 3
