"""Default estimators on a handful of records learn them, without warnings.

sklearn-crfsuite's own test data (one ten-step sequence of feature dicts)
with its test cases, run on the defaults: max_iter="auto" budgets updates,
so one batch a epoch still trains long enough, and ending that budget is no
ConvergenceWarning.
"""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_val_score

from sklearn_rnn import RNNSequenceClassifier, RNNSequenceRegressor, RNNSequenceTagger

XSEQ = [
    {"walk": 1, "shop": 0.5},
    {"walk": 1},
    {"walk": 1, "clean": 0.5},
    {"shop": 0.5, "clean": 0.5},
    {"walk": 0.5, "clean": 1},
    {"clean": 1, "shop": 0.1},
    {"walk": 1, "shop": 0.5},
    {},
    {"clean": 1},
    {"солнце": "не светит".encode(), "clean": 1},
]
YSEQ = ["sunny", "sunny", "sunny", "rainy", "rainy", "rainy"]
YSEQ += ["sunny", "sunny", "rainy", "rainy"]


@pytest.fixture(autouse=True)
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


@pytest.mark.parametrize("seed", [0, 1])
def test_the_crfsuite_toy_sequence_is_learnt_with_defaults(seed):
    tagger = RNNSequenceTagger(random_state=seed).fit([XSEQ], [YSEQ])
    assert list(tagger.predict([XSEQ])[0]) == YSEQ
    assert tagger.score([XSEQ], [YSEQ]) == 1.0
    assert tagger.n_iter_ > 10  # more than the ten epochs of a large corpus
    restored = pickle.loads(pickle.dumps(tagger))
    assert list(restored.predict([XSEQ])[0]) == YSEQ


def test_bytes_feature_values_are_categories_read_as_utf8():
    tagger = RNNSequenceTagger(random_state=0).fit([XSEQ], [YSEQ])
    assert "солнце=не светит" in tagger.encoder_.vocabulary_
    same = [dict(step) for step in XSEQ]
    same[-1]["солнце"] = "не светит"  # the str form is the same symbol
    assert list(tagger.predict([same])[0]) == YSEQ


def test_cross_val_score_on_copies_of_the_toy_sequence():
    scores = cross_val_score(
        RNNSequenceTagger(random_state=0), [XSEQ] * 20, [YSEQ] * 20, cv=5
    )
    assert list(scores) == [1.0] * 5


def test_a_few_strings_are_learnt_by_the_default_classifier():
    X = ["ab", "ba", "abb", "bba", "aab", "baa"]
    y = ["a-first", "b-first"] * 3
    clf = RNNSequenceClassifier(random_state=0).fit(X, y)
    assert clf.score(X, y) == 1.0


def test_a_few_series_are_learnt_by_the_default_regressor():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 30, 1))
    y = X[:, -5:, 0].mean(1)  # the mean of the last steps
    reg = RNNSequenceRegressor(random_state=0).fit(X, y)
    assert reg.score(X, y) > 0.9


def test_a_few_series_are_learnt_by_the_default_classifier():
    """Twenty ragged series: the default classifier reproduces their labels
    (the wide term's ridge start fits them; without the term, 25 epochs
    reach 0.95 and one epoch 0.65)."""
    rng = np.random.default_rng(0)
    X = [x[: rng.integers(10, 31)] for x in rng.normal(size=(20, 30, 1))]
    y = np.array([x[-5:, 0].mean() > 0 for x in X], dtype=int)
    clf = RNNSequenceClassifier(random_state=0).fit(X, y)
    assert clf.score(X, y) == 1.0


@pytest.mark.parametrize(
    "n_train, fit_mode, epochs, patience",
    [
        (20, "vectorized", 500, 50),  # one batch an epoch: one update each
        (200, "vectorized", 125, 13),  # 4 batches an epoch
        (3000, "vectorized", 100, 10),  # many updates: 100 epochs, patience 10
        (6400, "vectorized", 100, 7),  # patience reads at most 40,000 records
        (20000, "vectorized", 100, 2),
        (10**6, "vectorized", 100, 2),  # but waits at least two epochs
        (1, "vectorized", 500, 50),
        (20, "sgd", 100, 10),  # an update per record
        (6400, "sgd", 100, 7),  # records, not updates, cap the wait
    ],
)
def test_auto_budget_counts_updates(n_train, fit_mode, epochs, patience):
    clf = RNNSequenceClassifier(fit_mode=fit_mode)
    assert clf._epoch_budget(n_train, 64) == (epochs, patience)
    mine = RNNSequenceClassifier(max_iter=7, n_iter_no_change=3)
    assert mine._epoch_budget(n_train, 64) == (7, 3)


@pytest.mark.parametrize(
    "n_train, epochs, patience",
    [
        (20, 250, 25),  # one update an epoch: half of 500 and of 50 updates
        (200, 63, 10),  # 4 batches an epoch: 250 updates; patience 10 epochs
        (3000, 50, 10),  # many updates: half the 100 epochs
        (20000, 50, 2),  # (with early_stopping=False) the cap in records stays
    ],
)
def test_a_fitted_start_takes_half_the_auto_budget(n_train, epochs, patience):
    clf = RNNSequenceClassifier()
    assert clf._epoch_budget(n_train, 64, fitted_start=True) == (epochs, patience)
    mine = RNNSequenceClassifier(max_iter=7, n_iter_no_change=3)
    assert mine._epoch_budget(n_train, 64, fitted_start=True) == (7, 3)


def test_the_taggers_auto_budget_keeps_ten_epochs_of_a_treebank():
    assert RNNSequenceTagger()._epoch_budget(2000, 32) == (10, 5)
    assert RNNSequenceTagger()._epoch_budget(20, 32) == (500, 50)
    assert RNNSequenceTagger()._epoch_budget(50000, 32) == (10, 5)


def test_a_fit_waits_the_patience_its_budget_gives():
    """Check that early stopping's patience is the resolved one: 50 updates
    for 40 records (one batch an epoch), 25 when the numeric wide term starts
    from its ridge fit and nothing is held out, the epochs a user sets
    otherwise."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 20, 1)), np.arange(40) % 2
    clf = RNNSequenceClassifier(random_state=0, max_iter=3, wide=False)
    with pytest.warns(ConvergenceWarning):  # max_iter=3 is reached
        clf.fit(X, y)
    assert dict(clf.net_.callbacks_)["stopping"].patience == 50
    with pytest.warns(ConvergenceWarning):
        clf.set_params(wide=True).fit(X, y)
    assert dict(clf.net_.callbacks_)["stopping"].patience == 25
    with pytest.warns(ConvergenceWarning):  # held-out loss: the full wait
        clf.set_params(early_stopping=True).fit(X, y)
    assert dict(clf.net_.callbacks_)["stopping"].patience == 50
    with pytest.warns(ConvergenceWarning):
        clf.set_params(n_iter_no_change=4).fit(X, y)
    assert dict(clf.net_.callbacks_)["stopping"].patience == 4


def test_a_max_iter_the_user_set_warns_when_reached():
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(2\) reached"):
        RNNSequenceTagger(max_iter=2, random_state=0).fit([XSEQ], [YSEQ])
