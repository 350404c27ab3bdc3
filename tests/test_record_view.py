"""standardize="auto": each record's own standardisation read beside the
dataset-wide one (``with_record_view``)."""

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
from sklearn_rnn._encoding import SequenceEncoder, with_record_view
from sklearn_rnn.export import export_network
from sklearn_rnn.standalone import StandaloneRNN

from .conftest import numeric_records

TINY = dict(hidden_size=4, max_iter=2, random_state=0)


def test_the_record_view_standardises_each_record_and_channel():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(7, 2)), rng.normal(size=(3, 2)) * [1000, 0.001] + 5
    records = with_record_view(numeric_records(a, np.zeros((0, 2)), b))
    assert records.values.shape == (10, 4)
    assert_array_equal(records.lengths, [7, 0, 3])
    assert_allclose(records.values[:, :2], np.vstack([a, b]), rtol=1e-6)
    for rows in (slice(0, 7), slice(7, 10)):
        view = records.values[rows, 2:]
        assert_allclose(view.mean(0), 0, atol=1e-5)
        assert_allclose(view.std(0), 1, atol=1e-5)


def test_the_record_view_ignores_level_and_scale():
    shape = np.sin(np.linspace(0, 3, 20))
    one = with_record_view(numeric_records(shape)).values[:, 1]
    other = with_record_view(numeric_records(250 * shape - 40)).values[:, 1]
    assert_allclose(one, other, atol=1e-5)


def test_a_constant_record_reads_zeros_in_its_view():
    records = with_record_view(numeric_records([3.0] * 5, [1e6 + 1e-3] * 4, [2.0]))
    assert_array_equal(records.values[:, 1], 0)


def test_no_records_stay_nonumeric_records():
    records = with_record_view(numeric_records(np.zeros((0, 2))))
    assert records.values.shape == (0, 4)


@pytest.mark.parametrize("Estimator", [RNNSequenceClassifier, RNNSequenceRegressor])
def test_auto_doubles_the_inputs_of_numeric_records_only(Estimator):
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(8, 6, 3)), np.arange(8) % 2
    est = Estimator(**TINY).fit(X, y)
    assert est.encoder_.per_record and est.module_.n_inputs == 6
    plain = Estimator(standardize=True, **TINY).fit(X, y)
    assert plain.module_.n_inputs == 3
    text = Estimator(**TINY).fit(["ab", "ba"] * 4, y)
    assert text.encoder_.step_inputs_ == len(text.encoder_.vocabulary_) + 1


def test_the_language_model_and_the_tagger_read_no_record_view():
    # Its record's mean holds the steps to come, the language model's answer.
    X = np.random.default_rng(2).normal(size=(6, 10, 1))
    assert RNNEmbeddingTransformer(**TINY).fit(X).module_.n_inputs == 1
    assert RNNEmbeddingTransformer(**TINY).fit(X, [0, 1] * 3).module_.n_inputs == 2
    tagger = RNNSequenceTagger(**TINY).fit(list(X), [np.arange(10) % 2] * 6)
    assert tagger.module_.n_inputs == 1
    with pytest.raises(ValueError, match="'standardize' parameter"):
        RNNSequenceTagger(standardize="auto").fit(list(X), [np.arange(10) % 2] * 6)


def test_each_record_is_predicted_as_if_alone():
    rng = np.random.default_rng(3)
    X = [rng.normal(size=(n, 2)) * rng.uniform(0.1, 100) for n in (1, 9, 40, 0, 3)]
    clf = RNNSequenceClassifier(**TINY).fit(X * 4, np.arange(20) % 2)
    together = clf.predict_proba(X)
    alone = np.vstack([clf.predict_proba([x]) for x in X])
    assert_array_equal(together, alone)


def test_the_standalone_network_reads_the_record_view_as_the_library():
    rng = np.random.default_rng(4)
    X = [rng.normal(size=(n, 2)) * rng.uniform(0.1, 100) for n in (3, 40, 41, 0, 7)]
    clf = RNNSequenceClassifier(**TINY).fit(X * 4, np.arange(20) % 3)
    artefact = export_network(clf)
    assert artefact["config"]["per_record"] is True
    assert_allclose(
        StandaloneRNN(artefact).predict_proba(X), clf.predict_proba(X), atol=1e-5
    )


def test_changing_standardize_refuses_a_warm_start():
    X, y = np.random.default_rng(5).normal(size=(8, 10, 1)), [0, 1] * 4
    clf = RNNSequenceClassifier(warm_start=True, **TINY).fit(X, y)
    clf.fit(X, y)
    with pytest.raises(ValueError, match=r"\['standardize'\] changed"):
        clf.set_params(standardize=True).fit(X, y)


def test_an_encoder_pickled_before_the_record_view_reads_without_it():
    X, y = np.random.default_rng(6).normal(size=(8, 10, 1)), [0, 1] * 4
    clf = RNNSequenceClassifier(standardize=True, **TINY).fit(X, y)
    expected = clf.predict_proba(X)
    del clf.encoder_.__dict__["per_record"]
    clf = pickle.loads(pickle.dumps(clf))
    assert_array_equal(clf.predict_proba(X), expected)
    assert clf.encoder_.step_inputs_ == 1


def test_shapes_at_scales_ten_million_fold_apart_are_learnt():
    # Class = rising or falling ramp; each record's amplitude is drawn from
    # 1e-3 to 1e4, so dataset-wide scaling leaves most records near zero.
    rng = np.random.default_rng(7)
    y = np.arange(100) % 2
    ramp = np.linspace(-1, 1, 12)
    amplitude = 10.0 ** rng.uniform(-3, 4, 100)
    X = np.array(
        [
            a * (ramp if c else -ramp) + rng.normal(0, 0.05 * a, 12)
            for a, c in zip(amplitude, y)
        ]
    )
    scores = {
        # Final-state pooling: concat pooling's mean and max read the scale
        # directly and learn this task either way; so does the wide term's
        # convolution features.
        standardize: RNNSequenceClassifier(
            hidden_size=8,
            standardize=standardize,
            pooling="last",
            wide=False,
            random_state=0,
        )
        .fit(X[:60], y[:60])
        .score(X[60:], y[60:])
        for standardize in ("auto", True)
    }
    assert scores["auto"] == 1.0
    assert scores[True] <= 0.9  # what the record view adds


def test_encoder_repr_names_the_view():
    enc = SequenceEncoder(per_record=True)
    enc.fit_scaling(enc.fit_transform([np.zeros((3, 1))], "ragged"))
    assert "per_record=True" in repr(enc)
