"""Saved models hold what prediction needs (lean pickles) and load with
skops trusting only this library's types."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from sklearn_rnn import (
    RNNEmbeddingTransformer,
    RNNSequenceClassifier,
    RNNSequenceRegressor,
    RNNSequenceTagger,
    __version__,
)
from sklearn_rnn._packed_vocabulary import pack_vocabulary, unpack_vocabulary
from sklearn_rnn.datasets import load_surnames

TINY = dict(hidden_size=4, max_iter=1, random_state=0)
WORDS = ["the cat sat", "a dog ran", "the dog sat", "a cat ran"] * 3
SERIES = [np.random.default_rng(i).normal(size=(5 + i % 4, 2)) for i in range(12)]


def _fitted():
    """(name, fitted estimator, X, what to compare) for every estimator."""
    y = np.arange(12) % 2
    tags = [np.array(s.split()) for s in WORDS]
    return [
        ("classifier, text", RNNSequenceClassifier(**TINY).fit(WORDS, y), WORDS),
        (
            "classifier, words",
            RNNSequenceClassifier(analyzer="word", **TINY).fit(WORDS, y),
            WORDS,
        ),
        ("classifier, numbers", RNNSequenceClassifier(**TINY).fit(SERIES, y), SERIES),
        (
            "regressor",
            RNNSequenceRegressor(**TINY).fit(SERIES, np.linspace(0, 1, 12)),
            SERIES,
        ),
        (
            "tagger",
            RNNSequenceTagger(**TINY).fit([s.split() for s in WORDS], tags),
            [s.split() for s in WORDS],
        ),
        ("transformer", RNNEmbeddingTransformer(**TINY).fit(WORDS), WORDS),
        (
            "transformer, labels",
            RNNEmbeddingTransformer(**TINY).fit(SERIES, y),
            SERIES,
        ),
    ]


def _outputs(est, X):
    if isinstance(est, RNNSequenceTagger):
        return np.concatenate(est.predict_proba(X))
    if hasattr(est, "transform"):
        return est.transform(X)
    if hasattr(est, "predict_proba"):
        return est.predict_proba(X)
    return est.predict(X)


def test_packed_vocabularies_come_back_equal():
    vocabularies = [
        {},
        {"a": 1, "ab": 2, " ": 3, "\x1f": 4},
        {"cat": 1, ("ngram", "cat", "ca"): 2, (): 3, ("",): 4, ("", "x"): 5},
    ]
    for vocabulary in vocabularies:
        packed = pack_vocabulary(vocabulary)
        assert isinstance(packed, tuple)
        assert unpack_vocabulary(pickle.loads(pickle.dumps(packed))) == vocabulary


def test_vocabularies_that_cannot_be_packed_are_kept():
    for vocabulary in ({7: 1, 8: 2}, {"a": 2}, {"a\x1eb": 1}, {("a\x1fb",): 1}):
        assert pack_vocabulary(vocabulary) is vocabulary
        assert unpack_vocabulary(vocabulary) is vocabulary


@pytest.mark.parametrize("case", range(7))
def test_pickles_predict_identically_without_training_state(case):
    name, est, X = _fitted()[case]
    restored = pickle.loads(pickle.dumps(est))
    assert not hasattr(restored, "net_"), name
    assert_array_equal(_outputs(restored, X), _outputs(est, X))


def test_a_pickle_holds_little_more_than_parameters_and_vocabularies():
    names, langs = load_surnames(return_X_y=True)
    rng = np.random.default_rng(0)
    idx = rng.permutation(len(names))[:1500]
    X, y = [names[i] for i in idx], langs[idx]
    clf = RNNSequenceClassifier(max_iter=1, random_state=0).fit(X, y)
    parameters = sum(p.numel() * p.element_size() for p in clf.module_.parameters())
    vocabularies = sum(
        len(pickle.dumps(pack_vocabulary(v)))
        for v in (clf.encoder_.vocabulary_, clf.encoder_.wide_.vocabulary_)
    )
    assert len(pickle.dumps(clf)) <= 1.5 * (parameters + vocabularies)


def test_a_loaded_model_continues_with_a_fresh_optimizer():
    y = np.arange(12) % 2
    clf = RNNSequenceClassifier(warm_start=True, **TINY).fit(WORDS, y)
    restored = pickle.loads(pickle.dumps(clf))
    restored.fit(WORDS, y)
    assert restored.n_iter_ == 2 and hasattr(restored, "net_")
    restored.partial_fit(WORDS, y)
    assert restored.n_iter_ == 3


def test_pickles_of_the_previous_format_still_load():
    """A pickle written before this release held the torch module and the
    skorch net in the state; unpickling hands that state to __setstate__."""
    y = np.arange(12) % 2
    clf = RNNSequenceClassifier(**TINY).fit(WORDS, y)
    old_state = {**vars(clf), "_sklearn_rnn_version": __version__}
    old_state["encoder_"] = clf.encoder_  # dict vocabulary, as then
    loaded = RNNSequenceClassifier.__new__(RNNSequenceClassifier)
    loaded.__setstate__(dict(old_state))
    assert_array_equal(loaded.predict_proba(WORDS), clf.predict_proba(WORDS))


# ------------------------------------------------------------------ skops
skops_io = pytest.importorskip("skops.io")


@pytest.mark.parametrize("case", range(7))
def test_skops_round_trip_trusts_only_this_library(case, tmp_path):
    name, est, X = _fitted()[case]
    path = tmp_path / "model.skops"
    skops_io.dump(est, path)
    untrusted = skops_io.get_untrusted_types(file=path)
    assert untrusted and all(t.startswith("sklearn_rnn.") for t in untrusted), (
        name,
        untrusted,
    )
    loaded = skops_io.load(path, trusted=untrusted)
    assert type(loaded) is type(est)
    assert_array_equal(_outputs(loaded, X), _outputs(est, X))


def test_skops_refuses_types_nobody_trusted(tmp_path):
    est = RNNSequenceClassifier(**TINY).fit(WORDS, np.arange(12) % 2)
    path = tmp_path / "model.skops"
    skops_io.dump(est, path)
    with pytest.raises(skops_io.exceptions.UntrustedTypesFoundException):
        skops_io.load(path)


def test_skops_saves_a_pipeline_with_sklearn_models(tmp_path):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    y = np.arange(12) % 2
    pipe = make_pipeline(RNNEmbeddingTransformer(**TINY), LogisticRegression())
    pipe.fit(WORDS, y)
    path = tmp_path / "pipe.skops"
    skops_io.dump(pipe, path)
    untrusted = skops_io.get_untrusted_types(file=path)
    assert all(t.startswith("sklearn_rnn.") for t in untrusted), untrusted
    loaded = skops_io.load(path, trusted=untrusted)
    assert_array_equal(loaded.predict_proba(WORDS), pipe.predict_proba(WORDS))


def test_a_streamed_model_continues_exactly_after_skops(tmp_path):
    """A model trained by partial_fit is saved with its optimizer's moments
    (arrays under str keys, nothing skops must be told to trust beyond this
    library's types): the next call gives what it gives without saving."""
    sio = pytest.importorskip("skops.io")
    y = np.arange(12) % 2
    clf = RNNSequenceClassifier(**TINY).partial_fit(WORDS, y, classes=[0, 1])
    path = tmp_path / "stream.skops"
    sio.dump(clf, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert all(name.startswith("sklearn_rnn.") for name in untrusted)
    loaded = sio.load(path, trusted=untrusted)
    np.testing.assert_array_equal(
        loaded.partial_fit(WORDS, y).predict_proba(WORDS),
        clf.partial_fit(WORDS, y).predict_proba(WORDS),
    )
