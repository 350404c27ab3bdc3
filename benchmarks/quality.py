"""What the estimators learn: held-out scores of defaults, documented
configurations and simple baselines, mean and spread over seeds: accuracy on
six classification tasks, R^2 on two regression tasks, and what embeddings
learned without labels are worth (logistic regression on them, and k-means
against the true languages, adjusted Rand index; the language model also on
the order and sine-vs-square data).

    python benchmarks/quality.py                  # the full table (~40 min)
    python benchmarks/quality.py --tasks order digits --seeds 0
    python benchmarks/quality.py --markdown docs/_static/quality.md

One thread per fit (pinned below); ``--n-jobs 2`` runs two fits side by side,
which is faster but makes the fit times noisier. Seeds vary the network's
``random_state`` (and the split, for the grouped surname split); the numbers
are test-set accuracies, never training scores.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from joblib import Parallel, delayed  # noqa: E402
from versions import V01_DEFAULTS  # noqa: E402

# ----------------------------------------------------------------- the tasks


def _surnames_split(seed, grouped):
    from sklearn.model_selection import GroupShuffleSplit, train_test_split

    from sklearn_rnn.datasets import load_surnames

    X, y = load_surnames(return_X_y=True)
    if not grouped:  # the demo's split
        return train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    # Surnames are unique in the data, so any split keeps each name on one
    # side; grouping by the first four letters also keeps near-duplicates
    # (Müller, Müllers) apart: a harder test of generalisation.
    groups = [s.lower()[:4] for s in X]
    tr, te = next(
        GroupShuffleSplit(test_size=0.25, random_state=seed).split(X, y, groups)
    )
    return X[tr], X[te], y[tr], y[te]


def _digits(seed):
    from sklearn.model_selection import train_test_split

    from sklearn_rnn.datasets import load_digit_sequences

    X, y = load_digit_sequences(return_X_y=True)  # raw pixel values 0..16
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)


def _order(seed):
    from sklearn.model_selection import train_test_split

    from sklearn_rnn.datasets import make_sequence_classification

    X, y = make_sequence_classification(
        1500, n_markers=3, min_length=10, max_length=30, random_state=0
    )
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


def _waves(seed):
    from sklearn.model_selection import train_test_split

    from sklearn_rnn.datasets import make_wave_classification

    X, y = make_wave_classification(900, random_state=0)  # offsets/scales 100x
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


def _sine_square(seed):
    from sklearn.model_selection import train_test_split

    from sklearn_rnn.datasets import make_wave_classification

    X, y = make_wave_classification(
        600, n_classes=2, n_channels=1, max_length=80, scale_range=1.0, random_state=0
    )
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


def _sine_regression(seed):
    from sklearn.model_selection import train_test_split

    from sklearn_rnn.datasets import make_sine_regression

    X, y = make_sine_regression(1000, random_state=0)  # frequency, amplitude
    return train_test_split(X, y, test_size=0.3, random_state=0)


def motif_count_data(n, seed):
    """``n`` strings over "abcd" of 10-60 letters; the target counts "abc"."""
    rng = np.random.default_rng(seed)
    X = ["".join(rng.choice(list("abcd"), size=rng.integers(10, 61))) for _ in range(n)]
    return X, np.array([s.count("abc") for s in X], dtype=float)


def _motif_count(seed):
    from sklearn.model_selection import train_test_split

    X, y = motif_count_data(1500, 0)
    return train_test_split(X, y, test_size=0.3, random_state=0)


TASKS = {
    "surnames": lambda seed: _surnames_split(seed, grouped=False),
    "surnames-grouped": lambda seed: _surnames_split(seed, grouped=True),
    "digits-unscaled": _digits,
    "order": _order,
    "waves-scaled-100x": _waves,
    "sine-vs-square": _sine_square,
    "sine-freq-amp (R²)": _sine_regression,
    "motif-count (R²)": _motif_count,
    "surnames, no labels: LR": lambda seed: _surnames_split(seed, grouped=False),
    "surnames, no labels: k-means ARI": lambda seed: _surnames_split(
        seed, grouped=False
    ),
    # The same language model on other data, so its settings are not chosen
    # on surnames alone.
    "order, no labels: LR": _order,
    "sine-vs-square, no labels: LR": _sine_square,
}
SYMBOLIC_TASKS = {"surnames", "surnames-grouped", "order"}
REGRESSION_TASKS = {"sine-freq-amp (R²)", "motif-count (R²)"}
# Its baseline reads summary statistics, as for the labelled numeric tasks.
NUMERIC_UNSUPERVISED_TASK = "sine-vs-square, no labels: LR"
UNSUPERVISED_TASKS = {
    "surnames, no labels: LR",
    "surnames, no labels: k-means ARI",
    "order, no labels: LR",
    NUMERIC_UNSUPERVISED_TASK,
}
CLASSIFICATION_TASKS = set(TASKS) - REGRESSION_TASKS - UNSUPERVISED_TASKS


def _adjusted_rand(est, X, y):
    from sklearn.metrics import adjusted_rand_score

    return adjusted_rand_score(y, est.predict(X))


# How a fitted model is scored on the test set (default: est.score).
SCORING = {"surnames, no labels: k-means ARI": _adjusted_rand}

# ------------------------------------------------------------ the baselines


def _ngram_lr():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), lowercase=False),
        LogisticRegression(C=10, max_iter=3000),
    )


def summary_features(X):
    """Per-channel mean, std, min, max and mean |step| of each series."""
    rows = []
    for x in X:
        x = np.asarray(x, dtype=float).reshape(len(x), -1)
        diff = np.abs(np.diff(x, axis=0)) if len(x) > 1 else np.zeros_like(x)
        rows.append(
            np.concatenate(
                [x.mean(0), x.std(0), x.min(0), x.max(0), diff.mean(0), [len(x)]]
            )
        )
    return np.array(rows)


def _unsupervised_head(task):
    """What reads unsupervised embeddings: LR (labels) or k-means (none)."""
    from sklearn.cluster import KMeans
    from sklearn.linear_model import LogisticRegression

    if task.endswith("ARI"):
        from sklearn_rnn.datasets import load_surnames

        # One cluster per language of the surnames (13).
        n_languages = len(np.unique(load_surnames(return_X_y=True)[1]))
        return KMeans(n_languages, n_init=10, random_state=0)
    return LogisticRegression(max_iter=3000)


def _padded(X):
    """Zero-padded values (symbols as their code points) of ragged sequences."""
    rows = [
        np.array([ord(c) for c in x] if isinstance(x, str) else x, float) for x in X
    ]
    out = np.zeros((len(rows), 200))
    for i, r in enumerate(rows):
        out[i, : min(len(r), 200)] = r[:200]
    return out


def _baseline(task):
    from sklearn.linear_model import LogisticRegression, RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    if task in UNSUPERVISED_TASKS and task != NUMERIC_UNSUPERVISED_TASK:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        # As issue 10 defines it (no scaling: a StandardScaler after the SVD
        # raises its LR score to 0.609 and its ARI to 0.101, with one cluster
        # per language: benchmarks/unsupervised.py --text).
        return "char_wb 1-3 tf-idf + 64-d SVD", make_pipeline(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3)),
            TruncatedSVD(64, random_state=0),
            _unsupervised_head(task),
        )
    if task in REGRESSION_TASKS:
        return "zero-padded values + Ridge", make_pipeline(
            FunctionTransformer(_padded), StandardScaler(), RidgeCV()
        )
    if task in SYMBOLIC_TASKS:
        return "char 1-4-gram tf-idf + LR", _ngram_lr()
    if task == "digits-unscaled":
        return "pixels + StandardScaler + LR", make_pipeline(
            FunctionTransformer(lambda X: np.asarray(X).reshape(len(X), -1)),
            StandardScaler(),
            LogisticRegression(max_iter=3000),
        )
    return "summary stats + StandardScaler + LR", make_pipeline(
        FunctionTransformer(summary_features),
        StandardScaler(),
        LogisticRegression(max_iter=3000),
    )


# ------------------------------------------------------- the configurations

# The documented configuration with more capacity ("getting good results").
BEST = dict(hidden_size=128)


def _rnn(seed, task="surnames", **params):
    """The estimator each kind of task calls for, with these parameters."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sklearn_rnn import (
        RNNEmbeddingTransformer,
        RNNSequenceClassifier,
        RNNSequenceRegressor,
    )

    if task in REGRESSION_TASKS:
        return RNNSequenceRegressor(random_state=seed, **params)
    if task in UNSUPERVISED_TASKS:
        # objective="next": the embedding never sees the labels LR is fit on.
        return make_pipeline(
            RNNEmbeddingTransformer(objective="next", random_state=seed, **params),
            StandardScaler(),
            _unsupervised_head(task),
        )
    return RNNSequenceClassifier(random_state=seed, **params)


def _voting(seed):
    """The average of the RNN's and the n-gram model's probabilities."""
    from sklearn.ensemble import VotingClassifier

    return VotingClassifier(
        [("rnn", _rnn(seed)), ("ngram", _ngram_lr())], voting="soft"
    )


def _stacking(seed):
    """Out-of-fold stacking of both models' probabilities (6 RNN fits)."""
    from sklearn.ensemble import StackingClassifier
    from sklearn.linear_model import LogisticRegression

    return StackingClassifier(
        [("rnn", _rnn(seed)), ("ngram", _ngram_lr())],
        final_estimator=LogisticRegression(max_iter=3000),
        cv=5,
    )


MODELS = {
    "defaults": lambda task, seed: _rnn(seed, task),
    "v0.1 defaults": lambda task, seed: _rnn(seed, task, **V01_DEFAULTS),
    "hidden_size=128": lambda task, seed: _rnn(seed, task, **BEST),
    "baseline": lambda task, seed: _baseline(task)[1],
    "RNN + n-grams, soft voting": lambda task, seed: _voting(seed),
    "RNN + n-grams, stacking": lambda task, seed: _stacking(seed),
}
# The combinations are meant for text, where both models read the same strings.
APPLIES = {
    "RNN + n-grams, soft voting": SYMBOLIC_TASKS,
    "RNN + n-grams, stacking": SYMBOLIC_TASKS,
    "v0.1 defaults": CLASSIFICATION_TASKS,  # 0.1 had neither regressor nor objective
}


def run_one(task, model, seed, make_model):
    import torch

    torch.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X_tr, X_te, y_tr, y_te = TASKS[task](seed)
        est = make_model(task, seed)
        start = time.perf_counter()
        est.fit(X_tr, y_tr)
        fit_s = time.perf_counter() - start
        acc = SCORING.get(task, type(est).score)(est, X_te, y_te)
    return task, model, seed, acc, fit_s


def configurations(text):
    """``--try``'s JSON, ``{label: {parameter: value}}``, with JSON lists as
    the tuples the estimators take (``ngram_range``)."""
    return {
        label: {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}
        for label, params in json.loads(text or "{}").items()
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), choices=TASKS)
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--markdown", help="also write the table to this file")
    parser.add_argument("--rst", help="also write an RST list-table to this file")
    parser.add_argument(
        "--try",
        dest="extra",
        metavar="JSON",
        help='more RNN configurations to compare, e.g. \'{"gru": {"cell": "gru"}}\'',
    )
    args = parser.parse_args(argv)
    for name, params in configurations(args.extra).items():
        MODELS[name] = lambda task, seed, p=params: _rnn(seed, task, **p)
        args.models.append(name)

    jobs = [
        (t, m, s)
        for t in args.tasks
        for m in args.models
        for s in args.seeds
        if t in APPLIES.get(m, {t})
    ]
    started = time.perf_counter()
    results = []
    for result in Parallel(n_jobs=args.n_jobs, return_as="generator_unordered")(
        delayed(run_one)(*job, MODELS[job[1]]) for job in jobs
    ):
        results.append(result)
        task, model, seed, acc, fit_s = result
        print(
            f"  {task:<18} {model:<24} seed {seed}: {acc:.3f} ({fit_s:.1f} s)",
            file=sys.stderr,
            flush=True,
        )
    table = _table(results, args)
    print(table)
    print(f"\n{len(jobs)} fits in {time.perf_counter() - started:.0f} s")
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table + "\n")
    if args.rst:
        with open(args.rst, "w") as f:
            f.write(_rst_table(table))
    return 0


def _rst_table(markdown: str) -> str:
    """The markdown table as RST: its caption line, then two list-tables,
    the scores and the fit seconds (a cell "0.716 ± 0.008 (13.1 s)" packed
    both and wrapped to three lines)."""
    lines = markdown.splitlines()
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in lines[2:]
        if line.startswith("|") and not line.startswith("|---")
    ]
    return _split_rst(lines[0], rows)


def _split_rst(caption: str, rows: list) -> str:
    """``caption`` and the rows (a header row first) as a table of scores and
    a table of fit seconds."""
    timed = re.compile(r"^(.*?) \(([\d.]+) s\)$")

    def part(cell, which):
        match = timed.match(cell)
        if match is None:
            return cell if which == 1 else "n/a"
        return match.group(which)

    out = [caption.replace(" (fit seconds, mean)", ""), ""]
    for title, which in (("Scores", 1), ("Fit seconds, mean over the seeds", 2)):
        out += [f".. list-table:: {title}", "   :header-rows: 1", ""]
        for i, row in enumerate(rows):
            cells = row[1:] if i == 0 else [part(c, which) for c in row[1:]]
            out.append(f"   * - {row[0]}")
            out.extend(f"     - {cell}" for cell in cells)
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _split_existing(path) -> None:
    """Rewrite an RST file of the single-table form as the two tables."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    caption = text.split("\n", 1)[0]
    rows, row = [], None
    for line in text.splitlines():
        if line.startswith("   * - "):
            row = [line[len("   * - ") :]]
            rows.append(row)
        elif line.startswith("     - ") and row is not None:
            row.append(line[len("     - ") :])
    path.write_text(_split_rst(caption, rows), encoding="utf-8")


def _table(results, args) -> str:
    from machine import machine_and_versions

    by_cell = {}
    for task, model, _, acc, fit_s in results:
        by_cell.setdefault((task, model), []).append((acc, fit_s))
    lines = [
        "Test accuracy (R² for regression, adjusted Rand index for k-means), "
        f"mean ± std over seeds {args.seeds} (fit seconds, mean), "
        f"one thread; {machine_and_versions()}.",
        "",
        "| task | " + " | ".join(args.models) + " |",
        "|---" * (len(args.models) + 1) + "|",
    ]
    for task in args.tasks:
        cells = []
        for model in args.models:
            runs = by_cell.get((task, model))
            if not runs:
                cells.append("n/a")
                continue
            acc, secs = np.array(runs).T
            cells.append(f"{acc.mean():.3f} ± {acc.std():.3f} ({secs.mean():.1f} s)")
        lines.append(f"| {task} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
