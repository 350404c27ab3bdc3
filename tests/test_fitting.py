"""Training: update counts per fit mode, reproducibility, global RNG, callbacks."""

import pickle
import re

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose
from skorch.callbacks import Callback, EarlyStopping

from sklearn_rnn import RNNSequenceClassifier
from sklearn_rnn._encoding import Records
from sklearn_rnn._fitting import (
    _FIT_MODES,
    SequenceDataset,
    SequenceLoader,
    batch_indices,
)
from sklearn_rnn._tasks import Targets

from .conftest import FAST_PARAMS

# On language_words, early stopping ends these fits two epochs after their
# best one, whose weights it then restores.
STOPS_AFTER_ITS_BEST = dict(
    hidden_size=4,
    max_iter=20,
    early_stopping=True,
    n_iter_no_change=2,
    learning_rate_init=0.2,
    random_state=0,
)


class CountSteps(Callback):
    """Counts optimizer steps through torch's step hook."""

    def initialize(self):
        self.steps = 0
        return self

    def on_train_begin(self, net, **kwargs):
        net.optimizer_.register_step_post_hook(self._count)

    def _count(self, *args):
        self.steps += 1


@pytest.mark.parametrize(
    "fit_mode,expected",
    [
        ("sgd", lambda n, b: n),  # one update per record
        ("minibatch", lambda n, b: -(-n // b)),  # one update per batch
        ("vectorized", lambda n, b: -(-n // b)),
        ("packed", lambda n, b: -(-n // b)),
    ],
)
def test_updates_per_epoch(fit_mode, expected, language_words):
    """Check that sgd steps once per record and the batched modes once per batch."""
    X, y = language_words
    counter = CountSteps()
    clf = RNNSequenceClassifier(
        hidden_size=4,
        max_iter=2,
        batch_size=16,
        fit_mode=fit_mode,
        callbacks=[counter],
        random_state=0,
    )
    clf.fit(X, y)
    assert counter.steps == 2 * expected(len(X), 16)
    assert clf.n_iter_ == 2 and len(clf.loss_curve_) == 2


@pytest.mark.parametrize("fit_mode", ["sgd", "minibatch", "vectorized", "packed"])
def test_each_mode_lowers_the_loss(fit_mode, language_words):
    """Check that every fit mode learns."""
    X, y = language_words
    clf = RNNSequenceClassifier(
        hidden_size=16, max_iter=4, fit_mode=fit_mode, random_state=0
    ).fit(X, y)
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_batched_modes_follow_the_same_trajectory(cell, language_words):
    """Check that minibatch, vectorized and packed train identically.

    Same batches, same weights, same function: the per-record loop, the
    vectorized batch and torch's packed kernels (records sorted inside, labels
    kept aligned) must give the same losses and the same model.
    """
    X, y = language_words
    # No dropout: its masks are drawn per mode, so updates would differ.
    params = dict(hidden_size=8, max_iter=3, cell=cell, dropout=0.0, random_state=0)
    fits = {
        mode: RNNSequenceClassifier(fit_mode=mode, **params).fit(X, y)
        for mode in ("minibatch", "vectorized", "packed")
    }
    reference = fits["vectorized"]
    for mode in ("minibatch", "packed"):
        assert_allclose(fits[mode].loss_curve_, reference.loss_curve_, rtol=1e-4)
        assert_allclose(
            fits[mode].predict_proba(X), reference.predict_proba(X), atol=1e-4
        )


@pytest.mark.parametrize("fit_mode", ["sgd", "vectorized"])
def test_refit_is_reproducible_and_leaves_global_rng_alone(fit_mode, language_words):
    """Check that random_state alone decides the fit and global RNGs are untouched."""
    X, y = language_words
    torch_state, np_state = torch.get_rng_state(), np.random.get_state()
    params = dict(FAST_PARAMS, max_iter=2, fit_mode=fit_mode, dropout=0.3, num_layers=2)
    first = RNNSequenceClassifier(**params).fit(X, y).predict_proba(X)
    second = RNNSequenceClassifier(**params).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, second)
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert all(np.array_equal(a, b) for a, b in zip(np.random.get_state(), np_state))
    other = RNNSequenceClassifier(**{**params, "random_state": 1}).fit(X, y)
    assert not np.allclose(other.predict_proba(X), first)


def test_bucketing_groups_similar_lengths_and_covers_every_record():
    """Check that length bucketing keeps every record once and shrinks padding."""
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 30, size=1000)
    batches = batch_indices(lengths, 32, shuffle=True, bucket=True, rng=rng)
    assert sorted(np.concatenate(batches).tolist()) == list(range(1000))
    padded = sum(len(b) * lengths[b].max() for b in batches)
    plain = batch_indices(lengths, 32, shuffle=True, bucket=False, rng=rng)
    assert padded < 0.7 * sum(len(b) * lengths[b].max() for b in plain)


def test_batch_indices_in_every_mode():
    """Check the batches exactly: in order without shuffling; sorted by length
    (stably) within chunks of 50 batches when bucketing; shuffled records and
    batch order (reproducibly) with shuffle; the last batch shorter."""
    lengths = np.array([3, 1, 2, 1, 3, 2, 5])
    plain = batch_indices(lengths, 3, shuffle=False, bucket=False, rng=None)
    assert [b.tolist() for b in plain] == [[0, 1, 2], [3, 4, 5], [6]]
    bucketed = batch_indices(lengths, 3, shuffle=False, bucket=True, rng=None)
    assert [b.tolist() for b in bucketed] == [[1, 3, 2], [5, 0, 4], [6]]
    # Sorting stays within a chunk of 50 batches: 2 x 50 x 2 records whose
    # lengths fall, so sorting across chunks would change the first batch.
    falling = np.repeat([2, 1], 100)
    chunked = batch_indices(falling, 2, shuffle=False, bucket=True, rng=None)
    assert [b.tolist() for b in chunked] == [[i, i + 1] for i in range(0, 200, 2)]
    # Equal lengths keep their order (numpy's default sort is not stable
    # beyond 16 elements), so batches are the same with any numpy.
    mixed = np.random.default_rng(0).integers(1, 4, 100)
    stable = batch_indices(mixed, 10, shuffle=False, bucket=True, rng=None)
    assert np.concatenate(stable).tolist() == np.argsort(mixed, kind="stable").tolist()

    def shuffled(bucket, seed):
        rng = np.random.default_rng(seed)
        return batch_indices(lengths, 3, shuffle=True, bucket=bucket, rng=rng)

    for bucket in (False, True):
        batches = shuffled(bucket, 0)
        assert sorted(np.concatenate(batches).tolist()) == list(range(7))
        assert [b.tolist() for b in batches] == [
            b.tolist() for b in shuffled(bucket, 0)
        ]
        orders = {tuple(np.concatenate(shuffled(bucket, s))) for s in range(10)}
        assert len(orders) > 5
    # With bucketing, shuffle also moves the short last batch around.
    assert {len(shuffled(True, s)[-1]) for s in range(10)} == {1, 3}


def test_sequence_loader_batches():
    """Check the loader's batches: count, left-padded X with lengths, the
    targets and float32 weights of the batch's records."""
    records = Records.from_list(
        [np.array([1, 2]), np.array([3]), np.array([4, 5, 6])], np.zeros(0, np.int64)
    )
    targets = Targets(np.array([0, 1, 0]))
    dataset = SequenceDataset(records, targets, np.array([1.0, 2.0, 0.5]))
    loader = SequenceLoader(dataset, 2, bucket=False)
    assert len(loader) == 2
    (first, y0), (second, y1) = list(loader)
    assert first.X.tolist() == [[1, 2], [0, 3]] and first.lengths.tolist() == [2, 1]
    assert y0.tolist() == [0, 1] and first.weight.tolist() == [1.0, 2.0]
    assert first.weight.dtype == torch.float32 and len(first) == 2
    assert second.X.tolist() == [[4, 5, 6]] and y1.tolist() == [0]
    assert len(SequenceLoader(dataset, 3)) == 1
    assert len(SequenceLoader(dataset, 1)) == 3


def test_sequence_loader_puts_batches_on_its_device():
    """Check that X, the weights and the targets of a batch land on the
    loader's device (torch's "meta" device holds shapes without data, so no
    GPU is needed to tell) while the lengths stay a numpy array."""
    records = Records.from_list(
        [np.array([1, 2]), np.array([3])], np.zeros(0, np.int64)
    )
    dataset = SequenceDataset(records, Targets(np.array([0, 1])), np.ones(2))
    [(batch, y)] = SequenceLoader(dataset, 2, device=torch.device("meta"))
    assert {batch.X.device.type, batch.weight.device.type, y.device.type} == {"meta"}
    assert batch.X.shape == (2, 2) and batch.weight.dtype == torch.float32
    assert isinstance(batch.lengths, np.ndarray)


@pytest.mark.parametrize("fit_mode", ["sgd", "minibatch", "vectorized", "packed"])
def test_inference_path_for_each_device(fit_mode):
    """Check the forward path predict and transform take: on a GPU, models
    trained by torch's packed kernels keep them (cuDNN); on the CPU, and for
    every other mode, the batch-invariant vectorized path. The choice reads
    only the device type, so it is checked here without a GPU."""
    mode = _FIT_MODES[fit_mode]
    assert mode.inference_mode(torch.device("cpu")) == "vectorized"
    on_gpu = "packed" if fit_mode == "packed" else "vectorized"
    assert mode.inference_mode(torch.device("cuda", 0)) == on_gpu
    assert mode.inference_mode(torch.device("mps")) == on_gpu


def test_early_stopping_holds_out_data_only_when_asked(language_words):
    """Check that a validation split exists only with early_stopping=True."""
    X, y = language_words
    plain = RNNSequenceClassifier(hidden_size=4, max_iter=2, random_state=0).fit(X, y)
    assert not hasattr(plain, "validation_loss_curve_")
    assert "valid_loss" not in plain.net_.history[-1]
    stopped = RNNSequenceClassifier(
        hidden_size=4,
        max_iter=50,
        early_stopping=True,
        n_iter_no_change=2,
        learning_rate_init=0.05,
        random_state=0,
    ).fit(X, y)
    assert len(stopped.validation_loss_curve_) == stopped.n_iter_
    assert stopped.n_iter_ < 50
    assert stopped.net_.history[-1, "train_batch_count"] == -(-int(len(X) * 0.9) // 64)


def test_sample_weight_zero_removes_records(language_words):
    """Check that zero-weight records do not influence training at all."""
    X, y = language_words
    flipped = np.roll(np.unique(y), 1)[np.searchsorted(np.unique(y), y[:40])]
    X_extra, y_extra = X + X[:40], np.concatenate([y, flipped])
    w = np.r_[np.ones(len(X)), np.zeros(40)]
    params = dict(
        hidden_size=8,
        max_iter=3,
        shuffle=False,
        length_bucketing=False,
        batch_size=len(X_extra),
        dropout=0.0,  # masks depend on the batch's shape, which differs here
        random_state=0,
    )
    weighted = RNNSequenceClassifier(**params).fit(X_extra, y_extra, sample_weight=w)
    plain = RNNSequenceClassifier(**params).fit(X, y)
    assert_allclose(weighted.loss_curve_, plain.loss_curve_, rtol=1e-5)
    assert_allclose(weighted.predict_proba(X), plain.predict_proba(X), atol=1e-5)


def test_uniformly_scaled_weights_change_nothing(language_words):
    """Check that the loss is a weighted mean: weights that all shrink by the
    same factor, so that a batch's total falls below 1, give the same loss
    curve and model as unit weights."""
    X, y = language_words
    params = dict(hidden_size=8, max_iter=3, batch_size=32, random_state=0)
    plain = RNNSequenceClassifier(**params).fit(X, y)
    small = RNNSequenceClassifier(**params).fit(
        X, y, sample_weight=np.full(len(X), 0.01)
    )
    assert_allclose(small.loss_curve_, plain.loss_curve_, rtol=1e-4)
    assert_allclose(small.predict_proba(X), plain.predict_proba(X), atol=1e-4)


class RecordForwardMode(Callback):
    """Records the module's forward path while it trains."""

    def initialize(self):
        self.modes = set()
        return self

    def on_batch_begin(self, net, training=False, **kwargs):
        if training:
            self.modes.add(net.module_.forward_mode)


@pytest.mark.parametrize(
    "fit_mode,forward_mode",
    [
        ("sgd", "loop"),  # Parr's per-record loop
        ("minibatch", "loop"),
        ("vectorized", "vectorized"),
        ("packed", "packed"),
    ],
)
def test_each_mode_trains_through_its_own_forward_path(
    fit_mode, forward_mode, language_words
):
    """Check that each fit mode trains with its own implementation of the
    recurrence: all compute the same function, so only the path taken tells
    them apart."""
    X, y = language_words
    recorder = RecordForwardMode()
    RNNSequenceClassifier(
        hidden_size=4, max_iter=1, fit_mode=fit_mode, callbacks=[recorder]
    ).fit(X[::4], y[::4])
    assert recorder.modes == {forward_mode}


def test_class_weight_raises_the_weighted_class(language_words):
    """Check that class_weight pushes predictions towards the heavy class."""
    X, y = language_words
    params = dict(hidden_size=8, max_iter=3, random_state=0)
    plain = RNNSequenceClassifier(**params).fit(X, y)
    heavy = RNNSequenceClassifier(**params, class_weight={"de": 20.0}).fit(X, y)
    col = list(plain.classes_).index("de")
    others = y != "de"
    assert (
        heavy.predict_proba(X)[others, col].mean()
        > plain.predict_proba(X)[others, col].mean() + 0.05
    )
    balanced = RNNSequenceClassifier(**params, class_weight="balanced").fit(
        X[:150],
        y[:150],  # 60 en, 60 fr, 30 de: "de" counts double
    )
    assert balanced.net_.criterion_.weight[col].item() == pytest.approx(150 / (3 * 30))


class _BreakTheWeights(Callback):
    """Leaves a weight infinite after the last update, as an update that
    overflows after a finite loss would (no loss is computed after it)."""

    def on_train_end(self, net, **kwargs):
        with torch.no_grad():
            net.module_.V[0, 0] = float("inf")


def test_weights_that_end_non_finite_are_refused(language_words):
    """Check the check after training: non-finite final weights stop the fit
    with their own message, and nothing is fitted."""
    X, y = language_words
    clf = RNNSequenceClassifier(**FAST_PARAMS, callbacks=[_BreakTheWeights()])
    message = (
        "Training diverged: the weights became non-finite in the last update. "
        "Lower learning_rate_init, keep clip_grad_norm on, or rescale X."
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        clf.fit(X, y)
    assert not hasattr(clf, "module_")


def test_verbose_prints_progress(language_words, capsys):
    """Check that verbose shows the epoch table and early stopping's message,
    and that quiet mode prints neither."""
    X, y = language_words
    # tol=1e3: no epoch improves enough, so early stopping ends the fit.
    params = dict(hidden_size=4, max_iter=5, n_iter_no_change=1, tol=1e3)
    RNNSequenceClassifier(**params, random_state=0).fit(X, y)
    assert capsys.readouterr().out == ""
    RNNSequenceClassifier(**params, verbose=1, random_state=0).fit(X, y)
    out = capsys.readouterr().out
    assert "epoch" in out and "train_loss" in out and "dur" in out
    assert "Stopping since train_loss has not improved" in out
    # How far through the budget each epoch is, and why the fit ended.
    assert re.search(r"^\s+1\s+1/5\s+\d+s\s", out, re.M)
    assert re.search(
        r"^Stopped after 2 epochs in \d+s: early stopping: train_loss did not "
        r"improve by tol for 1 epoch \(n_iter_no_change\)\.$",
        out,
        re.M,
    )
    RNNSequenceClassifier(hidden_size=4, max_iter=3, verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert re.search(r"^\s+3\s+3/3\s+0s\s", out, re.M)  # nothing left
    assert "Stopped after 3 epochs in" in out
    assert "the budget of 3 epochs (max_iter) was spent." in out


def test_time_left_is_the_mean_epoch_times_the_epochs_still_allowed():
    from sklearn_rnn._fitting import _duration

    assert [_duration(s) for s in (0.4, 59.6, 185, 7620)] == [
        "0s",
        "1m00s",
        "3m05s",
        "2h07m",
    ]


@pytest.mark.parametrize("early_stopping", [False, True])
def test_tol_is_the_improvement_that_counts(early_stopping, language_words):
    """Check that an epoch must improve the watched loss by ``tol``: with a
    huge tol, training stops after ``n_iter_no_change`` epochs past the
    first; with tol=0, it runs on while the loss falls."""
    X, y = language_words
    params = dict(
        hidden_size=8, max_iter=8, n_iter_no_change=2, early_stopping=early_stopping
    )
    assert RNNSequenceClassifier(**params, tol=1e3).fit(X, y).n_iter_ == 3
    assert RNNSequenceClassifier(**params, tol=0.0).fit(X, y).n_iter_ > 3


def test_user_callbacks_keep_their_names(language_words):
    """Check that a ``(name, callback)`` pair keeps its name and a bare
    callback gets one, both beside the library's own callbacks."""
    X, y = language_words
    clf = RNNSequenceClassifier(
        hidden_size=4, max_iter=1, callbacks=[("mine", CountSteps()), CountSteps()]
    ).fit(X, y)
    names = dict(clf.net_.callbacks_)
    assert isinstance(names["mine"], CountSteps)
    assert isinstance(names["user_1"], CountSteps)
    assert names["mine"].steps > 0 and names["user_1"].steps > 0


class RecordVerbose(Callback):
    def on_train_begin(self, net, **kwargs):
        self.verbose = net.verbose


@pytest.mark.parametrize("verbose", [0, 2])
def test_user_callbacks_see_the_estimators_verbose(verbose, language_words):
    """Check that ``verbose`` reaches skorch's net, which callbacks read:
    skorch's own (Checkpoint, LRScheduler...) print through a sink that
    stays quiet while ``net.verbose`` is 0."""
    X, y = language_words
    recorder = RecordVerbose()
    RNNSequenceClassifier(
        hidden_size=4, max_iter=1, verbose=verbose, callbacks=[recorder]
    ).fit(X, y)
    assert recorder.verbose == verbose


def test_library_callbacks_have_their_documented_names(language_words):
    """Check the names of the library's callbacks in ``net_.callbacks_``, as
    the ``callbacks`` parameter documents them, and that a user callback
    which takes one is refused before anything is fitted or changed."""
    X, y = language_words
    clf = RNNSequenceClassifier(
        **STOPS_AFTER_ITS_BEST, ema_decay=0.9, clip_grad_norm=1.0
    ).fit(X, y)
    names = dict(clf.net_.callbacks_)
    assert type(names["divergence"]).__name__ == "_StopOnDivergence"
    assert names["averaging"].decay == 0.9
    assert names["clip"].max_norm == 1.0
    assert isinstance(names["stopping"], EarlyStopping)
    # The epoch whose weights early stopping kept, as documented: the last
    # one to lower the validation loss by at least tol (here not the last).
    best_loss, best_epoch = np.inf, None
    for epoch, loss in enumerate(clf.validation_loss_curve_, start=1):
        if loss < best_loss - clf.tol:
            best_loss, best_epoch = loss, epoch
    assert names["stopping"].best_epoch_ == best_epoch < clf.n_iter_
    proba = clf.predict_proba(X)
    taken = "all_reduce, divergence, averaging, clip, stopping, progress, progress_bar"
    for name in taken.split(", "):
        clf.set_params(callbacks=[("mine", CountSteps()), (name, CountSteps())])
        message = (
            f"callbacks: the name '{name}' belongs to one of the library's own "
            f"callbacks ({taken}); give yours another name."
        )
        with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
            clf.fit(X, y)
        assert_allclose(clf.predict_proba(X), proba)


def test_cpu_training_uses_the_fused_optimizer(language_words):
    """Check that AdamW runs fused on the CPU (one kernel per parameter:
    several times faster on a large ``U``; the speed is in the benchmarks)."""
    X, y = language_words
    clf = RNNSequenceClassifier(hidden_size=4, max_iter=1).fit(X, y)
    assert clf.net_.optimizer_.defaults["fused"] is True


class RecordBatchLengths(Callback):
    def initialize(self):
        self.spreads = []
        return self

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if training:
            self.spreads.append(np.ptp(batch[0].lengths))


def test_length_bucketing_groups_similar_lengths():
    """Check that length_bucketing puts records of similar length in a batch
    (fewer pad steps), and that without it batches mix lengths."""
    rng = np.random.default_rng(0)
    X = ["a" * n for n in rng.integers(1, 60, 400)]
    y = rng.integers(0, 2, 400)
    spreads = {}
    for bucket in (True, False):
        recorder = RecordBatchLengths()
        RNNSequenceClassifier(
            hidden_size=4,
            max_iter=1,
            batch_size=20,
            length_bucketing=bucket,
            early_stopping=False,
            callbacks=[recorder],
            random_state=0,
        ).fit(X, y)
        spreads[bucket] = np.mean(recorder.spreads)
    assert spreads[True] < 0.25 * spreads[False]


def test_quiet_when_print_is_replaced(language_words, capsys, monkeypatch):
    """Check that verbose=0 prints nothing when builtins.print has been
    replaced after import, as Ray does (skorch then printed its epoch table,
    and early stopping its "Restoring best model", on every fit); that
    verbose=1 prints both through the replacement; and that either model
    pickles although the replacement does not."""
    import builtins

    original = builtins.print
    monkeypatch.setattr(builtins, "print", lambda *a, **k: original(*a, **k))
    X, y = language_words
    quiet = RNNSequenceClassifier(**STOPS_AFTER_ITS_BEST).fit(X, y)
    assert capsys.readouterr().out == ""
    verbose = RNNSequenceClassifier(**STOPS_AFTER_ITS_BEST, verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert "valid_loss" in out and "Restoring best model from epoch" in out
    for clf in (quiet, verbose):
        assert_allclose(
            pickle.loads(pickle.dumps(clf)).predict_proba(X), clf.predict_proba(X)
        )


class TraceWeights(Callback):
    """The module's weights at each point of training that averaging touches
    (runs after the library's own callbacks, as every user callback does)."""

    def initialize(self):
        self.before_update, self.after_update = [], []
        self.at_validation, self.at_epoch_end = [], []
        return self

    @staticmethod
    def _weights(net):
        return [p.detach().clone() for p in net.module_.parameters()]

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        if training:
            self.before_update.append(self._weights(net))
        else:
            self.at_validation.append(self._weights(net))

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        if training:
            self.after_update.append(self._weights(net))

    def on_epoch_end(self, net, **kwargs):
        self.at_epoch_end.append(self._weights(net))


def _assert_same_weights(got, expected):
    for g, e in zip(got, expected, strict=True):
        torch.testing.assert_close(g, e, rtol=1e-6, atol=1e-7)


def _polynomial_ema(start, updates, decay, eta=3):
    """Each update's weights averaged in as documented; the running average
    after every update."""
    average, history = [w.clone() for w in start], []
    for n, weights in enumerate(updates, start=1):
        d = min(decay, 1 - (eta + 1) / (n + eta))
        average = [d * a + (1 - d) * w for a, w in zip(average, weights)]
        history.append(average)
    return history


def test_fitted_weights_are_the_documented_average(language_words):
    """Check Polyak averaging update by update: the fitted model is the
    polynomial-then-exponential average of the raw weights, each epoch ends
    on the average, and the next epoch resumes from the raw weights."""
    X, y = language_words
    trace = TraceWeights()
    clf = RNNSequenceClassifier(
        hidden_size=4,
        max_iter=3,
        batch_size=64,  # 180 records: 3 updates an epoch
        early_stopping=False,
        n_iter_no_change=100,
        ema_decay=0.6,  # the polynomial warm-up reaches it at update 7
        callbacks=[trace],
        random_state=0,
    ).fit(X, y)
    assert len(trace.after_update) == 9
    averages = _polynomial_ema(trace.before_update[0], trace.after_update, 0.6)
    _assert_same_weights(list(clf.module_.parameters()), averages[-1])
    for epoch in range(3):
        _assert_same_weights(trace.at_epoch_end[epoch], averages[3 * epoch + 2])
    for epoch in (1, 2):  # training resumes from the raw weights, not the average
        _assert_same_weights(
            trace.before_update[3 * epoch], trace.after_update[3 * epoch - 1]
        )


def test_validation_and_early_stopping_use_the_average(language_words):
    """Check that the validation loss is that of the averaged weights and that
    early stopping restores the best epoch's average."""
    X, y = language_words
    # A tenth of the labels shuffled: the validation loss turns after a few
    # epochs, so the restored epoch is not the last one.
    y = y.copy()
    noisy = np.random.default_rng(1).random(len(y)) < 0.1
    y[noisy] = np.random.default_rng(2).permutation(y[noisy])
    trace = TraceWeights()
    clf = RNNSequenceClassifier(
        hidden_size=8,
        max_iter=30,
        learning_rate_init=0.02,
        early_stopping=True,
        validation_fraction=0.3,
        n_iter_no_change=3,
        tol=0.0,
        callbacks=[trace],
        random_state=0,
    ).fit(X, y)
    updates_per_epoch = len(trace.after_update) // clf.n_iter_
    validation_batches_per_epoch = len(trace.at_validation) // clf.n_iter_
    averages = _polynomial_ema(trace.before_update[0], trace.after_update, 0.98)
    for epoch in range(clf.n_iter_):
        _assert_same_weights(
            trace.at_validation[epoch * validation_batches_per_epoch],
            averages[(epoch + 1) * updates_per_epoch - 1],
        )
    best = int(np.argmin(clf.validation_loss_curve_))
    assert 0 < best < clf.n_iter_ - 1  # a real restore, of a trained epoch
    # The fit then divides the outputs (the head's weights) by the
    # temperature the held-out records chose (test_calibration.py).
    restored = [
        p.detach() * clf.temperature_ if name in ("V", "c", "V_bag") else p
        for name, p in clf.module_.named_parameters()
    ]
    _assert_same_weights(restored, trace.at_epoch_end[best])


@pytest.mark.parametrize("how", ["ema_decay=None", "partial_fit"])
def test_raw_weights_without_averaging(how, language_words):
    """Check that ema_decay=None, and partial_fit always, keep the raw weights."""
    X, y = language_words
    trace = TraceWeights()
    params = dict(hidden_size=4, early_stopping=False, callbacks=[trace])
    if how == "partial_fit":
        clf = RNNSequenceClassifier(**params, random_state=0)
        clf.partial_fit(X, y, classes=np.unique(y))
    else:
        clf = RNNSequenceClassifier(
            **params, max_iter=2, ema_decay=None, random_state=0
        ).fit(X, y)
    _assert_same_weights(list(clf.module_.parameters()), trace.after_update[-1])


def test_averaging_keeps_no_copies_in_the_fitted_model(language_words):
    """Check that the averaging callback lets go of its weight copies."""
    X, y = language_words
    clf = RNNSequenceClassifier(hidden_size=4, max_iter=2, random_state=0).fit(X, y)
    averaging = dict(clf.net_.callbacks_)["averaging"]
    assert averaging.slots_ is None


@pytest.mark.parametrize("value", [1.0, -0.1, "0.9"])
def test_ema_decay_is_validated(value, language_words):
    X, y = language_words
    with pytest.raises(ValueError, match="'ema_decay' parameter"):
        RNNSequenceClassifier(ema_decay=value).fit(X, y)


def test_a_learning_rate_schedule_goes_in_callbacks(language_words):
    """Check the user guide's recipe: skorch's LRScheduler in ``callbacks``
    changes AdamW's learning rate epoch by epoch."""
    from skorch.callbacks import LRScheduler
    from torch.optim.lr_scheduler import StepLR

    X, y = language_words
    clf = RNNSequenceClassifier(
        hidden_size=4,
        max_iter=3,
        learning_rate_init=0.01,
        n_iter_no_change=100,
        callbacks=[LRScheduler(policy=StepLR, step_size=1, gamma=0.5)],
        random_state=0,
    ).fit(X, y)
    assert clf.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(0.01 / 8)
