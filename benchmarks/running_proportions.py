"""A prototype for issue #50, point 1 (a network that learns series on its
own): the recurrence reads each series through MiniRocket's fixed random
dilated kernels, as *running proportions*, in plain torch outside the
library, beside the network as the library builds it today.

    python benchmarks/running_proportions.py --sets ArrowHead PigCVP --seeds 0 1
    python benchmarks/running_proportions.py --json out.json   # all 16 sets

The kernels, their channel subsets, dilations and biases are drawn as the
wide term draws them (``sklearn_rnn._kernels.fit_kernel_features``, here 84
kernels x up to 18 dilations x 1 bias). At the end of every patch of
``ceil(length / 32)`` steps the network reads, for each kernel, the share of
the record's steps *so far* where its output exceeds its bias:

- ``per-patch``: the share within the patch only. Each step then carries
  only what happened in its patch.
- ``running``: the share from the record's first step up to the patch's
  end, so the last step carries the proportions over the whole record
  (MiniRocket's features), and earlier steps their history.

A GRU of 64 units reads them (standardised by their training moments; with
``--raw`` the patch's values beside them), with the final state, mean and
max of its states side by side (concat pooling), dropout 0.25, AdamW
(weight decay 1e-4), batches of at most 64, gradients clipped to norm 1,
100 epochs, no early stopping. Besides the network's test accuracy the
script reports what a pipeline would: ``RidgeClassifierCV`` on the trained
network's pooled states (its embeddings), and, as a reference for what the
features hold, ``RidgeClassifierCV`` on the whole-record proportions (a
MiniRocket of 1,512 features).

Each series is standardised by its own mean and deviation. Published
train/test splits of ``suite.py``'s sixteen classification sets; one thread.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from sklearn.linear_model import RidgeClassifierCV  # noqa: E402
from suite import DATASETS, load  # noqa: E402
from torch import nn  # noqa: E402

from sklearn_rnn._kernels import _convolve, fit_kernel_features  # noqa: E402

PATCHES = 32
N_FEATURES = 84 * 18
MODES = ("running", "per-patch")
CLASSIFICATION = [
    n for n, (package, task) in DATASETS.items() if task == "classification" and package
]
ALPHAS = np.logspace(-3, 3, 10)


def as_flat(X):
    """Records standardised by their own moments, stored flat: ``values``
    ``(total, channels)``, ``lengths``, ``offsets``."""
    records = []
    for x in X:
        x = np.asarray(x, np.float32)
        x = x[:, None] if x.ndim == 1 else x
        scale = x.std(0, keepdims=True)
        records.append(np.nan_to_num((x - x.mean(0)) / np.where(scale, scale, 1)))
    lengths = np.array([len(r) for r in records])
    return np.concatenate(records), lengths, np.cumsum(lengths) - lengths


def step_proportions(plan, values, lengths, offsets, patch, mode):
    """``(n, patches, features)`` zero-padded in front, and each record's
    count of patches: per patch, the share of steps above each bias (the
    patch's steps, or every step so far)."""
    n_patches = -(-lengths // patch)
    out = np.zeros((len(lengths), n_patches.max(), plan.width), np.float32)
    for length in np.unique(lengths):
        rows = np.flatnonzero(lengths == length)
        batch = np.stack([values[offsets[i] : offsets[i] + length] for i in rows])
        parts = []
        for d, dilation in enumerate(plan.dilations):
            conv = _convolve(batch, plan.weights[d], int(dilation))  # (m, 84, L)
            above = conv[:, :, None, :] > torch.as_tensor(plan.biases[d])[..., None]
            parts.append(above.flatten(1, 2).float())  # (m, 84 * biases, L)
        above = torch.cat(parts, 1)
        pad = -int(length) % patch  # the first patch is the short one
        counts = F.pad(above, (pad, 0)).reshape(len(rows), above.shape[1], -1, patch)
        real = F.pad(torch.ones(int(length)), (pad, 0)).reshape(-1, patch).sum(1)
        counts = counts.sum(3)
        if mode == "running":
            counts, real = counts.cumsum(2), real.cumsum(0)
        shares = (counts / real).transpose(1, 2).numpy()  # (m, P, features)
        out[rows, out.shape[1] - shares.shape[1] :] = shares
    return out, n_patches


def raw_patches(X, lengths, patch, total, mean, scale):
    """The patch's values, zero-padded in front as ``step_proportions``, in
    two views (the library's): standardised by the training set's moments
    (level and scale kept) and by the record's own (``as_flat``)."""
    channels = len(mean)
    out = np.zeros((len(lengths), total, 2 * patch * channels), np.float32)
    for i, x in enumerate(X):
        x = np.asarray(x, np.float32).reshape(len(x), channels)
        own = x.std(0)
        both = np.concatenate(
            [(x - mean) / scale, (x - x.mean(0)) / np.where(own, own, 1)], 1
        )
        n = len(x)
        both = np.concatenate([np.zeros((-n % patch, 2 * channels)), both])
        steps = both.reshape(-1, patch, 2, channels).transpose(0, 2, 1, 3)
        steps = np.nan_to_num(steps.reshape(len(steps), -1))
        out[i, total - len(steps) :] = steps
    return out


class ProportionsGRU(nn.Module):
    def __init__(self, width, n_classes, hidden=64):
        super().__init__()
        self.gru = nn.GRU(width, hidden, batch_first=True)
        self.head = nn.Linear(3 * hidden, n_classes)
        self.dropout = nn.Dropout(0.25)

    def embed(self, steps, first):
        """Final state, mean and max over each record's real patches
        (``first``: where they begin)."""
        states, _ = self.gru(self.dropout(steps))
        real = torch.arange(steps.shape[1])[None, :] >= first[:, None]
        mean = (states * real[..., None]).sum(1) / real.sum(1, keepdim=True)
        high = states.masked_fill(~real[..., None], -torch.inf).amax(1)
        return torch.cat([states[:, -1], mean, high], 1)

    def forward(self, steps, first):
        return self.head(self.dropout(self.embed(steps, first)))


def run(name, mode, seed, epochs=100, raw=False, lr=0.005, n_features=N_FEATURES):
    X_tr, X_te, y_tr, y_te = load(name)
    train, test = as_flat(X_tr), as_flat(X_te)
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    plan, whole_train = fit_kernel_features(*train, n_features, rng)
    whole_test = plan.transform(*test)
    patch = max(1, -(-int(np.median(train[1])) // PATCHES))
    flat = np.concatenate([np.asarray(x, np.float32).reshape(len(x), -1) for x in X_tr])
    level, spread = flat.mean(0), np.where(flat.std(0) > 0, flat.std(0), 1)
    steps, firsts = [], []
    for X, (values, lengths, offsets) in ((X_tr, train), (X_te, test)):
        s, n_patches = step_proportions(plan, values, lengths, offsets, patch, mode)
        if raw:
            values = raw_patches(X, lengths, patch, s.shape[1], level, spread)
            s = np.concatenate([s, values], 2)
        steps.append(s)
        firsts.append(s.shape[1] - n_patches)
    total = max(s.shape[1] for s in steps)  # test records may be longer
    firsts = [torch.as_tensor(f + total - s.shape[1]) for f, s in zip(firsts, steps)]
    steps = [np.pad(s, ((0, 0), (total - s.shape[1], 0), (0, 0))) for s in steps]
    real = np.arange(total)[None, :] >= firsts[0].numpy()[:, None]
    mean, scale = steps[0][real].mean(0), steps[0][real].std(0)
    scale = np.where(scale > 1e-6, scale, 1.0)
    S_tr, S_te = (torch.as_tensor((s - mean) / scale) for s in steps)
    classes, y = np.unique(y_tr, return_inverse=True)
    with torch.random.fork_rng():  # the weights and dropout masks, seeded here
        torch.manual_seed(seed)
        net = ProportionsGRU(S_tr.shape[2], len(classes))
        optimizer = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
        y = torch.as_tensor(y)
        batch = min(64, max(8, len(y) // 10))
        net.train()
        for _ in range(epochs):
            order = rng.permutation(len(y))
            for i in range(0, len(y), batch):
                idx = order[i : i + batch]
                loss = F.cross_entropy(net(S_tr[idx], firsts[0][idx]), y[idx])
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(net.parameters(), 1.0)
                optimizer.step()
        net.eval()
        with torch.no_grad():
            scores = net(S_te, firsts[1])
            E_tr, E_te = net.embed(S_tr, firsts[0]), net.embed(S_te, firsts[1])
    fit_s = time.perf_counter() - start
    y_te = np.asarray(y_te)
    accuracy = float(np.mean(classes[scores.argmax(1).numpy()] == y_te))
    pipeline = RidgeClassifierCV(alphas=ALPHAS).fit(E_tr.numpy(), y_tr)
    whole = RidgeClassifierCV(alphas=ALPHAS).fit(whole_train, y_tr)
    return {
        "set": name,
        "mode": mode + ("+raw" if raw else ""),
        "seed": seed,
        "network": accuracy,
        "embeddings_ridge": float(pipeline.score(E_te.numpy(), y_te)),
        "whole_record_ridge": float(whole.score(whole_test, y_te)),
        "asked_features": n_features,
        "features": plan.width,
        "fit_s": fit_s,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", nargs="+", default=CLASSIFICATION)
    parser.add_argument("--modes", nargs="+", default=["running"], choices=MODES)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--raw", action="store_true", help="the patch's values too")
    parser.add_argument("--lr", type=float, default=0.005)
    parser.add_argument(
        "--features", type=int, default=N_FEATURES, help="kernels x dilations x biases"
    )
    parser.add_argument("--json", help="append every run's result to this file")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    results = []
    for name in args.sets:
        for mode in args.modes:
            for seed in args.seeds:
                r = run(name, mode, seed, args.epochs, args.raw, args.lr, args.features)
                results.append(r)
                print(
                    f"{name:<22} {r['mode']:<13} seed {seed}: network "
                    f"{r['network']:.3f}, ridge on its embeddings "
                    f"{r['embeddings_ridge']:.3f}, ridge on whole-record "
                    f"proportions {r['whole_record_ridge']:.3f} ({r['fit_s']:.0f} s)",
                    flush=True,
                )
                if args.json:
                    with open(args.json, "w") as f:
                        json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
