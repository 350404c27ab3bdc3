"""The numeric wide term: random convolution features (``_kernels``) and the
head term that reads them."""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_rnn import RNNSequenceClassifier, RNNSequenceRegressor
from sklearn_rnn._kernels import (
    KERNEL_WEIGHTS,
    N_KERNELS,
    fit_kernel_features,
    proportions_positive,
)
from sklearn_rnn._module import MatrixRNN

from .conftest import numeric_records

TINY = dict(hidden_size=4, max_iter=3, random_state=0)


def _fit(series, n_features=500, seed=0, sample_weight=None):
    r = numeric_records(*series)
    plan, _ = fit_kernel_features(
        r.values,
        r.lengths,
        r.offsets,
        n_features,
        np.random.default_rng(seed),
        sample_weight,
    )
    return plan, r


@pytest.fixture
def ragged():
    rng = np.random.default_rng(0)
    return [rng.normal(size=(n, 3)) for n in (1, 9, 30, 31, 80, 0, 200)]


def test_kernels_are_minirockets():
    assert KERNEL_WEIGHTS.shape == (N_KERNELS, 9) == (84, 9)
    assert_array_equal(KERNEL_WEIGHTS.sum(1), 0)  # shape, not level
    assert_array_equal((KERNEL_WEIGHTS == 2).sum(1), 3)
    assert len({tuple(k) for k in KERNEL_WEIGHTS}) == 84


def test_the_plan_spans_the_median_length(ragged):
    plan, _ = _fit(ragged, n_features=4200)
    # Median length 31: a kernel of nine weights at dilation 3 spans 25
    # steps, at 4 it would span 33.
    assert plan.dilations[0] == 1 and plan.dilations[-1] == 3
    assert plan.width == len(plan.dilations) * 84 * plan.biases.shape[2]
    assert plan.width <= 4200
    # Each kernel and dilation reads one to three channels of the three.
    reads = (plan.weights != 0).any(3).sum(2)
    assert reads.min() >= 1 and reads.max() <= 3


def test_features_do_not_depend_on_the_other_records(ragged):
    plan, r = _fit(ragged)
    together = plan.transform(r.values, r.lengths, r.offsets)
    for i, series in enumerate(ragged):
        alone = numeric_records(series)
        assert_array_equal(
            plan.transform(alone.values, alone.lengths, alone.offsets)[0],
            together[i],
        )


def test_proportions_are_shares_of_the_steps(ragged):
    plan, r = _fit(ragged)
    raw = proportions_positive(plan, r.values, r.lengths, r.offsets)
    assert raw.min() >= 0 and raw.max() <= 1
    # A record of n steps can only give multiples of 1 / n.
    assert_allclose(raw[2] * 30, np.round(raw[2] * 30), atol=1e-4)
    assert_array_equal(raw[5], 0)  # the empty record
    # Standardised by their training moments.
    features = plan.transform(r.values, r.lengths, r.offsets)
    assert_allclose(features.mean(0), 0, atol=1e-5)


def test_the_draws_come_from_the_seed(ragged):
    a, _ = _fit(ragged, seed=1)
    b, _ = _fit(ragged, seed=1)
    c, _ = _fit(ragged, seed=2)
    assert_array_equal(a.biases, b.biases)
    assert_array_equal(a.weights, b.weights)
    assert not np.array_equal(a.weights, c.weights)


def test_each_kernel_reads_its_biases_from_a_record_of_its_own():
    # Twenty records of one shape at twenty scales: a kernel's biases are
    # quantiles of its output on the record drawn for it, so against the
    # biases read from the shape alone they are that record's scale times
    # as large. MiniRocket draws a record for every kernel and dilation;
    # one record for all 84 kernels of a dilation would give one scale.
    shape = np.random.default_rng(0).normal(size=(40, 1))
    scales = 10.0 * np.arange(1, 21)
    alone, _ = _fit([shape], n_features=2000)
    plan, _ = _fit([s * shape for s in scales], n_features=2000)
    assert_array_equal(plan.weights, alone.weights)  # one channel: same kernels
    readable = np.abs(alone.biases) > 0.1
    ratio = np.where(readable, plan.biases / np.where(readable, alone.biases, 1), 0)
    for d in range(len(plan.dilations)):
        implied = [np.median(ratio[d, k][readable[d, k]]) for k in range(N_KERNELS)]
        nearest = scales[np.abs(np.subtract.outer(implied, scales)).argmin(1)]
        assert_allclose(implied, nearest, rtol=1e-3)  # each some record's scale
        assert len(set(nearest)) > 5  # from many records, not one


def test_records_of_weight_zero_change_nothing(ragged):
    outliers = [np.full((50, 3), 1e3)] * 3
    plain, r = _fit(ragged)
    weighted, _ = _fit(
        ragged + outliers, sample_weight=np.r_[np.ones(len(ragged)), np.zeros(3)]
    )
    assert_array_equal(plain.biases, weighted.biases)
    assert_allclose(plain.mean, weighted.mean, atol=1e-6)
    assert_allclose(plain.scale, weighted.scale, rtol=1e-5)


def test_the_term_starts_at_zero_and_needs_its_features():
    module = MatrixRNN(4, 3, 5, symbolic=False, n_kernel_features=10)
    assert_array_equal(module.V_kernels.detach(), 0)
    X, lengths = torch.zeros((2, 6, 4)), np.array([6, 3])
    features = torch.ones((2, 10))
    assert_array_equal(
        module(X, lengths, features=features).detach(),
        module(X, lengths, features=torch.zeros((2, 10))).detach(),
    )
    with pytest.raises(ValueError, match="convolution features"):
        module(X, lengths)
    # Symbols and per-step heads have no numeric wide term.
    assert (
        MatrixRNN(4, 3, 5, symbolic=True, n_kernel_features=10).n_kernel_features
        is None
    )
    assert (
        MatrixRNN(
            4, 3, 5, symbolic=False, per_step=True, n_kernel_features=10
        ).n_kernel_features
        is None
    )


@pytest.mark.parametrize("Estimator", [RNNSequenceClassifier, RNNSequenceRegressor])
def test_wide_switches_the_term(Estimator):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(20, 15, 2))
    y = np.arange(20) % 2
    with_term = Estimator(**TINY).fit(X, y)
    assert with_term.encoder_.kernels_ is not None
    assert with_term.module_.V_kernels.shape[1] == with_term.encoder_.kernels_.width
    without = Estimator(wide=False, **TINY).fit(X, y)
    assert without.encoder_.kernels_ is None
    assert not hasattr(without.module_, "V_kernels")


def test_strings_are_unchanged_by_the_numeric_term():
    X, y = ["ab", "ba", "abb", "bab"] * 3, [0, 1, 0, 1] * 3
    clf = RNNSequenceClassifier(**TINY).fit(X, y)
    assert clf.encoder_.kernels_ is None
    assert clf.module_.n_kernel_features is None
    reg = RNNSequenceRegressor(**TINY).fit(X, np.arange(12.0))
    assert reg.encoder_.kernels_ is None


def test_the_term_learns_a_shape_the_network_alone_misses():
    """Check that the wide term reads shape: the class is where in the
    series a bump sits (first or second half), a position the final state
    of a recurrence read for two epochs barely tells apart, unless the
    recurrence reads the kernels' running shares itself."""
    rng = np.random.default_rng(3)
    n, length = 120, 64
    y = np.arange(n) % 2
    X = rng.normal(0, 0.3, size=(n, length))
    for i, c in enumerate(y):
        start = rng.integers(0, 24) + 32 * c
        X[i, start : start + 8] += np.hanning(8) * 3
    params = dict(hidden_size=4, max_iter=20, random_state=0)
    score = {
        (wide, shares): RNNSequenceClassifier(wide=wide, kernel_shares=shares, **params)
        .fit(X[:80], y[:80])
        .score(X[80:], y[80:])
        for wide, shares in ((True, "auto"), (False, 0), (False, "auto"))
    }
    assert score[True, "auto"] >= 0.9
    assert score[True, "auto"] > score[False, 0]
    assert score[False, "auto"] >= 0.9  # the network alone, reading the shares


@pytest.mark.parametrize("n_biases", [1, 3, 40])
def test_counts_above_the_biases(n_biases):
    from sklearn_rnn._kernels import _count_above

    rng = np.random.default_rng(5)
    conv = torch.as_tensor(rng.normal(size=(6, 84, 12)).astype(np.float32))
    conv[0, :, :3] = -torch.inf  # pad steps
    conv[1, :, 4] = 0.0  # ties with a bias of 0 are not above it
    biases = rng.normal(size=(84, n_biases)).astype(np.float32)
    biases[:, 0] = 0.0
    expected = (conv.numpy()[:, :, None, :] > biases[None, :, :, None]).sum(3)
    assert_array_equal(_count_above(conv, biases).numpy(), expected)


def test_the_fit_returns_the_training_features_transform_gives(ragged):
    r = numeric_records(*ragged)
    plan, features = fit_kernel_features(
        r.values, r.lengths, r.offsets, 500, np.random.default_rng(0)
    )
    assert_array_equal(features, plan.transform(r.values, r.lengths, r.offsets))


def test_the_compiled_counter_counts_as_numpy():
    # Ties (a step equal to a bias) and pad steps (-inf) included; the same
    # integers from numpy, the loops numba compiles, and numba's build.
    from sklearn_rnn._kernels import (
        _compiled_counter,
        _count_above_loops,
        _count_above_numpy,
    )

    rng = np.random.default_rng(0)
    values = rng.normal(size=(3, 84, 17)).astype(np.float32)
    biases = rng.normal(size=(84, 5)).astype(np.float32)
    values[0, :, :4] = -np.inf
    values[1, :, 3] = biases[:, 2]
    expected = _count_above_numpy(values, biases)
    np.testing.assert_array_equal(_count_above_loops(values, biases), expected)
    compiled = _compiled_counter()
    if compiled is None:
        pytest.skip("numba is not installed (the fast extra)")
    np.testing.assert_array_equal(compiled(values, biases), expected)
