"""Multi-label classification of sentences: which part-of-speech tags a
sentence holds.

    python benchmarks/multilabel.py                     # ~1 min, one thread
    python benchmarks/multilabel.py --markdown docs/_static/multilabel.md

The task is derived exactly from the English Web Treebank's UPOS column
(offline copies in ``../shared/data/ud-en-ewt``): a sentence's labels are
the universal part-of-speech tags that occur in it (17 possible). The model sees the words only. Trained on EWT dev
(2,001 sentences), tested on EWT test (2,077).

Rows: ``RNNSequenceClassifier()`` on the token lists (its defaults; an
indicator matrix as ``y``), mean ± std over seeds; and, on tf-idf of word
1-2-grams (the words joined by spaces), ``OneVsRestClassifier`` and
``ClassifierChain`` of ``LogisticRegression``. Columns: micro- and
macro-averaged F1 over the labels, subset accuracy (every label of a
sentence right), fit seconds. One thread.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score  # noqa: E402
from sklearn.multiclass import OneVsRestClassifier  # noqa: E402
from sklearn.multioutput import ClassifierChain  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import MultiLabelBinarizer  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import machine_and_versions  # noqa: E402
from tagging import load_ewt  # noqa: E402

from sklearn_rnn import RNNSequenceClassifier  # noqa: E402


def tag_sets(train, test):
    """Indicator matrices of the UPOS tags each sentence holds."""
    binarizer = MultiLabelBinarizer().fit([set(t) for t in train.target + test.target])
    return (
        binarizer.transform([set(t) for t in train.target]),
        binarizer.transform([set(t) for t in test.target]),
        binarizer.classes_,
    )


def scores(Y_true, Y_pred, seconds):
    return (
        f1_score(Y_true, Y_pred, average="micro", zero_division=0),
        f1_score(Y_true, Y_pred, average="macro", zero_division=0),
        accuracy_score(Y_true, Y_pred),
        seconds,
    )


def _timed_fit(model, X, Y):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, Y)
    return model, time.perf_counter() - start


def _cell(values, digits=3):
    values = np.asarray(values, dtype=float)
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{values.mean():.{digits}f} ± {values.std():.{digits}f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    train, test = load_ewt()
    Y_train, Y_test, labels = tag_sets(train, test)
    rows = []
    runs = []
    for seed in args.seeds:
        model, secs = _timed_fit(
            RNNSequenceClassifier(random_state=seed), train.data, Y_train
        )
        runs.append(scores(Y_test, model.predict(test.data), secs))
        print(f"  RNNSequenceClassifier(), seed {seed}: {runs[-1]}", file=sys.stderr)
    rows.append(("RNNSequenceClassifier(), token lists", np.array(runs)))
    text_train = [" ".join(s) for s in train.data]
    text_test = [" ".join(s) for s in test.data]
    for name, head in (
        ("OneVsRestClassifier(LogisticRegression)", OneVsRestClassifier),
        ("ClassifierChain(LogisticRegression)", ClassifierChain),
    ):
        model = make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), lowercase=False, token_pattern=r"\S+"),
            head(LogisticRegression(max_iter=2000)),
        )
        model, secs = _timed_fit(model, text_train, Y_train)
        rows.append(
            (
                f"{name}, tf-idf word 1-2-grams",
                np.array([scores(Y_test, model.predict(text_test), secs)]),
            )
        )
    lines = [
        machine_and_versions(),
        "",
        f"UPOS tags present in each sentence ({len(labels)} labels, "
        f"{Y_test.sum(1).mean():.1f} a sentence on average); trained on EWT dev "
        f"({len(Y_train)} sentences), tested on EWT test ({len(Y_test)}); seeds "
        f"{args.seeds}; one thread.",
        "",
        "| model | micro F1 | macro F1 | subset accuracy | fit (s) |",
        "|---|---|---|---|---|",
    ]
    for name, r in rows:
        lines.append(
            f"| {name} | {_cell(r[:, 0])} | {_cell(r[:, 1])} | {_cell(r[:, 2])} | "
            f"{r[:, 3].mean():.0f} |"
        )
    out = "\n".join(lines) + "\n"
    print(out)
    if args.markdown:
        args.markdown.write_text(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
