"""How far the classifiers' probabilities can be trusted: test log-loss and
expected calibration error (ECE, 15 equal-width bins of the top
probability) on the classification sets of ``suite.py``, beside accuracy
and beside what predicting the training class frequencies scores.

    python benchmarks/probabilities.py                  # 5 seeds, 16 sets
    python benchmarks/probabilities.py --sets UnitTest Coffee --seeds 0 1
    python benchmarks/probabilities.py --n-jobs 2 --json now.json
    python benchmarks/probabilities.py --merge before.json now.json --rst docs/_static/probabilities.rst

Models, each with probabilities:

- defaults: ``RNNSequenceClassifier()``.
- wide=False: the recurrent network without its linear wide term.
- stats+RF: summary statistics + RandomForest (``suite.py``'s baseline).
- MiniRocket+cal: MiniRocket's features + RidgeClassifierCV, calibrated by
  ``CalibratedClassifierCV(method="sigmoid", cv=2)`` (the field's strong
  default, made to give probabilities; two folds because some sets have two
  training series of a class).

One torch thread per fit, ``--n-jobs`` fits side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from joblib import Parallel, delayed  # noqa: E402
from suite import DATASETS  # noqa: E402

# The suite's classification sets of series (not the bundled surnames).
SETS = tuple(
    name
    for name, (package, task) in DATASETS.items()
    if task == "classification" and package is not None
)
MODELS = ("defaults", "wide=False", "stats+RF", "MiniRocket+cal")
ECE_BINS = 15


def expected_calibration_error(proba, labels, bins=ECE_BINS) -> float:
    """Mean gap between the top probability and the accuracy within equal
    bins of the top probability, weighted by the records in each bin."""
    confidence = proba.max(1)
    right = proba.argmax(1) == labels
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, bins - 1)
    gap = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            gap += inside.mean() * abs(right[inside].mean() - confidence[inside].mean())
    return float(gap)


def _log_loss(proba, labels) -> float:
    picked = proba[np.arange(len(labels)), labels]
    return float(-np.mean(np.log(np.clip(picked, 1e-15, 1.0))))


class _MiniRocketCalibrated:
    def __init__(self, seed):
        self.seed = seed

    def fit(self, X, y):
        from aeon.transformations.collection.convolution_based import MiniRocket
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.linear_model import RidgeClassifierCV
        from suite import _channels_first

        self.length = max(9, max(len(x) for x in X))
        self.rocket = MiniRocket(random_state=self.seed, n_jobs=1)
        features = self.rocket.fit_transform(_channels_first(X, self.length))
        ridge = RidgeClassifierCV(alphas=np.logspace(-3, 3, 10))
        self.model = CalibratedClassifierCV(ridge, method="sigmoid", cv=2)
        self.model.fit(features, y)
        self.classes_ = self.model.classes_
        return self

    def predict_proba(self, X):
        from suite import _channels_first

        features = self.rocket.transform(_channels_first(X, self.length))
        return self.model.predict_proba(features)


def make(model, seed):
    from sklearn_rnn import RNNSequenceClassifier

    if model == "defaults":
        return RNNSequenceClassifier(random_state=seed)
    if model == "wide=False":
        return RNNSequenceClassifier(wide=False, random_state=seed)
    if model == "stats+RF":
        from suite import baseline

        return baseline("stats+rf", "classification", seed)
    if model == "MiniRocket+cal":
        return _MiniRocketCalibrated(seed)
    raise ValueError(model)


def run_one(name, model, seed):
    import suite
    import torch

    torch.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X_tr, X_te, y_tr, y_te = suite.load(name)
        est = make(model, seed)
        start = time.perf_counter()
        est.fit(X_tr, y_tr)
        fit_s = time.perf_counter() - start
        proba = est.predict_proba(X_te)
    classes = list(est.classes_)
    labels = np.array([classes.index(v) for v in y_te])
    prior = np.array([np.mean(np.asarray(y_tr) == c) for c in classes])
    return {
        "set": name,
        "model": model,
        "seed": seed,
        "accuracy": float((proba.argmax(1) == labels).mean()),
        "log_loss": _log_loss(proba, labels),
        "ece": expected_calibration_error(proba, labels),
        "prior_log_loss": _log_loss(np.tile(prior, (len(labels), 1)), labels),
        "fit_s": fit_s,
    }


def table(results) -> str:
    """Markdown: per set, each model's accuracy, log-loss and ECE (means
    over seeds), and the class prior's log-loss."""
    from machine import machine_and_versions

    sets = list(dict.fromkeys(r["set"] for r in results))
    models = [m for m in MODELS if any(r["model"] == m for r in results)]
    seeds = sorted({r["seed"] for r in results})

    def mean(name, model, key):
        values = [r[key] for r in results if r["set"] == name and r["model"] == model]
        return np.mean(values) if values else np.nan

    lines = [
        f"Test accuracy / log-loss / ECE, mean over seeds {seeds}; one thread; "
        f"{machine_and_versions()}.",
        "",
        "| set | prior log-loss | " + " | ".join(models) + " |",
        "|---" * (len(models) + 2) + "|",
    ]
    worse = {m: [] for m in models}
    for name in sets:
        prior = mean(name, models[0], "prior_log_loss")
        cells = []
        for m in models:
            ll = mean(name, m, "log_loss")
            cells.append(
                f"{mean(name, m, 'accuracy'):.3f} / {ll:.3f} / "
                f"{mean(name, m, 'ece'):.3f}"
            )
            if ll > prior:
                worse[m].append(name)
        lines.append(f"| {name} | {prior:.3f} | " + " | ".join(cells) + " |")
    lines.append("")
    for m in models:
        values = {
            key: np.mean([mean(n, m, key) for n in sets])
            for key in ("accuracy", "log_loss", "ece")
        }
        lines.append(
            f"{m}: mean accuracy {values['accuracy']:.3f}, log-loss "
            f"{values['log_loss']:.3f}, ECE {values['ece']:.3f}; log-loss above "
            f"the class prior's on {len(worse[m])} of {len(sets)} sets"
            + (f" ({', '.join(worse[m])})" if worse[m] else "")
            + "."
        )
    return "\n".join(lines)


def rst(markdown: str) -> str:
    """The markdown table as an RST list-table (and its lines as paragraphs)."""
    lines = markdown.splitlines()
    header = [c.strip() for c in lines[2].strip("|").split("|")]
    rows = [
        [c.strip() for c in line.strip("|").split("|")]
        for line in lines[4:]
        if line.startswith("|")
    ]
    out = [
        lines[0],
        "",
        ".. list-table:: Accuracy / log-loss / ECE on the test set, mean over the seeds",
        "   :header-rows: 1",
        "   :widths: " + " ".join(["22", "10"] + ["17"] * (len(header) - 2)),
        "",
    ]
    for row in [header, *rows]:
        out.append(f"   * - {row[0]}")
        out += [f"     - {c}" for c in row[1:]]
    out.append("")
    out += [line + "\n" for line in lines[4 + len(rows) :] if line.strip()]
    return "\n".join(out)


def latest_runs(paths) -> list:
    """The runs of ``--json`` files, a later file's run of a set, model and
    seed replacing an earlier file's (a model rerun after a change)."""
    runs = {}
    for path in paths:
        with open(path) as f:
            runs.update({(r["set"], r["model"], r["seed"]): r for r in json.load(f)})
    return list(runs.values())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=SETS)
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--json", help="also write every run to this file")
    parser.add_argument(
        "--merge", nargs="+", metavar="JSON", help="tables of earlier runs"
    )
    parser.add_argument("--rst", help="also write the table as reStructuredText")
    args = parser.parse_args(argv)
    if args.merge:
        results = latest_runs(args.merge)
    else:
        jobs = [
            (s, m, seed) for s in args.sets for m in args.models for seed in args.seeds
        ]
        results = []
        for r in Parallel(n_jobs=args.n_jobs, return_as="generator_unordered")(
            delayed(run_one)(*job) for job in jobs
        ):
            results.append(r)
            print(
                f"  {r['set']:<22} {r['model']:<15} seed {r['seed']}: accuracy "
                f"{r['accuracy']:.3f}, log-loss {r['log_loss']:.3f}, ECE "
                f"{r['ece']:.3f} (fit {r['fit_s']:.1f} s)",
                file=sys.stderr,
                flush=True,
            )
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f)
    text = table(results)
    print(text)
    if args.rst:
        with open(args.rst, "w") as f:
            f.write(rst(text))
    return 0


if __name__ == "__main__":
    sys.exit(main())
