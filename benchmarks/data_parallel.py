"""Data-parallel training (``n_workers``) against one process, side by side
in one run: the fit time of a classifier on 100,000 sequences, text and
numeric, on 2 local worker processes of one torch thread each against one
process of one thread.

    python benchmarks/data_parallel.py
    python benchmarks/data_parallel.py --records 20000 --epochs 1
    python benchmarks/data_parallel.py --markdown docs/_static/data_parallel.md

Text: the bundled surnames, drawn with replacement to ``--records`` strings
(the held-out ones from names the training set never holds). Numbers:
``make_wave_classification`` series (3 channels, 50 to 150 steps), with
``wide=False``: the numeric wide term's 9,996 features a record would be
held by every worker (4 GB at 100,000 records) and are computed before
training, in the calling process. Settings per row: the defaults' network
(64 units) at the default batch of 64 and at 256, and a wider one (256
units, batch 256). Each fit runs ``--epochs`` epochs with nothing held out
(``early_stopping=False``); the time includes the workers' start (joblib's
loky processes, the records sent to each) and the encoding, as a user
meets them, and the same fit with one worker runs right before it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402


def _data(kind: str, n: int):
    if kind == "text":
        from sklearn_rnn.datasets import load_surnames

        names, langs = load_surnames(return_X_y=True)
        langs = np.asarray(langs)
        rng = np.random.default_rng(0)
        order = rng.permutation(len(names))
        cut = int(0.8 * len(names))
        train = rng.choice(order[:cut], n)
        test = rng.choice(order[cut:], min(n, 10_000))
        return (
            [names[i] for i in train],
            langs[train],
            [names[i] for i in test],
            langs[test],
        )
    from sklearn_rnn.datasets import make_wave_classification

    X, y = make_wave_classification(n + 10_000, random_state=0)
    return X[:n], y[:n], X[n:], y[n:]


# (input, batch_size, hidden_size, other settings)
ROWS = (
    ("text", 64, 64, {}),
    ("text", 256, 64, {}),
    ("text", 256, 256, {}),
    ("numbers", 64, 64, {"wide": False}),
    ("numbers", 256, 256, {"wide": False}),
)


def run(kind, n, epochs, batch_size, hidden_size, extra) -> list:
    import torch

    from sklearn_rnn import RNNSequenceClassifier

    torch.set_num_threads(1)
    X, y, X_test, y_test = _data(kind, n)
    rows = []
    for workers in (1, 2):
        est = RNNSequenceClassifier(
            hidden_size=hidden_size,
            max_iter=epochs,
            early_stopping=False,
            batch_size=batch_size,
            n_threads=1,
            n_workers=workers,
            random_state=0,
            **extra,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the epoch budget ends the fit
            start = time.perf_counter()
            est.fit(X, y)
            seconds = time.perf_counter() - start
        rows.append((workers, seconds, est.score(X_test, y_test)))
        print(
            f"  {kind:<7} batch {batch_size:<4} hidden {hidden_size:<4} "
            f"{workers} worker(s): {seconds:.1f} s, held-out accuracy "
            f"{rows[-1][2]:.3f}",
            file=sys.stderr,
            flush=True,
        )
    return rows


# The scaling model's links (bytes per second) and the latency of one
# message on them (a datacenter network's order of magnitude).
LINKS = {"10 Gb/s": 10e9 / 8, "100 Gb/s": 100e9 / 8}
LATENCY_S = 30e-6


def _ring_all_reduce_s(workers: int, size: float, bandwidth: float) -> float:
    """Seconds of a ring all-reduce of ``size`` bytes among ``workers``."""
    ring = 2 * (workers - 1)
    return ring / workers * size / bandwidth + ring * LATENCY_S


def scaling_model(n: int = 20_000) -> str:
    """Per-update time on paper for ``N`` workers of the default text
    network: its one-process update time ``t1`` (measured here, one epoch
    of ``n`` surnames at batch 256) divided among them as if perfectly
    divisible, plus a ring all-reduce of its gradients, ``2 (N - 1) / N``
    times their bytes over the link and ``2 (N - 1)`` message latencies."""
    import torch

    from sklearn_rnn import RNNSequenceClassifier

    torch.set_num_threads(1)
    X, y, _, _ = _data("text", n)
    est = RNNSequenceClassifier(
        max_iter=1, early_stopping=False, batch_size=256, n_threads=1, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    size = sum(p.numel() * p.element_size() for p in est.module_.parameters())
    updates = -(-n // 256)
    t1 = est.net_.history[-1, "dur"] / updates
    lines = [
        f"The default text network (surnames): {size / 1e6:.2f} MB of "
        f"gradients per update; one process, batch 256: {t1 * 1e3:.1f} ms per "
        f"update (measured). Speed-up on paper: t1 / (t1 / N + all-reduce), "
        f"{LATENCY_S * 1e6:.0f} µs a message.",
        "",
        "| link | all-reduce, N = 8 (ms) | N = 8 | N = 64 | N = 512 |",
        "|---|---|---|---|---|",
    ]
    for name, bandwidth in LINKS.items():
        speed_ups = [
            t1 / (t1 / workers + _ring_all_reduce_s(workers, size, bandwidth))
            for workers in (8, 64, 512)
        ]
        lines.append(
            f"| {name} | {_ring_all_reduce_s(8, size, bandwidth) * 1e3:.2f} | "
            + " | ".join(f"{c:.1f}x" for c in speed_ups)
            + " |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--kinds", nargs="+", default=["text", "numbers"])
    parser.add_argument("--markdown", help="also write the table to this file")
    parser.add_argument(
        "--model", action="store_true", help="print the scaling model instead"
    )
    args = parser.parse_args(argv)
    if args.model:
        text = scaling_model()
        print(text)
        if args.markdown:
            Path(args.markdown).write_text(text + "\n", encoding="utf-8")
        return 0
    from machine import cpu_name

    lines = [
        f"RNNSequenceClassifier, {args.records:,} training sequences, "
        f"{args.epochs} epochs, one torch thread per process; the workers' "
        f"start included; numbers with wide=False (CPU: {cpu_name()}).",
        "",
        "| input, units, batch | seconds: 1 process / 2 workers | speed-up | "
        "held-out accuracy |",
        "|---|---|---|---|",
    ]
    for kind, batch, hidden, extra in ROWS:
        if kind not in args.kinds:
            continue
        (_, one, acc1), (_, two, acc2) = run(
            kind, args.records, args.epochs, batch, hidden, extra
        )
        lines.append(
            f"| {kind}, {hidden}, {batch} | {one:.1f} / {two:.1f} | "
            f"{one / two:.2f}x | {acc1:.3f} / {acc2:.3f} |"
        )
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
