"""When to stop training a regressor on a few hundred records or fewer:
the defaults (no held-out set below 500 records: training stops when the
training loss stops falling), stopping on a held-out fifth of the records,
and stopping on a held-out fifth and then refitting on every record for the
best epoch count.

    pip install aeon sktime          # the public sets' data files
    python benchmarks/small_regression.py --n-jobs 2
    python benchmarks/small_regression.py --sets CardanoSentiment --seeds 0 1

Two kinds of small sets, so that a choice is not made on one kind alone:
the public regression sets of ``suite.py`` (CardanoSentiment 74 training
series, Covid3Month 140, Tecator 172; targets that are partly or mostly
noise), and the bundled generators at 60, 150 and 300 training records
(sine frequency and amplitude; counts of "abc" in strings), whose targets a
network can learn exactly, tested on 300 more records of the same seed.

Scores are test R², mean ± std over the seeds; fit seconds are the mean on
one torch thread, and the last columns divide each variant's by the
defaults' measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from joblib import Parallel, delayed  # noqa: E402

VALIDATION_FRACTION = 0.2
PUBLIC = ["CardanoSentiment", "Covid3Month", "Tecator"]
GENERATED = [f"{kind}-{n}" for kind in ("sine", "motif") for n in (60, 150, 300)]
VARIANTS = ["defaults", "held out", "held out, refit"]


def load(name: str, seed: int):
    """``X_train, X_test, y_train, y_test`` of a public set or a generated one."""
    if name in PUBLIC:
        from suite import load as load_public

        return load_public(name)
    kind, n = name.split("-")
    n, n_test = int(n), 300
    if kind == "sine":
        from sklearn_rnn.datasets import make_sine_regression

        X, y = make_sine_regression(n + n_test, random_state=seed)
        X = list(X)
    else:
        from quality import motif_count_data

        X, y = motif_count_data(n + n_test, seed)
    return X[:n], X[n:], y[:n], y[n:]


def fit(variant: str, seed: int, X, y):
    from sklearn_rnn import RNNSequenceRegressor

    if variant == "defaults":
        return RNNSequenceRegressor(random_state=seed).fit(X, y)
    held_out = RNNSequenceRegressor(
        random_state=seed,
        early_stopping=True,
        validation_fraction=VALIDATION_FRACTION,
    ).fit(X, y)
    if variant == "held out":
        return held_out
    # Every record again, for as many epochs as the held-out loss was best at.
    best = int(np.argmin(held_out.validation_loss_curve_)) + 1
    return RNNSequenceRegressor(
        random_state=seed,
        early_stopping=False,
        max_iter=best,
        n_iter_no_change=best + 1,  # never stop before the epoch count
    ).fit(X, y)


def run_one(name: str, variant: str, seed: int):
    import torch

    torch.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter reached on purpose
        X_tr, X_te, y_tr, y_te = load(name, seed)
        start = time.perf_counter()
        model = fit(variant, seed, X_tr, y_tr)
        fit_s = time.perf_counter() - start
        return name, variant, seed, float(model.score(X_te, y_te)), fit_s


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", nargs="+", default=PUBLIC + GENERATED)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--n-jobs", type=int, default=1)
    args = parser.parse_args(argv)
    jobs = [(s, v, seed) for s in args.sets for v in VARIANTS for seed in args.seeds]
    results = Parallel(n_jobs=args.n_jobs)(delayed(run_one)(*job) for job in jobs)
    cells = {}
    for name, variant, _, score, fit_s in results:
        cells.setdefault((name, variant), []).append((score, fit_s))

    import sklearn
    import torch
    from machine import cpu_name

    print(
        f"Test R², mean ± std over seeds {args.seeds}; fit seconds (mean) and "
        f"fit time / the defaults'; one thread; {cpu_name()}, "
        f"torch {torch.__version__}, scikit-learn {sklearn.__version__}.\n"
    )
    print(
        "| set | "
        + " | ".join(VARIANTS)
        + " | "
        + " | ".join(f"{v}: time ratio" for v in VARIANTS[1:])
        + " |"
    )
    print("|---" * (2 * len(VARIANTS)) + "|")
    for name in args.sets:
        runs = {v: np.array(cells[(name, v)]) for v in VARIANTS}
        scores = [
            f"{r[:, 0].mean():.3f} ± {r[:, 0].std():.3f} ({r[:, 1].mean():.1f} s)"
            for r in runs.values()
        ]
        base = runs["defaults"][:, 1].mean()
        ratios = [f"{runs[v][:, 1].mean() / base:.2f}x" for v in VARIANTS[1:]]
        print(f"| {name} | " + " | ".join(scores + ratios) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
