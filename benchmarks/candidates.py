"""Candidate default changes for numeric series, beside the defaults.

The figures of "Also tried" on the time-series page (docs/time_series.rst)
for the candidates below come from this script, on the suite's sets and
splits (``suite.py``)::

    python candidates.py --candidates defaults difference plateau \
        patch-conv patch-conv-small patch-stats mean-max jitter \
        final-drop final-drop-0.3 mixup-input mixup-input-0.4 \
        mixup-embedding step-drop-0.1 step-drop-0.25 alpha-0.003 \
        scale-head wide-series --seeds 0 1 2 3 4 --n-jobs 2
    python candidates.py --candidates patch-q50 patch-q75 patch-q90 \
        --sets PLAID PickupGestureWiimoteZ JapaneseVowels --seeds 0 1 2 3 4

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

- ``mixup-input``: each training batch mixed with a shuffled copy of
  itself (weight drawn from Beta(0.2, 0.2); ``mixup-input-0.4``: Beta(0.4,
  0.4)), the loss mixed alike; ``mixup-embedding``: the pooled embeddings
  mixed instead of the inputs.
- ``step-drop-0.1``, ``step-drop-0.25``: each step's numeric input (a
  patch) zeroed with that probability while training.
- ``alpha-0.003``: a 30 times larger L2 penalty.
- ``scale-head``: the head also reads each record's level and log scale
  per channel (of the dataset-wide view) through weights of its own.
- ``wide-series``: a linear term of the series' last 32 patch means beside
  the network (wide and deep).
- ``no-wide``: ``wide=False``, the network without the wide term of
  convolution features; ``kernels-1k``, ``kernels-4k``: that term with
  about 1,000 or 4,200 features instead of 9,996 (MiniRocket's count,
  chosen over 4,200 on a run of ``--candidates no-wide kernels-10k`` when
  4,200 was the default). Every candidate above
  ``patch-q50`` in the docs was measured before the wide term existed,
  against defaults that had none (as ``no-wide`` now); the term itself was
  chosen on a prototype of this script (commit 0ad4b66 of the repository's
  history: ``wide-kernels``, ``wide-kernels-1k``), since replaced by the
  library's.
- ``zero-start``: the wide term trained from zero by the network's
  optimiser, as before it started from its closed-form ridge fit (the
  defaults since; ``_ridge``).
- ``start-half``, ``start-quarter``: the wide term starting from half or a
  quarter of its ridge fit, which leaves the network a training loss to
  learn from (a ridge fit of a few hundred records nearly interpolates
  them).
- ``updates-250``, ``updates-350``: ``max_iter="auto"`` budgeting at
  least 250 or 350 updates instead of 500, the floor that lets fits of
  256 records or fewer (in batches of 64) run longer than 100 epochs.
- ``patch-q50``, ``patch-q75``, ``patch-q90``: ``patch_size="auto"`` from
  that percentile of the training lengths in 32 steps. Run before the
  median became the default, against patches sized for the longest series;
  with the median rule in place, ``patch-q50`` differs from the defaults
  only where the bound on the longest series applies.

``jitter``, ``final-drop``, the mixups, the step dropouts and the two extra
head terms are prototypes too, wrapping methods of ``MatrixRNN`` (and the
training loop's loss, for mixup) in the same way, with their own seeded
generators.
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
def swapped(owner, **attributes):
    """``owner``'s ``attributes`` replaced for the length of the block (the
    prototypes below wrap library methods in the worker that fits)."""
    before = {name: getattr(owner, name) for name in attributes}
    for name, value in attributes.items():
        setattr(owner, name, value)
    try:
        yield
    finally:
        for name, value in before.items():
            setattr(owner, name, value)


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

    with swapped(
        MatrixRNN,
        __init__=new_init,
        reset_parameters=new_reset,
        _project_input=new_project,
    ):
        yield


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

    with swapped(MatrixRNN, _project_input=noisy):
        yield


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

    with swapped(MatrixRNN, embed=dropped):
        yield


@contextlib.contextmanager
def mixup(alpha: float, seed: int, *, where: str):
    """While training, each batch is mixed with a shuffled copy of itself
    (mixup: weight ``lam ~ Beta(alpha, alpha)`` for the batch) and the loss
    is the same mix of the losses against both records' targets.
    ``where="input"`` mixes the (left-padded, numeric) inputs, the longer of
    the two lengths kept; ``where="embedding"`` mixes the pooled embeddings
    before the head (manifold mixup at the last layer)."""
    import torch

    from sklearn_rnn._fitting import _SequenceNet
    from sklearn_rnn._module import MatrixRNN

    forward, embed, get_loss = (
        MatrixRNN.forward,
        MatrixRNN.embed,
        _SequenceNet.get_loss,
    )
    rng = np.random.default_rng(seed)
    generator = torch.Generator().manual_seed(seed)

    def draw(self, n):
        lam = float(rng.beta(alpha, alpha))
        perm = torch.randperm(n, generator=generator)
        self._mix = (lam, perm)
        return lam, perm

    def mixed_forward(self, X, lengths, sample_weight=None):
        if (
            self.training
            and where == "input"
            and not self.symbolic
            and not self.per_step
            and len(lengths) > 1
        ):
            lam, perm = draw(self, len(lengths))
            X = lam * X + (1 - lam) * X[perm]
            lengths = np.maximum(lengths, np.asarray(lengths)[perm.numpy()])
        return forward(self, X, lengths, sample_weight)

    def mixed_embed(self, X, lengths):
        e = embed(self, X, lengths)
        if self.training and where == "embedding" and len(e) > 1:
            lam, perm = draw(self, len(e))
            e = lam * e + (1 - lam) * e[perm]
        return e

    def mixed_loss(self, y_pred, y_true, X, **kwargs):
        mix = getattr(self.module_, "_mix", None)
        if mix is None or not self.module_.training:
            return get_loss(self, y_pred, y_true, X, **kwargs)
        self.module_._mix = None
        lam, perm = mix
        per_row = lam * self.criterion_(y_pred, y_true) + (1 - lam) * self.criterion_(
            y_pred, y_true[perm.to(y_true.device)]
        )
        weight = X.weight
        return (per_row * weight).sum() / weight.sum().clamp_min(1e-12)

    with swapped(MatrixRNN, forward=mixed_forward, embed=mixed_embed):
        with swapped(_SequenceNet, get_loss=mixed_loss):
            yield


@contextlib.contextmanager
def step_dropout(p: float, seed: int):
    """While training, each step's numeric input (a patch, every channel and
    view) is zeroed with probability ``p``: the series' mean in standardised
    units, as word dropout reads a symbol as unknown."""
    import torch

    from sklearn_rnn._module import MatrixRNN

    project = MatrixRNN._project_input
    generator = torch.Generator().manual_seed(seed)

    def dropped(self, tokens, suffix):
        if self.training and suffix == "" and not self.symbolic:
            keep = torch.rand((len(tokens), 1), generator=generator) >= p
            tokens = tokens * keep.to(tokens.dtype)
        return project(self, tokens, suffix)

    with swapped(MatrixRNN, _project_input=dropped):
        yield


@contextlib.contextmanager
def extra_head_term(width, features):
    """Numeric modules built in the block add a linear term of their own to
    their outputs, with weights that start at zero: ``features(X, lengths,
    n_inputs)`` of each record, ``width(n_inputs)`` of them."""
    import torch
    from torch import nn

    from sklearn_rnn._module import MatrixRNN

    init, forward = MatrixRNN.__init__, MatrixRNN.forward

    def new_init(self, n_inputs, n_outputs, *args, **kwargs):
        init(self, n_inputs, n_outputs, *args, **kwargs)
        self.extra_inputs_ = None
        if kwargs.get("symbolic") or kwargs.get("per_step"):
            return
        self.extra_inputs_ = n_inputs
        self.V_extra = nn.Parameter(torch.zeros(n_outputs, width(n_inputs)))

    def new_forward(self, X, lengths, sample_weight=None):
        out = forward(self, X, lengths, sample_weight)
        if getattr(self, "extra_inputs_", None) is None:
            return out
        z = features(X.to(out.dtype), lengths, self.extra_inputs_)
        return out + z @ self.V_extra.t()

    with swapped(MatrixRNN, __init__=new_init, forward=new_forward):
        yield


def record_scale_head(patch: int):
    """The head also reads each record's level and log scale: per channel,
    the mean and the log standard deviation of the dataset-wide view over
    the record's steps (what the record's own view standardises away)."""
    import torch

    def channels(n_inputs):
        return n_inputs // patch // 2  # the dataset-wide view comes first

    def level_and_scale(X, lengths, n_inputs):
        k = channels(n_inputs)
        lengths = torch.as_tensor(np.asarray(lengths) * patch)
        steps = X.reshape(len(X), -1, 2 * k)[..., :k]
        # Left-padded: a record's real steps are its last ``lengths`` ones.
        position = torch.arange(steps.shape[1])
        real = position[None, :] >= steps.shape[1] - lengths[:, None]
        real = real[..., None].to(X.dtype)
        count = real.sum(1).clamp_min(1)
        mean = (steps * real).sum(1) / count
        var = (((steps - mean[:, None]) ** 2) * real).sum(1) / count
        return torch.cat([mean, 0.5 * torch.log(var + 1e-8)], dim=1)

    return extra_head_term(lambda n: 2 * channels(n), level_and_scale)


def wide_series(patch: int, steps: int = 32):
    """A linear term of the series itself beside the network (wide & deep,
    as ``wide`` is for symbols): each of a record's last ``steps`` patches
    read as its mean per channel and view, zeros in front of shorter
    records."""
    import torch

    def patch_means(X, lengths, n_inputs):
        z = X.reshape(len(X), X.shape[1], patch, n_inputs // patch).mean(2)
        z = z[:, -steps:]
        z = torch.nn.functional.pad(z, (0, 0, steps - z.shape[1], 0))
        return z.reshape(len(z), -1)

    return extra_head_term(lambda n: steps * (n // patch), patch_means)


@contextlib.contextmanager
def kernel_features(n: int):
    """The wide term of numeric series reads about ``n`` convolution
    features instead of the default's."""
    from sklearn_rnn import _classifier, _regressor

    with swapped(_classifier, WIDE_KERNEL_FEATURES=n):
        with swapped(_regressor, WIDE_KERNEL_FEATURES=n):
            yield


def start_share(share: float):
    """The wide term (and the head's bias, which holds the ridge intercept
    at the start) starting from ``share`` of the ridge fit."""
    import torch

    import sklearn_rnn._base as base

    start = base._start_kernel_term

    def shared(module, *args):
        start(module, *args)
        with torch.no_grad():
            module.V_kernels.mul_(share)
            module.c.mul_(share)

    return swapped(base, _start_kernel_term=shared)


@contextlib.contextmanager
def patch_by_quantile(q: float):
    """``patch_size="auto"`` from the ``q``-th percentile of the training
    lengths instead of the longest: most records, not the longest one, take
    at most 32 recurrent steps (the same on sets of one length)."""
    from sklearn_rnn import _encoding

    before = _encoding.auto_patch_size

    def by_quantile(lengths):
        lengths = np.asarray(lengths)
        if not len(lengths):
            return before(lengths)
        return before(np.array([math.ceil(np.percentile(lengths, q))]))

    with swapped(_encoding, auto_patch_size=by_quantile):
        yield


PATCH_QUANTILES = {"patch-q50": 50, "patch-q75": 75, "patch-q90": 90}
STEP_DROPS = {"step-drop-0.1": 0.1, "step-drop-0.25": 0.25}
SETTINGS = {"alpha-0.003": {"alpha": 0.003}, "no-wide": {"wide": False}}
MIXUPS = {
    "mixup-input": ("input", 0.2),
    "mixup-input-0.4": ("input", 0.4),
    "mixup-embedding": ("embedding", 0.2),
}
READERS = {
    "patch-conv": {"filters": 32, "width": 5},
    "patch-conv-small": {"filters": 16, "width": 3},
    "patch-stats": {"stats": ("max", "min")},
}
FINAL_DROPS = {"final-drop": 0.5, "final-drop-0.3": 0.3}
KERNEL_COUNTS = {"kernels-1k": 1008, "kernels-4k": 4200}
START_SHARES = {"start-half": 0.5, "start-quarter": 0.25}
# max_iter="auto" with another floor of updates than the defaults' 500.
UPDATE_FLOORS = {"updates-250": 250, "updates-350": 350}
CANDIDATES = [
    "defaults",
    "difference",
    "plateau",
    *READERS,
    "mean-max",
    "jitter",
    *FINAL_DROPS,
    *MIXUPS,
    *STEP_DROPS,
    *SETTINGS,
    "scale-head",
    "wide-series",
    *PATCH_QUANTILES,
    *KERNEL_COUNTS,
    "zero-start",
    *START_SHARES,
    *UPDATE_FLOORS,
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
    elif candidate == "scale-head":
        patch = auto_patch_size(np.array([len(x) for x in X_train]))
        reader = record_scale_head(patch)
    elif candidate == "wide-series":
        patch = auto_patch_size(np.array([len(x) for x in X_train]))
        reader = wide_series(patch)
    elif candidate in KERNEL_COUNTS:
        reader = kernel_features(KERNEL_COUNTS[candidate])
    elif candidate == "zero-start":
        import sklearn_rnn._base as base

        reader = swapped(base, _start_kernel_term=lambda *args: None)
    elif candidate in START_SHARES:
        reader = start_share(START_SHARES[candidate])
    elif candidate in UPDATE_FLOORS:
        import sklearn_rnn._base as base

        reader = swapped(base, _AUTO_MIN_UPDATES=UPDATE_FLOORS[candidate])
    elif candidate in PATCH_QUANTILES:
        reader = patch_by_quantile(PATCH_QUANTILES[candidate])
    elif candidate in STEP_DROPS:
        reader = step_dropout(STEP_DROPS[candidate], seed)
    elif candidate in SETTINGS:
        model.set_params(**SETTINGS[candidate])
    elif candidate in MIXUPS:
        where, alpha = MIXUPS[candidate]
        reader = mixup(alpha, seed, where=where)
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
