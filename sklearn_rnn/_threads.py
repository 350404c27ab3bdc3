"""How many threads torch uses while an estimator trains or predicts.

torch's intra-op thread count (one per core by default) pays off for large
matrix products, but the recurrence multiplies small ones, one time step
after another: each product then costs less than waking the other threads,
and on a machine whose cores are busy (other processes, or parallel fits of
a grid search) OpenMP's threads spin while they wait for one another, which
made a default fit 10-25 times slower than on one thread
(benchmarks/threads.py).

The estimators therefore set the count for the duration of ``fit``,
``partial_fit`` and inference, and give the caller's setting back afterwards.
Nothing here knows about scikit-learn.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager

import torch

# A step's recurrent product (batch x hidden) @ (hidden x gates*hidden) must
# reach this many multiply-adds before a second thread pays for itself
# (benchmarks/threads.py, 2 idle cores: training batches of 64 gained nothing
# from a second thread up to hidden_size=512, about 5e7; inference batches of
# thousands of records ran 1.3-2.6x faster on two).
_MULTIPLY_ADDS_PER_THREAD = 1 << 26

# Makes each block's read-then-set of the setting one step.
_lock = threading.Lock()


def available_cores() -> int:
    """Cores this process may run on (its affinity, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def idle_cores() -> int:
    """Cores not kept busy by other work, judged by the last minute's load
    average (at least 1): a thread on a busy core waits, and its partners
    spin meanwhile."""
    cores = available_cores()
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # not on Unix
        return cores
    return max(1, min(cores, int(cores - load + 0.5)))


def auto_threads(batch_rows: int, hidden_size: int, gates: int) -> int:
    """Threads worth using for a recurrence over ``batch_rows`` records at a
    time: one per ``_MULTIPLY_ADDS_PER_THREAD`` multiply-adds of a step's
    product, at least 1, at most the idle cores."""
    work = batch_rows * hidden_size * gates * hidden_size
    return max(1, min(idle_cores(), work // _MULTIPLY_ADDS_PER_THREAD))


@contextmanager
def torch_threads(n: int | None):
    """Run the block with torch using ``n`` threads (None: leave it as is),
    then restore the calling thread's setting.

    torch keeps the count per thread (OpenMP's setting) plus a default that
    threads started later begin with: a block changes the count of the
    thread that runs it, and for the block's duration that default too. So
    fits in several threads at once do not change each other's count, and
    each thread gets its own setting back.
    """
    if n is None:
        yield
        return
    with _lock:
        before = torch.get_num_threads()
        if before != n:
            torch.set_num_threads(n)
    try:
        yield
    finally:
        with _lock:
            if torch.get_num_threads() != before:
                torch.set_num_threads(before)
