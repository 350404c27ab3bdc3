"""torch threads during fit and predict: what ``n_threads="auto"`` picks and
what it saves, on an idle and on a busy machine.

    python benchmarks/threads.py             # ~4 minutes on 2 cores
    python benchmarks/threads.py --quick     # fewer sizes

1. Idle machine: fit (5 epochs of 2,000 surnames) and predict (20,000
   surnames) with 1 thread and with one per core, by hidden size: where a
   second thread starts to pay, which sets the rule of ``"auto"``.
2. Busy machine: per core, another process multiplies 512 x 512 matrices
   with torch on 2 threads (other torch work, as a parallel grid search or a
   second notebook makes; a pure-Python busy loop does not reproduce the
   slowdown, OpenMP threads spinning at their barriers do). Under that load:
   a default fit of 2,000 surnames (``n_threads="auto"``), the same fit with
   torch's default threads (``n_threads=None``, what 0.1 did), and with
   ``n_threads=None`` after ``torch.set_num_threads(1)`` (what the README
   used to ask users to do). The ratio auto / one thread must stay <= 1.5.

Every figure is measured side by side in this one run; compare ratios, not
seconds, between machines.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
import warnings

import numpy as np


def _busy(stop, threads=2):
    import torch

    torch.set_num_threads(threads)
    a = torch.randn(512, 512)
    while not stop.is_set():
        a = torch.tanh(a @ a / 512)


def _names(n, seed=0):
    from sklearn_rnn.datasets import load_surnames

    X, y = load_surnames(return_X_y=True)
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(X), size=n, replace=n > len(X))
    return X[idx], y[idx]


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _fit_seconds(n_threads, *, hidden_size=64, n=2000, max_iter=None, before=None):
    import torch

    from sklearn_rnn import RNNSequenceClassifier

    if before is not None:
        torch.set_num_threads(before)
    X, y = _names(n)
    params = dict(random_state=0, hidden_size=hidden_size, n_threads=n_threads)
    if max_iter is not None:
        params.update(max_iter=max_iter, early_stopping=False)
    clf = RNNSequenceClassifier(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seconds = _timed(lambda: clf.fit(X, y))
    return seconds, clf


def first_fit_table():
    """The first fit of a process against an identical second one."""
    first, _ = _fit_seconds(1, max_iter=5)
    second, _ = _fit_seconds(1, max_iter=5)
    print(
        f"\nFirst fit in this process: {first:.2f} s, the same fit again: "
        f"{second:.2f} s (torch's one-time set-up: {first - second:+.2f} s)"
    )


def _predict_seconds(clf, X):
    """The faster of two predictions of X."""
    return min(_timed(lambda: clf.predict(X)) for _ in range(2))


def idle_table(hidden_sizes):
    from sklearn_rnn._threads import available_cores

    cores = available_cores()
    print(f"\nIdle machine, {cores} cores: seconds with 1 thread / with {cores}")
    print("| hidden_size | fit 1 | fit all | ratio | predict 1 | predict all | ratio |")
    print("|---|---|---|---|---|---|---|")
    X_pred, _ = _names(20_000, seed=1)
    for h in hidden_sizes:
        fit1, clf = _fit_seconds(1, hidden_size=h, max_iter=5)
        fitn, _ = _fit_seconds(cores, hidden_size=h, max_iter=5)
        clf.predict(X_pred[:100])  # warm
        pred1 = _predict_seconds(clf.set_params(n_threads=1), X_pred)
        predn = _predict_seconds(clf.set_params(n_threads=cores), X_pred)
        print(
            f"| {h} | {fit1:.2f} | {fitn:.2f} | {fitn / fit1:.2f} | "
            f"{pred1:.2f} | {predn:.2f} | {predn / pred1:.2f} |",
            flush=True,
        )


def idle_default_fit():
    """A default fit on the idle machine: "auto" against torch's default
    threads (what 0.1 used) and against one thread."""
    import torch

    default_threads = torch.get_num_threads()
    auto, clf = _fit_seconds("auto")
    torch_default, _ = _fit_seconds(None, before=default_threads)
    one, _ = _fit_seconds(None, before=1)
    torch.set_num_threads(default_threads)
    print(f"\nIdle machine: a default fit of 2,000 surnames ({clf.n_iter_} epochs)")
    print("| threads | fit seconds | / torch's default |")
    print("|---|---|---|")
    for label, s in [
        ('n_threads="auto" (default)', auto),
        (f"torch's default ({default_threads}), n_threads=None", torch_default),
        ("torch.set_num_threads(1), n_threads=None", one),
    ]:
        print(f"| {label} | {s:.1f} | {s / torch_default:.2f} |")
    return auto / torch_default


def busy_table():
    import torch

    cores = os.cpu_count() or 1
    ctx = mp.get_context("spawn")
    stop = ctx.Event()
    workers = [ctx.Process(target=_busy, args=(stop,)) for _ in range(cores)]
    for w in workers:
        w.start()
    default_threads = torch.get_num_threads()
    try:
        time.sleep(3)
        auto, clf = _fit_seconds("auto")
        lib_threads = torch.get_num_threads()
        torch_default, _ = _fit_seconds(None, before=default_threads)
        one, _ = _fit_seconds(None, before=1)
        auto_again, _ = _fit_seconds("auto", before=default_threads)
    finally:
        stop.set()
        for w in workers:
            w.join()
        torch.set_num_threads(default_threads)
    print(
        f"\nBusy machine ({cores} other processes, torch matrix products on 2 "
        "threads each): a default fit of 2,000 surnames"
    )
    print("| threads | fit seconds | / one thread |")
    print("|---|---|---|")
    for label, s in [
        ('n_threads="auto" (default)', auto),
        ('n_threads="auto", again', auto_again),
        (f"torch's default ({default_threads}), n_threads=None", torch_default),
        ("torch.set_num_threads(1), n_threads=None", one),
    ]:
        print(f"| {label} | {s:.1f} | {s / one:.2f} |")
    print(
        f"torch threads after the fits: {lib_threads} (was {default_threads}: "
        "the caller's setting is restored)"
    )
    return max(auto, auto_again) / one


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    from machine import cpu_name

    print(f"{cpu_name()}")
    first_fit_table()  # also warms up torch for the tables that follow
    idle_table([64, 256] if args.quick else [64, 128, 256, 512])
    idle_ratio = idle_default_fit()
    ratio = busy_table()
    print(
        f"\nidle machine, auto / torch's default threads: {idle_ratio:.2f} "
        f"(target <= 1.0); busy machine, auto / one thread: {ratio:.2f} "
        "(target <= 1.5)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
