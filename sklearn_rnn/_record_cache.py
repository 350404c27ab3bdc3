"""A bounded memory of per-record results, keyed by the record's contents.

A fitted reading of a series (the numeric wide term's convolution
features, ``_kernels``) is a function of the record alone and costs far more
than the network that reads it: on series of 2,000 steps, nearly all of
``predict``. Users ask for the same records again (``predict`` then
``predict_proba``, ``score`` after each pass of ``partial_fit`` over the
same chunks, the passes themselves), so each result is kept, under a digest
of the record's bytes, until the memory allowed is full; the records used
least recently go first. Knows nothing of scikit-learn.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

import numpy as np

# What one cache may hold: about 1,600 records of the wide term's 9,996
# float32 features.
MAX_BYTES = 64 * 2**20


def record_keys(values: np.ndarray, lengths, offsets) -> list[bytes]:
    """A digest of each flat record (``values[offsets[i]:offsets[i] +
    lengths[i]]``), its shape and dtype included: equal keys, equal records."""
    values = np.ascontiguousarray(values)
    tag = f"{values.dtype.str}{values.shape[1:]}".encode()
    keys = []
    for start, n in zip(np.asarray(offsets), np.asarray(lengths)):
        digest = hashlib.blake2b(tag, digest_size=16)
        digest.update(int(n).to_bytes(8, "little"))
        digest.update(values[start : start + n].data)
        keys.append(digest.digest())
    return keys


class RecordCache:
    """Rows of one width by record key, least recently used dropped first
    once they hold more than ``max_bytes``. Safe to share between threads
    (a fitted model may predict from several)."""

    def __init__(self, max_bytes: int = MAX_BYTES):
        self.max_bytes = max_bytes
        self._rows: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def nbytes(self) -> int:
        return self._bytes

    def fill(self, keys: list[bytes], out: np.ndarray) -> np.ndarray:
        """Write the known rows into ``out`` (one row per key); return the
        indices of the keys not known."""
        missing = []
        with self._lock:
            for i, key in enumerate(keys):
                row = self._rows.get(key)
                if row is None:
                    missing.append(i)
                else:
                    self._rows.move_to_end(key)
                    out[i] = row
        return np.asarray(missing, dtype=np.int64)

    def store(self, keys: list[bytes], rows: np.ndarray) -> None:
        """Keep a copy of each row under its key (rows larger than the
        whole allowance are not kept)."""
        if len(keys) and len(keys) * rows[0].nbytes > self.max_bytes:
            # Only the last rows that fit would stay: copy no others (a fit
            # on 100,000 records would copy 4 GB to keep 64 MB).
            keep = self.max_bytes // max(rows[0].nbytes, 1)
            keys, rows = keys[len(keys) - keep :], rows[len(rows) - keep :]
        with self._lock:
            for key, row in zip(keys, rows):
                if key in self._rows or row.nbytes > self.max_bytes:
                    continue
                self._rows[key] = row.copy()
                self._bytes += row.nbytes
            while self._bytes > self.max_bytes:
                _, dropped = self._rows.popitem(last=False)
                self._bytes -= dropped.nbytes


class CachedReading:
    """A fitted reading of records (a dataclass) that keeps its per-record
    results in ``_cache``. The cache is a memory of this process's calls,
    not part of the model: neither pickle nor skops saves it, and a loaded
    model starts empty."""

    def __post_init__(self):
        self._cache = RecordCache()

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k != "_cache"}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._cache = RecordCache()
