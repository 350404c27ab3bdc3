"""torch threads during fit and predict (``n_threads``), restored afterwards."""

import threading

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

import sklearn_rnn._base
from sklearn_rnn import RNNSequenceClassifier, _threads
from sklearn_rnn._threads import auto_threads, torch_threads

TINY = dict(hidden_size=4, max_iter=2, random_state=0)
X, Y = ["ab", "ba", "aab", "bba"] * 3, [0, 1, 0, 1] * 3


class _SeesThreads(Callback):
    """Records torch's thread count while training runs."""

    def __init__(self):
        self.seen = []

    def on_batch_begin(self, net, **kwargs):
        self.seen.append(torch.get_num_threads())


@pytest.fixture
def callers_threads():
    """The caller runs torch on 2 threads (the suite pins 1); put 1 back."""
    torch.set_num_threads(2)
    yield 2
    torch.set_num_threads(1)


@pytest.mark.parametrize("n_threads, during", [(1, 1), (3, 3), (None, 2), ("auto", 1)])
def test_fit_runs_on_n_threads_and_restores_the_callers(
    callers_threads, n_threads, during
):
    seen = _SeesThreads()
    RNNSequenceClassifier(n_threads=n_threads, callbacks=[seen], **TINY).fit(X, Y)
    assert set(seen.seen) == {during}
    assert torch.get_num_threads() == callers_threads


@pytest.fixture
def inference_threads(monkeypatch):
    """torch's thread count each inference run sees, in call order."""
    seen = []
    run_module = sklearn_rnn._base.run_module

    def spy(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return run_module(*args, **kwargs)

    monkeypatch.setattr(sklearn_rnn._base, "run_module", spy)
    return seen


def test_predict_runs_on_n_threads_and_restores_the_callers(
    callers_threads, inference_threads
):
    clf = RNNSequenceClassifier(n_threads=3, **TINY).fit(X, Y)
    clf.predict(X)
    clf.set_params(n_threads=None).predict_proba(X)
    assert inference_threads == [3, callers_threads]
    assert torch.get_num_threads() == callers_threads


def test_auto_sizes_the_fitted_network_not_parameters_set_since(
    callers_threads, inference_threads, monkeypatch
):
    """Check that predict judges the work by the fitted module: a
    hidden_size set after fit describes a network that does not exist."""
    clf = RNNSequenceClassifier(**TINY).fit(X, Y)  # hidden_size=4: one thread
    monkeypatch.setattr(_threads, "idle_cores", lambda: 2)
    clf.set_params(hidden_size=4096).predict(X)
    assert inference_threads == [1]


def test_a_failed_fit_restores_the_callers_threads(callers_threads):
    with pytest.raises(ValueError, match="diverged"):
        RNNSequenceClassifier(
            n_threads=1, learning_rate_init=1e30, clip_grad_norm=None, **TINY
        ).fit(X, Y)
    assert torch.get_num_threads() == callers_threads


def test_auto_uses_one_thread_for_small_products_and_more_for_large(
    monkeypatch, callers_threads
):
    monkeypatch.setattr(_threads, "idle_cores", lambda: 4)
    monkeypatch.setattr(torch, "get_num_threads", lambda: 4)
    assert auto_threads(64, 8, 3) == 1  # a tiny network
    assert auto_threads(64, 64, 3) == 3  # the default GRU's training batch
    assert auto_threads(8192, 512, 3) == 4  # capped at the idle cores
    big = _threads._MULTIPLY_ADDS_PER_THREAD
    assert auto_threads(2, 1, big // 2) == 1
    assert auto_threads(2, 1, big) == 2
    monkeypatch.setattr(_threads, "idle_cores", lambda: 1)
    assert auto_threads(8192, 512, 3) == 1  # busy cores: one thread


def test_auto_never_exceeds_the_callers_setting(monkeypatch):
    """Check that a limit the caller set (the suite's one thread, a worker
    pool's OMP_NUM_THREADS) stays a limit, without looking at the machine."""
    looked = []
    monkeypatch.setattr(_threads, "idle_cores", lambda: looked.append(1) or 8)
    assert torch.get_num_threads() == 1  # tests/conftest.py
    assert auto_threads(8192, 512, 3) == 1
    assert looked == []


def test_idle_cores_reads_the_idle_share_of_cpu_time(monkeypatch):
    monkeypatch.setattr(_threads, "_kept_sample", None)
    monkeypatch.setattr(_threads, "available_cores", lambda: 4)
    monkeypatch.setattr(_threads.os, "cpu_count", lambda: 4)
    monkeypatch.setattr(_threads, "_SAMPLE_SECONDS", 0)
    readings = iter([(100, 1000), (130, 1100)])  # 30% of 4 cores idle
    monkeypatch.setattr(_threads, "_cpu_seconds", lambda: next(readings))
    assert _threads.idle_cores() == 1
    # The answer is kept for a moment: no second look.
    assert _threads.idle_cores() == 1
    monkeypatch.setattr(_threads, "_kept_sample", None)
    readings = iter([(100, 1000), (190, 1100)])  # 90% idle
    monkeypatch.setattr(_threads, "_cpu_seconds", lambda: next(readings))
    assert _threads.idle_cores() == 4


def test_idle_cores_falls_back_to_the_load_average(monkeypatch):
    def no_proc_stat():
        raise OSError("no /proc/stat")

    monkeypatch.setattr(_threads, "_kept_sample", None)
    monkeypatch.setattr(_threads, "_cpu_seconds", no_proc_stat)
    monkeypatch.setattr(_threads, "available_cores", lambda: 4)
    monkeypatch.setattr(_threads.os, "getloadavg", lambda: (2.2, 0, 0), raising=False)
    assert _threads.idle_cores() == 2


def test_idle_cores_reads_this_machine():
    assert 1 <= _threads.idle_cores() <= _threads.available_cores()


def test_blocks_in_other_threads_leave_the_callers_setting_alone(callers_threads):
    entered, release = threading.Barrier(3), threading.Event()
    inside, after = {}, {}

    def work(n):
        before = torch.get_num_threads()
        with torch_threads(n):
            inside[n] = torch.get_num_threads()
            entered.wait(timeout=10)
            release.wait(timeout=10)
        after[n] = torch.get_num_threads() == before

    workers = [threading.Thread(target=work, args=(n,)) for n in (1, 3)]
    for w in workers:
        w.start()
    try:
        entered.wait(timeout=10)  # both blocks are open
        assert torch.get_num_threads() == callers_threads
    finally:
        release.set()
        for w in workers:
            w.join()
    assert inside == {1: 1, 3: 3}
    assert after == {1: True, 3: True}
    assert torch.get_num_threads() == callers_threads


def test_concurrent_fits_agree_with_one_fit_and_restore_threads(callers_threads):
    expected = RNNSequenceClassifier(**TINY).fit(X, Y).predict_proba(X)
    results = [None] * 4

    def fit(i):
        results[i] = RNNSequenceClassifier(**TINY).fit(X, Y).predict_proba(X)

    workers = [threading.Thread(target=fit, args=(i,)) for i in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    for r in results:
        np.testing.assert_array_equal(r, expected)
    assert torch.get_num_threads() == callers_threads


def test_n_threads_is_validated():
    with pytest.raises(ValueError, match="'n_threads' parameter"):
        RNNSequenceClassifier(n_threads=0).fit(X, Y)
