"""partial_fit: scikit-learn's streaming conventions on every estimator."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_rnn import (
    RNNEmbeddingTransformer,
    RNNSequenceClassifier,
    RNNSequenceRegressor,
    RNNSequenceTagger,
)

SMALL = dict(hidden_size=8, learning_rate_init=0.02, random_state=0)


def test_streaming_surnames_comes_close_to_fit():
    """Check that 20 chunks for 5 passes reach within 0.03 of fit's accuracy
    with the same number of epochs (the first chunk fixes the vocabulary)."""
    from sklearn.model_selection import train_test_split

    from sklearn_rnn.datasets import load_surnames

    X, y = load_surnames(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, stratify=y, random_state=0)
    chunks = np.array_split(np.random.default_rng(0).permutation(len(X_tr)), 20)
    stream = RNNSequenceClassifier(random_state=0)
    for _ in range(5):
        for chunk in chunks:
            stream.partial_fit(X_tr[chunk], y_tr[chunk], classes=np.unique(y))
    assert stream.n_iter_ == 100 and len(stream.loss_curve_) == 100
    fit = RNNSequenceClassifier(random_state=0, max_iter=5, early_stopping=False)
    fit.fit(X_tr, y_tr)
    assert stream.score(X_te, y_te) >= fit.score(X_te, y_te) - 0.03


def test_classes_conventions(language_words):
    """Check classes: required first, subsets later, unknown labels refused."""
    X, y = language_words
    clf = RNNSequenceClassifier(**SMALL)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[:10], y[:10], classes=["de", "en", "fr"])
    assert list(clf.classes_) == ["de", "en", "fr"]
    only_fr = np.asarray(y) == "fr"
    clf.partial_fit(np.asarray(X)[only_fr], np.asarray(y)[only_fr])  # a subset
    with pytest.raises(ValueError, match=r"labels not in classes: \['it'\]"):
        clf.partial_fit(["ciao"], ["it"])
    with pytest.raises(ValueError, match="is not the same as on the first call"):
        clf.partial_fit(X, y, classes=["de", "en"])
    assert clf.predict_proba(X).shape == (len(X), 3)


def test_calls_are_reproducible_pickle_and_continue_and_fit_starts_over(
    language_words,
):
    """Check that a sequence of calls reproduces, survives pickling between
    calls exactly (a stream's model is saved with its optimizer's moments:
    dask-ml's Incremental pickles it whenever the next block runs on another
    worker), and that fit starts over."""
    X, y = language_words
    classes = np.unique(y)

    def stream(pickle_between):
        clf = RNNSequenceClassifier(**SMALL)
        for start in range(0, len(X), 60):
            clf.partial_fit(
                X[start : start + 60], y[start : start + 60], classes=classes
            )
            if pickle_between:
                clf = pickle.loads(pickle.dumps(clf))
        return clf

    a, b = stream(False), stream(True)
    assert_allclose(a.predict_proba(X), stream(False).predict_proba(X))
    assert_allclose(b.predict_proba(X), stream(True).predict_proba(X))
    assert a.loss_curve_ == b.loss_curve_ and a.n_iter_ == b.n_iter_ == 3
    assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    # Without the moments the same calls make other updates.
    fresh = pickle.loads(pickle.dumps(b))
    del fresh._optimizer_state_
    fresh.partial_fit(X[:60], y[:60])
    b.partial_fit(X[:60], y[:60])
    assert not np.array_equal(fresh.predict_proba(X), b.predict_proba(X))
    a.set_params(max_iter=2).fit(X, y)
    assert a.n_iter_ <= 2  # fit discards the stream's state


def test_vocabulary_and_shape_fixed_at_the_first_call():
    """Check that later symbols read as unknown and the input shape is kept."""
    clf = RNNSequenceClassifier(**SMALL).partial_fit(
        ["ab", "ba"], [0, 1], classes=[0, 1]
    )
    vocabulary = dict(clf.encoder_.vocabulary_)
    clf.partial_fit(["xyz", "ab"], [0, 1])
    assert clf.encoder_.vocabulary_ == vocabulary
    reg = RNNSequenceRegressor(**SMALL).partial_fit(np.ones((4, 5)), np.arange(4.0))
    with pytest.raises(ValueError, match="features"):
        reg.partial_fit(np.ones((4, 6)), np.arange(4.0))


def test_regressor_tagger_and_transformer_stream():
    """Check partial_fit on the other estimators: losses fall over passes."""
    rng = np.random.default_rng(0)
    series = [
        np.sin(np.arange(n) * f)
        for n, f in zip(rng.integers(5, 30, 60), rng.uniform(0.1, 1, 60))
    ]
    target = np.array([s.std() for s in series])
    reg = RNNSequenceRegressor(**SMALL)
    for _ in range(8):
        reg.partial_fit(series, target)
    assert reg.loss_curve_[-1] < reg.loss_curve_[0]
    X = [["the", "dog"], ["a", "cat", "runs"]] * 10
    y = [["DET", "NOUN"], ["DET", "NOUN", "VERB"]] * 10
    tagger = RNNSequenceTagger(**SMALL)
    with pytest.raises(ValueError, match="classes must be passed"):
        tagger.partial_fit(X, y)
    for _ in range(8):
        tagger.partial_fit(X, y, classes=["DET", "NOUN", "VERB"])
    assert tagger.loss_curve_[-1] < tagger.loss_curve_[0]
    assert tagger.predict(X[:2]).tolist() == y[:2]
    rnn = RNNEmbeddingTransformer(**SMALL)
    for _ in range(3):
        rnn.partial_fit(["abcabc", "abab", "cba"])  # no labels: next symbol
    assert rnn.task_.kind == "next" and rnn.transform(["ab"]).shape == (1, 8)
