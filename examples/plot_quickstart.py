"""
Quickstart: classify strings
============================

Train :class:`~sklearn_rnn.RNNSequenceClassifier` on surnames and predict the
language of new names. Strings are read character by character; nothing needs
to be padded or one-hot encoded by hand.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay
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
# The gallery fits with small fixed budgets (max_iter) so that the pages
# build fast; sklearn's warning that a budget ended is not shown on them.
warnings.filterwarnings("ignore", category=ConvergenceWarning)
# sphinx_gallery_end_ignore

X, y = load_surnames(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
print(f"{len(X_train)} training names, {len(np.unique(y))} languages")

# %%
# Fit with the defaults: a GRU reads each character with the bigram ending at
# it, a linear term counts the name's character 1-4-grams beside it, and
# training stops when a held-out tenth of the names stops improving.
clf = RNNSequenceClassifier(random_state=0)
# sphinx_gallery_start_ignore
if FAST:
    clf.set_params(max_iter=2)
# sphinx_gallery_end_ignore
clf.fit(X_train, y_train)
print(f"test accuracy: {clf.score(X_test, y_test):.3f}")

# %%
# Predict a few names that are not in the data, including one with symbols the
# model never saw: unknown symbols are handled, not an error.
names = ["Schmidt", "Rossi", "Jansen", "Nieminen", "Smith", "Ødegård"]
for name, lang, p in zip(names, clf.predict(names), clf.predict_proba(names).max(1)):
    print(f"{name:>10} -> {lang:<9} ({p:.2f})")

# %%
# Where does it go wrong? The confusion matrix on the test set.
fig, ax = plt.subplots(figsize=(8, 7))
ConfusionMatrixDisplay.from_estimator(
    clf,
    X_test,
    y_test,
    ax=ax,
    xticks_rotation=90,
    normalize="true",
    values_format=".1f",
    colorbar=False,
)
ax.set_title("RNNSequenceClassifier on surnames (row-normalised)")
fig.tight_layout()
