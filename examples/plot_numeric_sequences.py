"""
Numeric sequences: digits as rows, and ragged series
====================================================

Numbers work as well as symbols. A 3-D array ``(n_samples, n_steps,
n_features)`` is a batch of equal-length multivariate sequences; a list of
arrays of different lengths is a ragged batch.
"""

# %%
import os
import warnings

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from sklearn_rnn import RNNSequenceClassifier
from sklearn_rnn.datasets import load_digit_sequences

torch.set_num_threads(1)
warnings.filterwarnings("ignore", category=ConvergenceWarning)
FAST = os.environ.get("SKLEARN_RNN_EXAMPLES_FAST") == "1"

# %%
# Digits: each 8x8 image is read top to bottom, one row (8 pixels) per step.
X, y = load_digit_sequences(return_X_y=True)
X = X / 16.0  # tanh saturates on raw 0..16 pixel values
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
digits_clf = RNNSequenceClassifier(
    hidden_size=64, max_iter=2 if FAST else 30, learning_rate_init=0.01, random_state=0
)
digits_clf.fit(X_train, y_train)
print(f"digits read row by row: test accuracy {digits_clf.score(X_test, y_test):.3f}")

# %%
# Ragged series: noisy sine waves of random length and frequency; the class is
# whether the frequency is high or low. Lengths vary from 10 to 60 steps.
rng = np.random.default_rng(0)
n = 200 if FAST else 1000
labels = rng.integers(2, size=n)
series = []
for label in labels:
    length = rng.integers(10, 61)
    freq = rng.uniform(0.05, 0.1) if label == 0 else rng.uniform(0.15, 0.3)
    t = np.arange(length)
    series.append(
        np.sin(2 * np.pi * freq * t + rng.uniform(0, 6)) + 0.2 * rng.normal(size=length)
    )
s_train, s_test, l_train, l_test = train_test_split(series, labels, random_state=0)
wave_clf = RNNSequenceClassifier(
    hidden_size=16,
    cell="gru",
    max_iter=2 if FAST else 20,
    learning_rate_init=0.01,
    random_state=0,
)
wave_clf.fit(s_train, l_train)
print(f"ragged sine waves: test accuracy {wave_clf.score(s_test, l_test):.3f}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
for label, ax in zip([0, 1], axes):
    for s in [s for s, lab in zip(series, labels) if lab == label][:5]:
        ax.plot(s, alpha=0.7)
    ax.set(
        title=f"class {label} ({'low' if label == 0 else 'high'} frequency)",
        xlabel="step",
    )
fig.tight_layout()
