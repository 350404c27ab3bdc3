"""The training code: regularisation, stopping, shuffling, warm starts, RNGs.

Each test targets a one-line change that once survived the suite (dropout or
weight decay dropped, clipping removed, best weights not restored, ...): it
fails when that behaviour breaks.
"""

import pickle
import re
import sys
import threading
import warnings

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from skorch.callbacks import Callback

from sklearn_rnn import RNNSequenceClassifier
from sklearn_rnn._module import MatrixRNN
from sklearn_rnn._tasks import split_for_validation

from .conftest import make_anagram_task

SMALL = dict(hidden_size=8, batch_size=16, learning_rate_init=0.02, random_state=0)


def _fit(X, y, **params):
    return RNNSequenceClassifier(**{**SMALL, **params}).fit(X, y)


def _weights(clf):
    return {k: v.detach().clone() for k, v in clf.module_.state_dict().items()}


# ------------------------------------------------------------------ dropout
@pytest.mark.parametrize("param", ["dropout", "recurrent_dropout"])
def test_dropout_changes_training_and_only_training(language_words, param):
    """Check that dropout acts in fit (other losses) but not at predict time."""
    X, y = language_words
    plain = _fit(X, y, max_iter=3, early_stopping=False)
    dropped = _fit(X, y, max_iter=3, early_stopping=False, **{param: 0.5})
    assert not np.allclose(plain.loss_curve_, dropped.loss_curve_)
    # Predictions are deterministic: no mask in eval mode.
    assert_array_equal(dropped.predict_proba(X), dropped.predict_proba(X))
    assert dropped.module_.dropout_generator is None  # not kept after fit


def test_dropout_masks_drop_the_stated_fraction():
    """Check inverted dropout: about p of the entries zeroed, the rest scaled."""
    module = MatrixRNN(4, 2, 8, symbolic=False, dropout=0.3).train()
    module.dropout_generator = torch.Generator().manual_seed(0)
    x = torch.ones(200, 50)
    out = module.drop(x, 0.3)
    assert (out == 0).float().mean().item() == pytest.approx(0.3, abs=0.02)
    assert_allclose(out[out != 0].numpy(), 1 / 0.7, rtol=1e-6)
    assert torch.equal(module.eval().drop(x, 0.3), x)


def test_recurrent_dropout_uses_one_mask_for_all_steps():
    """Check variational dropout: the units dropped are the same at every step."""
    torch.manual_seed(0)
    module = MatrixRNN(
        1, 2, 6, symbolic=False, recurrent_dropout=0.5, pooling="mean"
    ).train()
    seen = []
    original = module._cell_step

    def spy(x_t, h_in, h, c, W, b_h):
        seen.append((h_in == 0) & (h != 0))
        return original(x_t, h_in, h, c, W, b_h)

    module._cell_step = spy
    module.dropout_generator = torch.Generator().manual_seed(3)
    module.embed(torch.randn(1, 6, 1), np.array([6]))
    dropped = [s[0] for s in seen[1:]]  # step 0 reads h_0 = 0
    assert dropped[0].any()
    for d in dropped[1:]:
        assert torch.equal(d, dropped[0])


# -------------------------------------------------- weight decay, clipping
def test_alpha_is_weight_decay(language_words):
    """Check that a larger alpha gives smaller weights."""
    X, y = language_words
    norms = []
    for alpha in (0.0, 5.0):
        clf = _fit(X, y, max_iter=5, early_stopping=False, alpha=alpha)
        norms.append(sum(p.norm() ** 2 for p in clf.module_.parameters()).item())
    assert norms[1] < 0.8 * norms[0]


class GradNorms(Callback):
    """Records the gradient norm each update is made with."""

    def initialize(self):
        self.norms = []
        return self

    def on_grad_computed(self, net, named_parameters, **kwargs):
        grads = [p.grad for p in net.module_.parameters() if p.grad is not None]
        self.norms.append(
            torch.linalg.vector_norm(
                torch.stack([torch.linalg.vector_norm(g) for g in grads])
            ).item()
        )


def test_clip_grad_norm_bounds_every_update(language_words):
    """Check that no update uses a gradient longer than clip_grad_norm."""
    X, y = language_words
    recorder = GradNorms()
    _fit(X, y, max_iter=2, clip_grad_norm=1e-3, callbacks=[recorder])
    assert recorder.norms and max(recorder.norms) <= 1e-3 * (1 + 1e-4)
    unclipped = GradNorms()
    _fit(X, y, max_iter=2, clip_grad_norm=None, callbacks=[unclipped])
    assert max(unclipped.norms) > 1e-2


# ----------------------------------------------------------------- shuffling
class BatchLabels(Callback):
    def initialize(self):
        self.epochs = []
        return self

    def on_epoch_begin(self, net, **kwargs):
        self.epochs.append([])

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        if training:
            self.epochs[-1].append(tuple(batch[1].tolist()))


@pytest.mark.parametrize("shuffle", [True, False])
def test_shuffle_changes_batches_between_epochs(language_words, shuffle):
    """Check that shuffle=True draws new batches each epoch and False does not."""
    X, y = language_words
    seen = BatchLabels()
    _fit(
        X,
        y,
        max_iter=3,
        shuffle=shuffle,
        length_bucketing=False,
        early_stopping=False,
        callbacks=[seen],
    )
    first, second = seen.epochs[0], seen.epochs[1]
    assert (first != second) == shuffle


# ----------------------------------------------------------- early stopping
class WeightSnapshots(Callback):
    def initialize(self):
        self.weights = []
        return self

    def on_epoch_end(self, net, **kwargs):
        self.weights.append(
            {k: v.detach().clone() for k, v in net.module_.state_dict().items()}
        )


def _stopping_rule(curve, patience, tol):
    """(stop epoch, best epoch index) of the no-improvement rule on ``curve``."""
    best, best_at, since = np.inf, 0, 0
    for epoch, value in enumerate(curve, start=1):
        if value < best - tol:
            best, best_at, since = value, epoch - 1, 0
        else:
            since += 1
        if since >= patience:
            return epoch, best_at
    return None, best_at  # the rule would not have stopped yet


def test_early_stopping_watches_validation_and_restores_best(language_words):
    """Check that early stopping follows the validation loss and keeps the
    weights of its best epoch, not the last."""
    X, y = language_words
    # A quarter of the labels flipped: the network fits the noise, so its
    # training loss keeps falling while the validation loss turns up.
    flip = np.random.default_rng(1).random(len(y)) < 0.25
    classes = np.unique(y)
    y = y.copy()
    y[flip] = np.roll(classes, 1)[np.searchsorted(classes, y[flip])]
    snapshots = WeightSnapshots()
    clf = _fit(
        X,
        y,
        max_iter=60,
        early_stopping=True,
        n_iter_no_change=3,
        dropout=0.0,  # overfits quickly: the two curves part ways
        learning_rate_init=0.05,
        validation_fraction=0.3,
        callbacks=[snapshots],
    )
    valid = clf.validation_loss_curve_
    assert clf.n_iter_ < 60  # stopped early
    stop, best = _stopping_rule(valid, 3, clf.tol)
    assert clf.n_iter_ == stop
    # Watching the training loss instead would not have stopped here.
    assert _stopping_rule(clf.loss_curve_, 3, clf.tol)[0] is None
    assert best < clf.n_iter_ - 1
    for name, value in _weights(clf).items():
        if name in ("V", "c", "V_bag"):  # then divided by the temperature
            value = value * clf.temperature_
            torch.testing.assert_close(value, snapshots.weights[best][name])
            continue
        assert torch.equal(value, snapshots.weights[best][name]), name


def test_validation_split_is_stratified():
    """Check that the held-out part keeps the class proportions."""
    y = np.repeat([0, 1, 2], [500, 300, 200])
    _, valid = split_for_validation(y, len(y), 0.1, seed=0)
    assert_array_equal(np.bincount(y[valid]), [50, 30, 20])
    # A class with a single record cannot be stratified: plain split instead.
    y_rare = np.r_[y, 3]
    train, valid = split_for_validation(y_rare, len(y_rare), 0.1, seed=0)
    assert len(valid) == 101 and len(np.intersect1d(train, valid)) == 0


class _ValidationRecords(Callback):
    """Keeps the encoded targets of the validation set each fit held out."""

    def __init__(self):
        self.seen = []

    def on_epoch_begin(self, net, dataset_valid=None, **kwargs):
        self.seen.append(dataset_valid.targets.values.copy())


def test_fit_holds_out_a_stratified_reproducible_validation_set():
    """Check that early stopping's validation records keep the class
    proportions whatever the seed, and that the same random_state holds out
    the same records."""
    X = np.random.default_rng(0).normal(size=(80, 4))
    y = np.repeat([0, 1], [60, 20])
    params = dict(max_iter=1, early_stopping=True, validation_fraction=0.25)
    recorder = _ValidationRecords()
    for seed in range(5):
        _fit(X, y, random_state=seed, callbacks=[recorder], **params)
    assert [np.bincount(v).tolist() for v in recorder.seen] == [[15, 5]] * 5
    assert len({v.tobytes() for v in recorder.seen}) > 1  # other seeds, others
    again = _ValidationRecords()
    _fit(X, y, random_state=4, callbacks=[again], **params)
    assert_array_equal(again.seen[0], recorder.seen[-1])


def test_early_stopping_auto_depends_on_size():
    """Check that "auto" holds out data from 500 records on, as documented."""
    X, y = make_anagram_task(500)
    small = _fit(X[:499], y[:499], max_iter=2)
    assert not hasattr(small, "validation_loss_curve_")
    big = _fit(X, y, max_iter=2)
    assert len(big.validation_loss_curve_) == 2


@pytest.mark.parametrize(
    "architecture",
    [
        dict(cell="rnn", nonlinearity="relu", pooling="mean", hidden_size=5),
        dict(cell="lstm", num_layers=2, bidirectional=True, pooling="max"),
    ],
)
def test_the_network_is_built_as_asked(language_words, architecture):
    """Check that every architecture parameter reaches the fitted network."""
    X, y = language_words
    clf = _fit(X, y, max_iter=1, **architecture)
    for name, value in architecture.items():
        assert getattr(clf.module_, name) == value, name
    names = {name for name, _ in clf.module_.named_parameters()}
    assert ("W_l1" in names) == (architecture.get("num_layers", 1) == 2)
    assert ("W_reverse" in names) == architecture.get("bidirectional", False)


# ---------------------------------------------------------------- warm start
def test_warm_start_continues_optimizer_and_counts(language_words):
    """Check that a warm start keeps Adam's state, n_iter_ and the curves."""
    X, y = language_words
    clf = _fit(X, y, max_iter=3, warm_start=True, early_stopping=False)
    steps = clf.net_.optimizer_.state_dict()["state"][0]["step"].item()
    first = list(clf.loss_curve_)
    clf.fit(X, y)
    assert clf.n_iter_ == 6 and clf.loss_curve_[:3] == first
    assert clf.net_.optimizer_.state_dict()["state"][0]["step"].item() == 2 * steps
    assert clf.loss_curve_[3] <= first[-1] * 1.05  # no restart from scratch


def test_warm_start_extends_the_validation_curve(language_words):
    """Check that a warm start with early stopping appends to the validation
    curve (one value per epoch validated) as it does to the training curve."""
    X, y = language_words
    clf = _fit(X, y, max_iter=2, warm_start=True, early_stopping=True)
    first = list(clf.validation_loss_curve_)
    clf.fit(X, y)
    assert len(clf.validation_loss_curve_) == clf.n_iter_ == 4
    assert clf.validation_loss_curve_[:2] == first
    # Started without a validation set: the curve holds the epochs validated.
    clf = _fit(X, y, max_iter=2, warm_start=True, early_stopping=False)
    clf.set_params(early_stopping=True).fit(X, y)
    assert clf.n_iter_ == 4 and len(clf.validation_loss_curve_) == 2
    # And without one again: no curve of an earlier fit is left behind.
    assert not hasattr(
        clf.set_params(early_stopping=False).fit(X, y), "validation_loss_curve_"
    )


def test_warm_start_applies_new_training_settings(language_words):
    """Check that dropout, bptt_steps, the learning rate and the weight decay
    set between warm fits (or partial_fit calls) take effect, while AdamW's
    moments continue."""
    X, y = language_words
    base = _fit(X, y, max_iter=2, warm_start=True, early_stopping=False)
    state = pickle.dumps(base)
    changes = [
        {},
        {"dropout": 0.5},
        {"bptt_steps": 1},
        {"learning_rate_init": 0.2},
        {"alpha": 0.5},
    ]
    curves = []
    for params in changes:
        clf = pickle.loads(state).set_params(**params).fit(X, y)
        assert clf.module_.dropout == params.get("dropout", 0.25)  # 0.25: default
        assert clf.module_.bptt_steps == params.get("bptt_steps")
        (group,) = clf.net_.optimizer_.param_groups
        assert group["lr"] == params.get("learning_rate_init", 0.02)  # SMALL's
        assert group["weight_decay"] == params.get("alpha", 1e-4)  # the default
        curves.append(clf.loss_curve_[2:])
    for changed in curves[1:]:
        assert not np.allclose(curves[0], changed)
    stream = pickle.loads(state).set_params(learning_rate_init=0.2)
    stream.partial_fit(X, y)
    assert stream.net_.optimizer_.param_groups[0]["lr"] == 0.2
    assert stream.net_.optimizer_.state_dict()["state"][0]["step"].item() > 0


@pytest.mark.parametrize(
    "change", [{"analyzer": "word"}, {"ngram_range": (1, 3)}, {"hidden_size": 16}]
)
def test_warm_start_refuses_changed_encoding_or_architecture(language_words, change):
    X, y = language_words
    clf = _fit(X, y, max_iter=1, warm_start=True)
    message = (
        f"warm_start=True continues the fitted network, but {list(change)} "
        "changed since the last fit; set warm_start=False to train a new "
        "network with these values."
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        clf.set_params(**change).fit(X, y)


# ---------------------------------------------------------------- truncation
def test_bptt_steps_reaches_the_module(language_words):
    """Check that bptt_steps changes the gradients of a fit."""
    X, y = language_words
    full = _fit(X, y, max_iter=3, early_stopping=False)
    cut = _fit(X, y, max_iter=3, early_stopping=False, bptt_steps=1)
    assert cut.module_.bptt_steps == 1
    assert not np.allclose(full.loss_curve_[1:], cut.loss_curve_[1:])


@pytest.mark.parametrize("pooling", ["last", "mean", "max", "concat"])
@pytest.mark.parametrize("bptt_steps", [1, 2])
def test_bptt_steps_cuts_gradients_for_every_pooling(pooling, bptt_steps):
    """Check that no gradient reaches inputs before the last bptt_steps steps,
    and that the steps inside the window (the first of them included) get it."""
    module = MatrixRNN(3, 2, 6, symbolic=False, pooling=pooling, bptt_steps=bptt_steps)
    module.train()
    X = torch.randn(2, 6, 3, generator=torch.Generator().manual_seed(0))
    X.requires_grad_(True)
    module(X, np.array([6, 4])).sum().backward()
    reached = X.grad.abs().sum(dim=2) > 0
    assert not reached[:, :-bptt_steps].any()
    window = reached[:, -bptt_steps:]
    # max pooling passes gradients only where a unit's maximum sits.
    assert window.any() if pooling == "max" else window.all()


# -------------------------------------------------------------- randomness
def test_fits_leave_global_rngs_alone(language_words):
    """Check that fitting with dropout neither reads nor reseeds torch's RNG."""
    X, y = language_words
    dropouts = dict(dropout=0.3, recurrent_dropout=0.3, symbol_dropout=0.3)
    before = torch.get_rng_state()
    a = _fit(X, y, max_iter=2, **dropouts)
    assert torch.equal(torch.get_rng_state(), before)
    torch.manual_seed(12345)  # another global state: same model
    b = _fit(X, y, max_iter=2, **dropouts)
    assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_parallel_fits_equal_sequential_fits(language_words):
    """Check that fits in threads (dropout on) match the same fits in a row."""
    X, y = language_words
    params = [dict(max_iter=2, dropout=0.4, random_state=s) for s in range(4)]
    sequential = [_fit(X, y, **p).predict_proba(X) for p in params]
    parallel = [None] * len(params)

    def work(i):
        parallel[i] = _fit(X, y, **params[i]).predict_proba(X)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(params))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for seq, par in zip(sequential, parallel):
        assert_array_equal(seq, par)


# ----------------------------------------------------------- fitted state
def test_failed_refit_leaves_the_model_usable(language_words):
    """Check that a refit that fails validation changes nothing fitted."""
    X, y = language_words
    clf = _fit(X, y, max_iter=1)
    before = clf.predict_proba(X)
    with pytest.raises(ValueError, match="only one class"):
        clf.fit(["zzz", "qqq"], ["a", "a"])
    assert_array_equal(clf.predict_proba(X), before)
    X_num = np.random.default_rng(0).normal(size=(20, 5))
    num = _fit(X_num, np.arange(20) % 2, max_iter=1)
    with pytest.raises(ValueError, match="only one class"):
        num.fit(np.zeros((4, 7)), np.zeros(4))
    assert num.n_features_in_ == 5 and num.predict(X_num).shape == (20,)


def test_failed_fit_keeps_the_input_shape_fitted():
    """Check that a fit that fails after reading X leaves n_features_in_ and
    feature_names_in_ as they were: the names and shape fitted before, or none
    at all where there were none (validate_data sets them as it goes)."""
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(20, 5)), columns=list("abcde"))
    other = pd.DataFrame(np.zeros((4, 3)), columns=["x", "y", "z"])
    one_class = np.zeros(4)
    clf = _fit(frame, np.arange(20) % 2, max_iter=1)
    with pytest.raises(ValueError, match="only one class"):
        clf.fit(other, one_class)
    assert list(clf.feature_names_in_) == list("abcde")
    assert clf.n_features_in_ == 5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert clf.predict(frame).shape == (20,)
    # Fitted on an unnamed array: the failed refit's names must not stay.
    clf = _fit(frame.to_numpy(), np.arange(20) % 2, max_iter=1)
    with pytest.raises(ValueError, match="only one class"):
        clf.fit(other, one_class)
    assert not hasattr(clf, "feature_names_in_") and clf.n_features_in_ == 5
    # Never fitted: nothing stays.
    clf = RNNSequenceClassifier(**SMALL)
    with pytest.raises(ValueError, match="only one class"):
        clf.fit(other, one_class)
    assert not hasattr(clf, "feature_names_in_")
    assert not hasattr(clf, "n_features_in_")


def test_negative_sample_weight_is_refused(language_words):
    X, y = language_words
    weights = np.ones(len(X))
    weights[3] = -1
    with pytest.raises(
        ValueError, match="Negative values in data passed to `sample_weight`"
    ):
        RNNSequenceClassifier(**SMALL).fit(X, y, sample_weight=weights)


def test_pickle_holds_no_training_data(language_words):
    """Check that the validation records do not travel with the model."""
    X, y = language_words
    clf = _fit(X, y, max_iter=2, early_stopping=True)
    blob = pickle.dumps(clf)
    assert b"SequenceDataset" not in blob and b"Records" not in blob
    assert clf.net_.train_split is None
    restored = pickle.loads(blob)
    assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


# --------------------------------------------------------------- inference
def test_cpu_inference_runs_in_float32_by_default(language_words):
    """Check that "auto" predicts in float32 on the CPU with the fitted module
    itself, and "float64" with a float64 copy that leaves it as it is."""
    X, y = language_words
    clf = _fit(X, y, max_iter=2)
    assert clf._inference_module() is clf.module_
    assert clf.module_.V.dtype == torch.float32
    f32 = clf.predict_proba(X)
    f64 = clf.set_params(inference_dtype="float64").predict_proba(X)
    assert clf._inference_module().V.dtype == torch.float64
    assert clf.module_.V.dtype == torch.float32
    assert not np.array_equal(f32, f64)
    assert_allclose(f32, f64, atol=1e-5)


def test_float64_predictions_follow_weights_changed_after_predicting(language_words):
    """Check that the float64 copy is remade when the fitted module changes:
    weights loaded or edited in place, or a setting changed, after a first
    predict must not leave predictions on the old weights."""
    X, y = language_words
    # Final-state pooling, so that switching to max keeps the embedding width.
    clf = _fit(X, y, max_iter=1, inference_dtype="float64", pooling="last")
    other = _fit(X, y, max_iter=3, random_state=1, pooling="last")
    clf.predict_proba(X)  # the float64 copy exists now
    with torch.no_grad():
        clf.module_.load_state_dict(other.module_.state_dict())
    expected = other.set_params(inference_dtype="float64").predict_proba(X)
    assert_array_equal(clf.predict_proba(X), expected)
    with torch.no_grad():
        clf.module_.V[0] += 1.0
    assert not np.allclose(clf.predict_proba(X), expected)
    clf.module_.load_state_dict(other.module_.state_dict())
    clf.module_.pooling = "max"
    assert not np.allclose(clf.predict_proba(X), expected)


def test_predicting_one_record_never_touches_the_whole_vocabulary():
    """Check that inference cost follows the tokens read, not the vocabulary:
    no operation produces a tensor as large as the (vocabulary, H) table."""
    from torch.utils._python_dispatch import TorchDispatchMode

    vocab = [f"w{i}" for i in range(100_000)]
    # Large batches: the fit only has to build the vocabulary, not learn.
    clf = RNNSequenceClassifier(
        hidden_size=8, max_iter=1, batch_size=4096, early_stopping=False, random_state=0
    ).fit([[w] for w in vocab], np.arange(100_000) % 2)
    largest = []

    class Sizes(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            if func.is_view:  # U.t() and friends share U's memory
                return out
            for t in out if isinstance(out, tuple | list) else [out]:
                if isinstance(t, torch.Tensor):
                    largest.append(t.numel())
            return out

    clf.predict_proba([["w1"]])  # the first call may prepare the float64 copy
    with Sizes():
        clf.predict_proba([["w5", "w99999", "unseen"]])
    assert largest and max(largest) < 10_000  # the table has 800,008 entries


def test_symbol_dropout_drops_only_a_steps_own_symbol():
    """Check word dropout: in training, a step's own symbol (the first of its
    bag) reads as unknown at the given rate, its n-grams never; at predict
    time nothing is dropped."""
    module = MatrixRNN(50, 2, 4, symbolic=True, symbol_dropout=0.3)
    module.dropout_generator = torch.Generator().manual_seed(0)
    ids = torch.randint(1, 50, (20000, 3))
    dropped = module._drop_symbols(ids, weighted=False)
    assert torch.equal(dropped[:, 1:], ids[:, 1:])
    assert (dropped[:, 0] == 0).float().mean().item() == pytest.approx(0.3, abs=0.02)
    single = module._drop_symbols(ids[:, 0], weighted=False)
    assert (single == 0).float().mean().item() == pytest.approx(0.3, abs=0.02)


@pytest.mark.parametrize("weighted", [False, True])
def test_symbol_dropout_in_the_input_term(weighted, monkeypatch):
    """Check word dropout where the input term applies it: in a bag of
    n-grams only the step's own symbol (the first id) drops; in a weighted
    feature bag, which has no symbol of its own, any feature may."""
    import sklearn_rnn._module as core

    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(1, 50, (4000, 3), generator=gen)
    tokens = torch.cat([ids.float(), torch.ones(4000, 3)], dim=1) if weighted else ids
    module = MatrixRNN(50, 2, 4, symbolic=True, symbol_dropout=0.3).train()
    module.dropout_generator = gen
    looked_up = []
    lookup = core.lookup_columns
    monkeypatch.setattr(
        core, "lookup_columns", lambda U, i, w: looked_up.append(i) or lookup(U, i, w)
    )
    module._project_input(tokens, "")
    dropped = (looked_up[0] == 0).float().mean(dim=0)
    expected = [0.3, 0.3, 0.3] if weighted else [0.3, 0.0, 0.0]
    assert dropped.tolist() == pytest.approx(expected, abs=0.03)


@pytest.mark.parametrize("ngram_range", [(1, 1), (1, 2)])
def test_the_unknown_symbols_column_stays_zero_through_symbol_dropout(
    language_words, ngram_range
):
    """Check that U's column 0 (unknown symbols, and the symbols word dropout
    hides) never trains, with one symbol a step and with bags: dropped steps
    must read as unknown, not teach the unknown symbol a meaning."""
    X, y = language_words
    clf = _fit(X, y, max_iter=3, symbol_dropout=0.5, ngram_range=ngram_range, alpha=0.0)
    U = clf.module_.U.detach()
    assert torch.all(U[:, 0] == 0) and torch.all(U[:, 1:].abs().sum(0) > 0)


def test_symbol_dropout_changes_training_not_prediction(language_words):
    """Check that symbol_dropout takes part in fit and predictions stay
    deterministic."""
    X, y = language_words
    params = dict(SMALL, max_iter=3, dropout=0.0)
    plain = RNNSequenceClassifier(**params).fit(X, y)
    dropped = RNNSequenceClassifier(symbol_dropout=0.5, **params).fit(X, y)
    assert plain.loss_curve_ != dropped.loss_curve_
    assert_array_equal(dropped.predict_proba(X), dropped.predict_proba(X))


def test_convergence_warning_only_when_max_iter_cut_training_short(language_words):
    """Check sklearn's ConvergenceWarning: raised when every epoch ran, not when
    early stopping ended training first."""
    import warnings

    X, y = language_words
    message = r"^Stochastic Optimizer: Maximum iterations \(2\) reached and the optimization hasn't converged yet\.$"
    with pytest.warns(ConvergenceWarning, match=message) as caught:
        RNNSequenceClassifier(hidden_size=4, max_iter=2, random_state=0).fit(X, y)
    # The warning points at the line that called fit, not inside the library.
    assert [w.filename for w in caught] == [__file__]
    stopped = RNNSequenceClassifier(
        hidden_size=4,
        max_iter=200,
        early_stopping=True,
        n_iter_no_change=2,
        tol=10.0,  # no epoch counts as an improvement: stops after 3
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        stopped.fit(X, y)
    assert stopped.n_iter_ < 200


@pytest.mark.parametrize("wrappers", [1, 2])
def test_warnings_point_at_the_callers_line_through_wrappers(monkeypatch, wrappers):
    """Check that frames from elsewhere between two library frames (a
    decorator, joblib under a search, mutmut's two-frame trampolines) do not
    stop the warning from pointing at the line that called fit."""
    fit = RNNSequenceClassifier._fit
    for _ in range(wrappers):
        fit = _wrapped(fit)  # frames of this test module inside fit
    monkeypatch.setattr(RNNSequenceClassifier, "_fit", fit)
    clf = RNNSequenceClassifier(hidden_size=4, max_iter=1, random_state=0)
    pipe = make_pipeline(FunctionTransformer(), clf)
    for estimator in (clf, pipe):
        with pytest.warns(ConvergenceWarning) as caught:
            line = sys._getframe().f_lineno + 1
            estimator.fit(["ab", "ba"] * 10, [0, 1] * 10)
        assert {(w.filename, w.lineno) for w in caught} == {(__file__, line)}


def _wrapped(function):
    def wrapper(*args, **kwargs):
        return function(*args, **kwargs)

    return wrapper
