"""Span tagging that needs structure: a softmax per step against a CRF output.

    python benchmarks/tagging_spans.py                 # ~8 min on one thread
    python benchmarks/tagging_spans.py --seeds 0 1 2 3 4
    python benchmarks/tagging_spans.py --markdown docs/_static/tagging_spans.md

The task is derived exactly from the English Web Treebank's UPOS column (so
anyone with the files gets the same spans): every run of proper nouns is a
``NAME`` span, tagged ``B-NAME I-NAME ...``, everything else ``O``
(``sklearn_rnn._tagging_baselines.proper_noun_spans``; "New York Times" is one
span). Trained on EWT dev, tested on EWT test, as ``benchmarks/tagging.py``.

Rows: RNNSequenceTagger with its defaults (a softmax per step, decoded as
the most probable valid BIO sequence), the same decoding every step on its
own (``tag_scheme=None``), the same two with ``use_crf=True``, and
sklearn-crfsuite's CRF on its usual features when it is installed (``pip
install sklearn-crfsuite``). Columns: span precision, recall and F1 (whole
spans, seqeval's strict mode), the number of test sentences whose predicted
tags are not valid BIO (an ``I-NAME`` after ``O``), fit seconds; mean ± std
over seeds. One thread. Then the softmax and CRF taggers on UPOS itself
(token accuracy), where the CRF's transitions matter less.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import machine_and_versions  # noqa: E402
from tagging import load_ewt  # noqa: E402

from sklearn_rnn import RNNSequenceTagger  # noqa: E402
from sklearn_rnn._tagging_baselines import crf_features, proper_noun_spans  # noqa: E402
from sklearn_rnn.metrics import (  # noqa: E402
    flat_accuracy_score,
    invalid_bio_count,
    span_precision_recall_f1,
)

SPAN_TAGGERS = {
    "RNNSequenceTagger(), softmax, BIO decoding": {},
    "RNNSequenceTagger(tag_scheme=None), softmax per step": {"tag_scheme": None},
    "RNNSequenceTagger(use_crf=True), BIO": {"use_crf": True},
    "RNNSequenceTagger(use_crf=True, tag_scheme=None)": {
        "use_crf": True,
        "tag_scheme": None,
    },
}
UPOS_TAGGERS = {
    "RNNSequenceTagger(), softmax per step": {},
    "RNNSequenceTagger(use_crf=True)": {"use_crf": True},
}


def _fit(params, seed, X, y):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tagger = RNNSequenceTagger(random_state=seed, **params).fit(X, y)
    return tagger, time.perf_counter() - start


def _cell(values, digits=3):
    values = np.asarray(values, dtype=float)
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{values.mean():.{digits}f} ± {values.std():.{digits}f}"


def spans(train, test, seeds):
    y_train, y_test = proper_noun_spans(train.target), proper_noun_spans(test.target)
    n_spans = sum(t.startswith("B-") for s in y_test for t in s)
    rows = []
    for name, params in SPAN_TAGGERS.items():
        results = []
        for seed in seeds:
            tagger, secs = _fit(params, seed, train.data, y_train)
            pred = tagger.predict(test.data)
            results.append(
                (*span_precision_recall_f1(y_test, pred), invalid_bio_count(pred), secs)
            )
            print(f"  {name}, seed {seed}: F1 {results[-1][2]:.4f}", file=sys.stderr)
        rows.append((name, np.array(results)))
    try:
        import sklearn_crfsuite
    except ImportError:
        print("  (sklearn-crfsuite not installed: no CRF row)", file=sys.stderr)
    else:
        start = time.perf_counter()
        crf = sklearn_crfsuite.CRF(c1=0.1, c2=0.1, max_iterations=100).fit(
            [crf_features(s) for s in train.data], y_train
        )
        secs = time.perf_counter() - start
        pred = crf.predict([crf_features(s) for s in test.data])
        result = (
            *span_precision_recall_f1(y_test, pred),
            invalid_bio_count(pred),
            secs,
        )
        rows.append(("sklearn-crfsuite CRF, standard features", np.array([result])))
    lines = [
        f"NAME spans (runs of proper nouns) on EWT test: {n_spans} spans in "
        f"{len(y_test)} sentences; trained on EWT dev; seeds {seeds}; one thread.",
        "",
        "| model | precision | recall | F1 | invalid BIO sentences | fit (s) |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in rows:
        lines.append(
            f"| {name} | {_cell(r[:, 0])} | {_cell(r[:, 1])} | {_cell(r[:, 2])} | "
            f"{_cell(r[:, 3], 1)} | {r[:, 4].mean():.0f} |"
        )
    return "\n".join(lines)


def upos(train, test, seeds):
    lines = [
        f"UPOS token accuracy on EWT test, trained on EWT dev; seeds {seeds}.",
        "",
        "| model | accuracy | fit (s) |",
        "|---|---|---|",
    ]
    for name, params in UPOS_TAGGERS.items():
        accs, secs = [], []
        for seed in seeds:
            tagger, sec = _fit(params, seed, train.data, train.target)
            accs.append(flat_accuracy_score(test.target, tagger.predict(test.data)))
            secs.append(sec)
        lines.append(f"| {name} | {_cell(accs, 4)} | {np.mean(secs):.0f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--part", choices=["spans", "upos", "both"], default="both")
    parser.add_argument(
        "--markdown", type=Path, help="also write the tables, with the machine"
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    train, test = load_ewt()
    tables = [machine_and_versions()]
    if args.part in ("spans", "both"):
        tables.append(spans(train, test, args.seeds))
    if args.part in ("upos", "both"):
        tables.append(upos(train, test, args.seeds))
    text = "\n\n".join(tables) + "\n"
    print(text)
    if args.markdown:
        args.markdown.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
