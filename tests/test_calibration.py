"""Probabilities as confident as the data show: the wide term's start and
temperature scaling on held-out records (``_calibration``)."""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_rnn import (
    RNNEmbeddingTransformer,
    RNNSequenceClassifier,
    RNNSequenceRegressor,
)
from sklearn_rnn._calibration import (
    INVERSE_TEMPERATURES,
    inverse_temperature,
    rule_of_succession,
)


def _waves(n, seed):
    """Noisy sines (class 0) and square waves (class 1) of random phase:
    a ridge of the convolution features separates them."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 4 * np.pi, 60)
    y = np.arange(n) % 2
    phase = rng.uniform(0, 6, size=(n, 1))
    X = np.where(y[:, None] == 0, np.sin(t + phase), np.sign(np.sin(t + phase)))
    return X + 0.3 * rng.normal(size=X.shape), y


def _assert_only_scaled(clf, params, X, y, monkeypatch):
    """``clf`` is the network a fit without calibration trains, its class
    scores divided by ``clf.temperature_``: the same classes, the
    probabilities of the scaled scores."""
    with monkeypatch.context() as m:
        m.setattr(RNNSequenceClassifier, "_calibrates_probabilities", False)
        raw = RNNSequenceClassifier(**params).fit(X, y)
    assert not hasattr(raw, "temperature_")
    X_new, _ = _waves(40, seed=2)
    assert_array_equal(clf.predict(X_new), raw.predict(X_new))
    scaled = torch.as_tensor(raw.predict_log_proba(X_new)) / clf.temperature_
    assert_allclose(
        clf.predict_proba(X_new), torch.softmax(scaled, 1).numpy(), atol=1e-6
    )


@pytest.mark.parametrize("n, k", [(0, 2), (8, 2), (98, 5)])
def test_the_rule_of_succession_puts_one_in_n_plus_two_on_the_other_classes(n, k):
    smoothing = rule_of_succession(n, k)
    # torch's label smoothing spreads its share over all k classes.
    assert smoothing * (k - 1) / k == pytest.approx(1 / (n + 2))
    assert rule_of_succession(n, 1) == 0.0


def test_overconfident_scores_are_softened_to_their_true_temperature():
    rng = np.random.default_rng(0)
    true_logits = rng.normal(scale=2.0, size=(20_000, 4))
    probabilities = torch.softmax(torch.as_tensor(true_logits), 1).numpy()
    labels = np.array([rng.choice(4, p=p) for p in probabilities])
    beta = inverse_temperature(5.0 * true_logits, labels)
    assert beta == pytest.approx(0.2, rel=0.05)
    # Sample weights count: records of weight 0 change nothing.
    noise = rng.integers(0, 4, size=2_000)
    weight = np.r_[np.ones(len(labels)), np.zeros(len(noise))]
    scores = np.r_[5.0 * true_logits, 50.0 * rng.normal(size=(len(noise), 4))]
    assert inverse_temperature(scores, np.r_[labels, noise], weight) == beta
    assert inverse_temperature(scores[:0], labels[:0]) == 1.0


def test_a_few_records_all_right_do_not_choose_the_sharpest_factor():
    # Three held-out records, all right by a wide margin: the plain
    # cross-entropy keeps falling as the scores grow.
    scores = np.array([[4.0, -4.0], [-3.0, 3.0], [5.0, -5.0]])
    beta = inverse_temperature(scores, [0, 1, 0])
    assert beta < INVERSE_TEMPERATURES[-1]
    p = torch.softmax(torch.as_tensor(beta * scores), 1).numpy()
    assert p.max() < 1 - 1 / 50  # no certainty from three records


def test_nothing_held_out_the_wide_term_s_records_set_the_temperature(monkeypatch):
    X, y = _waves(30, seed=0)
    # Its records, left out one at a time, are all classified right: the
    # plain loss of the term's start chose the largest factor, whose
    # probabilities were 1 on every record.
    params = dict(hidden_size=8, max_iter=1, random_state=0)
    clf = RNNSequenceClassifier(**params).fit(X, y)
    assert clf.temperature_ == clf.task_.start_temperature_ > 1
    p_true = clf.predict_proba(X)[np.arange(len(y)), y]
    assert (p_true > 0.5).all()
    assert p_true.max() < 1 - 1 / 1000
    # The network trained as before; only its scores are divided.
    _assert_only_scaled(clf, params, X, y, monkeypatch)


def test_label_smoothing_starts_from_scores_its_loss_keeps():
    # The start's factor was chosen by the unsmoothed loss, which on
    # separable records takes the largest: the smoothed loss then began at
    # 3.2 (the class prior's is 0.69) and training spent itself pulling the
    # scores back (Coffee 1.0 -> 0.55, SyntheticControl 1.0 -> 0.49 on
    # benchmarks/suite.py).
    X, y = _waves(30, seed=0)
    clf = RNNSequenceClassifier(
        hidden_size=8, max_iter=1, label_smoothing=0.1, random_state=0
    ).fit(X, y)
    assert clf.loss_curve_[0] < 0.3


def test_held_out_records_set_the_temperature(monkeypatch):
    X, y = _waves(120, seed=1)
    flip = np.random.default_rng(1).random(len(y)) < 0.15  # label noise
    y = np.where(flip, 1 - y, y)
    params = dict(hidden_size=8, early_stopping=True, random_state=0)
    clf = RNNSequenceClassifier(**params).fit(X, y)
    assert clf.temperature_ != 1.0
    _assert_only_scaled(clf, params, X, y, monkeypatch)


def test_no_start_and_nothing_held_out_nothing_scaled():
    X, y = _waves(30, seed=0)
    tiny = dict(hidden_size=4, max_iter=2, random_state=0)
    assert RNNSequenceClassifier(wide=False, **tiny).fit(X, y).temperature_ == 1.0
    stream = RNNSequenceClassifier(hidden_size=4, random_state=0)
    assert stream.partial_fit(X, y, classes=[0, 1]).temperature_ == 1.0
    words = ["ab", "ba", "abab", "baba", "aab", "bba"] * 4
    labels = [0, 1] * 12
    assert RNNSequenceClassifier(**tiny).fit(words, labels).temperature_ == 1.0
    held = dict(tiny, early_stopping=True)
    for other in (RNNSequenceRegressor(**held), RNNEmbeddingTransformer(**held)):
        assert not hasattr(other.fit(X, y.astype(float)), "temperature_")
