"""Would a character-level word encoder lift the tagger? A plain-torch
BiLSTM tagger on the library's word features (lower-cased word, 1-4 letter
prefixes and suffixes, shape: ``word_feature_symbols``), with and without a
character BiLSTM per word beside them (Lample et al. 2016), trained on EWT
dev and scored on EWT test (UPOS), seeds side by side.

    python benchmarks/tagging_char_encoder.py              # seeds 0-2, ~4 min
    python benchmarks/tagging_char_encoder.py --seeds 0 --epochs 5

Both variants share everything else: 64-d feature bags with word dropout (a
quarter of the words lose a quarter of their features), a one-layer BiLSTM of
64 per direction, dropout 0.25, Adam at 0.005, batches of 32, gradient norm
clipped to 1, a fixed number of epochs (no early stopping: the test set is
scored after each of the last epochs, never used to choose). The character
encoder: 32-d character embeddings, a BiLSTM of 32 per direction, its two
final states appended to the word's vector. One torch thread.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from tagging import load_ewt  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn.utils.rnn import (  # noqa: E402
    pack_padded_sequence,
    pad_packed_sequence,
    pad_sequence,
)

from sklearn_rnn._encoding import word_feature_symbols  # noqa: E402

UNKNOWN, PAD = 0, 0


class Vocabularies:
    """Ids of the word features and characters seen in training (0: unknown)."""

    def __init__(self, sentences, tags):
        self.features = {}
        self.chars = {}
        for sentence in sentences:
            for word in sentence:
                for symbol in word_feature_symbols(word):
                    self.features.setdefault(symbol, len(self.features) + 1)
                for char in word:
                    self.chars.setdefault(char, len(self.chars) + 1)
        self.tags = {t: i for i, t in enumerate(sorted(tags))}

    def encode(self, sentence):
        features = [
            [self.features.get(s, UNKNOWN) for s in word_feature_symbols(w)]
            for w in sentence
        ]
        chars = [
            torch.tensor([self.chars.get(c, UNKNOWN) + 1 for c in w] or [1])
            for w in sentence
        ]  # +1: id 0 pads the character batch
        return features, chars


class Tagger(nn.Module):
    def __init__(self, vocab: Vocabularies, char_encoder: bool, rng):
        super().__init__()
        self.rng = rng
        self.bag = nn.EmbeddingBag(
            len(vocab.features) + 1, 64, mode="sum", padding_idx=UNKNOWN
        )
        # ~10 features a word are summed: small vectors keep the sum in the
        # LSTM's working range.
        nn.init.normal_(self.bag.weight, std=0.1)
        width = 64
        self.char_encoder = char_encoder
        if char_encoder:
            self.char_embedding = nn.Embedding(len(vocab.chars) + 2, 32, padding_idx=0)
            nn.init.normal_(self.char_embedding.weight, std=0.1)
            self.char_lstm = nn.LSTM(32, 32, bidirectional=True, batch_first=True)
            width += 64
        self.dropout = nn.Dropout(0.25)
        self.lstm = nn.LSTM(width, 64, bidirectional=True, batch_first=True)
        self.out = nn.Linear(128, len(vocab.tags))

    def word_vectors(self, batch):
        features = [f for sentence, _ in batch for f in sentence]
        if self.training:  # word dropout, as the library's symbol_dropout
            features = [
                [s for s in f if self.rng.random() > 0.25] or [UNKNOWN]
                if self.rng.random() < 0.25
                else f
                for f in features
            ]
        flat = torch.tensor([s for f in features for s in f])
        offsets = torch.tensor(np.cumsum([0] + [len(f) for f in features[:-1]]))
        vectors = self.bag(flat, offsets)
        if self.char_encoder:
            words = [w for _, chars in batch for w in chars]
            lengths = torch.tensor([len(w) for w in words])
            packed = pack_padded_sequence(
                self.char_embedding(pad_sequence(words, batch_first=True)),
                lengths,
                batch_first=True,
                enforce_sorted=False,
            )
            _, (final, _) = self.char_lstm(packed)
            vectors = torch.cat([vectors, final[0], final[1]], 1)
        return vectors

    def forward(self, batch):
        lengths = [len(features) for features, _ in batch]
        sentences = torch.split(self.dropout(self.word_vectors(batch)), lengths)
        packed = pack_padded_sequence(
            pad_sequence(sentences, batch_first=True),
            torch.tensor(lengths),
            batch_first=True,
            enforce_sorted=False,
        )
        states, _ = pad_packed_sequence(self.lstm(packed)[0], batch_first=True)
        logits = self.out(self.dropout(states))
        return torch.cat([logits[i, :n] for i, n in enumerate(lengths)])


def run(char_encoder: bool, seed: int, epochs: int, data) -> tuple[float, float]:
    """Test accuracy after the last epoch, and seconds per epoch."""
    train, test = data
    rng = np.random.default_rng(seed)
    vocab = Vocabularies(train.data, {t for s in train.target for t in s})
    X_train = [vocab.encode(s) for s in train.data]
    y_train = [torch.tensor([vocab.tags[t] for t in s]) for s in train.target]
    X_test = [vocab.encode(s) for s in test.data]
    gold = np.array([vocab.tags.get(t, -1) for s in test.target for t in s])
    model = Tagger(vocab, char_encoder, rng)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.005)
    start = time.perf_counter()
    for _ in range(epochs):
        model.train()
        order = rng.permutation(len(X_train))
        for i in range(0, len(order), 32):
            idx = order[i : i + 32]
            loss = nn.functional.cross_entropy(
                model([X_train[j] for j in idx]), torch.cat([y_train[j] for j in idx])
            )
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
    epoch_s = (time.perf_counter() - start) / epochs
    model.eval()
    with torch.no_grad():
        predicted = torch.cat(
            [model(X_test[i : i + 256]).argmax(1) for i in range(0, len(X_test), 256)]
        )
    return float((predicted.numpy() == gold).mean()), epoch_s


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=15)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    data = load_ewt()
    rows = {}
    for label, char_encoder in (("word features", False), ("+ char BiLSTM", True)):
        runs = []
        for seed in args.seeds:
            # Initial weights and dropout draw from torch's default generator
            # (nn modules): seeded inside fork_rng, which puts it back after.
            with torch.random.fork_rng():
                torch.manual_seed(seed)
                runs.append(run(char_encoder, seed, args.epochs, data))
        rows[label] = runs
        accuracy = [r[0] for r in runs]
        spread = statistics.pstdev(accuracy)
        print(
            f"{label:<15} UPOS {statistics.mean(accuracy):.4f} ± {spread:.4f} "
            f"({', '.join(f'{a:.4f}' for a in accuracy)}), "
            f"{statistics.mean(r[1] for r in runs):.1f} s an epoch",
            flush=True,
        )
    ratio = statistics.mean(r[1] for r in rows["+ char BiLSTM"]) / statistics.mean(
        r[1] for r in rows["word features"]
    )
    print(f"epoch time with the character encoder / without: {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
