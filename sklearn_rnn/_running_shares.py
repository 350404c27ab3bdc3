"""Running shares: MiniRocket's kernels read step by step, for the recurrence.

The numeric wide term reads a series as the *proportion of positive values*
of fixed random kernels over the whole record (``_kernels``), a linear model
beside the network. Here the same kind of kernels feed the network itself:
at the end of every patch of steps the recurrence reads, for each kernel,
dilation and bias, the share of the record's steps *so far* where the
kernel's output exceeds the bias. Early steps carry the series' history,
the last step its proportions over the whole record, and the network learns
what to make of them (issue #50: on long series with few training records
a recurrence reading the raw values, or learned filters, fell far behind
MiniRocket; ``benchmarks/running_proportions.py``).

Shares within each patch alone (not running) were tried too: they let the
network fit position-specific patterns of a few training records and
generalised worse on long series (PigCVP 0.41 against 0.73 in the
prototype, three seeds).

Shares are fixed functions of the record (nothing here is learned), so the
encoder computes them once per record, like the wide term's features, and
they travel as extra columns of each step; a fitted reading keeps the
shares of the records it has read (``_record_cache``), so a record asked
for again (``predict`` then ``predict_proba``) costs a digest of its bytes.
Knows nothing of scikit-learn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from sklearn_rnn._kernels import (
    KernelFeatures,
    _convolve,
    _record_weights,
    _weighted_moments,
    draw_kernels,
    left_padded,
    length_chunks,
)
from sklearn_rnn._record_cache import CachedReading, record_keys

# Records convolved at once: at most this many (record x step) cells.
_CHUNK_CELLS = 2**15
# kernel_shares="auto": 84 kernels at up to 18 dilations (MiniRocket's
# ~10,000 features are 84 kernels at up to 32 dilations with several biases
# each). In the plain-torch prototype (benchmarks/running_proportions.py,
# six long sets, three seeds) 504 shares lost to these on ArrowHead (0.817
# against 0.859) and ACSF1 (0.857 against 0.877) and tied elsewhere.
AUTO_KERNEL_SHARES = 84 * 18


@dataclass
class RunningShares(CachedReading):
    """A fitted reading: the kernels (``kernels``: dilations, weights and
    biases as the wide term draws them), the patch the shares are read at,
    and the shares' training ``mean`` and ``scale`` over every patch."""

    kernels: KernelFeatures
    patch: int
    mean: np.ndarray
    scale: np.ndarray

    @property
    def width(self) -> int:
        """Shares per step: dilations x 84 kernels x biases."""
        return self.kernels.width

    def transform(self, values, lengths, offsets) -> np.ndarray:
        """``(sum of patches, width)`` float32 standardised shares of flat
        records, one row per patch, record by record (the order of
        ``stacked_steps``); those of records read before come from the
        cache."""
        lengths, offsets = np.asarray(lengths), np.asarray(offsets)
        keys = record_keys(values, lengths, offsets)
        found: list = [None] * len(keys)
        missing = self._cache.fill(keys, found)
        if len(missing):
            raw = running_shares(
                self.kernels, values, lengths[missing], offsets[missing], self.patch
            )
            rows = self._per_record(self.standardised(raw), lengths[missing])
            for i, record in zip(missing, rows):
                found[i] = record
            self._store([keys[i] for i in missing], rows)
        if not found:
            return np.zeros((0, self.width), np.float32)
        return np.concatenate(found)

    def standardised(self, raw: np.ndarray) -> np.ndarray:
        """Shares (``running_shares``) by their training moments."""
        return ((raw - self.mean) / self.scale).astype(np.float32)

    def remember(self, keys: list[bytes], shares: np.ndarray, lengths) -> None:
        """Keep each record's rows of ``shares`` for reuse."""
        self._store(keys, self._per_record(shares, lengths))

    def _store(self, keys: list[bytes], rows: list) -> None:
        # Only the last records that fit would stay: hand the cache no
        # others (records differ in size, so its own cut by the first
        # record's size would not be safe).
        sizes = np.array([r.nbytes for r in rows], dtype=np.int64)
        fit = int((np.cumsum(sizes[::-1]) <= self._cache.max_bytes).sum())
        self._cache.store(keys[len(keys) - fit :], rows[len(rows) - fit :])

    def _per_record(self, shares: np.ndarray, lengths) -> list:
        """``shares`` (one row per patch) split into each record's rows."""
        patches = -(-np.asarray(lengths) // self.patch)
        return np.split(shares, np.cumsum(patches)[:-1])


def fit_running_shares(
    values,
    lengths,
    offsets,
    n_features: int,
    patch: int,
    rng: np.random.Generator,
    sample_weight=None,
) -> tuple[RunningShares, np.ndarray]:
    """Draw the kernels from the training records and learn the shares'
    standardisation (a patch weighing what its record weighs); return the
    fitted reading and the training records' standardised shares."""
    weight = _record_weights(lengths, sample_weight)
    kernels = draw_kernels(values, lengths, offsets, n_features, rng, weight)
    raw = running_shares(kernels, values, lengths, offsets, patch)
    patches = -(-np.asarray(lengths) // patch)
    mean, scale = _weighted_moments(raw, np.repeat(weight, patches))
    reading = RunningShares(kernels, int(patch), mean, scale)
    shares = reading.standardised(raw)
    # Scoring or predicting the training records reads them again.
    reading.remember(record_keys(values, lengths, offsets), shares, lengths)
    return reading, shares


def running_shares(
    kernels: KernelFeatures, values, lengths, offsets, patch: int
) -> np.ndarray:
    """``(sum of patches, width)``: at the end of each of a record's
    ``ceil(length / patch)`` patches (aligned on its last step, as
    ``stacked_steps`` reads them), for each dilation, kernel and bias, the
    share of the record's steps up to there where the kernel's output
    exceeds the bias.

    Records are convolved left-padded with zeros, in chunks of similar
    length, their pad steps counted nowhere: a record's shares do not
    depend on its chunk."""
    lengths = np.asarray(lengths, dtype=np.int64)
    patches = -(-lengths // patch)
    starts = np.cumsum(patches) - patches
    out = np.zeros((int(patches.sum()), kernels.width), dtype=np.float32)
    for idx in length_chunks(lengths, _CHUNK_CELLS):
        shares = _chunk_shares(kernels, values, lengths[idx], offsets[idx], patch)
        for row, i in enumerate(idx):
            if patches[i]:
                out[starts[i] : starts[i] + patches[i]] = shares[row, -patches[i] :]
    return out


def _chunk_shares(kernels, values, lengths, offsets, patch) -> np.ndarray:
    """``(records, blocks, width)``: the running shares at the end of every
    block of ``patch`` steps of the chunk, blocks aligned on its last step."""
    steps = -(-int(lengths.max()) // patch) * patch if len(lengths) else 0
    if steps == 0:
        return np.zeros((len(lengths), 0, kernels.width), np.float32)
    batch = left_padded(values, lengths, offsets, steps)
    real = torch.as_tensor(np.arange(steps)[None, :] >= steps - lengths[:, None])
    blocks = steps // patch
    # Steps seen by the end of each block (at least 1: a block before the
    # record's first step has no share to speak of, and is never read).
    seen = real.reshape(len(lengths), blocks, patch).sum(2).cumsum(1).clamp(min=1)
    parts = []
    for d, dilation in enumerate(kernels.dilations):
        conv = _convolve(batch, kernels.weights[d], int(dilation))  # (n, 84, steps)
        biases = torch.as_tensor(kernels.biases[d])  # (84, n_biases)
        above = (conv[:, :, None, :] > biases[None, :, :, None]) & real[:, None, None]
        counts = above.reshape(*above.shape[:3], blocks, patch).sum(
            4, dtype=torch.int32
        )
        running = counts.cumsum(3).to(torch.float32) / seen[:, None, None, :]
        parts.append(running.flatten(1, 2))  # (n, 84 * n_biases, blocks)
    return torch.cat(parts, dim=1).transpose(1, 2).numpy()
