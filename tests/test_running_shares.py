"""Running shares (``_running_shares``): MiniRocket's kernels read step by
step by the recurrence (``kernel_shares``)."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_rnn import (
    RNNEmbeddingTransformer,
    RNNSequenceClassifier,
    RNNSequenceRegressor,
)
from sklearn_rnn._encoding import stacked_steps
from sklearn_rnn._kernels import proportions_positive
from sklearn_rnn._running_shares import (
    AUTO_KERNEL_SHARES,
    fit_running_shares,
    running_shares,
)
from sklearn_rnn.export import export_network
from sklearn_rnn.standalone import StandaloneRNN

from .conftest import numeric_records

TINY = dict(hidden_size=4, max_iter=3, random_state=0)


@pytest.fixture
def ragged():
    rng = np.random.default_rng(0)
    return [rng.normal(size=(n, 2)) for n in (1, 9, 30, 31, 80, 0, 200)]


def _fit(series, patch, n_features=500, seed=0, sample_weight=None):
    r = numeric_records(*series)
    reading, shares = fit_running_shares(
        r.values,
        r.lengths,
        r.offsets,
        n_features,
        patch,
        np.random.default_rng(seed),
        sample_weight,
    )
    return reading, shares, r


@pytest.mark.parametrize("patch", [1, 4, 7])
def test_one_row_per_patch_the_last_over_the_whole_record(ragged, patch):
    reading, _, r = _fit(ragged, patch)
    raw = running_shares(reading.kernels, r.values, r.lengths, r.offsets, patch)
    # As many rows as stacked_steps makes steps, record by record.
    patched = stacked_steps(r, patch)
    assert raw.shape == (patched.lengths.sum(), reading.width)
    assert raw.min() >= 0 and raw.max() <= 1
    whole = proportions_positive(reading.kernels, r.values, r.lengths, r.offsets)
    ends = np.cumsum(patched.lengths) - 1
    for i, n in enumerate(patched.lengths):
        if n:  # the last patch's shares are the whole record's proportions
            assert_allclose(raw[ends[i]], whole[i], atol=1e-6)


def test_shares_run_over_the_steps_so_far():
    # One channel, one record: a step up halfway. A kernel that responds to
    # the step has a share that changes only once the step has been read.
    series = np.r_[np.zeros(16), np.ones(16)][:, None]
    reading, _, r = _fit([series, series[::-1]], patch=4, n_features=84)
    raw = running_shares(reading.kernels, r.values, r.lengths, r.offsets, 4)
    first = raw[:8]  # the first record's 8 patches
    # Shares of a prefix: step j's count is at most step j+1's count.
    counts = first * (4 * np.arange(1, 9))[:, None]
    assert (np.diff(np.round(counts), axis=0) >= 0).all()
    assert not np.array_equal(first[1], first[-1])


def test_shares_do_not_depend_on_the_other_records(ragged):
    reading, shares, r = _fit(ragged, patch=3)
    starts = np.cumsum(-(-r.lengths // 3)) - (-(-r.lengths // 3))
    for i, series in enumerate(ragged):
        alone = numeric_records(series)
        rows = reading.transform(alone.values, alone.lengths, alone.offsets)
        n = -(-len(series) // 3)
        assert_array_equal(rows, shares[starts[i] : starts[i] + n])


def test_standardised_by_the_training_patches(ragged):
    _, shares, _ = _fit(ragged, patch=3)
    assert_allclose(shares.mean(0), 0, atol=1e-4)


def test_records_of_weight_zero_change_nothing(ragged):
    a, _, _ = _fit(ragged[:4], patch=2)
    weights = np.r_[np.ones(4), 0.0]
    b, _, _ = _fit([*ragged[:4], 100 * ragged[6]], patch=2, sample_weight=weights)
    assert_array_equal(a.kernels.biases, b.kernels.biases)
    assert_allclose(a.mean, b.mean, rtol=1e-6)
    assert_allclose(a.scale, b.scale, rtol=1e-6)


@pytest.fixture(scope="module")
def series():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 50)).cumsum(1)
    y = (X[:, -10:].mean(1) > X[:, :10].mean(1)).astype(int)
    return X, y


@pytest.mark.parametrize(
    "Estimator", [RNNSequenceClassifier, RNNSequenceRegressor, RNNEmbeddingTransformer]
)
def test_the_network_reads_them_beside_the_values(series, Estimator):
    X, y = series
    plain = Estimator(**TINY, patch_size=5, kernel_shares=0).fit(X, y)
    model = Estimator(**TINY, patch_size=5, kernel_shares=168).fit(X, y)
    shares = model.encoder_.shares_.width
    assert 84 <= shares <= 168
    assert model.module_.n_inputs == plain.module_.n_inputs + shares
    assert model.module_.n_step_shares == shares
    out = model.transform(X) if hasattr(model, "transform") else model.predict(X)
    # A record's output is the one it has alone.
    alone = (
        model.transform(X[3:4])
        if hasattr(model, "transform")
        else model.predict(X[3:4])
    )
    assert_allclose(alone[0], out[3], rtol=1e-5, atol=1e-6)


def test_with_the_front_end_filters(series):
    X, y = series
    model = RNNSequenceClassifier(
        **TINY, patch_size=5, conv_filters=2, kernel_shares=84
    ).fit(X, y)
    module = model.module_
    # The filters read the values, not the shares.
    assert module.front_weight_0.shape[1] == 2  # values and the record view
    assert module.n_inputs == 10 + model.encoder_.shares_.width
    assert_array_equal(model.predict(X[:5]), model.predict(X)[:5])


def test_pickles(series):
    X, y = series
    model = RNNSequenceClassifier(**TINY, patch_size=5, kernel_shares=84).fit(X, y)
    loaded = pickle.loads(pickle.dumps(model))
    assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


@pytest.mark.parametrize(
    "params",
    [
        {"patch_size": 1},
        {"patch_size": 5, "standardize": True},  # no record view
        {"patch_size": 16, "conv_filters": 2},
        {"patch_size": 3, "wide": True},
    ],
    ids=str,
)
def test_the_standalone_network_reads_them_as_the_library(params):
    # Records of several lengths (one empty, one shorter than a patch) and
    # two channels: the shares written out again in standalone.py are the
    # library's.
    rng = np.random.default_rng(3)
    X = [rng.normal(size=(n, 2)) for n in (3, 40, 41, 0, 77, 50)] * 3
    y = np.arange(len(X)) % 3
    clf = RNNSequenceClassifier(
        **{"wide": False, **TINY, **params}, kernel_shares=200
    ).fit(X, y)
    artefact = export_network(clf)
    assert artefact["config"]["n_step_shares"] == clf.encoder_.shares_.width
    assert_allclose(
        StandaloneRNN(artefact).predict_proba(X), clf.predict_proba(X), atol=1e-5
    )
    emb = RNNEmbeddingTransformer(**TINY, kernel_shares=200).fit(X, y)
    assert_allclose(
        StandaloneRNN(export_network(emb)).embed(X), emb.transform(X), atol=1e-5
    )


def test_continuing_with_other_shares_is_refused(series):
    X, y = series
    model = RNNSequenceClassifier(
        **TINY, patch_size=5, kernel_shares=84, warm_start=True
    ).fit(X, y)
    model.fit(X, y)  # the same shares: continues
    with pytest.raises(ValueError, match="kernel_shares"):
        model.set_params(kernel_shares=0).fit(X, y)


def test_symbols_ignore_them():
    model = RNNSequenceClassifier(**TINY, kernel_shares=84).fit(
        ["ab", "ba", "abba", "b"], [0, 1, 0, 1]
    )
    assert model.encoder_.shares_ is None
    assert model.module_.n_step_shares == 0


def test_auto_reads_them_where_no_wide_term_reads_the_kernels(series):
    X, y = series  # 50 steps: read in patches of 2
    wide = RNNSequenceClassifier(**TINY).fit(X, y)
    assert wide.encoder_.patch_size_ == 2 and wide.encoder_.shares_ is None
    alone = RNNSequenceClassifier(**TINY, wide=False).fit(X, y)
    assert 1000 < alone.encoder_.shares_.width <= AUTO_KERNEL_SHARES
    # Series short enough to be read one step at a time: none.
    short = RNNSequenceClassifier(**TINY, wide=False).fit(X[:, :30], y)
    assert short.encoder_.patch_size_ == 1 and short.encoder_.shares_ is None
    assert RNNSequenceRegressor(**TINY, wide=False).fit(X, y).encoder_.shares_ is None


def test_the_transformer_reads_them_for_class_labels_only(series):
    X, y = series
    labels = RNNEmbeddingTransformer(**TINY).fit(X, y)
    assert labels.encoder_.shares_ is not None
    for target in (None, X[:, -1] - X[:, 0]):  # next patches, regression
        assert RNNEmbeddingTransformer(**TINY).fit(X, target).encoder_.shares_ is None


def test_the_transformers_filters_give_way_to_the_shares(series):
    X, y = series
    patched = RNNEmbeddingTransformer(**TINY).fit(X, y)
    assert patched.encoder_.shares_ is not None
    assert patched.module_.conv_filters == 0
    # Read one step at a time: no shares, and the 32 filters instead.
    short = RNNEmbeddingTransformer(**TINY).fit(X[:, :30], y)
    assert short.encoder_.shares_ is None
    assert short.module_.conv_filters == 32
    # A warm start resolves "auto" as the first fit did.
    short.set_params(warm_start=True).fit(X[:, :30], y)
    assert short.module_.conv_filters == 32


def test_records_read_before_come_from_the_cache(ragged, monkeypatch):
    import sklearn_rnn._running_shares as module

    reading, shares, r = _fit(ragged, patch=3)
    calls = []
    compute = module.running_shares
    monkeypatch.setattr(
        module, "running_shares", lambda *a: calls.append(len(a[2])) or compute(*a)
    )
    # The training records were kept by the fit; a new one is computed once.
    assert_array_equal(reading.transform(r.values, r.lengths, r.offsets), shares)
    assert calls == []
    new = numeric_records(np.ones((10, 2)), ragged[2])
    first = reading.transform(new.values, new.lengths, new.offsets)
    assert calls == [1]
    assert_array_equal(reading.transform(new.values, new.lengths, new.offsets), first)
    assert calls == [1]
    # Not part of the model: a pickled reading starts empty.
    loaded = pickle.loads(pickle.dumps(reading))
    assert len(loaded._cache) == 0
    assert_array_equal(loaded.transform(new.values, new.lengths, new.offsets), first)


def test_a_cache_too_small_still_returns_every_record(ragged):
    from sklearn_rnn._record_cache import RecordCache

    reading, shares, r = _fit(ragged, patch=3)
    reading._cache = RecordCache(max_bytes=5_000)  # a record or two
    assert_array_equal(reading.transform(r.values, r.lengths, r.offsets), shares)
    assert reading._cache.nbytes <= 5_000
