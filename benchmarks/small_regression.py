"""Training a regressor on a few hundred records or fewer: the defaults (no
held-out set below 500 records: training stops when the training loss
stops falling; the numeric wide term refit on the network's residuals at
the end), and what was tried beside them: stopping on a held-out fifth of
the records, stopping on a held-out fifth and then refitting on every
record for the best epoch count, the defaults' predictions shrunk towards
the training mean by a factor chosen by 5-fold cross-fitting, and the
defaults without the wide term's refit (as before it), the mean
prediction of two or three default fits of different seeds, and
``max_iter="auto"`` budgeting at least 250 updates instead of 500; with
summary statistics + forest and MiniRocket for reference.

    pip install aeon sktime          # the public sets' data files
    python benchmarks/small_regression.py --n-jobs 2
    python benchmarks/small_regression.py --sets CardanoSentiment --seeds 0 1
    python benchmarks/small_regression.py --variants defaults "5-fold shrink"
    python benchmarks/small_regression.py --sets M1Yearly InternalBleeding16 \
        Daphnet --variants defaults "term not refit" stats+RF MiniRocket
    python benchmarks/small_regression.py --variants defaults \
        "2 seeds averaged" "3 seeds averaged" stats+RF
    python benchmarks/small_regression.py --sets sine-60 sine-150 motif-60 \
        motif-150 motif-300 --variants defaults "250-update floor"

Two kinds of small sets, so that a choice is not made on one kind alone:
the public regression sets of ``suite.py`` (CardanoSentiment 74 training
series, Covid3Month 140, Tecator 172; targets that are partly or mostly
noise), and the bundled generators at 60, 150 and 300 training records
(sine frequency and amplitude; counts of "abc" in strings), whose targets a
network can learn exactly, tested on 300 more records of the same seed.
Three check sets (``CHECKS``, see ``load_check``) are cut from other data
files of the aeon wheel.

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
# Regression tasks cut from other data files of the aeon wheel, added after
# the wide term's refit was chosen, to check it on data that played no part.
CHECKS = ["M1Yearly", "InternalBleeding16", "Daphnet"]
VARIANTS = [
    "defaults",
    "held out",
    "held out, refit",
    "5-fold shrink",
    "term not refit",
    "stats+RF",
    "MiniRocket",
    "2 seeds averaged",
    "3 seeds averaged",
    "250-update floor",
]
SHRINK_FOLDS = 5
# Variants that are the defaults with attributes of sklearn_rnn._base
# replaced for the length of the fit.
SWAPPED = {
    "term not refit": {"_refit_kernel_term": lambda *args: None},  # as before it
    "250-update floor": {"_AUTO_MIN_UPDATES": 250},  # max_iter="auto"'s floor
}


def load(name: str, seed: int):
    """``X_train, X_test, y_train, y_test`` of a public set or a generated one."""
    if name in PUBLIC:
        from suite import load as load_public

        return load_public(name)
    if name in CHECKS:
        return load_check(name)
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


def load_check(name: str):
    """A check set, split once (no seed: the split is the data's).

    - M1Yearly: the 181 yearly series of the M1 forecasting competition
      (15-58 years); each series without its last 6 years, divided by its
      last value, predicts the log of the mean of those 6 years over that
      value. A random two thirds train (fixed draw), a third test.
    - InternalBleeding16: one physiological recording (UCR anomaly archive,
      7,500 steps); windows of 48 steps every 25 predict the change 12
      steps after the window's end. The first 60% of windows train, the
      rest test (later in time).
    - Daphnet: nine accelerometer channels of one gait recording (7,040
      steps); windows of 64 steps every 30 predict the spread (std) of the
      trunk's vertical channel over the next 32 steps. First 60% / rest.
    """
    import importlib

    import pandas as pd

    root = os.path.join(
        os.path.dirname(importlib.import_module("aeon").__file__), "datasets", "data"
    )
    if name == "M1Yearly":
        from aeon.datasets import load_from_tsf_file

        frame, _ = load_from_tsf_file(
            os.path.join(root, "m1_yearly_dataset", "m1_yearly_dataset.tsf")
        )
        X, y = [], []
        for series in frame.series_value:
            series = np.asarray(series, float)
            history, future = series[:-6], series[-6:]
            X.append(history / history[-1])
            y.append(np.log(future.mean() / history[-1]))
        order = np.random.default_rng(0).permutation(len(X))
        cut = 2 * len(X) // 3
        X, y = [X[i] for i in order], np.asarray(y)[order]
        return X[:cut], X[cut:], y[:cut], y[cut:]
    if name == "InternalBleeding16":
        path = os.path.join(
            root, "KDD-TSAD_135", "135_UCR_Anomaly_InternalBleeding16_TEST.csv"
        )
        values = pd.read_csv(path)["value"].to_numpy(float)
        width, ahead = 48, 12
        starts, X = _windows(values, width, ahead, every=25)
        end = starts + width - 1
        y = values[end + ahead] - values[end]
    else:  # Daphnet
        path = os.path.join(root, "Daphnet_S06R02E0", "S06R02E0.csv")
        channels = pd.read_csv(path).iloc[:, 1:10].to_numpy(float)
        width, ahead = 64, 32
        starts, X = _windows(channels, width, ahead, every=30)
        trunk_vertical = channels[:, 7]
        y = np.array(
            [trunk_vertical[s + width : s + width + ahead].std() for s in starts]
        )
    cut = int(0.6 * len(X))
    return X[:cut], X[cut:], y[:cut], y[cut:]


def _windows(values, width: int, ahead: int, every: int):
    """The start of every ``every``-th window of ``width`` steps that leaves
    ``ahead`` steps after it, and the windows stacked."""
    starts = np.arange(0, len(values) - width - ahead, every)
    return starts, np.stack([values[s : s + width] for s in starts])


class CrossFitShrunk:
    """The defaults' predictions moved towards the training mean: ``mean +
    s * (prediction - mean)`` per output, ``s`` in [0, 1] the least-squares
    slope of the held-out targets on the held-out predictions of
    ``SHRINK_FOLDS`` fits on the other folds (each about the fold's training
    mean): the calibration slope of the clinical-prediction literature
    (van Houwelingen & le Cessie, 1990). Costs ``SHRINK_FOLDS`` more fits."""

    def __init__(self, seed: int):
        self.seed = seed

    def fit(self, X, y):
        from sklearn.model_selection import KFold

        from sklearn_rnn import RNNSequenceRegressor

        y2 = np.asarray(y, float).reshape(len(y), -1)
        held_out, means = np.empty_like(y2), np.empty_like(y2)
        folds = KFold(SHRINK_FOLDS, shuffle=True, random_state=self.seed)
        for train, test in folds.split(y2):
            model = RNNSequenceRegressor(random_state=self.seed)
            model.fit(_take(X, train), np.asarray(y)[train])
            held_out[test] = np.reshape(model.predict(_take(X, test)), (len(test), -1))
            means[test] = y2[train].mean(0)
        dx, dy = held_out - means, y2 - means
        slope = (dx * dy).sum(0) / np.maximum((dx * dx).sum(0), 1e-12)
        self.shrink_ = np.clip(slope, 0.0, 1.0)
        self.mean_ = y2.mean(0)
        self.model_ = RNNSequenceRegressor(random_state=self.seed).fit(X, y)
        return self

    def score(self, X, y):
        from sklearn.metrics import r2_score

        pred = np.reshape(self.model_.predict(X), (len(X), -1))
        shrunk = self.mean_ + self.shrink_ * (pred - self.mean_)
        return r2_score(np.reshape(y, shrunk.shape), shrunk)


class SeedAverage:
    """The mean prediction of ``k`` default regressors that differ only in
    their seed: what scikit-learn's ``VotingRegressor`` of them predicts
    (``tests/test_regressor.py`` checks that), for several targets too."""

    def __init__(self, seed: int, k: int):
        self.seed, self.k = seed, k

    def fit(self, X, y):
        from sklearn_rnn import RNNSequenceRegressor

        # The other members' seeds far from 0-4, so that no member of one run
        # is the first member of another.
        seeds = [self.seed + 1000 * i for i in range(self.k)]
        self.members_ = [RNNSequenceRegressor(random_state=s).fit(X, y) for s in seeds]
        return self

    def score(self, X, y):
        from sklearn.metrics import r2_score

        return r2_score(y, np.mean([m.predict(X) for m in self.members_], axis=0))


def _take(X, rows):
    return X[rows] if isinstance(X, np.ndarray) else [X[i] for i in rows]


def fit(variant: str, seed: int, X, y):
    from sklearn_rnn import RNNSequenceRegressor

    if variant == "defaults":
        return RNNSequenceRegressor(random_state=seed).fit(X, y)
    if variant == "5-fold shrink":
        return CrossFitShrunk(seed).fit(X, y)
    if variant.endswith("seeds averaged"):
        return SeedAverage(seed, int(variant.split()[0])).fit(X, y)
    if variant in SWAPPED:
        from candidates import swapped

        import sklearn_rnn._base as base

        with swapped(base, **SWAPPED[variant]):
            return RNNSequenceRegressor(random_state=seed).fit(X, y)
    if variant in ("stats+RF", "MiniRocket"):
        from suite import baseline

        kind = "stats+rf" if variant == "stats+RF" else "minirocket"
        return baseline(kind, "regression", seed).fit(X, y)
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
        if variant == "MiniRocket" and np.ndim(y_tr) > 1:
            return name, variant, seed, float("nan"), float("nan")  # one target
        start = time.perf_counter()
        model = fit(variant, seed, X_tr, y_tr)
        fit_s = time.perf_counter() - start
        return name, variant, seed, float(model.score(X_te, y_te)), fit_s


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", nargs="+", default=PUBLIC + GENERATED)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--variants", nargs="+", default=VARIANTS[:3], choices=VARIANTS)
    args = parser.parse_args(argv)
    variants = ["defaults"] + [v for v in args.variants if v != "defaults"]
    jobs = [(s, v, seed) for s in args.sets for v in variants for seed in args.seeds]
    results = Parallel(n_jobs=args.n_jobs)(delayed(run_one)(*job) for job in jobs)
    cells = {}
    for name, variant, _, score, fit_s in results:
        cells.setdefault((name, variant), []).append((score, fit_s))

    from machine import machine_and_versions

    print(
        f"Test R², mean ± std over seeds {args.seeds}; fit seconds (mean) and "
        f"fit time / the defaults'; one thread; {machine_and_versions()}.\n"
    )
    print(
        "| set | "
        + " | ".join(variants)
        + " | "
        + " | ".join(f"{v}: time ratio" for v in variants[1:])
        + " |"
    )
    print("|---" * (2 * len(variants)) + "|")
    for name in args.sets:
        runs = {v: np.array(cells[(name, v)]) for v in variants}
        scores = [
            f"{r[:, 0].mean():.3f} ± {r[:, 0].std():.3f} ({r[:, 1].mean():.1f} s)"
            if np.isfinite(r[:, 0]).all()
            else "n/a"
            for r in runs.values()
        ]
        base = runs["defaults"][:, 1].mean()
        ratios = [
            f"{runs[v][:, 1].mean() / base:.2f}x"
            if np.isfinite(runs[v][:, 1]).all()
            else "n/a"
            for v in variants[1:]
        ]
        print(f"| {name} | " + " | ".join(scores + ratios) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
