"""Generated sets for ``suite.py``: data nobody tuned the defaults on.

Two classic synthetic UCR problems, drawn from their published definitions
(the UCR archive's copies are not in any wheel), and two forecasting tasks of
the kind users bring first: a window of a series, predict its next value.
Each set draws its train and test parts from one fixed generator (seed 0),
so every model and seed sees the same data.

- ``CBF``: Saito's cylinder-bell-funnel (1994), 3 classes of 128 steps;
  30 train / 900 test, as the UCR archive splits it.
- ``SyntheticControl``: Alcock and Manolopoulos' control charts (1999), 6
  classes of 60 steps (normal, cyclic, increasing and decreasing trend,
  upward and downward shift); 300 / 300 as in the archive.
- ``AR2Forecast``: windows of 30 steps (every third window) of an AR(2)
  process, target the next value: a linear forecaster's problem. The
  first 600 windows train, the next 400 test (later in time, as a
  forecast would meet them). The process's own rule scores R² 0.315 on
  the test part (``python generated.py``); the rest is noise.
- ``SETARForecast``: the same with a self-exciting threshold AR process,
  whose next value follows one of two linear rules depending on the sign of
  the last value (its own rule: R² 0.774); a linear forecaster misses
  much of it.
- ``AR2Forecast-200``, ``SETARForecast-200``: the same test windows, with
  the 200 windows before them to train on (no held-out set by default).
"""

from __future__ import annotations

import numpy as np


def cbf(n, rng, length=128):
    X, y = np.empty((n, length)), rng.integers(0, 3, n)
    t = np.arange(1, length + 1)
    for i in range(n):
        a = rng.integers(16, 33)
        b = a + rng.integers(32, 97)
        inside = (t >= a) & (t <= b)
        shape = (np.ones(length), (t - a) / (b - a), (b - t) / (b - a))[y[i]]
        X[i] = (6 + rng.normal()) * inside * shape + rng.normal(size=length)
    return X, y


def synthetic_control(n, rng, length=60):
    X, y = np.empty((n, length)), rng.integers(0, 6, n)
    t = np.arange(length)
    for i in range(n):
        x = 30 + 2 * rng.uniform(-3, 3, length)
        c = y[i]
        if c == 1:  # cyclic
            period = rng.uniform(10, 15)
            x = x + rng.uniform(10, 15) * np.sin(2 * np.pi * t / period)
        elif c in (2, 3):  # increasing, decreasing trend
            x = x + (1 if c == 2 else -1) * rng.uniform(0.2, 0.5) * t
        elif c in (4, 5):  # upward, downward shift
            start = rng.integers(length // 3, 2 * length // 3)
            x = x + (1 if c == 4 else -1) * rng.uniform(7.5, 20) * (t >= start)
        X[i] = x
    return X, y


def _windows(series, width=30, stride=3, n_train=600, n_test=400):
    """The first 600 windows train, the next 400 test; with ``n_train``
    fewer, the training windows are the last ones before the test period."""
    w = np.lib.stride_tricks.sliding_window_view(series, width + 1)[::stride]
    X, y = w[:, :width], w[:, width]
    train, test = slice(600 - n_train, 600), slice(600, 600 + n_test)
    return X[train], X[test], y[train], y[test]


def _fewer(make, n_train):
    return lambda rng: _windows(make(rng), n_train=n_train)


def ar2_series(rng, n=3200):
    z = np.zeros(n)
    noise = rng.normal(size=n)
    for t in range(2, n):
        z[t] = 0.6 * z[t - 1] - 0.3 * z[t - 2] + noise[t]
    return z


def setar_series(rng, n=3200):
    z = np.zeros(n)
    noise = 0.5 * rng.normal(size=n)
    for t in range(1, n):
        if z[t - 1] <= 0:
            z[t] = 1.0 + 0.6 * z[t - 1] + noise[t]
        else:
            z[t] = -1.0 - 0.5 * z[t - 1] + noise[t]
    return z


def _split(make, n_train, n_test):
    def load(rng):
        X_tr, y_tr = make(n_train, rng)
        X_te, y_te = make(n_test, rng)
        return X_tr, X_te, y_tr, y_te

    return load


# name: (task, loader of X_train, X_test, y_train, y_test from a generator)
GENERATED = {
    "CBF": ("classification", _split(cbf, 30, 900)),
    "SyntheticControl": ("classification", _split(synthetic_control, 300, 300)),
    "AR2Forecast": ("regression", _fewer(ar2_series, 600)),
    "SETARForecast": ("regression", _fewer(setar_series, 600)),
    # The same test windows, trained on the 200 before them: no held-out
    # set by default (below 500 records).
    "AR2Forecast-200": ("regression", _fewer(ar2_series, 200)),
    "SETARForecast-200": ("regression", _fewer(setar_series, 200)),
}


def load(name: str):
    """``X_train, X_test, y_train, y_test`` of a generated set (seed 0)."""
    return GENERATED[name][1](np.random.default_rng(0))


def own_rule_r2(name: str) -> float:
    """Test R² of the forecasting process's own rule (the noise is the rest)."""
    _, X, _, y = load(name)
    last, before = X[:, -1], X[:, -2]
    if name.startswith("AR2Forecast"):
        predicted = 0.6 * last - 0.3 * before
    else:
        predicted = np.where(last <= 0, 1.0 + 0.6 * last, -1.0 - 0.5 * last)
    return float(1 - ((y - predicted) ** 2).sum() / ((y - y.mean()) ** 2).sum())


if __name__ == "__main__":
    for name in ("AR2Forecast", "SETARForecast"):
        print(f"{name}: the process's own rule scores R² {own_rule_r2(name):.3f}")
