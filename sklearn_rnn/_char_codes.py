"""Character n-gram ids of many strings at once, with numpy instead of a Python
loop per character.

All strings are joined and read as one array of code points (UTF-32). An
n-gram of up to three characters is then one integer, its code points side by
side in 21-bit fields (every code point is below 2**21), and the vocabulary's
n-grams become sorted arrays of such integers: looking up every step of every
record is a vectorised ``searchsorted``. The ids are exactly those of the
per-character path in ``_encoding`` (tested against it); this one is ~10x
faster, which matters at inference, where encoding took half the time.
"""

from __future__ import annotations

import numpy as np

UNKNOWN_ID = 0
BITS = 21  # bits per code point; three fit in an int64
MAX_N = 3


def supports(ngram_range) -> bool:
    return ngram_range[1] <= MAX_N


def char_ngram_ids(texts: list, vocabulary: dict, ngram_range) -> tuple:
    """``(values, lengths)`` of the strings ``texts``: per character, the ids
    of the n-grams of sizes ``min_n..max_n`` ending there (0 where unknown or
    reaching before the string's start); shape ``(n_chars,)`` when one size,
    ``(n_chars, max_n - min_n + 1)`` otherwise.
    """
    min_n, max_n = ngram_range
    lengths = np.fromiter(map(len, texts), np.int64, len(texts))
    points = code_points("".join(texts))
    total = len(points)
    # Position of each character within its string.
    within = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    columns = [
        ngram_ids(points, within, n, *ngram_table(vocabulary, n))
        for n in range(min_n, max_n + 1)
    ]
    values = columns[0] if len(columns) == 1 else np.stack(columns, axis=1)
    return values, lengths


def code_points(text: str) -> np.ndarray:
    """The code points of ``text`` as int64, read in one go (UTF-32)."""
    return np.frombuffer(
        text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32
    ).astype(np.int64)


def ngram_ids(points, within, n: int, keys, key_ids, bits: int = BITS):
    """Per position, the id of the n-gram ending there (0 where it is not in
    the sorted ``keys`` or reaches before its string's start, which
    ``within``, each position's index inside its string, tells)."""
    ids = np.full(len(points), UNKNOWN_ID, dtype=np.int64)
    if len(points) >= n and len(keys):
        codes = _codes(points, n, bits)  # the n-gram ending at each position >= n-1
        at = np.minimum(np.searchsorted(keys, codes), len(keys) - 1)
        found = (keys[at] == codes) & (within[n - 1 :] >= n - 1)
        ids[n - 1 :][found] = key_ids[at[found]]
    return ids


def _codes(points: np.ndarray, n: int, bits: int = BITS) -> np.ndarray:
    """Code of the n-gram ending at each position from n-1 on: the last
    character in the lowest field."""
    total = len(points)
    codes = points[n - 1 :].copy()
    for back in range(1, n):
        codes |= points[n - 1 - back : total - back] << (bits * back)
    return codes


def ngram_table(vocabulary: dict, n: int, code=None) -> tuple[np.ndarray, np.ndarray]:
    """The vocabulary's n-character strings as sorted codes (``code(gram)``,
    by default code points in 21-bit fields), with their ids."""
    code = code or ngram_code
    pairs = [
        (code(gram), i)
        for gram, i in vocabulary.items()
        if isinstance(gram, str) and len(gram) == n
    ]
    pairs.sort()
    keys = np.array([key for key, _ in pairs], dtype=np.int64)
    ids = np.array([i for _, i in pairs], dtype=np.int64)
    return keys, ids


def ngram_code(gram: str, bits: int = BITS, rank=ord) -> int:
    """``rank`` of each character side by side in ``bits``-bit fields."""
    code = 0
    for char in gram:
        code = (code << bits) | rank(char)
    return code
