"""How long the defaults wait for the held-out loss on larger data sets.

``n_iter_no_change="auto"`` waits ten epochs, or fewer where ten would read
more than 40,000 records (down to two). This script fits the defaults and the
same model with ``n_iter_no_change=10`` (the wait before that cap) side by
side, on the bundled generators and on words of UD English EWT (a word's
UPOS tag from its letters, read from ``../shared/data/ud-en-ewt`` as
``tagging.py`` reads it) at 10,500 and 21,000 training records, and prints
test scores (accuracy, R² for the regressions), fit times, their
ratio and the epochs run::

    python benchmarks/large_data.py                  # 2 seeds, both sizes
    python benchmarks/large_data.py --seeds 0 1 2 --sizes 14000

Sizes are of the whole set; a quarter of it is held out for the
test score. One torch thread per fit, ``--n-jobs`` fits side by side.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from joblib import Parallel, delayed  # noqa: E402
from quality import motif_count_data  # noqa: E402


def _generated(task: str, n: int):
    from sklearn_rnn import datasets

    if task == "order":
        return datasets.make_sequence_classification(
            n, n_markers=3, min_length=10, max_length=30, random_state=0
        )
    if task == "waves":
        return datasets.make_wave_classification(n, random_state=0)
    if task == "sine-vs-square":
        return datasets.make_wave_classification(
            n, n_classes=2, n_channels=1, max_length=80, scale_range=1.0, random_state=0
        )
    if task == "sine-freq-amp":
        return datasets.make_sine_regression(n, random_state=0)
    if task == "ewt-word-upos":
        return _word_tags(n)
    return motif_count_data(n, 0)  # "motif-count"


def _word_tags(n: int):
    """``n`` word occurrences drawn from UD English EWT's dev and test files,
    each labelled with its UPOS tag: a real text task whose ambiguous words
    (that: DET, PRON, SCONJ) keep accuracy well below 1."""
    from tagging import load_ewt

    words, tags = [], []
    for part in load_ewt():
        for sentence, labels in zip(part.data, part.target):
            words.extend(sentence)
            tags.extend(labels)
    pick = np.random.default_rng(0).choice(len(words), size=n, replace=False)
    return [words[i] for i in pick], np.array([tags[i] for i in pick])


TASKS = [
    "order",
    "waves",
    "sine-vs-square",
    "sine-freq-amp",
    "motif-count",
    "ewt-word-upos",
]
REGRESSION = {"sine-freq-amp", "motif-count"}
SETTINGS = {"defaults": {}, "patience 10": {"n_iter_no_change": 10}}


def run_one(task: str, n: int, setting: str, seed: int):
    import torch
    from sklearn.model_selection import train_test_split

    from sklearn_rnn import RNNSequenceClassifier, RNNSequenceRegressor

    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    X, y = _generated(task, n)
    stratify = None if task in REGRESSION else y
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=0.25, stratify=stratify, random_state=0
    )
    Estimator = RNNSequenceRegressor if task in REGRESSION else RNNSequenceClassifier
    model = Estimator(random_state=seed, **SETTINGS[setting])
    start = time.perf_counter()
    model.fit(X_tr, y_tr)
    seconds = time.perf_counter() - start
    return task, n, setting, model.score(X_te, y_te), seconds, model.n_iter_


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=TASKS, choices=TASKS)
    parser.add_argument("--sizes", nargs="+", type=int, default=[14000, 28000])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args(argv)
    jobs = [
        (task, n, setting, seed)
        for n in args.sizes
        for task in args.tasks
        for setting in SETTINGS
        for seed in args.seeds
    ]
    results = Parallel(n_jobs=args.n_jobs)(delayed(run_one)(*job) for job in jobs)
    by = {}
    for task, n, setting, score, seconds, epochs in results:
        by.setdefault((task, n, setting), []).append((score, seconds, epochs))
    print(f"seeds {args.seeds}; score mean ± std, fit seconds (mean), epochs run")
    print(
        f"{'task':16}{'train':>8}{'defaults':>34}{'patience 10':>34}"
        f"{'time ratio':>12}{'score diff':>12}"
    )
    for n in args.sizes:
        for task in args.tasks:
            cells, means = [], {}
            for setting in SETTINGS:
                scores, seconds, epochs = np.array(by[task, n, setting]).T
                means[setting] = scores.mean(), seconds.mean()
                runs = ",".join(str(int(e)) for e in epochs)
                cells.append(
                    f"{scores.mean():.4f} ±{scores.std():.4f}"
                    f"{seconds.mean():6.1f} s ({runs})"
                )
            ratio = means["defaults"][1] / means["patience 10"][1]
            diff = means["defaults"][0] - means["patience 10"][0]
            print(
                f"{task:16}{n * 3 // 4:>8,}"
                + "".join(f"{c:>34}" for c in cells)
                + f"{ratio:>11.2f}x{diff:>+12.4f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
