"""What a tagger's fit costs per token as its vocabulary grows.

    python benchmarks/tagging_vocabulary.py                  # ~8 min, one thread
    python benchmarks/tagging_vocabulary.py --dense          # + the dense updates
    python benchmarks/tagging_vocabulary.py --markdown docs/_static/tagging_vocabulary.md

The English Web Treebank's dev and test sentences (offline copies in
``../shared/data/ud-en-ewt``), repeated ``--copies`` times, as they are (about
8,000 word types), and the same tokens where each one is, with probability
``p``, replaced by a made-up word of its own (lowercase letters, capitalised
like the word it replaces, the same tag), ``p`` chosen to reach
``--types`` word types (70,000 by default: a news corpus of 14,000 sentences
has about that many). Every made-up word brings its own prefixes and
suffixes, so the tagger's lookup table grows about tenfold.

Rows: ``RNNSequenceTagger()`` with its defaults (ten epochs here; or
``--epochs``), on each corpus; with ``--dense``, also with the step lookup
updated as a whole at every update (dense AdamW, the behaviour before row
updates; a private switch, for this comparison only); sklearn-crfsuite's CRF
on its standard features (c1 = c2 = 0.1, 100 iterations) when installed.
Columns: fit seconds, CPU seconds in user and kernel mode, minor page
faults, and microseconds per token per epoch. Then the ratios the tagger is
held to: per token, the large vocabulary over the small one; the tagger's fit
over crfsuite's on the same data. One thread.
"""

from __future__ import annotations

import argparse
import os
import resource
import string
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
from sklearn_rnn._tagging_baselines import crf_features  # noqa: E402


def corpora(copies: int, types: int, seed: int = 0):
    """(X, y) as the treebank has them, and with made-up rare words."""
    train, test = load_ewt()
    X = [list(s) for s in train.data + test.data] * copies
    y = [list(t) for t in train.target + test.target] * copies
    tokens = sum(map(len, X))
    have = len({w for s in X for w in s})
    p = min(1.0, max(0.0, (types - have) / tokens))
    rng = np.random.default_rng(seed)
    letters = np.array(list(string.ascii_lowercase))
    rare = []
    for sentence in X:
        words = []
        for word in sentence:
            if rng.random() < p:
                made = "".join(rng.choice(letters, rng.integers(5, 11)))
                word = made.capitalize() if word[:1].isupper() else made
            words.append(word)
        rare.append(words)
    return (X, y), (rare, y)


def _usage():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return np.array([time.perf_counter(), r.ru_utime, r.ru_stime, r.ru_minflt])


def fit_tagger(X, y, epochs: int, *, row_updates=True):
    before = RNNSequenceTagger._ROW_UPDATES
    RNNSequenceTagger._ROW_UPDATES = row_updates
    try:
        start = _usage()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tagger = RNNSequenceTagger(max_iter=epochs, random_state=0).fit(X, y)
        used = _usage() - start
    finally:
        RNNSequenceTagger._ROW_UPDATES = before
    return used, tagger.module_.n_inputs, tagger.n_iter_


def fit_crfsuite(X, y):
    import sklearn_crfsuite

    features = [crf_features(s) for s in X]
    start = _usage()
    sklearn_crfsuite.CRF(c1=0.1, c2=0.1, max_iterations=100).fit(features, y)
    return _usage() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--types", type=int, default=70_000)
    parser.add_argument("--epochs", type=int, help="default: the tagger's")
    parser.add_argument("--dense", action="store_true")
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    small, large = corpora(args.copies, args.types)
    tokens = sum(map(len, small[0]))
    rows, per_token, crf_secs = [], {}, {}
    for name, (X, y) in (("as is", small), ("made-up rare words", large)):
        n_types = len({w for s in X for w in s})
        runs = [("RNNSequenceTagger(), row updates", True)]
        if args.dense:
            runs.append(("RNNSequenceTagger(), dense updates", False))
        for label, row_updates in runs:
            used, symbols, epochs = fit_tagger(
                X, y, args.epochs or "auto", row_updates=row_updates
            )
            us = used[0] / tokens / epochs * 1e6
            per_token[name, row_updates] = us
            rows.append((label, name, n_types, symbols, used, f"{us:.0f}"))
            print(f"  {label}, {name}: {used[0]:.1f} s", file=sys.stderr)
        try:
            used = fit_crfsuite(X, y)
        except ImportError:
            continue
        crf_secs[name] = used[0]
        rows.append(("sklearn-crfsuite CRF", name, n_types, None, used, ""))
    lines = [
        machine_and_versions(),
        "",
        f"EWT dev + test x {args.copies}: {tokens:,} tokens; the tagger trains "
        f"{epochs} epochs; one thread.",
        "",
        "| model | words | word types | symbols | fit (s) | user (s) | system (s) "
        "| minor faults | µs per token per epoch |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, name, n_types, symbols, used, us in rows:
        lines.append(
            f"| {label} | {name} | {n_types:,} | "
            f"{'' if symbols is None else f'{symbols:,}'} | {used[0]:.1f} | "
            f"{used[1]:.1f} | {used[2]:.1f} | {int(used[3]):,} | {us} |"
        )
    lines += ["", "| ratio | value |", "|---|---|"]
    for row_updates in (True, False):
        if ("as is", row_updates) in per_token:
            kind = "row" if row_updates else "dense"
            ratio = (
                per_token["made-up rare words", row_updates]
                / per_token["as is", row_updates]
            )
            lines.append(
                f"| per token, large vocabulary / small, {kind} updates | "
                f"{ratio:.2f}x |"
            )
    # Against crfsuite only as a user fits: the tagger's own epoch budget.
    for name, secs in crf_secs.items() if args.epochs is None else ():
        tagger_secs = next(r[4][0] for r in rows if r[1] == name)
        lines.append(
            f"| tagger fit / crfsuite fit, {name} | {tagger_secs / secs:.1f}x |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.markdown:
        args.markdown.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
