"""Numeric series read in patches of consecutive steps (``patch_size``)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_rnn import (
    RNNEmbeddingTransformer,
    RNNSequenceClassifier,
    RNNSequenceRegressor,
    RNNSequenceTagger,
)
from sklearn_rnn._encoding import (
    AUTO_PATCH_MAX_STEPS,
    AUTO_PATCH_STEPS,
    SequenceEncoder,
    auto_patch_size,
    stacked_steps,
)
from sklearn_rnn.export import export_network
from sklearn_rnn.standalone import StandaloneRNN

from .conftest import numeric_records

TINY = dict(hidden_size=4, max_iter=2, random_state=0)


def test_stacked_steps_put_consecutive_steps_side_by_side():
    records = numeric_records([1, 2, 3, 4, 5], [], [10, 20, 30, 40])
    out = stacked_steps(records, 2)
    assert_array_equal(out.lengths, [3, 0, 2])
    # The first step repeats in front of a record that is not a multiple.
    assert_array_equal(out.values, [[1, 1], [2, 3], [4, 5], [10, 20], [30, 40]])
    assert_array_equal(out.offsets, [0, 3, 3])


def test_stacked_steps_keep_channels_of_a_step_together():
    record = np.arange(6).reshape(3, 2)  # steps (0, 1), (2, 3), (4, 5)
    out = stacked_steps(numeric_records(record), 3)
    assert_array_equal(out.values, [[0, 1, 2, 3, 4, 5]])


def test_size_one_is_the_records_unchanged():
    records = numeric_records([1, 2, 3])
    assert stacked_steps(records, 1) is records


@pytest.mark.parametrize(
    "longest, expected",
    [(0, 1), (1, 1), (AUTO_PATCH_STEPS, 1), (AUTO_PATCH_STEPS + 1, 2), (1460, 46)],
)
def test_auto_patch_size_reads_records_of_one_length_in_few_steps(longest, expected):
    assert auto_patch_size(np.array([longest, longest, longest])) == expected
    assert -(-longest // expected) <= AUTO_PATCH_STEPS


def test_auto_patch_size_reads_the_median_record_in_few_steps():
    # Lengths like those of appliance currents: most of a few hundred
    # steps, a few far longer. Sized for the longest (1,200 / 32: 38 steps
    # a patch) a 100-step record would take 3 steps.
    lengths = np.array([100, 200, 300, 300, 434, 500, 1200])
    size = auto_patch_size(lengths)
    assert size == 10  # ceil(300 / 32)
    assert -(-300 // size) <= AUTO_PATCH_STEPS < -(-300 // (size - 1))
    assert -(-1200 // size) <= AUTO_PATCH_MAX_STEPS


def test_auto_patch_size_bounds_the_steps_of_the_longest_record():
    # One record far longer than the rest: it takes at most
    # AUTO_PATCH_MAX_STEPS steps, so the rest are read in larger patches.
    lengths = np.array([40] * 9 + [10_000])
    size = auto_patch_size(lengths)
    assert size == -(-10_000 // AUTO_PATCH_MAX_STEPS) == 79
    assert auto_patch_size(np.array([40] * 9 + [100])) == 2  # ceil(40 / 32)


def test_encoder_standardises_each_channel_before_stacking():
    X = [np.c_[np.arange(10.0), 100 * np.arange(10.0)]]
    enc = SequenceEncoder(patch_size=5)
    records = enc.fit_scaling(enc.fit_transform(X, "ragged"))
    assert enc.patch_size_ == 5 and enc.n_inputs_ == 2 and enc.step_inputs_ == 10
    assert records.values.shape == (2, 10)
    assert_allclose(enc.mean_, [4.5, 450])  # moments of the raw channels
    # Both channels read alike after scaling, step by step in each patch.
    assert_allclose(records.values[:, 0::2], records.values[:, 1::2], atol=1e-6)
    assert_allclose(enc.transform(X, "ragged").values, records.values)


def test_symbol_input_reads_one_symbol_a_step():
    clf = RNNSequenceClassifier(patch_size=3, **TINY).fit(
        ["abc", "bca"] * 4, [0, 1] * 4
    )
    assert clf.encoder_.patch_size_ == 1


@pytest.mark.parametrize("Estimator", [RNNSequenceClassifier, RNNSequenceRegressor])
def test_auto_patch_size_follows_the_training_lengths(Estimator):
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(n, 2)) for n in (10, 100, 70, 5)] * 3
    y = np.arange(len(X)) % 2
    est = Estimator(**TINY).fit(X, y)
    assert est.encoder_.patch_size_ == 2  # ceil(median 40 / 32)
    assert est.module_.n_inputs == 8  # 2 channels x 2 views x 2 steps
    short = Estimator(**TINY).fit([x[:5] for x in X], y)
    assert short.encoder_.patch_size_ == 1


def test_a_patched_model_predicts_each_record_as_if_alone():
    rng = np.random.default_rng(1)
    X = [rng.normal(size=(n, 1)) for n in (3, 40, 41, 0, 77)] * 4
    y = np.arange(len(X)) % 2
    clf = RNNSequenceClassifier(patch_size=5, **TINY).fit(X, y)
    together = clf.predict_proba(X)
    alone = np.vstack([clf.predict_proba([x]) for x in X])
    assert_array_equal(together, alone)


def test_the_standalone_network_reads_patches_as_the_library():
    rng = np.random.default_rng(2)
    X = [rng.normal(size=(n, 2)) for n in (3, 40, 41, 0, 77)] * 4
    y = np.arange(len(X)) % 3
    clf = RNNSequenceClassifier(**TINY).fit(X, y)
    artefact = export_network(clf)
    assert artefact["config"]["patch_size"] == 2  # ceil(median 40 / 32)
    assert_allclose(
        StandaloneRNN(artefact).predict_proba(X), clf.predict_proba(X), atol=1e-5
    )


def test_a_language_model_reads_patches_and_the_tagger_every_step():
    """The language model reads the patches a supervised network reads and
    predicts each next patch (all its values); the tagger labels every step."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(6, 100, 1))
    language_model = RNNEmbeddingTransformer(**TINY).fit(X)
    assert language_model.encoder_.patch_size_ == 4
    assert language_model.task_.n_outputs == language_model.module_.n_outputs
    assert language_model.module_.n_outputs == 4  # the next patch's 4 values
    supervised = RNNEmbeddingTransformer(**TINY).fit(X, [0, 1] * 3)
    assert supervised.encoder_.patch_size_ == 4
    assert "patch_size" not in RNNSequenceTagger().get_params()
    tagger = RNNSequenceTagger(**TINY).fit(list(X), [np.arange(100) % 2] * 6)
    assert len(tagger.predict(X[:1])[0]) == 100


def test_changing_patch_size_refuses_a_warm_start():
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(8, 64, 1)), [0, 1] * 4
    clf = RNNSequenceClassifier(warm_start=True, **TINY).fit(X, y)
    clf.fit(X, y)  # "auto" again: the same network continues
    with pytest.raises(ValueError, match=r"\['patch_size'\] changed"):
        clf.set_params(patch_size=4).fit(X, y)


def test_an_encoder_pickled_before_patches_reads_single_steps():
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(8, 64, 1)), [0, 1] * 4
    clf = RNNSequenceClassifier(patch_size=1, standardize=True, **TINY).fit(X, y)
    expected = clf.predict_proba(X)
    for attr in ("patch_size", "patch_size_"):
        del clf.encoder_.__dict__[attr]
    assert_array_equal(clf.predict_proba(X), expected)
    assert clf.encoder_.step_inputs_ == 1


@pytest.mark.parametrize("bad", [0, -1, 1.5, "big"])
def test_patch_size_is_validated(bad):
    with pytest.raises(ValueError, match="'patch_size' parameter"):
        RNNSequenceClassifier(patch_size=bad).fit(np.zeros((4, 3)), [0, 1, 0, 1])
