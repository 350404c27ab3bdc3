"""A synthetic surname-shaped dataset: 18 classes, ~60 symbols, lengths 2-20."""

import numpy as np

ALPHABET = (
    [chr(c) for c in range(ord("a"), ord("z") + 1)]
    + [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    + list("éèüößçñå")
)


def make_surname_like(n_samples=20_000, n_classes=18, random_state=0):
    """Strings drawn from class-specific symbol distributions (median length ~7)."""
    rng = np.random.default_rng(random_state)
    profiles = rng.dirichlet(np.full(len(ALPHABET), 0.3), size=n_classes)
    y = rng.integers(n_classes, size=n_samples)
    lengths = np.clip(np.round(rng.lognormal(np.log(7), 0.35, size=n_samples)), 2, 20)
    X = [
        "".join(rng.choice(ALPHABET, size=int(n), p=profiles[c]))
        for n, c in zip(lengths, y)
    ]
    return X, y
