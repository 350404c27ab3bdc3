"""Shared fixtures: tiny seeded datasets, one torch thread, a CUDA marker."""

import numpy as np
import pytest
import torch

# The suite runs on 2 shared cores: one torch thread avoids OpenMP spin-waits.
torch.set_num_threads(1)


# Tiny settings for the estimator checks and unit tests (real sizes live in
# benchmarks/ and examples/). A batch larger than sklearn's check data keeps
# the sample-order checks independent of batching.
def numeric_records(*arrays):
    """Records of (len,) or (len, n_features) arrays, as the encoder stores
    numeric input (float32, flat)."""
    from sklearn_rnn._encoding import Records

    steps = [np.asarray(a, np.float32) for a in arrays]
    steps = [a[:, None] if a.ndim == 1 else a for a in steps]
    return Records.from_list(steps, np.zeros((0, steps[0].shape[1]), np.float32))


FAST_PARAMS = {
    "hidden_size": 8,
    "max_iter": 20,
    "batch_size": 64,
    "learning_rate_init": 0.05,
    "random_state": 0,
}

requires_cuda = pytest.mark.skipif(
    not torch.cuda.is_available(), reason="no cuda device"
)


@pytest.fixture
def cat_words():
    return ["cat", "chat", "katze", "kat"], ["en", "fr", "de", "af"]


def make_anagram_task(n_samples=400, random_state=0):
    """Labels depend only on symbol order: 'ab...' vs 'ba...' style anagrams."""
    from sklearn_rnn.datasets import make_sequence_classification

    return make_sequence_classification(n_samples=n_samples, random_state=random_state)


@pytest.fixture
def language_words():
    rng = np.random.default_rng(0)
    stems = {
        "en": ["th", "ing", "er", "sh"],
        "fr": ["eau", "ou", "qu", "ette"],
        "de": ["sch", "ei", "tz", "ung"],
    }
    X, y = [], []
    for lang, parts in stems.items():
        for _ in range(60):
            k = rng.integers(1, 4)
            X.append("".join(rng.choice(parts, size=k)))
            y.append(lang)
    return X, np.array(y)
