"""RNNSequenceClassifier as a scikit-learn user meets it."""

import pickle
from collections import Counter

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline, make_pipeline

from sklearn_rnn import (
    RNNEmbeddingTransformer,
    RNNSequenceClassifier,
    RNNSequenceRegressor,
)
from sklearn_rnn.datasets import load_surnames, make_sequence_classification

from .conftest import make_anagram_task


def test_quickstart(cat_words):
    """Check the README quickstart: string labels, proba rows sum to one."""
    X, y = cat_words
    clf = RNNSequenceClassifier(
        hidden_size=64, fit_mode="vectorized", device="cpu", random_state=0
    ).fit(X, y)
    assert set(clf.classes_) == set(y)
    assert clf.predict(["katz"])[0] in y
    proba = clf.predict_proba(["katz", "", "ñandú"])
    assert proba.shape == (3, 4) and proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(
        np.log(proba), clf.predict_log_proba(["katz", "", "ñandú"])
    )
    assert clf.score(X, y) == 1.0


@pytest.mark.parametrize("labels", [[0, 1, 2], ["a", "b", "c"], [-7, 3, 42]])
def test_labels_of_any_type(labels, language_words):
    """Check that predict returns labels of the type given in fit."""
    X, y = language_words
    mapping = dict(zip(["en", "fr", "de"], labels))
    y = np.array([mapping[v] for v in y])
    pred = (
        RNNSequenceClassifier(hidden_size=8, max_iter=2, random_state=0)
        .fit(X, y)
        .predict(X)
    )
    assert pred.dtype == y.dtype and set(pred) <= set(labels)


def test_pipeline_with_random_forest():
    """Check the embedding + RandomForest pipeline from the README on held-out
    data: trained embeddings beat the same network left untrained."""
    X, y = make_anagram_task(400)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=0
    )
    scores = {}
    for lr in (1e-12, 0.005):  # 1e-12: the untrained network's random features
        pipe = Pipeline(
            [
                (
                    "rnn",
                    RNNEmbeddingTransformer(
                        hidden_size=16,
                        cell="gru",
                        learning_rate_init=lr,
                        random_state=0,
                    ),
                ),
                ("rf", RandomForestClassifier(n_estimators=50, random_state=0)),
            ]
        )
        scores[lr] = pipe.fit(X_tr, y_tr).score(X_te, y_te)
    assert scores[0.005] >= 0.85
    assert scores[1e-12] < scores[0.005] - 0.08


def test_grid_search_over_hidden_size_and_fit_mode(language_words):
    """Check GridSearchCV over hidden_size and fit_mode with two processes.

    minibatch and vectorized compute the same function with the same updates,
    so their cross-validated scores tie for each hidden size.
    """
    X, y = language_words
    grid = GridSearchCV(
        # dropout off: its masks are drawn per mode, the updates would differ
        RNNSequenceClassifier(max_iter=3, dropout=0.0, random_state=0),
        {"hidden_size": [8, 16], "fit_mode": ["minibatch", "vectorized"]},
        cv=2,
        n_jobs=2,
    )
    grid.fit(X, y)
    results = grid.cv_results_
    score = {
        (p["hidden_size"], p["fit_mode"]): s
        for p, s in zip(results["params"], results["mean_test_score"])
    }
    assert len(score) == 4
    for hidden in (8, 16):
        assert score[hidden, "minibatch"] == pytest.approx(score[hidden, "vectorized"])
    assert grid.best_score_ == max(score.values())
    assert grid.predict(X[:3]).shape == (3,)


def test_cross_val_score_and_clone(language_words):
    """Check cross_val_score, and that clone gives an unfitted twin."""
    X, y = language_words
    clf = RNNSequenceClassifier(hidden_size=16, max_iter=10, random_state=0)
    scores = cross_val_score(clf, X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.5
    twin = clone(clf.fit(X, y))
    assert twin.get_params() == clf.get_params() and not hasattr(twin, "module_")


@pytest.mark.parametrize("fit_mode", ["sgd", "minibatch", "vectorized", "packed"])
def test_pickle_and_joblib_round_trips(fit_mode, language_words, tmp_path):
    """Check that saved models predict exactly as before."""
    X, y = language_words
    clf = RNNSequenceClassifier(
        hidden_size=8, max_iter=2, fit_mode=fit_mode, random_state=0
    ).fit(X, y)
    expected = clf.predict_proba(X)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), expected)
    joblib.dump(clf, tmp_path / "model.joblib")
    np.testing.assert_array_equal(
        joblib.load(tmp_path / "model.joblib").predict_proba(X), expected
    )
    assert not hasattr(restored, "net_")  # training state is not saved
    assert restored.n_iter_ == 2 and restored.loss_curve_ == clf.loss_curve_


def test_order_matters_where_bags_fail():
    """Check that the RNN reads order: anagram classes it gets, a bag cannot."""
    X, y = make_sequence_classification(n_samples=800, random_state=0)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    rnn = RNNSequenceClassifier(hidden_size=16, random_state=0).fit(X_tr, y_tr)
    bag = make_pipeline(
        CountVectorizer(analyzer="char", lowercase=False),
        LogisticRegression(max_iter=1000),
    ).fit(X_tr, y_tr)
    assert rnn.score(X_te, y_te) >= 0.95
    assert bag.score(X_te, y_te) < 0.65


def test_defaults_learn_on_real_surnames():
    """Check that the default classifier beats the majority class by far."""
    X, y = load_surnames(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, stratify=y, test_size=0.3, random_state=0
    )
    clf = RNNSequenceClassifier(random_state=0).fit(X_tr, y_tr)
    majority = np.unique(y_te, return_counts=True)[1].max() / len(y_te)
    assert clf.score(X_te, y_te) > 4 * majority


@pytest.mark.parametrize("form", ["tokens", "3d", "ragged", "series", "word"])
def test_every_input_form_fits_and_predicts(form):
    """Check token lists, 3-D arrays, ragged numeric lists, Series and words."""
    rng = np.random.default_rng(0)
    y = np.array([0, 1] * 20)
    if form == "tokens":
        X = [["the", "cat"] if t else ["a", "dog", "ran"] for t in y]
    elif form == "3d":
        X = rng.normal(size=(40, 5, 3)) + y[:, None, None]
    elif form == "ragged":
        X = [rng.normal(size=(rng.integers(1, 8), 2)) + t for t in y]
    elif form == "series":
        import pandas as pd

        X = pd.Series(["abc" if t else "xyz" for t in y])
    else:
        X = ["big red dog" if t else "small blue cat" for t in y]
    clf = RNNSequenceClassifier(
        hidden_size=8,
        # One update an epoch: 20 of them, so that the averaged weights are
        # not dominated by the first few.
        max_iter=20,
        learning_rate_init=0.05,
        analyzer="word" if form == "word" else "char",
        random_state=0,
    ).fit(X, y)
    assert clf.predict(X).shape == (40,)
    assert clf.score(X, y) > 0.9
    if form == "word":
        words = {t for t in clf.encoder_.vocabulary_ if isinstance(t, str)}
        assert words == {
            "big",
            "red",
            "dog",
            "small",
            "blue",
            "cat",
        }


# ------------------------------------------------------- the wide (bag) term
def _boundary_ngrams(text, lo, hi):
    """Written out independently of sklearn_rnn._wide: every substring of
    " text " of lo..hi characters but the boundary alone."""
    padded = f" {text} "
    return [
        padded[i : i + n]
        for n in range(lo, hi + 1)
        for i in range(len(padded) - n + 1)
        if text and not (n == 1 and i in (0, len(padded) - 1))
    ]


def test_boundary_ngrams_are_those_char_wb_reads():
    """Check the wide term's n-grams of a word against scikit-learn's char_wb."""
    from sklearn.feature_extraction.text import CountVectorizer

    from sklearn_rnn._wide import step_ngrams

    for word in ["ab", "Müller", "x", "abcdef"]:
        ours = [g for step in step_ngrams(word, (1, 4)) for g in step if g]
        char_wb = CountVectorizer(
            analyzer="char_wb", ngram_range=(1, 4), lowercase=False
        ).fit([word])
        expected = set(char_wb.vocabulary_) - {" "}
        assert sorted(ours) == sorted(_boundary_ngrams(word, 1, 4))
        assert set(ours) == expected


def test_wide_term_adds_the_record_ngram_counts_times_v_bag(language_words):
    """Check the scores: V h_T + c plus V_bag times the counts of the record's
    1-4-grams with boundaries, unknown ones excluded."""
    import torch

    X, y = language_words
    clf = RNNSequenceClassifier(hidden_size=8, max_iter=3, random_state=0).fit(X, y)
    module, vocab = clf.module_, clf.encoder_.wide_.vocabulary_
    assert module.wide and module.V_bag.abs().sum() > 0  # it was trained
    assert module.V_bag.shape == (len(clf.classes_), len(vocab) + 1)
    assert torch.all(module.V_bag[:, 0] == 0)  # unknown n-grams add nothing
    tests = X[:5] + ["zzqq", "", "a"]
    deep, scores, V_bag = _deep_and_wide_logits(clf, tests)
    for i, text in enumerate(tests):
        ids = [vocab.get(g, 0) for g in _boundary_ngrams(text, 1, 4)]
        counts = np.bincount(ids, minlength=V_bag.shape[1])
        counts[0] = 0
        np.testing.assert_allclose(scores[i], deep[i] + V_bag @ counts, atol=1e-5)


@pytest.mark.parametrize("inference_dtype", ["float32", "float64"])
def test_wide_term_of_feature_dicts_adds_each_features_weight_times_v_bag(
    inference_dtype,
):
    """Check weighted bags: for feature-dict records the wide term is V_bag
    times each feature's weight summed over the steps (ids and weights are the
    two halves of a step's columns); an unseen feature adds nothing."""
    X = [
        [{"a": 1.0, "b": 2.0}, {"c": 0.5}, {"a": 0.25}],
        [{"a": 1.0}],
        [{"b": 1.0, "c": 1.0}],
        [{"c": 3.0}, {"b": 0.5}],
    ] * 3
    clf = RNNSequenceClassifier(
        hidden_size=4, max_iter=3, inference_dtype=inference_dtype, random_state=0
    )
    clf.fit(X, [0, 1, 0, 1] * 3)
    vocab = clf.encoder_.vocabulary_
    tests = X[:4] + [[{"a": 2.0, "zz": 5.0}, {"zz": 1.0, "c": 1.0}]]
    deep, scores, V_bag = _deep_and_wide_logits(clf, tests)
    assert np.abs(V_bag[:, 1:]).sum() > 0  # trained
    for i, record in enumerate(tests):
        totals = np.zeros(V_bag.shape[1])
        for step in record:
            for feature, weight in step.items():
                totals[vocab.get(feature, 0)] += weight
        totals[0] = 0
        np.testing.assert_allclose(scores[i], deep[i] + V_bag @ totals, atol=1e-5)


def _deep_and_wide_logits(clf, X):
    """``(V h_T + c, the full scores, V_bag)`` of the network predictions run
    through (the float64 copy for ``inference_dtype="float64"``)."""
    module = clf._inference_module()
    module.wide = False
    try:
        deep = clf._logits(X)
    finally:
        module.wide = True
    return deep, clf._logits(X), module.V_bag.detach().double().numpy()


def test_wide_ngrams_of_tokens_are_token_tuples():
    """Check token input: the wide term counts tuples of tokens with the
    empty string as boundary, and the steps keep their own symbols."""
    X = [["the", "cat"], ["a", "dog"], ["the", "dog"], ["a", "cat"]] * 5
    y = [0, 1, 0, 1] * 5
    clf = RNNSequenceClassifier(
        hidden_size=4, max_iter=2, wide_ngram_range=(1, 2), random_state=0
    ).fit(X, y)
    vocab = clf.encoder_.wide_.vocabulary_
    assert ("", "the") in vocab and ("cat", "") in vocab and ("the",) in vocab
    assert "the" in clf.encoder_.vocabulary_  # the steps' symbols
    assert clf.encoder_.step_width_ == 2  # the token and its bigram


def test_wide_ngram_range_is_checked_and_fixed_by_warm_start(language_words):
    X, y = language_words
    with pytest.raises(ValueError, match="wide_ngram_range must be a tuple"):
        RNNSequenceClassifier(wide_ngram_range=(3, 2)).fit(X, y)
    clf = RNNSequenceClassifier(hidden_size=4, max_iter=1, warm_start=True)
    clf.fit(X, y)
    clf.set_params(wide_ngram_range=(1, 3))
    with pytest.raises(ValueError, match="wide_ngram_range"):
        clf.fit(X, y)
    clf.set_params(wide_ngram_range=(1, 4), wide=False)
    with pytest.raises(ValueError, match="wide_ngram_range"):
        clf.fit(X, y)


def test_only_the_classifier_adds_a_wide_term(language_words):
    """Check that the wide term (``V_bag``) belongs to the classifier's
    ``wide``: regressors and embeddings of strings are the network alone."""
    X, y = language_words
    params = dict(hidden_size=4, max_iter=1, random_state=0)
    assert hasattr(RNNSequenceClassifier(**params).fit(X, y).module_, "V_bag")
    plain = RNNSequenceClassifier(wide=False, **params).fit(X, y).module_
    regressor = RNNSequenceRegressor(**params).fit(X, np.arange(len(X)) % 3).module_
    embedding = RNNEmbeddingTransformer(**params).fit(X, y).module_
    for module in (plain, regressor, embedding):
        assert not module.wide and not hasattr(module, "V_bag")


def test_warm_start_of_an_encoder_without_wide_settings_names_them(language_words):
    """Check that continuing a model whose encoder predates the wide settings
    (pickled before they existed) names them instead of an AttributeError."""
    X, y = language_words
    clf = RNNSequenceClassifier(hidden_size=4, max_iter=1, warm_start=True)
    clf.fit(X, y)
    del clf.encoder_.wide_ngram_range, clf.encoder_.max_wide_ngrams
    with pytest.raises(
        ValueError, match=r"\['wide_ngram_range', 'max_wide_ngrams'\] changed"
    ):
        clf.fit(X, y)


def test_max_wide_ngrams_keeps_those_most_records_hold(language_words):
    X, y = language_words
    clf = RNNSequenceClassifier(hidden_size=4, max_iter=1, max_wide_ngrams=10)
    clf.fit(X, y)
    held = Counter(g for text in X for g in set(_boundary_ngrams(text, 1, 4)))
    tenth = sorted(held.values(), reverse=True)[9]
    kept = clf.encoder_.wide_.vocabulary_
    assert len(kept) == 10 and clf.module_.V_bag.shape[1] == 11
    assert all(held[g] >= tenth for g in kept)


def test_streaming_grows_the_wide_vocabulary_into_reserved_columns():
    """Check partial_fit: n-grams first seen in a later call take free ids,
    while V_bag (and so the optimizer) keeps its shape."""
    clf = RNNSequenceClassifier(hidden_size=4, max_wide_ngrams=50, random_state=0)
    clf.partial_fit(["ab", "ba"] * 4, [0, 1] * 4, classes=[0, 1])
    shape, before = clf.module_.V_bag.shape, dict(clf.encoder_.wide_.vocabulary_)
    assert shape == (2, 51) and "xy" not in before
    clf.partial_fit(["xy", "yx"] * 4, [0, 1] * 4)
    after = clf.encoder_.wide_.vocabulary_
    assert clf.module_.V_bag.shape == shape
    assert {g: after[g] for g in before} == before  # old ids kept
    assert "xy" in after and " xy " in after and len(after) <= 50
    assert clf.module_.V_bag[:, after["xy"]].abs().sum() > 0  # and trained
    # Predicting is no streaming step: new n-grams read as unseen, the
    # vocabulary stays as partial_fit left it.
    clf.predict_proba(["pq", "qp"])
    assert clf.encoder_.wide_.vocabulary_ == after and "pq" not in after


def test_wide_false_is_the_plain_head_and_numbers_ignore_it(language_words):
    """Check that wide=False has no bag term and numeric input never has one."""
    X, y = language_words
    plain = RNNSequenceClassifier(hidden_size=4, max_iter=1, wide=False).fit(X, y)
    assert not plain.module_.wide and not hasattr(plain.module_, "V_bag")
    rng = np.random.default_rng(0)
    numeric = RNNSequenceClassifier(hidden_size=4, max_iter=1).fit(
        rng.normal(size=(20, 5)), np.arange(20) % 2
    )
    assert not numeric.module_.wide
