"""A prototype for issue #50, point 1 (a network that learns series on its
own): front ends that a GRU could read series through, tried in plain torch
outside the library, beside the network as the library builds it today.

    python benchmarks/front_ends.py --sets ArrowHead GunPoint
    python benchmarks/front_ends.py --sets OSULeaf --fronts kernels learned --epochs 100

Every model reads each series standardised by its own mean and deviation,
in patches of ``ceil(length / 32)`` steps (the library's ``patch_size="auto"``
for one length), with a GRU of 64 units, the final state, mean and max of
its states side by side (concat pooling), dropout 0.25, AdamW (learning
rate 0.005, weight decay 1e-4), batches of at most 64, gradients clipped to
norm 1, a fixed number of epochs and no early stopping. The front ends:

- ``raw``: the patches as they are (what ``wide=False`` reads).
- ``kernels``: MiniRocket's 84 fixed kernels at six dilations spread up to
  the length, each with a learned bias; per patch, the mean of the sigmoid
  of each output and its max, standardised by the batch's statistics
  (prototype only: not batch-invariant).
- ``learned``: learned convolutions (32 filters of 9 weights at each of the
  six dilations, ReLU); per patch, their mean and max.
- ``learned-branch``: the raw patches to the GRU, and beside it (LSTM-FCN's
  layout) the learned convolutions' mean and max over the whole series,
  read by the head with the GRU's pooled states.

The published splits of ``suite.py``'s sets; test accuracy, one thread.
"""

from __future__ import annotations

import argparse
import math
import os
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from suite import load  # noqa: E402
from torch import nn  # noqa: E402

from sklearn_rnn._kernels import KERNEL_WEIGHTS  # noqa: E402

FRONTS = ("raw", "kernels", "learned", "learned-branch")
PATCHES = 32
N_DILATIONS = 6


def standardised(X) -> np.ndarray:
    """``(n, length, channels)``, each series by its own moments."""
    X = np.asarray(X, np.float32)
    X = X[:, :, None] if X.ndim == 2 else X
    scale = X.std(1, keepdims=True)
    return np.nan_to_num((X - X.mean(1, keepdims=True)) / np.where(scale, scale, 1))


def two_views(X_tr, X_te):
    """The library's two views side by side: each channel standardised by
    the training set's moments (level and scale kept), and by the record's."""
    views = []
    for X in (X_tr, X_te):
        X = np.asarray(X, np.float32)
        views.append(X[:, :, None] if X.ndim == 2 else X)
    mean, scale = views[0].mean((0, 1)), views[0].std((0, 1))
    scale = np.where(scale > 0, scale, 1)
    return [
        np.concatenate([np.nan_to_num((X - mean) / scale), standardised(X)], axis=2)
        for X in views
    ]


class FrontEndGRU(nn.Module):
    def __init__(self, channels, length, n_classes, front, hidden=64):
        super().__init__()
        self.front, self.patch = front, max(1, -(-length // PATCHES))
        top = math.log2(max((length - 1) / 8, 1))
        self.dilations = sorted({int(2**x) for x in np.linspace(0, top, N_DILATIONS)})
        width, self.branch = self.patch * channels, 0
        if front == "kernels":
            weights = torch.tensor(KERNEL_WEIGHTS)[:, None, :] / channels
            self.register_buffer("kernels", weights.repeat(1, channels, 1))
            self.biases = nn.Parameter(torch.zeros(len(self.dilations), 84))
            width = 2 * 84 * len(self.dilations)
        elif front in ("learned", "learned-branch"):
            self.convs = nn.ModuleList(
                nn.Conv1d(channels, 32, 9, dilation=d, padding=4 * d)
                for d in self.dilations
            )
            if front == "learned":
                width = 2 * 32 * len(self.dilations)
            else:
                self.branch = 2 * 32 * len(self.dilations)
        self.gru = nn.GRU(width, hidden, batch_first=True)
        self.head = nn.Linear(3 * hidden + self.branch, n_classes)
        self.dropout = nn.Dropout(0.25)

    def _maps(self, x):
        """``(n, filters, length)``: every dilation's outputs."""
        xc = x.transpose(1, 2)
        if self.front == "kernels":
            return torch.cat(
                [
                    F.conv1d(xc, self.kernels, padding=4 * d, dilation=d)
                    + self.biases[i][None, :, None]
                    for i, d in enumerate(self.dilations)
                ],
                1,
            )
        return torch.cat([F.relu(conv(xc)) for conv in self.convs], 1)

    def forward(self, x):
        n, length, channels = x.shape
        pad = -length % self.patch
        branch = None
        if self.front in ("raw", "learned-branch"):
            steps = F.pad(x, (0, 0, pad, 0)).reshape(n, -1, self.patch * channels)
            if self.front == "learned-branch":
                maps = self._maps(x)
                branch = torch.cat([maps.mean(2), maps.amax(2)], 1)
        else:
            maps = F.pad(self._maps(x), (pad, 0))
            maps = maps.reshape(n, maps.shape[1], -1, self.patch)
            level = torch.sigmoid(maps) if self.front == "kernels" else maps
            steps = torch.cat([level.mean(3), maps.amax(3)], 1).transpose(1, 2)
            if self.front == "kernels":
                mean = steps.mean((0, 1), keepdim=True).detach()
                steps = (steps - mean) / (
                    steps.std((0, 1), keepdim=True).detach() + 1e-5
                )
        states, _ = self.gru(self.dropout(steps))
        pooled = [states[:, -1], states.mean(1), states.amax(1)]
        embedding = torch.cat(pooled + ([branch] if branch is not None else []), 1)
        return self.head(self.dropout(embedding))


def run(name, front, seed, epochs, views="record"):
    # A script of its own: torch's global generator, seeded inside and
    # restored after, draws the weights and dropout masks.
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return _run(name, front, seed, epochs, views)


def _run(name, front, seed, epochs, views):
    X_tr, X_te, y_tr, y_te = load(name)
    if views == "both":
        X_tr, X_te = two_views(X_tr, X_te)
    else:
        X_tr, X_te = standardised(X_tr), standardised(X_te)
    classes, y = np.unique(y_tr, return_inverse=True)
    net = FrontEndGRU(X_tr.shape[2], X_tr.shape[1], len(classes), front)
    params = [p for p in net.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=0.005, weight_decay=1e-4)
    X, y = torch.tensor(X_tr), torch.tensor(y)
    batch = min(64, max(8, len(X) // 10))
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    net.train()
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for i in range(0, len(X), batch):
            idx = order[i : i + batch]
            loss = F.cross_entropy(net(X[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
    fit_s = time.perf_counter() - start
    net.eval()
    with torch.no_grad():
        scores = [
            net(torch.tensor(X_te[i : i + 256])) for i in range(0, len(X_te), 256)
        ]
    pred = classes[torch.cat(scores).argmax(1).numpy()]
    return float(np.mean(pred == np.asarray(y_te))), fit_s


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", nargs="+", default=["ArrowHead", "GunPoint"])
    parser.add_argument("--fronts", nargs="+", default=list(FRONTS), choices=FRONTS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument(
        "--views",
        choices=("record", "both"),
        default="record",
        help="each series by its own moments, or also by the training set's",
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    for name in args.sets:
        for front in args.fronts:
            for seed in args.seeds:
                accuracy, fit_s = run(name, front, seed, args.epochs, args.views)
                print(
                    f"{name:<22} {front:<15} seed {seed}: {accuracy:.3f} "
                    f"({fit_s:.0f} s)",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
