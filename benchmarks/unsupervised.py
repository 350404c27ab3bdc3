"""Embeddings of numeric series learned without labels: what a linear model
reading them scores, against features that need no labels either.

    python benchmarks/unsupervised.py --n-jobs 2 --json now.json
    python benchmarks/unsupervised.py --sets ArrowHead GunPoint --seeds 0
    python benchmarks/unsupervised.py --params '{"patch_size": 1}'  # every step
    python benchmarks/unsupervised.py --merge now.json --markdown out.md --rst out.rst

For each classification set of ``suite.py`` (published splits) and seed,
``RNNEmbeddingTransformer(random_state=seed).fit(X_train)`` learns to
predict each next patch of the training series (``--params``: other
settings of the transformer, as JSON; ``suite_runs/unsupervised_series_every
_step*.json`` are ``'{"patch_size": 1}'``, the default before); its
embeddings of the training and test series are then read by
``StandardScaler`` + ``LogisticRegression`` fitted on the training labels. The language model's
training does not depend on its ``pooling``, so one fit with
``pooling="concat"`` gives both columns: the final state alone (its first
block, what ``pooling="last"`` returns) and the three side by side.

Baselines read features learned without labels too, through the same
scaler and logistic regression: MiniRocket's features (aeon, series
resampled to one length; about 10,000 of them), the same standardised and
reduced by PCA to as many components as the final state has values (64;
read as they are, without the scaler), and the per-channel summary
statistics of ``quality.py`` (mean, deviation, min, max, mean absolute
step, length). Test accuracy, one torch thread per fit.
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


def _score(F_tr, F_te, y_tr, y_te, *, scale=True) -> float:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    reader = LogisticRegression(max_iter=5000)
    if scale:
        reader = make_pipeline(StandardScaler(), reader)
    return float(reader.fit(F_tr, y_tr).score(F_te, y_te))


def _minirocket(X_tr, X_te, seed):
    from aeon.transformations.collection.convolution_based import MiniRocket
    from suite import _channels_first

    length = max(9, max(len(x) for x in X_tr))
    rocket = MiniRocket(random_state=seed, n_jobs=1)
    F_tr = rocket.fit_transform(_channels_first(X_tr, length))
    return F_tr, rocket.transform(_channels_first(X_te, length))


def _pca(F_tr, F_te, seed, n_components):
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    n_components = min(n_components, *F_tr.shape)
    pca = make_pipeline(StandardScaler(), PCA(n_components, random_state=seed))
    return pca.fit_transform(F_tr), pca.transform(F_te)


def run_one(name, seed, params=None) -> dict:
    import torch
    from quality import summary_features
    from suite import load

    from sklearn_rnn import RNNEmbeddingTransformer

    torch.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X_tr, X_te, y_tr, y_te = load(name)
        start = time.perf_counter()
        rnn = RNNEmbeddingTransformer(
            pooling="concat", random_state=seed, **(params or {})
        ).fit(X_tr)
        fit_s = time.perf_counter() - start
        E_tr, E_te = rnn.transform(X_tr), rnn.transform(X_te)
        width = rnn.hidden_size
        rocket = _minirocket(X_tr, X_te, seed)
        scores = {
            "RNN, last": _score(E_tr[:, :width], E_te[:, :width], y_tr, y_te),
            "RNN, concat": _score(E_tr, E_te, y_tr, y_te),
            "MiniRocket": _score(*rocket, y_tr, y_te),
            # Unit variance for every component would lift the smallest,
            # noise, to the level of the largest: the components as they are.
            "MiniRocket + PCA": _score(
                *_pca(*rocket, seed, width), y_tr, y_te, scale=False
            ),
            "stats": _score(summary_features(X_tr), summary_features(X_te), y_tr, y_te),
        }
    print(name, seed, {k: round(v, 3) for k, v in scores.items()}, flush=True)
    return {"set": name, "seed": seed, "fit_s": fit_s, **scores}


def _svd(X_tr, X_te):
    """``quality.py``'s unlabelled baseline for text: a 64-d TruncatedSVD of
    character 1-3-gram tf-idf."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline

    svd = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3)),
        TruncatedSVD(64, random_state=0),
    )
    return svd.fit_transform(X_tr), svd.transform(X_te)


def run_text(seed) -> dict:
    """The bundled surnames (the demo's split, ``quality.py``'s task): the
    language model's final state against its concat pooling, and the SVD
    baseline as it is and standardised, read by the same logistic regression
    and by k-means with one cluster per language (adjusted Rand index)."""
    import torch
    from quality import TASKS
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sklearn_rnn import RNNEmbeddingTransformer

    torch.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X_tr, X_te, y_tr, y_te = TASKS["surnames, no labels: LR"](seed)
        rnn = RNNEmbeddingTransformer(pooling="concat", random_state=seed).fit(X_tr)
        E_tr, E_te = rnn.transform(X_tr), rnn.transform(X_te)
        run = {"set": "surnames", "seed": seed}
        h = rnn.hidden_size
        S_tr, S_te = _svd(X_tr, X_te)
        features = {  # column: (train, test, standardised?)
            "last": (E_tr[:, :h], E_te[:, :h], True),
            "concat": (E_tr, E_te, True),
            "SVD": (S_tr, S_te, False),
            "SVD, scaled": (S_tr, S_te, True),
        }
        for label, (F_tr, F_te, scale) in features.items():
            name = f"RNN, {label}" if label in ("last", "concat") else label
            run[name] = _score(F_tr, F_te, y_tr, y_te, scale=scale)
            clusters = KMeans(len(set(y_tr)), n_init=10, random_state=0)
            if scale:
                clusters = make_pipeline(StandardScaler(), clusters)
            clusters.fit(F_tr)
            run[f"k-means ARI, {label}"] = float(
                adjusted_rand_score(y_te, clusters.predict(F_te))
            )
    print(run, flush=True)
    return run


def _columns(results) -> list:
    return [k for k in results[0] if k not in ("set", "seed", "fit_s")]


def _by_set(results, column) -> dict:
    """``{set: [its runs' values of column]}``, sets in the order run."""
    values = {}
    for r in results:
        values.setdefault(r["set"], []).append(r[column])
    return values


def _mean_over_sets(results, column) -> float:
    """The mean over the sets of each set's mean (a set of one seed weighs
    as much as a set of three)."""
    return float(np.mean([np.mean(v) for v in _by_set(results, column).values()]))


def markdown(results) -> str:
    columns = _columns(results)
    seeds = sorted({r["seed"] for r in results})
    lines = [
        "Test accuracy of StandardScaler + LogisticRegression on features "
        f"learned without labels, mean ± std over each set's seeds ({seeds}).",
        "",
        "| set | " + " | ".join(columns) + " |",
        "|---" * (len(columns) + 1) + "|",
    ]
    for name in _by_set(results, columns[0]):
        cells = [
            f"{np.mean(_by_set(results, c)[name]):.3f} ± "
            f"{np.std(_by_set(results, c)[name]):.3f}"
            for c in columns
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    means = [f"{_mean_over_sets(results, c):.3f}" for c in columns]
    lines.append("| mean | " + " | ".join(means) + " |")
    return "\n".join(lines) + "\n"


# The page's table: narrow enough for a phone (the final state alone and the
# PCA column stay in the markdown table; the page quotes their means).
RST_COLUMNS = ("RNN, concat", "MiniRocket", "stats")


def rst(results) -> str:
    """The means as an RST list-table."""
    by_set = {c: _by_set(results, c) for c in RST_COLUMNS}
    rows = [["set", *RST_COLUMNS]] + [
        [name] + [f"{np.mean(by_set[c][name]):.3f}" for c in RST_COLUMNS]
        for name in by_set[RST_COLUMNS[0]]
    ]
    rows.append(["mean"] + [f"{_mean_over_sets(results, c):.3f}" for c in RST_COLUMNS])
    lines = [
        ".. list-table:: Test accuracy, unlabelled features",
        "   :header-rows: 1",
        "",
    ]
    for row in rows:
        lines.append(f"   * - {row[0]}")
        lines += [f"     - {c}" for c in row[1:]]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=SETS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--json", help="also write every run to this file")
    parser.add_argument("--markdown", help="write the table here")
    parser.add_argument("--rst", help="write the means as an RST list-table here")
    parser.add_argument("--merge", nargs="+", metavar="JSON", help="earlier runs")
    parser.add_argument(
        "--params", default="{}", help="the transformer's other settings (JSON)"
    )
    parser.add_argument(
        "--text",
        action="store_true",
        help="the bundled surnames instead: final state against concat pooling",
    )
    args = parser.parse_args(argv)
    if args.merge:
        results = [r for path in args.merge for r in json.load(open(path))]
    elif args.text:
        results = Parallel(n_jobs=args.n_jobs)(
            delayed(run_text)(seed) for seed in args.seeds
        )
    else:
        jobs = [(name, seed) for name in args.sets for seed in args.seeds]
        params = json.loads(args.params)
        results = Parallel(n_jobs=args.n_jobs)(
            delayed(run_one)(*j, params) for j in jobs
        )
    if not args.merge:
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f)
    text = markdown(results)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    if args.rst:
        with open(args.rst, "w") as f:
            f.write(rst(results))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
