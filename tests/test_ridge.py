"""The closed-form ridge that starts the numeric wide term (``_ridge``) and
the start itself."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.linear_model import Ridge, RidgeCV
from skorch.callbacks import Callback

from sklearn_rnn import RNNSequenceClassifier, RNNSequenceRegressor
from sklearn_rnn._ridge import ALPHAS, NO_TERM, fit_ridge_loo


def _problem(n, p, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) + 2.0  # uncentred: the intercept matters
    Y = X[:, :3] @ rng.normal(size=(3, 2)) + rng.normal(size=(n, 2))
    return X, Y


@pytest.mark.parametrize("n, p", [(30, 120), (200, 15)])  # Gram; covariance
def test_matches_ridgecv_with_leave_one_out(n, p):
    X, Y = _problem(n, p)
    fit = fit_ridge_loo(X, Y, np.ones(n))
    reference = RidgeCV(
        alphas=ALPHAS, scoring="neg_mean_squared_error", store_cv_results=True
    ).fit(X, Y)
    assert fit.alpha == reference.alpha_
    assert_allclose(fit.coef.numpy(), reference.coef_, atol=1e-8)
    assert_allclose(fit.intercept.numpy(), reference.intercept_, atol=1e-8)
    at_alpha = reference.cv_results_[:, :, ALPHAS.index(fit.alpha)]
    assert_allclose(fit.loo.numpy(), at_alpha, atol=1e-6)


@pytest.mark.parametrize("n, p", [(30, 120), (200, 15)])
def test_weights_weigh_and_zero_weights_take_no_part(n, p):
    X, Y = _problem(n, p, seed=1)
    weight = np.random.default_rng(2).uniform(0.2, 3.0, size=n)
    weight[:4] = 0.0
    fit = fit_ridge_loo(X, Y, weight)
    reference = Ridge(alpha=fit.alpha).fit(X, Y, sample_weight=weight)
    assert_allclose(fit.coef.numpy(), reference.coef_, atol=1e-8)
    assert_allclose(fit.intercept.numpy(), reference.intercept_, atol=1e-8)
    # A record's leave-one-out prediction is the fit without it.
    left_out = np.ones(n, bool)
    left_out[7] = False
    refit = Ridge(alpha=fit.alpha).fit(
        X[left_out], Y[left_out], sample_weight=weight[left_out]
    )
    assert_allclose(fit.loo.numpy()[7], refit.predict(X[7:8])[0], atol=1e-6)
    assert np.isnan(fit.loo.numpy()[:4]).all()  # never part of the fit
    # The weight-0 records' values do not matter.
    X2 = X.copy()
    X2[:4] = 1e6
    assert_allclose(
        fit_ridge_loo(X2, Y, weight).coef.numpy(), fit.coef.numpy(), atol=1e-10
    )


@pytest.mark.parametrize("n, p", [(30, 120), (200, 15)])
def test_a_fit_reuses_the_decomposition_of_another(n, p):
    X, Y = _problem(n, p, seed=3)
    weight = np.random.default_rng(4).uniform(0.2, 3.0, size=n)
    weight[:3] = 0.0
    first = fit_ridge_loo(X, Y, weight)
    other = Y[:, ::-1] * 3.0 + 1.0  # other targets of the same records
    reused = fit_ridge_loo(X, other, weight, basis=first.basis)
    fresh = fit_ridge_loo(X, other, weight)
    assert reused.basis is first.basis  # no second eigendecomposition
    assert reused.alpha == fresh.alpha
    for a, b in [(reused.coef, fresh.coef), (reused.intercept, fresh.intercept)]:
        assert_allclose(a.numpy(), b.numpy(), atol=1e-9)
    assert_allclose(reused.loo.numpy()[3:], fresh.loo.numpy()[3:], atol=1e-9)


def test_the_infinite_penalty_is_the_mean_with_its_exact_leave_one_out():
    rng = np.random.default_rng(3)
    n = 80
    F, y = rng.normal(size=(n, 5)), rng.normal(size=n)
    fit = fit_ridge_loo(F, y, np.ones(n), alphas=(NO_TERM,))
    assert_array_equal(fit.coef.numpy(), 0.0)
    assert_allclose(fit.intercept.numpy(), y.mean())
    # Leaving record i out, the mean of the others predicts it.
    others = (y.sum() - y) / (n - 1)
    assert_allclose(fit.loo.numpy().ravel(), others)


def test_a_grid_ending_with_no_term_takes_it_only_where_nothing_predicts():
    rng = np.random.default_rng(0)
    F = rng.normal(size=(200, 30))
    grid = ALPHAS + (NO_TERM,)
    noise = rng.normal(size=200)
    assert fit_ridge_loo(F, noise, np.ones(200), alphas=grid).alpha == NO_TERM
    signal = F @ rng.normal(size=30) + 0.1 * noise
    assert fit_ridge_loo(F, signal, np.ones(200), alphas=grid).alpha < 1


def test_no_weight_gives_the_zero_model():
    X, Y = _problem(10, 30)
    fit = fit_ridge_loo(X, Y, np.zeros(10))
    assert_array_equal(fit.coef.numpy(), 0)
    assert_array_equal(fit.intercept.numpy(), 0)
    assert fit.coef.shape == (2, 30)


def test_class_weights_of_zero_leave_the_term_finite():
    X, y = _series(seed=8)
    model = RNNSequenceClassifier(class_weight={0: 0.0, 1: 0.0}, **FROZEN)
    model.fit(X, y)
    assert np.isfinite(_term(model)).all()


def _series(n=60, length=40, seed=0):
    """Where in the series a bump sits (first or second half) is the class."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.normal(0, 0.3, size=(n, length))
    for i, c in enumerate(y):
        start = rng.integers(0, length // 2 - 8) + (length // 2) * c
        X[i, start : start + 8] += np.hanning(8) * 3
    return X, y


# A learning rate too small to move the weights: the fitted term is its start.
FROZEN = dict(hidden_size=4, max_iter=1, learning_rate_init=1e-12, random_state=0)


def _term(model):
    """The wide term's weights as a linear model of the standardised features."""
    module = model.module_
    return module.V_kernels.detach().numpy() / math.sqrt(module.n_kernel_features)


def _training_features(model, X):
    return model.encoder_.transform(X, model.encoder_.kind_).features


def _terms_set(monkeypatch):
    """Every linear model the fit sets the wide term to, in order."""
    from sklearn_rnn._module import MatrixRNN

    calls, original = [], MatrixRNN.set_kernel_term

    def spy(module, coef, intercept):
        calls.append((coef.numpy().copy(), intercept.numpy().copy()))
        return original(module, coef, intercept)

    monkeypatch.setattr(MatrixRNN, "set_kernel_term", spy)
    return calls


def test_the_regressor_term_starts_from_ridge_on_standardised_targets(monkeypatch):
    X, _ = _series(seed=4)
    y = 5.0 + 3.0 * X[:, 10:20].mean(1)
    calls = _terms_set(monkeypatch)
    model = RNNSequenceRegressor(**FROZEN).fit(X, y)
    F = _training_features(model, X)
    reference = RidgeCV(alphas=ALPHAS).fit(F, (y - y.mean()) / y.std())
    assert len(calls) == 2  # the start, then the refit after training
    assert_allclose(calls[0][0][0], reference.coef_, atol=1e-4)


def _rest_and_term(model, X):
    """The fitted regressor's standardised outputs without its wide term,
    and the term's linear model."""
    module, task = model.module_, model.task_
    saved = module.V_kernels.detach().clone()
    try:
        module.V_kernels.data.zero_()
        rest = (model.predict(X) - task.mean_) / task.scale_
    finally:
        module.V_kernels.data.copy_(saved)
    return rest, _term(model)[0]


@pytest.mark.parametrize("ragged", [False, True])
def test_the_regressor_ends_with_the_ridge_of_the_rest_of_the_network(ragged):
    X, _ = _series(n=50, seed=9)
    y = np.sin(X[:, 5:15].sum(1)) + X[:, 30:].mean(1)  # a part the term cannot read
    if ragged:
        # Records of many lengths, which the loaders group by length: the
        # refit must pair each record's features with its own outputs.
        ends = np.random.default_rng(9).integers(30, X.shape[1] + 1, len(X))
        X = [x[:end] for x, end in zip(X, ends)]
    model = RNNSequenceRegressor(hidden_size=4, max_iter=15, random_state=0)
    model.fit(X, y)
    F = _training_features(model, X)
    task = model.task_
    rest, coef = _rest_and_term(model, X)
    residual = (y - task.mean_) / task.scale_ - rest
    reference = RidgeCV(alphas=ALPHAS).fit(F, residual)
    assert_allclose(coef, reference.coef_, atol=1e-4)
    # The model predicts with it: outputs = the rest + the refitted term.
    standardised = rest + reference.predict(F)
    assert_allclose(
        model.predict(X), standardised * task.scale_ + task.mean_, atol=1e-4
    )


def _over_a_cap_of_30(monkeypatch):
    """60 series and a target the features predict, with the ridge's
    record cap lowered to 30; and the list of terms the fits set."""
    import sklearn_rnn._base as base

    X, _ = _series(n=60, seed=10)
    monkeypatch.setattr(base, "_KERNEL_START_MAX_RECORDS", 30)
    return X, X[:, 10:20].mean(1), _terms_set(monkeypatch)


def test_above_the_cap_and_in_a_stream_the_regressor_keeps_its_trained_term(
    monkeypatch,
):
    X, y, calls = _over_a_cap_of_30(monkeypatch)
    RNNSequenceRegressor(hidden_size=4, max_iter=3, random_state=0).fit(X, y)
    assert len(calls) == 1  # the start only
    RNNSequenceRegressor(hidden_size=4, random_state=0).partial_fit(X, y)
    assert len(calls) == 1  # a stream's term starts at zero and is not refit


def test_above_the_cap_a_network_trained_first_gets_a_term_of_drawn_records(
    monkeypatch,
):
    X, y, calls = _over_a_cap_of_30(monkeypatch)
    params = dict(hidden_size=4, max_iter=3, early_stopping=True, random_state=0)
    first = _term(RNNSequenceRegressor(**params).fit(X, y))
    assert len(calls) == 1  # no start; the refit, on 30 of the 54 records
    assert np.abs(first).max() > 0.0
    assert_array_equal(first, _term(RNNSequenceRegressor(**params).fit(X, y)))


def test_the_classifier_term_is_ridge_on_the_class_coding_scaled():
    X, y = _series(seed=5)
    model = RNNSequenceClassifier(**FROZEN).fit(X, y)
    F = _training_features(model, X)
    coding = np.where(y[:, None] == [0, 1], 1.0, -1.0)  # RidgeClassifier's
    reference = RidgeCV(alphas=ALPHAS).fit(F, coding)
    coef = _term(model)
    # One positive factor turns the ridge scores into logits.
    factor = (coef * reference.coef_).sum() / (reference.coef_**2).sum()
    assert factor > 0
    assert_allclose(coef, factor * reference.coef_, atol=1e-4 * factor)
    # Already before any training, the term separates the bumps.
    assert model.score(X, y) == 1.0


def test_a_capped_start_reads_a_subset_drawn_from_the_seed(monkeypatch):
    import sklearn_rnn._base as base

    X, y = _series(n=80, seed=6)
    full = _term(RNNSequenceClassifier(**FROZEN).fit(X, y))
    monkeypatch.setattr(base, "_KERNEL_START_MAX_RECORDS", 30)
    capped = _term(RNNSequenceClassifier(**FROZEN).fit(X, y))
    assert not np.allclose(capped, full)
    assert_array_equal(capped, _term(RNNSequenceClassifier(**FROZEN).fit(X, y)))


def test_partial_fit_and_warm_start_train_the_term_they_have():
    X, y = _series(seed=7)
    partial = RNNSequenceClassifier(**FROZEN).partial_fit(X, y, classes=[0, 1])
    assert np.abs(_term(partial)).max() < 1e-6  # from zero, as a stream would
    warm = RNNSequenceClassifier(warm_start=True, **FROZEN).fit(X, y)
    before = _term(warm).copy()
    warm.fit(X[:, ::-1], y)  # a start from these records would differ
    assert_allclose(_term(warm), before, atol=1e-6)


class _TermWatch(Callback):
    """The largest wide-term weight after every training update."""

    def __init__(self):
        self.seen = []

    def on_batch_end(self, net, training=True, **kwargs):
        if training:
            self.seen.append(float(net.module_.V_kernels.detach().abs().max()))


@pytest.mark.parametrize("early_stopping", [True, False])
def test_with_a_held_out_set_the_regressor_network_trains_first(
    monkeypatch, early_stopping
):
    X, _ = _series(n=60, seed=11)
    y = X[:, 10:20].mean(1)
    calls = _terms_set(monkeypatch)
    watch = _TermWatch()
    model = RNNSequenceRegressor(
        hidden_size=4,
        max_iter=3,
        early_stopping=early_stopping,
        callbacks=[("term", watch)],
        random_state=0,
    ).fit(X, y)
    assert watch.seen
    if early_stopping:
        # No start: the term is zero and frozen while the network trains,
        # then the refit sets it once.
        assert len(calls) == 1
        assert max(watch.seen) == 0.0
    else:
        assert len(calls) == 2  # the ridge start, then the refit
        assert min(watch.seen) > 0.0
    assert np.abs(_term(model)).max() > 0.0  # the features predict y
    assert model.module_.V_kernels.requires_grad  # a warm start trains it
