"""Candidate default changes for numeric series, beside the defaults.

The figures of "Also tried" on the time-series page (docs/time_series.rst)
for the candidates below come from this script, on the suite's sets and
splits (``suite.py``)::

    python candidates.py --candidates defaults difference plateau \
        patch-conv patch-conv-small patch-stats mean-max jitter \
        final-drop final-drop-0.3 --seeds 0 1 2 3 4 --n-jobs 2

Prints, per set, the mean and standard deviation over the seeds of test
accuracy (R² for regression) and each candidate's mean fit time as a ratio
to the defaults' in the same run.

Two candidates are prototypes, not library code: ``patch-conv`` and
``patch-stats`` change how the network reads a patch by wrapping three
methods of ``MatrixRNN`` for the length of one fit and predict, in the
worker process that runs it (only the vectorized fit mode and the torch
forward pass; no ONNX or standalone export).

- ``difference``: each channel's step differences as extra channels.
- ``plateau``: the learning rate cut to a fifth when the monitored loss
  stalls for half the patience (skorch's LRScheduler, ReduceLROnPlateau).
- ``patch-conv``: a convolution over each patch's steps (32 filters of
  width 5, ReLU, their maximum and mean over the patch) read beside the raw
  patch; ``patch-conv-small``: 16 filters of width 3.
- ``patch-stats``: each patch's maximum and minimum beside it.
- ``mean-max``: concat pooling without the final state (the mean and the
  maximum over the steps only).
- ``jitter``: Gaussian noise (standard deviation 0.1, in standardised
  units) added to every input while training, the usual augmentation of
  small time-series sets.
- ``final-drop``: while training, each record's final state in the concat
  pooling is dropped (zeroed, the rest of its embedding kept) with
  probability 0.5, so that the head must also learn from the mean and max
  over the steps; ``final-drop-0.3`` with probability 0.3.

``jitter`` and ``final-drop`` are prototypes too, wrapping one method of
``MatrixRNN`` in the same way, with their own seeded generators.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from joblib import Parallel, delayed  # noqa: E402
from suite import DATASETS, load, rnn  # noqa: E402

SETS = [name for name, (package, _) in DATASETS.items() if package is not None]


def with_differences(X):
    """Each record with its step differences (0 at the first step) appended
    as channels."""
    out = []
    for x in X:
        x = np.asarray(x, dtype=float).reshape(len(x), -1)
        out.append(np.concatenate([x, np.diff(x, axis=0, prepend=x[:1])], axis=1))
    return out


def plateau_callback(model, n_records: int):
    """The rate cut after half the patience that ``model`` resolves for
    ``n_records`` training records (its held-out fraction set aside)."""
    from skorch.callbacks import LRScheduler
    from torch.optim.lr_scheduler import ReduceLROnPlateau

    held_out = model._uses_early_stopping(n_records)
    n_train = n_records
    if held_out:  # train_test_split rounds the held-out part up
        n_train -= math.ceil(n_records * model.validation_fraction)
    _, patience = model._epoch_budget(n_train, model.batch_size)
    scheduler = LRScheduler(
        ReduceLROnPlateau,
        monitor="valid_loss" if held_out else "train_loss",
        patience=patience // 2,
        factor=0.2,
        threshold=1e-4,
    )
    return [("plateau", scheduler)]


@contextlib.contextmanager
def patch_reader(patch: int, *, filters=0, width=5, stats=()):
    """Layer 0 of every numeric MatrixRNN built inside the block reads each
    patch of ``patch`` steps with a convolution (``filters`` > 0) or with
    fixed statistics, beside the raw patch. A prototype: see the docstring."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    from sklearn_rnn._module import MatrixRNN

    init, reset, project = (
        MatrixRNN.__init__,
        MatrixRNN.reset_parameters,
        MatrixRNN._project_input,
    )
    reducers = {"max": lambda z: z.amax(1), "min": lambda z: z.amin(1)}

    def new_init(self, n_inputs, *args, **kwargs):
        if kwargs.get("symbolic") or kwargs.get("per_step") or patch < 2:
            self.reader_ = None
            return init(self, n_inputs, *args, **kwargs)
        features = n_inputs // patch  # channels x standardisation views
        extra = 2 * filters if filters else len(stats) * features
        init(self, n_inputs + extra, *args, **kwargs)
        self.reader_ = (patch, features)
        if filters:
            # Drawn after the rest, from the same seeded generator.
            self.K_patch = nn.Parameter(torch.empty(filters, features, width))
            self.b_patch = nn.Parameter(torch.zeros(filters))
            _draw_filters(self, kwargs.get("generator"))

    def _draw_filters(self, generator):
        bound = 1.0 / math.sqrt(self.K_patch.shape[1] * width)
        with torch.no_grad():
            self.K_patch.uniform_(-bound, bound, generator=generator)

    def new_reset(self, generator=None):
        reset(self, generator)
        if hasattr(self, "K_patch"):
            _draw_filters(self, generator)

    def new_project(self, tokens, suffix):
        if getattr(self, "reader_", None) and suffix == "":
            steps, features = self.reader_
            x = tokens.to(self.U.dtype)
            z = x.view(len(x), steps, features)
            if filters:
                maps = F.conv1d(
                    z.transpose(1, 2), self.K_patch, self.b_patch, padding=width // 2
                ).relu()
                parts = [maps.amax(2), maps.mean(2)]
            else:
                parts = [reducers[name](z) for name in stats]
            tokens = torch.cat([x, *parts], dim=1)
        return project(self, tokens, suffix)

    MatrixRNN.__init__ = new_init
    MatrixRNN.reset_parameters = new_reset
    MatrixRNN._project_input = new_project
    try:
        yield
    finally:
        MatrixRNN.__init__ = init
        MatrixRNN.reset_parameters = reset
        MatrixRNN._project_input = project


@contextlib.contextmanager
def concat_parts(parts):
    """``pooling="concat"`` puts ``parts`` side by side instead of the final
    state, mean and max, for modules built inside the block."""
    from sklearn_rnn import _pooling

    before = _pooling.POOLED_PARTS["concat"]
    _pooling.POOLED_PARTS["concat"] = tuple(parts)
    try:
        yield
    finally:
        _pooling.POOLED_PARTS["concat"] = before


@contextlib.contextmanager
def input_jitter(scale: float, seed: int):
    """Numeric inputs of modules in the block get Gaussian noise of standard
    deviation ``scale`` while training (the layer-0 input term only)."""
    import torch

    from sklearn_rnn._module import MatrixRNN

    project = MatrixRNN._project_input
    generator = torch.Generator().manual_seed(seed)

    def noisy(self, tokens, suffix):
        if self.training and suffix == "" and not self.symbolic:
            noise = torch.randn(tokens.shape, generator=generator)
            tokens = tokens + scale * noise.to(tokens.dtype)
        return project(self, tokens, suffix)

    MatrixRNN._project_input = noisy
    try:
        yield
    finally:
        MatrixRNN._project_input = project


@contextlib.contextmanager
def final_state_dropout(p: float, seed: int):
    """While training, concat pooling's final-state block of each record is
    zeroed with probability ``p`` (inverted dropout: kept ones scaled by
    1 / (1 - p)); the mean and max blocks are left alone."""
    import torch

    from sklearn_rnn._module import MatrixRNN

    embed = MatrixRNN.embed
    generator = torch.Generator().manual_seed(seed)

    def dropped(self, X, lengths):
        e = embed(self, X, lengths)
        if self.training and self.pooling == "concat":
            width = self.hidden_size * self.directions  # "last" comes first
            draw = torch.rand((len(e), 1), generator=generator)
            keep = (draw >= p).to(e.dtype) / (1 - p)
            e = torch.cat([e[:, :width] * keep, e[:, width:]], dim=1)
        return e

    MatrixRNN.embed = dropped
    try:
        yield
    finally:
        MatrixRNN.embed = embed


READERS = {
    "patch-conv": {"filters": 32, "width": 5},
    "patch-conv-small": {"filters": 16, "width": 3},
    "patch-stats": {"stats": ("max", "min")},
}
FINAL_DROPS = {"final-drop": 0.5, "final-drop-0.3": 0.3}
CANDIDATES = [
    "defaults",
    "difference",
    "plateau",
    *READERS,
    "mean-max",
    "jitter",
    *FINAL_DROPS,
]


def run_one(name: str, candidate: str, seed: int):
    import torch

    from sklearn_rnn._encoding import auto_patch_size

    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    X_train, X_test, y_train, y_test = load(name)
    task = DATASETS[name][1]
    model, reader = rnn(task, seed), contextlib.nullcontext()
    if candidate == "difference":
        X_train, X_test = with_differences(X_train), with_differences(X_test)
    elif candidate == "plateau":
        model.set_params(callbacks=plateau_callback(model, len(X_train)))
    elif candidate in READERS:
        patch = auto_patch_size(np.array([len(x) for x in X_train]))
        reader = patch_reader(patch, **READERS[candidate])
    elif candidate == "mean-max":
        reader = concat_parts(("mean", "max"))
    elif candidate == "jitter":
        reader = input_jitter(0.1, seed)
    elif candidate in FINAL_DROPS:
        reader = final_state_dropout(FINAL_DROPS[candidate], seed)
    with reader:  # the module is built inside fit
        start = time.perf_counter()
        model.fit(X_train, y_train)
        seconds = time.perf_counter() - start
        score = model.score(X_test, y_test)
    return name, candidate, seed, score, seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--candidates", nargs="+", default=CANDIDATES, choices=CANDIDATES
    )
    parser.add_argument("--sets", nargs="+", default=SETS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--n-jobs", type=int, default=1)
    args = parser.parse_args(argv)
    candidates = list(dict.fromkeys(["defaults", *args.candidates]))
    jobs = [
        (name, candidate, seed)
        for name in args.sets
        for candidate in candidates
        for seed in args.seeds
    ]
    results = Parallel(n_jobs=args.n_jobs)(delayed(run_one)(*job) for job in jobs)
    by = {}
    for name, candidate, _, score, seconds in results:
        by.setdefault((name, candidate), []).append((score, seconds))
    print(f"seeds {args.seeds}; score mean ± std, fit time / defaults' fit time")
    print(f"{'set':24}" + "".join(f"{c:>24}" for c in candidates))
    for name in args.sets:
        base = np.mean([s for _, s in by[name, "defaults"]])
        cells = []
        for candidate in candidates:
            scores, seconds = np.array(by[name, candidate]).T
            ratio = seconds.mean() / base
            cells.append(f"{scores.mean():.3f} ±{scores.std():.3f} {ratio:4.1f}x")
        print(f"{name:24}" + "".join(f"{cell:>24}" for cell in cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
