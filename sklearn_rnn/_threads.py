"""How many threads torch uses while an estimator trains or predicts.

torch's intra-op thread count (one per core by default) pays off for large
matrix products on idle cores, but the recurrence multiplies small ones, one
time step after another, and on a machine whose cores are busy (other
processes, or parallel fits of a grid search) OpenMP's threads spin while
they wait for one another: a default fit took 6x as long as on one thread
(benchmarks/threads.py).

The estimators therefore set the count for the duration of ``fit``,
``partial_fit`` and inference, by the size of the work and the cores idle
right now, and give the calling thread's setting back afterwards.
Nothing here knows about scikit-learn.
"""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager

import torch

# A step's recurrent product (batch x hidden) @ (hidden x gates*hidden) must
# reach this many multiply-adds per thread before another thread pays for
# itself (benchmarks/threads.py, 2 idle cores: a second thread fitted the
# default GRU, 8e5 a step, 1.1x faster and predicted 1.4x faster; tiny
# networks are faster on one).
_MULTIPLY_ADDS_PER_THREAD = 1 << 18

# How long idle_cores() watches the CPUs, and how long its answer is reused
# (a loop of predict calls should not wait on it every time).
_SAMPLE_SECONDS = 0.05
_SAMPLE_KEPT_SECONDS = 1.0

# Makes each block's read-then-set of the setting one step, and guards the
# kept sample.
_lock = threading.Lock()
_kept_sample: tuple[float, int] | None = None  # (when, idle cores)


def available_cores() -> int:
    """Cores this process may run on (its affinity, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _cpu_seconds() -> tuple[int, int]:
    """The machine's idle and total CPU time so far, in clock ticks (Linux)."""
    with open("/proc/stat", encoding="ascii") as stat:
        ticks = [int(v) for v in stat.readline().split()[1:9]]
    return ticks[3] + ticks[4], sum(ticks)  # idle + iowait, all


def idle_cores() -> int:
    """Cores not kept busy by other work right now (at least 1): the idle
    share of the machine's CPU time over a short look, or, where the CPU
    times cannot be read, the last minute's load average. A thread on a busy
    core waits, and its partners spin meanwhile."""
    global _kept_sample
    cores = available_cores()
    now = time.monotonic()
    with _lock:
        if _kept_sample is not None and now - _kept_sample[0] < _SAMPLE_KEPT_SECONDS:
            return _kept_sample[1]
    try:
        idle_before, total_before = _cpu_seconds()
        time.sleep(_SAMPLE_SECONDS)
        idle_after, total_after = _cpu_seconds()
        share = (idle_after - idle_before) / max(total_after - total_before, 1)
        idle = share * (os.cpu_count() or cores)
    except (OSError, ValueError, IndexError):  # no /proc/stat
        try:
            idle = cores - os.getloadavg()[0]
        except (AttributeError, OSError):  # not on Unix
            idle = cores
    result = max(1, min(cores, int(idle + 0.5)))
    with _lock:
        _kept_sample = (time.monotonic(), result)
    return result


def auto_threads(batch_rows: int, hidden_size: int, gates: int) -> int:
    """Threads worth using for a recurrence over ``batch_rows`` records at a
    time: one per ``_MULTIPLY_ADDS_PER_THREAD`` multiply-adds of a step's
    product, at most the calling thread's torch setting (a limit the caller,
    ``OMP_NUM_THREADS`` or a worker pool set stays a limit) and at most the
    idle cores; at least 1."""
    work = batch_rows * hidden_size * gates * hidden_size
    wanted = min(work // _MULTIPLY_ADDS_PER_THREAD, torch.get_num_threads())
    if wanted <= 1:
        return 1  # no need to look at the machine
    return max(1, min(wanted, idle_cores()))


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
