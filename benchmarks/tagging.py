"""Sequence tagging on the English Web Treebank: accuracy and speed, side by side.

    python benchmarks/tagging.py                 # both parts (~15 min on 2 cores)
    python benchmarks/tagging.py --part quality --seeds 0 1 2
    python benchmarks/tagging.py --part speed --quick
    python benchmarks/tagging.py --part quality --lexicons   # + word lexicons

Trains on EWT dev (2,001 sentences) and tests on EWT test (UPOS, 17 tags),
read from ``../shared/data/ud-en-ewt`` when present, else through
``fetch_ud_treebank``. One thread throughout.

* quality: RNNSequenceTagger with its defaults (mean and spread over seeds;
  accuracy on all tokens, on words seen in training and on unseen words)
  against the most frequent tag per word and, when ``sklearn-crfsuite`` is
  installed, a CRF with the usual word/affix/shape/neighbour features; with
  ``--lexicons``, also the tagger reading Brown clusters and WordNet word
  classes (``load_english_lexicons``, needs ``spacy-lookups-data``).
* speed: epoch time of the tagger against a hand-written tagger of the
  Falcon seed's recipe (nn.Embedding -> nn.LSTM on pack_padded_sequence ->
  Linear -> cross-entropy with pads ignored), same cell, hidden size and
  input (one word id a step), batches of 32 and 256; inference in tokens/s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence  # noqa: E402

from sklearn_rnn import RNNSequenceTagger  # noqa: E402
from sklearn_rnn._tagging_baselines import crf_features, most_frequent_tag  # noqa: E402
from sklearn_rnn.datasets import fetch_ud_treebank  # noqa: E402
from sklearn_rnn.datasets._ud import read_pinned_file  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "ud-en-ewt"
H = 64


def load_ewt():
    """(train, test) Bunches: the offline copies when present, else a download."""
    if (SHARED / "en_ewt-ud-dev.conllu").is_file():
        return tuple(
            read_pinned_file(SHARED / f"en_ewt-ud-{split}.conllu", "en_ewt", split)
            for split in ("dev", "test")
        )
    return (
        fetch_ud_treebank("en_ewt", split="dev"),
        fetch_ud_treebank("en_ewt", split="test"),
    )


def token_accuracy(pred, gold, words, seen):
    ok = np.array([p == g for ps, gs in zip(pred, gold) for p, g in zip(ps, gs)])
    known = np.array([w in seen for s in words for w in s])
    return ok.mean(), ok[known].mean(), ok[~known].mean()


# ------------------------------------------------------------------ quality
def quality(train, test, seeds, lexicons=False):
    seen = {w for s in train.data for w in s}
    rows = []
    baseline = most_frequent_tag(train.data, train.target, test.data)
    acc = token_accuracy(baseline, test.target, test.data, seen)
    rows.append(("most frequent tag per word", [acc], [0.0]))
    try:
        import sklearn_crfsuite
    except ImportError:
        print("  (sklearn-crfsuite not installed: no CRF row)", file=sys.stderr)
    else:
        feats = [crf_features(s) for s in train.data]
        start = time.perf_counter()
        crf = sklearn_crfsuite.CRF(c1=0.1, c2=0.1, max_iterations=100).fit(
            feats, train.target
        )
        secs = time.perf_counter() - start
        test_feats = [crf_features(s) for s in test.data]
        acc = token_accuracy(crf.predict(test_feats), test.target, test.data, seen)
        rows.append(("sklearn-crfsuite CRF, standard features", [acc], [secs]))
    settings = [("RNNSequenceTagger(), defaults", {})]
    if lexicons:
        from sklearn_rnn.datasets import load_english_lexicons

        settings.append(
            (
                "RNNSequenceTagger(word_lexicons=load_english_lexicons())",
                {"word_lexicons": load_english_lexicons()},
            )
        )
    for label, params in settings:
        accs, secs = [], []
        for seed in seeds:
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tagger = RNNSequenceTagger(random_state=seed, **params)
                tagger.fit(train.data, train.target)
            secs.append(time.perf_counter() - start)
            accs.append(
                token_accuracy(tagger.predict(test.data), test.target, test.data, seen)
            )
            print(
                f"  {label} seed {seed}: {accs[-1][0]:.4f} ({secs[-1]:.0f} s)",
                file=sys.stderr,
            )
        rows.append((label, accs, secs))
    unseen = np.mean([w not in seen for s in test.data for w in s])
    lines = [
        f"UPOS accuracy on EWT test ({sum(map(len, test.data))} tokens, "
        f"{unseen:.1%} unseen in training), trained on EWT dev; seeds {seeds}; "
        "mean ± std; one thread.",
        "",
        "| model | all tokens | seen words | unseen words | fit (s) |",
        "|---|---|---|---|---|",
    ]
    for name, results, times in rows:
        a = np.array(results)
        cells = [f"{a[:, k].mean():.4f} ± {a[:, k].std():.4f}" for k in range(3)]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {np.mean(times):.0f} |")
    return "\n".join(lines)


# -------------------------------------------------------------------- speed
class SeedTagger(nn.Module):
    """The Falcon seed's tagger: embedding, packed LSTM, linear, masked loss."""

    def __init__(self, n_words, n_tags, hidden):
        super().__init__()
        self.embedding = nn.Embedding(n_words, hidden, padding_idx=0)
        self.lstm = nn.LSTM(hidden, hidden, batch_first=True)
        self.out = nn.Linear(hidden, n_tags)

    def forward(self, X, lengths):
        packed = pack_padded_sequence(
            self.embedding(X), lengths, batch_first=True, enforce_sorted=False
        )
        out, _ = self.lstm(packed)
        out, _ = pad_packed_sequence(out, batch_first=True)
        return self.out(out)


def _pad(seqs, value):
    lengths = torch.tensor([len(s) for s in seqs])
    out = torch.full((len(seqs), int(lengths.max())), value, dtype=torch.long)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = torch.tensor(s)
    return out, lengths


def seed_epoch(model, optimizer, X, Y, batch_size, rng):
    loss_fn = nn.CrossEntropyLoss(ignore_index=-100)  # pads are -100: no loss
    order = rng.permutation(len(X))
    for start in range(0, len(X), batch_size):
        idx = order[start : start + batch_size]
        Xb, lengths = _pad([X[i] for i in idx], 0)
        Yb, _ = _pad([Y[i] for i in idx], -100)
        logits = model(Xb, lengths)
        loss = loss_fn(
            logits.reshape(-1, logits.shape[-1]), Yb[:, : logits.shape[1]].reshape(-1)
        )
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def speed(train, test, quick):
    vocab = {w: i for i, w in enumerate({w for s in train.data for w in s}, start=1)}
    tags = {t: i for i, t in enumerate(sorted({t for s in train.target for t in s}))}
    X = [[vocab[w] for w in s] for s in train.data]
    Y = [[tags[t] for t in s] for s in train.target]
    repeats = 1 if quick else 3
    comparable = dict(
        cell="lstm",
        bidirectional=False,
        word_features=False,
        ngram_range=(1, 1),
        dropout=0.0,
        early_stopping=False,
        hidden_size=H,
        random_state=0,
    )
    lines = [
        f"Epoch time on EWT dev ({len(X)} sentences), LSTM, hidden {H}, one word "
        "id a step, one thread; median of "
        f"{repeats}; ratio < 1 means sklearn-rnn is faster.",
        "",
        "| batch | seed recipe (s) | sklearn-rnn vectorized (s) | ratio | "
        "sklearn-rnn packed (s) | ratio |",
        "|---|---|---|---|---|---|",
    ]
    for batch in (32, 256):
        model = SeedTagger(len(vocab) + 1, len(tags), H)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.005)
        rng = np.random.default_rng(0)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            seed_epoch(model, optimizer, X, Y, batch, rng)
            times.append(time.perf_counter() - start)
        ref = statistics.median(times)
        ours = {}
        for mode in ("vectorized", "packed"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tagger = RNNSequenceTagger(
                    fit_mode=mode, batch_size=batch, max_iter=repeats + 1, **comparable
                ).fit(train.data, train.target)
            # The first epoch carries one-off setup; the median of the others.
            ours[mode] = statistics.median(tagger.net_.history[1:, "dur"])
        lines.append(
            f"| {batch} | {ref:.2f} | {ours['vectorized']:.2f} | "
            f"{ours['vectorized'] / ref:.2f} | {ours['packed']:.2f} | "
            f"{ours['packed'] / ref:.2f} |"
        )
    # Inference: the whole test set, tokens per second.
    n_tokens = sum(map(len, test.data))
    tagger = RNNSequenceTagger(max_iter=1, random_state=0).fit(train.data, train.target)
    start = time.perf_counter()
    tagger.predict(test.data)
    rate = n_tokens / (time.perf_counter() - start)
    model.eval()
    Xt = [[vocab.get(w, 0) for w in s] for s in test.data]
    start = time.perf_counter()
    with torch.no_grad():
        for i in range(0, len(Xt), 8192):
            Xb, lengths = _pad(Xt[i : i + 8192], 0)
            model(Xb, lengths).argmax(-1)
    ref_rate = n_tokens / (time.perf_counter() - start)
    lines += [
        "",
        f"Inference on EWT test ({n_tokens} tokens): RNNSequenceTagger() "
        f"predict {rate:,.0f} tokens/s (defaults: bidirectional GRU with word "
        f"features, float64); seed recipe forward pass {ref_rate:,.0f} tokens/s "
        "(one-way LSTM, word ids only, float32).",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=["quality", "speed", "both"], default="both")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--lexicons",
        action="store_true",
        help="also the tagger with load_english_lexicons() (spacy-lookups-data)",
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    train, test = load_ewt()
    from machine import machine_and_versions

    print(f"{machine_and_versions()}\n")
    if args.part in ("quality", "both"):
        seeds = args.seeds[:1] if args.quick else args.seeds
        print(quality(train, test, seeds, lexicons=args.lexicons))
        print()
    if args.part in ("speed", "both"):
        print(speed(train, test, args.quick))
    return 0


if __name__ == "__main__":
    sys.exit(main())
