"""Hand-written PyTorch reference: the pad -> pack -> RNN recipe of the seed article.

One-hot inputs + nn.RNN(tanh) + pack_padded_sequence, a plain training loop,
no skorch and no sklearn-rnn code. Used by run.py as the speed bar to beat.
Like with like: ``weight_ih`` is our ``U`` (hidden x vocabulary), ``weight_hh``
our ``W``, the linear head our ``V`` and ``c``; no embedding layer in front.
"""

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence


class PackedRNNClassifier(nn.Module):
    def __init__(self, vocab_size, hidden_size, n_classes):
        super().__init__()
        self.vocab_size = vocab_size
        self.rnn = nn.RNN(vocab_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, n_classes)

    def forward(self, padded, lengths):
        one_hot = nn.functional.one_hot(padded, self.vocab_size).float()
        packed = pack_padded_sequence(
            one_hot, lengths, batch_first=True, enforce_sorted=True
        )
        _, h_n = self.rnn(packed)
        return self.out(h_n[-1])


def vocabulary(X):
    return {c: i for i, c in enumerate(sorted(set("".join(X))), start=1)}


def encode(X):
    vocab = vocabulary(X)
    return [torch.tensor([vocab[c] for c in s]) for s in X], len(vocab) + 1


def predict_proba(model, X, vocab, batch_size=8192):
    """Inference as the seed recipe writes it: ids, then per batch of 8,192
    sort by length, pad, one-hot, pack, ``nn.RNN``, softmax; float32 under
    ``no_grad``; rows put back in the input order."""
    model.eval()
    seqs = [torch.tensor([vocab.get(c, 0) for c in s] or [0]) for s in X]
    out = torch.empty(len(seqs), model.out.out_features)
    with torch.no_grad():
        for start in range(0, len(seqs), batch_size):
            idx = np.arange(start, min(start + batch_size, len(seqs)))
            idx = idx[np.argsort([-len(seqs[i]) for i in idx], kind="stable")]
            batch = [seqs[i] for i in idx]
            lengths = torch.tensor([len(s) for s in batch])
            padded = pad_sequence(batch, batch_first=True)
            out[torch.as_tensor(idx)] = torch.softmax(model(padded, lengths), dim=1)
    return out.numpy()


def train_epoch(model, optimizer, seqs, y, batch_size, rng):
    """One epoch: shuffle, then per batch sort by length, pad, pack, step."""
    order = rng.permutation(len(seqs))
    loss_fn = nn.CrossEntropyLoss()
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        idx = idx[np.argsort([-len(seqs[i]) for i in idx], kind="stable")]
        batch = [seqs[i] for i in idx]
        lengths = torch.tensor([len(s) for s in batch])
        padded = pad_sequence(batch, batch_first=True)
        loss = loss_fn(model(padded, lengths), torch.as_tensor(y[idx]))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
