"""
Numeric sequences: digits as rows, and ragged series
====================================================

Numbers work as well as symbols. A 3-D array ``(n_samples, n_steps,
n_features)`` is a batch of equal-length multivariate sequences; a list of
arrays of different lengths is a ragged batch. Neither needs scaling by hand.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from sklearn_rnn import RNNSequenceClassifier
from sklearn_rnn.datasets import load_digit_sequences, make_wave_classification

# sphinx_gallery_start_ignore
# The test suite runs every example on tiny settings
# (SKLEARN_RNN_EXAMPLES_FAST=1); the hidden lines of this file shrink it there.
import os
import warnings

from sklearn.exceptions import ConvergenceWarning

FAST = os.environ.get("SKLEARN_RNN_EXAMPLES_FAST") == "1"
# The gallery fits with small fixed budgets (max_iter) so that the pages
# build fast; sklearn's warning that a budget ended is not shown on them.
warnings.filterwarnings("ignore", category=ConvergenceWarning)
# sphinx_gallery_end_ignore

# %%
# Digits: each 8x8 image is read top to bottom, one row (8 pixels) per step.
# The raw pixel values (0..16) go in as they are: the estimators standardise
# each numeric channel by default (``standardize="auto"``: over the training
# set, and each record by its own mean and deviation beside it).
X, y = load_digit_sequences(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
digits_clf = RNNSequenceClassifier(random_state=0)
# sphinx_gallery_start_ignore
if FAST:
    digits_clf.set_params(max_iter=2)
# sphinx_gallery_end_ignore
digits_clf.fit(X_train, y_train)
print(f"digits read row by row: test accuracy {digits_clf.score(X_test, y_test):.3f}")

# %%
# Ragged series: sine, square and sawtooth waves of random period and length
# (20 to 200 steps) in three channels, each shifted and scaled by amounts
# drawn for it (offsets up to +-100, scales between 1/100 and 100: the lines
# printed below show what this draw gave), as sensors in different units
# are. The class is the wave's shape.
series, labels = make_wave_classification(600, random_state=0)
# sphinx_gallery_start_ignore
if FAST:
    series, labels = series[:120], labels[:120]
# sphinx_gallery_end_ignore
s_train, s_test, l_train, l_test = train_test_split(
    series, labels, stratify=labels, random_state=0
)
wave_clf = RNNSequenceClassifier(random_state=0)
# sphinx_gallery_start_ignore
if FAST:
    wave_clf.set_params(max_iter=2)
# sphinx_gallery_end_ignore
wave_clf.fit(s_train, l_train)
print(f"ragged waves, unscaled: test accuracy {wave_clf.score(s_test, l_test):.3f}")
low = np.min([s.min(axis=0) for s in series], axis=0)
high = np.max([s.max(axis=0) for s in series], axis=0)
print("raw values per channel, from", low.round(3), "to", high.round(3))
print("per-channel scales learned in fit:", wave_clf.encoder_.scale_.round(3))

# %%
names = ["sine", "square", "sawtooth"]
fig, axes = plt.subplots(1, 3, figsize=(13, 3.5))
for label, ax in enumerate(axes):
    for s in [s for s, lab in zip(series, labels) if lab == label][:3]:
        ax.plot(s[:, 0], alpha=0.7)
    ax.set(title=f"{names[label]} (channel 0, raw values)", xlabel="step")
fig.tight_layout()
