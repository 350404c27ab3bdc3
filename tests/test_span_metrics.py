"""Span metrics over BIO tags (seqeval's strict mode) and sklearn-crfsuite's
flat metrics."""

import numpy as np
import pytest
from sklearn.model_selection import cross_val_score

from sklearn_rnn import RNNSequenceTagger
from sklearn_rnn._tagging_baselines import proper_noun_spans
from sklearn_rnn.metrics import (
    bio_spans,
    flat_classification_report,
    flat_precision_score,
    flat_recall_score,
    invalid_bio_count,
    span_f1_scorer,
    span_precision_recall_f1,
)


@pytest.mark.parametrize(
    "tags, spans",
    [
        (["B-A", "I-A", "O", "B-B"], [("A", 0, 2), ("B", 3, 4)]),
        (["B-A", "B-A", "I-A"], [("A", 0, 1), ("A", 1, 3)]),
        # An I- that continues nothing starts no span (strict) and ends one.
        (["O", "I-A", "I-A"], []),
        (["B-A", "I-B", "I-A"], [("A", 0, 1)]),
        (["B-A", "I-A", "I-A"], [("A", 0, 3)]),
        ([], []),
        (["O", "X", "B-A"], [("A", 2, 3)]),  # anything but B-/I- is outside
    ],
)
def test_bio_spans(tags, spans):
    assert bio_spans(tags) == spans


def test_span_scores_count_whole_spans():
    y_true = [["B-N", "I-N", "O", "B-N"], ["O", "O"], ["B-N", "O"]]
    y_pred = [["B-N", "O", "O", "B-N"], ["O", "B-N"], ["B-N", "O"]]
    # true spans: (0,0-2) (0,3-4) (2,0-1); predicted: (0,0-1) (0,3-4) (1,1-2)
    # (2,0-1): two of four predicted are right, two of three true are found.
    precision, recall, f1 = span_precision_recall_f1(y_true, y_pred)
    assert (precision, recall) == (0.5, pytest.approx(2 / 3))
    assert f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert span_precision_recall_f1([["O"]], [["O"]]) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="2 labels in y_true but 1"):
        span_precision_recall_f1([["O", "O"]], [["O"]])


def test_invalid_bio_count():
    y = [["O", "I-N"], ["B-N", "I-N"], ["B-A", "I-N"], ["I-N"], ["O", "B-N", "O"]]
    assert invalid_bio_count(y) == 3


def test_flat_metrics_as_sklearn_crfsuite():
    y_true = [["A", "B"], ["B", "B", "A"]]
    y_pred = [["A", "A"], ["B", "B", "A"]]
    # A: predicted 3 times, right twice; B: 3 true, 2 found.
    assert flat_precision_score(y_true, y_pred, average=None).tolist() == [2 / 3, 1.0]
    assert flat_recall_score(y_true, y_pred, average="micro") == pytest.approx(0.8)
    report = flat_classification_report(y_true, y_pred, digits=3)
    assert "A" in report and "0.800" in report


def test_proper_noun_spans_are_runs_of_propn():
    upos = [["PROPN", "PROPN", "VERB", "PROPN", "PUNCT", "PROPN"], ["NOUN"], []]
    assert proper_noun_spans(upos) == [
        ["B-NAME", "I-NAME", "O", "B-NAME", "O", "B-NAME"],
        ["O"],
        [],
    ]


def test_span_scorer_in_model_selection():
    rng = np.random.default_rng(0)
    X, y = [], []
    for _ in range(24):
        n = int(rng.integers(1, 3))
        X.append(["Ann"] * n + ["runs"])
        y.append(["B-N"] + ["I-N"] * (n - 1) + ["O"])
    tagger = RNNSequenceTagger(
        hidden_size=8, max_iter=30, learning_rate_init=0.05, random_state=0
    )
    scores = cross_val_score(tagger, X, y, cv=2, scoring=span_f1_scorer)
    assert scores.min() == 1.0
