"""RNNSequenceRegressor: shapes, target scaling, validation, modes, persistence."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sklearn_rnn import RNNSequenceRegressor

PARAMS = dict(hidden_size=16, max_iter=30, learning_rate_init=0.02, random_state=0)


def sine_series(n=80, seed=0):
    """Noisy sines of random length whose target is their frequency and amplitude."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for _ in range(n):
        freq, amp = rng.uniform(0.05, 0.3), rng.uniform(0.5, 2.0)
        t = np.arange(rng.integers(20, 60))
        X.append(amp * np.sin(2 * np.pi * freq * t) + 0.05 * rng.normal(size=len(t)))
        y.append([freq, amp])
    return X, np.array(y)


def test_single_and_multi_output_shapes_and_r2():
    """Check that predictions keep y's shape and score is R^2."""
    X, y = sine_series()
    multi = RNNSequenceRegressor(**PARAMS).fit(X, y)
    assert multi.predict(X).shape == (80, 2)
    single = RNNSequenceRegressor(**PARAMS).fit(X, y[:, 1])
    assert single.predict(X).shape == (80,)
    column = RNNSequenceRegressor(**PARAMS).fit(X, y[:, 1:])
    assert column.predict(X).shape == (80, 1)
    assert single.score(X, y[:, 1]) > 0.5
    assert not hasattr(single, "classes_")


def test_targets_of_any_scale_train_alike():
    """Check that y and 1e6 * y + 3 give the same fit, rescaled: the targets
    are standardised for training and the scaling is undone in predict."""
    X, y = sine_series(n=40)
    small = RNNSequenceRegressor(**PARAMS).fit(X, y[:, 0])
    large = RNNSequenceRegressor(**PARAMS).fit(X, 1e6 * y[:, 0] + 3)
    assert_allclose(large.predict(X), 1e6 * small.predict(X) + 3, rtol=1e-5)
    assert_allclose(large.loss_curve_, small.loss_curve_, rtol=1e-5)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_targets_are_refused(bad):
    """Check sklearn's error for NaN or infinite targets."""
    X, y = sine_series(n=10)
    y = y[:, 0].copy()
    y[3] = bad
    with pytest.raises(ValueError, match="Input y contains (NaN|infinity)"):
        RNNSequenceRegressor(**PARAMS).fit(X, y)


def test_text_input_counts_a_motif():
    """Check string input: the target is how often "ab" occurs."""
    rng = np.random.default_rng(0)
    X = ["".join(rng.choice(list("abc"), size=rng.integers(5, 25))) for _ in range(300)]
    y = np.array([s.count("ab") for s in X], dtype=float)
    reg = RNNSequenceRegressor(**{**PARAMS, "max_iter": 60}).fit(X, y)
    assert reg.score(X, y) > 0.8


def test_batched_modes_make_the_same_updates():
    """Check that minibatch, vectorized and packed train identically."""
    X, y = sine_series(n=30)
    params = dict(PARAMS, max_iter=3, dropout=0.0)
    fits = {
        m: RNNSequenceRegressor(fit_mode=m, **params).fit(X, y)
        for m in ("minibatch", "vectorized", "packed")
    }
    for mode in ("minibatch", "packed"):
        assert_allclose(
            fits[mode].loss_curve_, fits["vectorized"].loss_curve_, rtol=1e-4
        )
        assert_allclose(fits[mode].predict(X), fits["vectorized"].predict(X), rtol=1e-4)


def test_zero_weight_records_are_ignored():
    """Check that records of weight 0 change neither scaling nor training."""
    X, y = sine_series(n=30)
    outliers = [np.full(30, 50.0)] * 5
    params = dict(
        PARAMS, max_iter=5, dropout=0.0, shuffle=False, length_bucketing=False
    )
    plain = RNNSequenceRegressor(batch_size=100, **params).fit(X, y[:, 0])
    weighted = RNNSequenceRegressor(batch_size=100, **params).fit(
        X + outliers,
        np.r_[y[:, 0], [1e3] * 5],
        sample_weight=np.r_[np.ones(30), np.zeros(5)],
    )
    assert_allclose(weighted.task_.mean_, plain.task_.mean_)
    assert_allclose(weighted.loss_curve_, plain.loss_curve_, rtol=1e-5)


def test_warm_start_and_output_count():
    """Check that a warm start continues and refuses another number of outputs."""
    X, y = sine_series(n=30)
    reg = RNNSequenceRegressor(warm_start=True, **dict(PARAMS, max_iter=3)).fit(X, y)
    reg.fit(X, y)
    assert reg.n_iter_ == 6
    with pytest.raises(ValueError, match="same number of outputs"):
        reg.fit(X, y[:, 0:1].repeat(3, axis=1))


def test_pickle_and_standalone_export_predict_the_same(tmp_path):
    """Check that a pickle and the standalone file predict as the original."""
    from sklearn_rnn.export import export_network
    from sklearn_rnn.standalone import StandaloneRNN

    X, y = sine_series(n=30)
    for target in (y, y[:, 0]):
        reg = RNNSequenceRegressor(**dict(PARAMS, max_iter=3)).fit(X, target)
        assert_allclose(pickle.loads(pickle.dumps(reg)).predict(X), reg.predict(X))
        standalone = StandaloneRNN(export_network(reg)).predict(X)
        assert standalone.shape == reg.predict(X).shape
        # standalone.py computes in float64, as the library can.
        expected = reg.set_params(inference_dtype="float64").predict(X)
        assert_allclose(standalone, expected, rtol=1e-6, atol=1e-9)


def test_voting_regressor_averages_seeds_on_ragged_series():
    """Check that scikit-learn's VotingRegressor takes ragged series as they
    are and predicts the mean of its members fitted alone: the recipe the
    user guide gives for small noisy sets (several seeds averaged)."""
    from sklearn.ensemble import VotingRegressor

    X, y = sine_series(n=60)
    # Held-out records: on its training records the wide term's closing
    # refit brings every seed's predictions to nearly the same values.
    X, X_new, amplitude = X[:40], X[40:], y[:40, 1]
    members = [RNNSequenceRegressor(**{**PARAMS, "random_state": s}) for s in (0, 1)]
    voting = VotingRegressor([(f"seed{i}", m) for i, m in enumerate(members)])
    voting.fit(X, amplitude)
    alone = [m.fit(X, amplitude).predict(X_new) for m in members]
    assert not np.allclose(alone[0], alone[1])  # two seeds, two networks
    assert_allclose(voting.predict(X_new), np.mean(alone, axis=0), rtol=1e-5, atol=1e-6)
