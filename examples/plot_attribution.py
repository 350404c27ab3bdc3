"""
Which steps decided: per-step attributions
==========================================

``attribute`` says how much each step of a sequence moved the prediction:
each character of a name, each time step of a series. It occludes one step
at a time (a character the model never saw, a channel's training mean) and
measures how much the log-probability of the predicted class falls, so it
reads the whole model, its wide term included.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from sklearn_rnn import RNNSequenceClassifier
from sklearn_rnn.datasets import load_surnames

# sphinx_gallery_start_ignore
# The test suite runs every example on tiny settings
# (SKLEARN_RNN_EXAMPLES_FAST=1); the hidden lines of this file shrink it there.
import os
import warnings

from sklearn.exceptions import ConvergenceWarning

FAST = os.environ.get("SKLEARN_RNN_EXAMPLES_FAST") == "1"
warnings.filterwarnings("ignore", category=ConvergenceWarning)
# sphinx_gallery_end_ignore

# %%
# Surnames: the letters that made the language.
X, y = load_surnames(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
clf = RNNSequenceClassifier(random_state=0)
# sphinx_gallery_start_ignore
if FAST:
    clf.set_params(max_iter=2)
    X_train, y_train = X_train[::20], y_train[::20]
# sphinx_gallery_end_ignore
clf.fit(X_train, y_train)
# The first test name of six languages that the model gets right.
test_predicted = clf.predict(X_test)
names = []
for language in ["German", "Italian", "Finnish", "Irish", "Spanish", "Dutch"]:
    right = (y_test == language) & (test_predicted == language)
    names += [X_test[i] for i in np.flatnonzero(right)[:1]]
predicted = clf.predict(names)
attributions = clf.attribute(names)
for name, language, scores in zip(names, predicted, attributions):
    top = np.argsort(scores)[::-1][:2]
    print(f"{name:>13} -> {language:<9} decided most by", [name[i] for i in top])

# %%
# Each letter coloured by its attribution: red spoke for the predicted
# language, blue against it.
fig, ax = plt.subplots(figsize=(8, 3.2))
for row, (name, language, scores) in enumerate(zip(names, predicted, attributions)):
    limit = np.abs(scores).max() or 1.0
    for i, (letter, score) in enumerate(zip(name, scores)):
        ax.text(
            i,
            -row,
            letter,
            ha="center",
            va="center",
            fontsize=14,
            family="monospace",
            bbox={"facecolor": plt.cm.coolwarm(0.5 + score / limit / 2), "pad": 3},
        )
    ax.text(max(map(len, names)) + 1, -row, language, va="center")
ax.set(xlim=(-1, max(map(len, names)) + 6), ylim=(-len(names), 1))
ax.axis("off")
ax.set_title("Letters by attribution to the predicted language")
fig.tight_layout()

# %%
# A series: noise, and in class 1 a bump of ten steps at a random place.
# The attribution should find the bump.
rng = np.random.default_rng(0)
n, steps = 400, 120
series = rng.normal(0, 1, (n, steps))
labels = np.arange(n) % 2
starts = rng.integers(0, steps - 10, n)
for i in np.flatnonzero(labels):
    series[i, starts[i] : starts[i] + 10] += 4 * np.sin(np.linspace(0, np.pi, 10))
s_train, s_test, l_train, l_test, _, where = train_test_split(
    series, labels, starts, test_size=0.25, stratify=labels, random_state=0
)
series_clf = RNNSequenceClassifier(random_state=0)
# sphinx_gallery_start_ignore
if FAST:
    series_clf.set_params(max_iter=2)
# sphinx_gallery_end_ignore
series_clf.fit(s_train, l_train)
print(f"test accuracy {series_clf.score(s_test, l_test):.3f}")
bumps = np.flatnonzero(l_test == 1)[:3]
series_attributions = series_clf.attribute(s_test[bumps])
for i, scores in zip(bumps, series_attributions):
    inside = np.zeros(steps, bool)
    inside[where[i] : where[i] + 10] = True
    share = np.abs(scores[inside]).sum() / np.abs(scores).sum()
    print(f"series {i}: {share:.0%} of the attribution on the bump")

# %%
# The series in grey, the steps coloured by attribution, and the planted
# bump shaded: occlusion reads the network in windows of its own patches.
fig, axes = plt.subplots(len(bumps), 1, figsize=(8, 6), sharex=True)
for ax, i, scores in zip(axes, bumps, series_attributions):
    ax.axvspan(where[i], where[i] + 10, color="gold", alpha=0.3, label="bump")
    ax.plot(s_test[i], color="grey", lw=1)
    points = ax.scatter(
        np.arange(steps),
        s_test[i],
        c=scores,
        cmap="coolwarm",
        s=12,
        vmin=-np.abs(scores).max(),
        vmax=np.abs(scores).max(),
    )
    ax.set_ylabel("value")
axes[0].legend(loc="upper right")
axes[-1].set_xlabel("step")
fig.colorbar(points, ax=axes, label="attribution")
plt.show()
