"""The route the library exists for: ``RNNEmbeddingTransformer`` fitted on
the labels, then a scikit-learn model on its embeddings. Test accuracy of
``RidgeClassifierCV`` and of ``StandardScaler`` + ``LogisticRegression`` on
the embeddings, per pooling, on the classification sets of ``suite.py`` and
the classification tasks of ``quality.py``.

    python benchmarks/pipelines.py                     # 3 seeds, every task
    python benchmarks/pipelines.py --tasks surnames ArrowHead --seeds 0
    python benchmarks/pipelines.py --n-jobs 2 --json now.json
    python benchmarks/pipelines.py --merge now.json

One torch thread per fit, ``--n-jobs`` fits side by side. The classifier's
own scores on the same tasks are in ``suite_runs/probabilities.json`` and
``docs/_static/quality.rst``.
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
from probabilities import SETS  # noqa: E402

QUALITY_TASKS = (
    "surnames",
    "surnames-grouped",
    "digits-unscaled",
    "order",
    "waves-scaled-100x",
    "sine-vs-square",
)
TASKS = SETS + QUALITY_TASKS
POOLINGS = ("last", "concat")


def _load(task, seed):
    if task in QUALITY_TASKS:
        import quality

        return quality.TASKS[task](seed)
    import suite

    return suite.load(task)


def run_one(task, pooling, seed, conv_filters="auto", kernel_shares="auto"):
    import torch
    from sklearn.linear_model import LogisticRegression, RidgeClassifierCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sklearn_rnn import RNNEmbeddingTransformer

    torch.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X_tr, X_te, y_tr, y_te = _load(task, seed)
        start = time.perf_counter()
        rnn = RNNEmbeddingTransformer(
            pooling=pooling,
            conv_filters=conv_filters,
            kernel_shares=kernel_shares,
            random_state=seed,
        )
        E_tr = rnn.fit_transform(X_tr, y_tr)
        fit_s = time.perf_counter() - start
        E_te = rnn.transform(X_te)
        readers = {
            "ridge": RidgeClassifierCV(alphas=np.logspace(-3, 3, 10)),
            "lr": make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
        }
        scores = {
            k: float(m.fit(E_tr, y_tr).score(E_te, y_te)) for k, m in readers.items()
        }
    return {
        "task": task,
        "pooling": pooling,
        "conv_filters": conv_filters,
        "kernel_shares": kernel_shares,
        "seed": seed,
        "fit_s": fit_s,
        **scores,
    }


def _setting(run) -> str:
    """A run's transformer settings, as its table's columns name them: those
    not left to "auto" (runs from before ``conv_filters`` or
    ``kernel_shares`` existed read none)."""
    filters, shares = run.get("conv_filters", 0), run.get("kernel_shares", 0)
    return (
        run["pooling"]
        + (f", conv_filters={filters}" if filters != "auto" else "")
        + (f", kernel_shares={shares}" if shares != "auto" else "")
    )


def table(results) -> str:
    tasks = list(dict.fromkeys(r["task"] for r in results))
    poolings = sorted(
        {_setting(r) for r in results},
        key=lambda s: (POOLINGS.index(s.split(",")[0]), s),
    )
    seeds = sorted({r["seed"] for r in results})

    def cell(task, setting, key):
        v = [r[key] for r in results if r["task"] == task and _setting(r) == setting]
        return np.mean(v), np.std(v)

    columns = [(p, k) for p in poolings for k in ("ridge", "lr")]
    lines = [
        f"Test accuracy of a model on the embeddings, mean ± std over seeds {seeds}.",
        "",
        "| task | " + " | ".join(f"{p}: {k}" for p, k in columns) + " |",
        "|---" * (len(columns) + 1) + "|",
    ]
    for task in tasks:
        cells = ["{:.3f} ± {:.3f}".format(*cell(task, p, k)) for p, k in columns]
        lines.append(f"| {task} | " + " | ".join(cells) + " |")
    lines.append("")
    for group, names in (
        ("time-series sets", SETS),
        ("quality.py tasks", QUALITY_TASKS),
    ):
        present = [t for t in tasks if t in names]
        if present:
            # Only the settings run on every task of the group.
            means = [
                f"{p}: {k} {np.mean([cell(t, p, k)[0] for t in present]):.3f}"
                for p, k in columns
                if all(
                    any(r["task"] == t and _setting(r) == p for r in results)
                    for t in present
                )
            ]
            lines.append(f"Mean over {len(present)} {group}: " + ", ".join(means))
    return "\n".join(lines)


def _int_or_auto(value: str):
    return value if value == "auto" else int(value)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), choices=TASKS)
    parser.add_argument("--poolings", nargs="+", default=list(POOLINGS))
    parser.add_argument(
        "--conv-filters",
        type=_int_or_auto,
        default="auto",
        help="the transformer's conv_filters (numeric series; 0: none)",
    )
    parser.add_argument(
        "--kernel-shares",
        type=_int_or_auto,
        default="auto",
        help="the transformer's kernel_shares (numeric series; 0: none)",
    )
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--json", help="also write every run to this file")
    parser.add_argument(
        "--merge", nargs="+", metavar="JSON", help="tables of earlier runs"
    )
    args = parser.parse_args(argv)
    if args.merge:
        results = [r for path in args.merge for r in json.load(open(path))]
    else:
        jobs = [
            (t, p, s) for t in args.tasks for p in args.poolings for s in args.seeds
        ]
        results = list(
            Parallel(n_jobs=args.n_jobs)(
                delayed(run_one)(
                    *job,
                    conv_filters=args.conv_filters,
                    kernel_shares=args.kernel_shares,
                )
                for job in jobs
            )
        )
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f)
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
