"""Random convolution features of numeric series: what the wide term reads
for numbers, as it reads n-grams for symbols.

MiniRocket's reading of a series (Dempster, Schmidt and Webb, KDD 2021):
84 fixed kernels of nine weights (three of them 2, six -1, so each sums to
zero: a kernel responds to shape, not level), each run at dilations spread
exponentially up to the length of a typical series, and each output read as
its *proportion of positive values* (PPV) against biases drawn as quantiles
of that kernel's output on a training series drawn for that kernel and
dilation. Where a series has several channels, each kernel and dilation
reads the sum of a random subset of them.
A linear model of these proportions is the field's standard strong baseline
for time-series classification; the network's head learns one beside its
recurrent reading ("wide and deep").

The features are computed once per record, where the encoder standardises
it, and travel with the record; they are standardised by their training
mean and standard deviation, so the wide term starts at zero for a typical
record. A fitted reading keeps the features of the records it has read
(``_record_cache``), so a record asked for again costs a digest of its
bytes. Knows nothing of scikit-learn.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import torch
import torch.nn.functional as F

from sklearn_rnn._record_cache import CachedReading, record_keys

N_KERNELS = 84
KERNEL_LENGTH = 9
KERNEL_WEIGHTS = np.array(
    [
        [2.0 if i in chosen else -1.0 for i in range(KERNEL_LENGTH)]
        for chosen in combinations(range(KERNEL_LENGTH), 3)
    ],
    dtype=np.float32,
)
# Each kernel and dilation reads at most this many channels (MiniRocket's).
MAX_CHANNELS = 9
MAX_DILATIONS = 32
# Quantiles spread evenly over (0, 1) whatever their number (a
# low-discrepancy sequence, as MiniRocket's).
_GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0
# How far a bias is lifted above the output it was read from, relative to
# that output's spread (at least 1, the inputs being standardised): far
# above float32 rounding of a 9-term sum, far below the spread.
_TIE_LIFT = 1e-4
# Records convolved at once: at most this many (record x step) cells, so
# that the comparisons against every bias stay small.
_CHUNK_CELLS = 2**16


@dataclass
class KernelFeatures(CachedReading):
    """A fitted reading: for dilation ``d`` (``dilations[d]``), the kernels
    over their channel subsets (``weights[d]``, ``(84, channels, 9)``) and
    each kernel's biases (``biases[d]``, ``(84, n_biases)``); the features'
    training ``mean`` and ``scale``."""

    dilations: np.ndarray
    weights: np.ndarray
    biases: np.ndarray
    mean: np.ndarray
    scale: np.ndarray

    @property
    def width(self) -> int:
        """Features per record: dilations x 84 kernels x biases."""
        return int(np.prod(self.biases.shape))

    def transform(self, values, lengths, offsets) -> np.ndarray:
        """``(n_records, width)`` float32 standardised features of flat
        records (``values[offsets[i]:offsets[i] + lengths[i]]``, each
        ``(length, channels)``); those of records read before come from the
        cache."""
        lengths, offsets = np.asarray(lengths), np.asarray(offsets)
        keys = record_keys(values, lengths, offsets)
        out = np.empty((len(lengths), self.width), dtype=np.float32)
        missing = self._cache.fill(keys, out)
        if len(missing):
            fresh = self.standardised(
                proportions_positive(self, values, lengths[missing], offsets[missing])
            )
            out[missing] = fresh
            self.remember([keys[i] for i in missing], fresh)
        return out

    def remember(self, keys: list[bytes], features: np.ndarray) -> None:
        """Keep ``features`` (standardised, one row per key) for reuse."""
        self._cache.store(keys, features)

    def standardised(self, raw: np.ndarray) -> np.ndarray:
        """Proportions (``proportions_positive``) by their training moments."""
        return ((raw - self.mean) / self.scale).astype(np.float32)


def spread_dilations(length: int, kernel_length: int, count: int) -> np.ndarray:
    """Dilations from 1 to the one at which a kernel of ``kernel_length``
    weights spans ``length`` steps, at most ``count`` of them, spread
    exponentially (MiniRocket's; the network's front end spreads its
    filters the same way)."""
    top = np.log2(max((length - 1) / (kernel_length - 1), 1.0))
    return np.unique(np.floor(2 ** np.linspace(0, top, count))).astype(np.int64)


def fit_kernel_features(
    values,
    lengths,
    offsets,
    n_features: int,
    rng: np.random.Generator,
    sample_weight=None,
) -> tuple[KernelFeatures, np.ndarray]:
    """Draw channel subsets and biases from training records and learn the
    features' standardisation (records weighing what ``sample_weight``
    says: one of weight 0 changes nothing); return the fitted reading and
    the training records' standardised features (``transform``'s output,
    computed once).

    Dilations run from 1 to the one at which a kernel spans a record of the
    median training length, at most ``MAX_DILATIONS`` of them, spread
    exponentially; biases per kernel and dilation make up ``n_features``
    (at least one each)."""
    weight = _record_weights(lengths, sample_weight)
    plan = draw_kernels(values, lengths, offsets, n_features, rng, weight)
    raw = proportions_positive(plan, values, lengths, offsets)
    plan.mean, plan.scale = _weighted_moments(raw, weight)
    features = plan.standardised(raw)
    # Scoring or predicting the training records reads them again.
    plan.remember(record_keys(values, lengths, offsets), features)
    return plan, features


def _record_weights(lengths, sample_weight) -> np.ndarray:
    weight = np.ones(len(lengths)) if sample_weight is None else sample_weight
    return np.asarray(weight, dtype=np.float64)


def _weighted_moments(raw: np.ndarray, weight: np.ndarray):
    """Each column's mean and standard deviation over the rows of ``raw``,
    a row weighing ``weight``. A column constant on the training rows
    carries nothing: its scale of 1 keeps it at zero rather than dividing
    by zero."""
    total = weight.sum()
    share = (
        weight / total if total > 0 else np.full(len(weight), 1 / max(len(weight), 1))
    )
    mean = share @ raw
    std = np.sqrt(share @ (raw - mean) ** 2)
    return mean.astype(np.float32), np.where(std > 1e-6, std, 1.0).astype(np.float32)


def draw_kernels(
    values, lengths, offsets, n_features: int, rng: np.random.Generator, weight
) -> KernelFeatures:
    """The kernels' channel subsets, dilations and biases, drawn from the
    training records of positive ``weight`` (standardisation not yet
    learned: mean 0, scale 1)."""
    lengths = np.asarray(lengths)
    channels = values.shape[1]
    counted = lengths[weight > 0]
    median = max(int(np.median(counted)) if len(counted) else 0, KERNEL_LENGTH)
    per_kernel = max(n_features // N_KERNELS, 1)
    dilations = spread_dilations(median, KERNEL_LENGTH, min(MAX_DILATIONS, per_kernel))
    n_biases = max(per_kernel // len(dilations), 1)
    quantiles = (np.arange(1, N_KERNELS * n_biases + 1) * _GOLDEN) % 1.0
    quantiles = quantiles.reshape(N_KERNELS, n_biases)
    nonempty = np.flatnonzero((lengths > 0) & (weight > 0))
    weights, biases = [], []
    most = min(channels, MAX_CHANNELS)
    for dilation in dilations:
        subsets = np.zeros((N_KERNELS, channels), dtype=np.float32)
        for k in range(N_KERNELS):
            # Subset sizes spread exponentially from 1 to 9 channels.
            size = min(most, int(2 ** rng.uniform(0, np.log2(most + 1))))
            subsets[k, rng.choice(channels, size, replace=False)] = 1.0
        w = subsets[:, :, None] * KERNEL_WEIGHTS[:, None, :]
        weights.append(w)
        if len(nonempty):
            # Each kernel's biases from a training record of its own
            # (MiniRocket's draw). With one record for all 84, that record
            # set every bias of the dilation, and a short series (few
            # dilations) was read through two or three draws: on
            # CardanoSentiment (24 steps, 2 dilations) test R² ranged from
            # -0.37 to -0.18 by seed, -0.275 ± 0.072 over five; with a record
            # for each kernel -0.244 ± 0.048 (benchmarks/suite.py).
            chosen = nonempty[rng.integers(len(nonempty), size=N_KERNELS)]
            biases.append(
                _quantile_biases(
                    values, lengths, offsets, chosen, w, dilation, quantiles
                )
            )
        else:
            biases.append(np.zeros((N_KERNELS, n_biases)))
    return KernelFeatures(
        dilations,
        np.stack(weights),
        np.stack(biases).astype(np.float32),
        np.zeros(1, np.float32),
        np.ones(1, np.float32),
    )


def _quantile_biases(values, lengths, offsets, chosen, weights, dilation, quantiles):
    """``(84, n_biases)``: kernel ``k``'s biases, the ``quantiles[k]`` of
    its output (``weights[k]`` at ``dilation``) on training record
    ``chosen[k]``."""
    biases = np.empty(quantiles.shape)
    for i in np.unique(chosen):
        kernels = np.flatnonzero(chosen == i)
        series = values[offsets[i] : offsets[i] + lengths[i]]
        out = _convolve(series[None], weights[kernels], int(dilation))[0].numpy()
        # A quantile may fall on an output itself (of a short record, or the
        # zeros of a constant stretch), where an implementation that sums in
        # another order (ONNX, standalone.py) could land on either side: lift
        # each bias clear of float32 rounding.
        lift = _TIE_LIFT * np.maximum(out.std(1), 1.0)
        for row, k in enumerate(kernels):
            biases[k] = np.quantile(out[row], quantiles[k]) + lift[row]
    return biases


def _convolve(x: np.ndarray, weights: np.ndarray, dilation: int) -> torch.Tensor:
    """``x`` ``(n, length, channels)`` -> ``(n, 84, length)``: each kernel
    over its channel subset, zeros beyond both ends."""
    z = torch.as_tensor(np.ascontiguousarray(x), dtype=torch.float32)
    return F.conv1d(
        z.transpose(1, 2),
        torch.as_tensor(weights),
        padding=(KERNEL_LENGTH // 2) * dilation,
        dilation=dilation,
    )


def proportions_positive(plan: KernelFeatures, values, lengths, offsets) -> np.ndarray:
    """``(n_records, width)``: for each dilation, kernel and bias, the share
    of a record's steps where the kernel's output exceeds the bias (0 for an
    empty record).

    Records are convolved left-padded with zeros, in chunks of similar
    length: the zeros are what a record alone would be padded with, so a
    record's features do not depend on its chunk."""
    lengths = np.asarray(lengths, dtype=np.int64)
    out = np.zeros((len(lengths), plan.width), dtype=np.float32)
    for idx in length_chunks(lengths, _CHUNK_CELLS):
        out[idx] = _chunk_features(plan, values, lengths[idx], offsets[idx])
    return out


def length_chunks(lengths: np.ndarray, max_cells: int):
    """Indices of records to convolve together: records sorted by length
    (a chunk's longest comes last), as many at a time as keep (records x
    longest length) within ``max_cells``, at least one."""
    order = np.argsort(lengths, kind="stable")
    start = 0
    while start < len(order):
        stop = start + 1
        while (
            stop < len(order)
            and (stop - start + 1) * int(lengths[order[stop]]) <= max_cells
        ):
            stop += 1
        yield order[start:stop]
        start = stop


def _chunk_features(plan, values, lengths, offsets) -> np.ndarray:
    steps = int(lengths.max()) if len(lengths) else 0
    if steps == 0:
        return np.zeros((len(lengths), plan.width), np.float32)
    batch = left_padded(values, lengths, offsets, steps)
    # Pad steps read as -inf: above no bias, so the counts are the real steps'.
    pad = torch.as_tensor(
        np.arange(steps)[None, None, :] < steps - lengths[:, None, None]
    )
    ragged = bool(pad.any())
    count = torch.as_tensor(np.maximum(lengths, 1), dtype=torch.float32)[:, None, None]
    parts = []
    for d, dilation in enumerate(plan.dilations):
        conv = _convolve(batch, plan.weights[d], int(dilation))  # (n, 84, steps)
        if ragged:
            conv = conv.masked_fill(pad, -torch.inf)
        above = _count_above(conv, plan.biases[d])
        parts.append((above / count).reshape(len(lengths), -1))
    return torch.cat(parts, dim=1).numpy()


def left_padded(values, lengths, offsets, steps: int) -> np.ndarray:
    """``(n, steps, channels)`` float32: flat records, each in the last
    ``lengths[i]`` steps of its row, zeros in front (what a record alone is
    convolved with; ``Records.left_padded`` does the same for batches of
    the network, above this module)."""
    batch = np.zeros((len(lengths), steps, values.shape[1]), np.float32)
    for row, (start, n) in enumerate(zip(offsets, lengths)):
        batch[row, steps - n :] = values[start : start + n]
    return batch


def _count_above(conv: torch.Tensor, biases: np.ndarray) -> torch.Tensor:
    """``(n, 84, n_biases)``: how many steps of ``conv`` ``(n, 84, steps)``
    exceed each of their kernel's biases (``(84, n_biases)``).

    Compiled by numba where it is installed (the ``fast`` extra): 4-5x
    faster than numpy on the suite's shapes, as it makes no ``(n, 84,
    steps)`` temporary a bias. Otherwise numpy. The counts are the same
    integers either way (tested)."""
    values = conv.numpy()
    biases = np.ascontiguousarray(biases, dtype=values.dtype)
    compiled = _compiled_counter()
    if compiled is not None:
        return torch.from_numpy(compiled(np.ascontiguousarray(values), biases))
    return torch.from_numpy(_count_above_numpy(values, biases))


def _count_above_numpy(values: np.ndarray, biases: np.ndarray) -> np.ndarray:
    """One ``(n, 84, steps)`` comparison a bias, its True values counted by
    numpy: 4x faster than torch's sum over a bool tensor (which converts it
    to numbers first), and faster than searching the biases in the sorted
    outputs even with 119 biases on series of 12 steps (one thread, the
    chunks ``proportions_positive`` makes)."""
    counts = np.empty((values.shape[0], *biases.shape), dtype=np.float32)
    for b in range(biases.shape[1]):
        counts[:, :, b] = (values > biases[:, b, None]).sum(2, dtype=np.int32)
    return counts


def _count_above_loops(values, biases):
    """The counts as plain loops, for numba to compile."""
    n, kernels, steps = values.shape
    counts = np.empty((n, kernels, biases.shape[1]), dtype=np.float32)
    for i in range(n):
        for k in range(kernels):
            for b in range(biases.shape[1]):
                threshold = biases[k, b]
                above = 0
                for t in range(steps):
                    above += values[i, k, t] > threshold
                counts[i, k, b] = above
    return counts


@functools.cache
def _compiled_counter():
    """``_count_above_loops`` compiled by numba (once per process, on first
    use), or None where numba is not installed."""
    try:
        import numba
    except ImportError:
        return None
    return numba.njit(nogil=True)(_count_above_loops)
