"""Per-step attributions (``attribute``, occlusion) on tasks whose answer is
planted: the class or value is decided by one character or one motif, and the
attribution must sit on it."""

import numpy as np
import pytest

from sklearn_rnn import RNNSequenceClassifier, RNNSequenceRegressor


def planted_characters(n, seed=0):
    """Strings of a-f with one planted letter: z for class 1, y for class 0."""
    rng = np.random.default_rng(seed)
    X, y, where = [], [], []
    for i in range(n):
        letters = list(rng.choice(list("abcdef"), rng.integers(6, 11)))
        at = int(rng.integers(len(letters)))
        letters[at] = "z" if i % 2 else "y"
        X.append("".join(letters))
        y.append(i % 2)
        where.append(at)
    return X, np.array(y), where


def planted_motifs(n, steps=100, channels=1, seed=0):
    """Noise series; class 1 carries a bump of 10 steps at a random place
    (in channel 0)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 1, (n, steps, channels))
    y, where = np.arange(n) % 2, []
    for i in range(n):
        at = int(rng.integers(0, steps - 10))
        where.append(at)
        if y[i]:
            X[i, at : at + 10, 0] += 4 * np.sin(np.linspace(0, np.pi, 10))
    return (X[..., 0] if channels == 1 else X), y, where


def share(attribution, mask) -> float:
    """The part of the attribution's total magnitude on the masked steps."""
    magnitude = np.abs(attribution)
    return magnitude[mask].sum() / magnitude.sum()


def test_a_planted_character_carries_the_attribution():
    X, y, where = planted_characters(240)
    clf = RNNSequenceClassifier(random_state=0).fit(X[:200], y[:200])
    attributions = clf.attribute(X[200:])
    assert [len(a) for a in attributions] == [len(x) for x in X[200:]]
    shares = [share(a, [at]) for a, at in zip(attributions, where[200:])]
    assert np.mean(np.array(shares) >= 0.8) >= 0.9
    # Positive: the planted letter spoke for the predicted class.
    assert all(a[at] > 0 for a, at in zip(attributions, where[200:]))


def test_a_planted_motif_carries_the_attribution():
    X, y, where = planted_motifs(240)
    clf = RNNSequenceClassifier(random_state=0).fit(X[:200], y[:200])
    window = clf.encoder_.patch_size_
    attributions = clf.attribute(X[200:])
    shares = []
    for a, at, label in zip(attributions, where[200:], y[200:]):
        assert a.shape == (X.shape[1],)
        if label:  # the windows the bump touches
            mask = np.zeros(len(a), bool)
            mask[at // window * window : -(-(at + 10) // window) * window] = True
            shares.append(share(a, mask))
    assert np.median(shares) >= 0.9
    assert np.mean(np.array(shares) >= 0.8) >= 0.8


def test_multichannel_series_are_attributed_per_channel():
    X, y, where = planted_motifs(200, steps=60, channels=3, seed=1)
    clf = RNNSequenceClassifier(random_state=0).fit(X[:160], y[:160])
    attributions = clf.attribute(X[160:], window=5)
    assert all(a.shape == (60, 3) for a in attributions)
    on_channel = [
        share(a, np.s_[:, 0]) for a, label in zip(attributions, y[160:]) if label
    ]
    assert np.median(on_channel) >= 0.8


def test_regression_attributes_the_value_to_what_makes_it():
    """y is the digit planted among letters: the attribution sits on it, and
    occluding it moves the prediction towards the mean of y."""
    rng = np.random.default_rng(2)
    X, y, where = [], [], []
    for _ in range(400):
        letters = list(rng.choice(list("abcdef"), rng.integers(6, 11)))
        digit, at = int(rng.integers(10)), int(rng.integers(len(letters)))
        letters[at] = str(digit)
        X.append("".join(letters))
        y.append(float(digit))
        where.append(at)
    reg = RNNSequenceRegressor(random_state=0).fit(X[:360], y[:360])
    attributions = reg.attribute(X[360:])
    # The digit's own step and the next, whose bigram (ngram_range=(1, 2))
    # holds the digit too; where the digit is far from the mean of y.
    shares = [
        share(a, [at, at + 1] if at + 1 < len(a) else [at])
        for a, at, value in zip(attributions, where[360:], y[360:])
        if abs(value - np.mean(y[:360])) >= 2.5
    ]
    # The recurrence reads the digit in the context of the step before it,
    # which takes most of the rest (median share 0.80 with seed 0).
    assert np.median(shares) >= 0.75
    # Occluding the digit leaves about the mean: the fall is the digit's
    # distance from it.
    falls = np.array([a[at] for a, at in zip(attributions, where[360:])])
    distance = np.array(y[360:]) - np.mean(y[:360])
    assert np.corrcoef(falls, distance)[0, 1] > 0.9


@pytest.mark.parametrize("form", ["tokens", "words", "features"])
def test_every_symbol_form_gets_one_score_per_step(form):
    sentences = [["good", "film"], ["bad", "film"], ["a", "good", "one"]] * 8
    labels = [1, 0, 1] * 8
    if form == "words":
        X = [" ".join(s) for s in sentences]
    elif form == "features":
        X = [[{"w": w} for w in s] for s in sentences]
    else:
        X = sentences
    clf = RNNSequenceClassifier(
        analyzer="word" if form == "words" else "char", random_state=0
    ).fit(X, labels)
    attributions = clf.attribute(X[:3])
    assert [len(a) for a in attributions] == [2, 2, 3]
    # "good" or "bad" decides the class, not "film".
    assert abs(attributions[0][0]) > abs(attributions[0][1])


def test_bad_arguments_are_named():
    X, y, _ = planted_characters(40)
    clf = RNNSequenceClassifier(hidden_size=4, max_iter=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="target 7 is not one of classes_"):
        clf.attribute(X[:2], target=7)
    with pytest.raises(ValueError, match="window must be a positive int"):
        clf.attribute(X[:2], window=0)
    for_class_0 = clf.attribute(X[:2], target=0)
    assert [len(a) for a in for_class_0] == [len(x) for x in X[:2]]
    reg = RNNSequenceRegressor(hidden_size=4, max_iter=2, random_state=0).fit(
        X, y.astype(float)
    )
    with pytest.raises(ValueError, match="target=1 is not an output"):
        reg.attribute(X[:2], target=1)
