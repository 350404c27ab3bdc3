"""What concat pooling costs a training epoch against the final state alone.

    python benchmarks/pooling_cost.py                  # about a minute, one core
    python benchmarks/pooling_cost.py --json docs/_static/suite_runs/pooling_cost.json \\
        --markdown docs/_static/pooling_cost.md

``pooling="concat"`` (the final state, the mean and the max of the states;
the classifier's and regressor's default) must keep every step's state and
pool it, forward and backward; ``pooling="last"`` reads the final state only.
For each setting, a fit of a fixed number of epochs (no early stopping) with
each pooling, repeated ``--repeats`` times in turn, so that both meet the
same machine load; the epoch time is the fastest run's. The column "concat,
torch's backward" runs the max pooling through torch's own
``scatter_reduce`` backward, as the library did before it moved whole rows
instead: the same gradients to the bit (``tests/test_pooling.py``).

Settings: the classifier's defaults on the bundled surnames (5,303 names,
13 languages) and on 1,000 ragged waves (``make_wave_classification``); and
Parr's network on the surnames (``cell="rnn"``, hidden size 128, batches of
256, one character a step, no wide term). One torch thread.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")

EPOCHS = 4
PARR = dict(cell="rnn", hidden_size=128, batch_size=256, ngram_range=(1, 1), wide=False)
VARIANTS = ("last", "concat", "concat, torch's backward")


def _data(name):
    from sklearn_rnn.datasets import load_surnames, make_wave_classification

    if name == "waves":
        return make_wave_classification(1000, random_state=0)
    return load_surnames(return_X_y=True)


SETTINGS = {
    "surnames, defaults": ("surnames", {}),
    "surnames, Parr's network": ("surnames", PARR),
    "waves, defaults": ("waves", {}),
}


@contextlib.contextmanager
def _torch_backward():
    """Max pooling through torch's ``scatter_reduce`` backward."""
    from sklearn_rnn import _pooling

    before = _pooling._SegmentMax.apply
    _pooling._SegmentMax.apply = _pooling._segment_max
    try:
        yield
    finally:
        _pooling._SegmentMax.apply = before


def _epoch_seconds(X, y, variant, params) -> float:
    from sklearn_rnn import RNNSequenceClassifier

    clf = RNNSequenceClassifier(
        **params,
        pooling=variant.split(",")[0],
        max_iter=EPOCHS,
        early_stopping=False,
        random_state=0,
    )
    context = _torch_backward() if "torch" in variant else contextlib.nullcontext()
    with context:
        start = time.perf_counter()
        clf.fit(X, y)
    return (time.perf_counter() - start) / EPOCHS


def measure(repeats: int) -> list[dict]:
    import torch

    torch.set_num_threads(1)
    rows = []
    for setting, (data, params) in SETTINGS.items():
        X, y = _data(data)
        _epoch_seconds(X[::20], y[::20], "concat", params)  # warm up
        times = {v: [] for v in VARIANTS}
        for _ in range(repeats):
            for variant in VARIANTS:
                times[variant].append(_epoch_seconds(X, y, variant, params))
        row = {"setting": setting, **{v: min(t) for v, t in times.items()}}
        rows.append(row)
        print(_line(row), flush=True)
    return rows


def _line(row) -> str:
    last = row["last"]
    return (
        f"| {row['setting']} | {last:.3f} | {row['concat']:.3f} "
        f"| {row['concat'] / last:.2f}x "
        f"| {row[VARIANTS[2]] / last:.2f}x |"
    )


def markdown(rows, machine: str) -> str:
    lines = [
        f"Seconds per training epoch (fastest of the repeats), one thread; {machine}.",
        "",
        "| setting | last | concat | concat / last | concat / last, torch's backward |",
        "|---|---|---|---|---|",
        *(_line(r) for r in rows),
    ]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", help="write the measured rows here")
    parser.add_argument("--markdown", help="write the table here")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    from machine import machine_and_versions

    machine = machine_and_versions()
    rows = measure(args.repeats)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": machine, "rows": rows}, f, indent=1)
    text = markdown(rows, machine)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
