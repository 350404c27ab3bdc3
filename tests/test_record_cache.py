"""What a fitted model keeps of the records it has read: the numeric wide
term's features (``_record_cache``, ``_kernels``)."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from sklearn_rnn import RNNSequenceClassifier, RNNSequenceRegressor, _kernels
from sklearn_rnn._encoding import Records
from sklearn_rnn._kernels import fit_kernel_features
from sklearn_rnn._record_cache import RecordCache, record_keys

from .conftest import numeric_records

TINY = dict(hidden_size=4, max_iter=2, random_state=0)


@pytest.fixture
def series():
    rng = np.random.default_rng(0)
    return [rng.normal(size=(n, 2)) for n in (12, 40, 0, 40, 7)]


@pytest.fixture
def count_computed(monkeypatch):
    """How many records ``proportions_positive`` has computed features for."""
    computed = []
    original = _kernels.proportions_positive

    def spy(plan, values, lengths, offsets):
        computed.append(len(lengths))
        return original(plan, values, lengths, offsets)

    monkeypatch.setattr(_kernels, "proportions_positive", spy)
    return lambda: sum(computed)


def test_keys_tell_records_apart(series):
    r = numeric_records(*series, series[1])
    keys = record_keys(r.values, r.lengths, r.offsets)
    assert keys[1] == keys[-1]  # the same values, the same key
    assert len(set(keys)) == len(series)
    # A record's key is its own: not its neighbours' nor its position's.
    alone = numeric_records(series[3])
    assert record_keys(alone.values, alone.lengths, alone.offsets)[0] == keys[3]
    # Same bytes read as another shape or dtype: another record.
    flat = numeric_records(np.asarray(series[1], np.float32).reshape(-1, 1))
    assert record_keys(flat.values, flat.lengths, flat.offsets)[0] != keys[1]
    as64 = Records.from_list([np.asarray(series[1], np.float64)], None)
    assert record_keys(as64.values, as64.lengths, as64.offsets)[0] != keys[1]


def test_a_record_read_again_is_not_computed_again(series, count_computed):
    r = numeric_records(*series)
    plan, features = fit_kernel_features(
        r.values, r.lengths, r.offsets, 300, np.random.default_rng(0)
    )
    fitted = count_computed()
    assert fitted == len(series)
    # The training records were kept by the fit; a new one is computed once.
    new = numeric_records(np.linspace(-1, 1, 30)[:, None].repeat(2, 1), series[4])
    first = plan.transform(new.values, new.lengths, new.offsets)
    assert count_computed() == fitted + 1
    again = plan.transform(new.values, new.lengths, new.offsets)
    assert count_computed() == fitted + 1
    assert_array_equal(first, again)
    assert_array_equal(first[1], features[4])
    # The kept rows are what a plan without a memory computes.
    fresh = pickle.loads(pickle.dumps(plan))
    assert len(fresh._cache) == 0
    assert_array_equal(fresh.transform(new.values, new.lengths, new.offsets), first)


def test_the_memory_is_bounded_and_forgets_the_oldest():
    cache = RecordCache(max_bytes=3 * 40)
    rows = np.arange(50, dtype=np.float32).reshape(5, 10)  # 40 bytes a row
    keys = [bytes([i]) for i in range(5)]
    cache.store(keys[:3], rows[:3])
    out = np.zeros((1, 10), np.float32)
    assert len(cache.fill(keys[:1], out)) == 0  # key 0 is now the newest
    cache.store(keys[3:], rows[3:])
    assert cache.nbytes <= 3 * 40 and len(cache) == 3
    out = np.zeros((5, 10), np.float32)
    missing = cache.fill(keys, out)
    assert_array_equal(missing, [1, 2])
    assert_array_equal(out[[0, 3, 4]], rows[[0, 3, 4]])
    # More rows at once than fit: the last of them stay, as if stored one
    # by one.
    many = RecordCache(max_bytes=2 * 40)
    many.store(keys, rows)
    assert len(many) == 2 and len(many.fill(keys, out)) == 3
    assert_array_equal(out[3:], rows[3:])
    # A row is kept as a copy: changing the caller's array changes nothing.
    rows[0] = -1
    cache.fill(keys[:1], out)
    assert out[0, 0] == 0.0


@pytest.mark.parametrize("Estimator", [RNNSequenceClassifier, RNNSequenceRegressor])
def test_predict_and_partial_fit_read_each_record_once(Estimator, count_computed):
    rng = np.random.default_rng(1)
    X = [rng.normal(size=(n, 1)) for n in rng.integers(20, 60, 24)]
    y = np.arange(24) % 2 if Estimator is RNNSequenceClassifier else rng.normal(size=24)
    est = Estimator(**TINY).fit(X, y)
    assert count_computed() == 24
    first = est.predict(X[:6])
    est.predict(X[:6])
    est.score(X[:6], y[:6])
    assert count_computed() == 24  # training records, read in fit
    X_new = [rng.normal(size=(30, 1)) for _ in range(4)]
    est.predict(X_new)
    est.predict(X_new)
    assert count_computed() == 28
    assert_array_equal(est.predict(X[:6]), first)

    stream = Estimator(**TINY)
    start = count_computed()
    for _ in range(3):  # three passes over the same two chunks
        for chunk in (slice(0, 12), slice(12, 24)):
            kwargs = {"classes": [0, 1]} if Estimator is RNNSequenceClassifier else {}
            stream.partial_fit(X[chunk], y[chunk], **kwargs)
    assert count_computed() - start == 24


def test_a_saved_model_keeps_no_memory_of_records(tmp_path):
    pytest.importorskip("skops")
    import skops.io as sio

    rng = np.random.default_rng(2)
    X = [rng.normal(size=(n, 1)) for n in rng.integers(20, 40, 12)]
    clf = RNNSequenceClassifier(**TINY).fit(X, np.arange(12) % 2)
    clf.predict(X)
    size_with, size_without = len(pickle.dumps(clf)), None
    clf.encoder_.kernels_._cache = RecordCache()
    size_without = len(pickle.dumps(clf))
    assert size_with == size_without
    path = tmp_path / "model.skops"
    sio.dump(clf, path)
    loaded = sio.load(path, trusted=sio.get_untrusted_types(file=path))
    assert len(loaded.encoder_.kernels_._cache) == 0
    assert_array_equal(loaded.predict(X), clf.predict(X))
