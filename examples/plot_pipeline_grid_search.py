"""
RNN embeddings in a pipeline, tuned with GridSearchCV
=====================================================

:class:`~sklearn_rnn.RNNEmbeddingTransformer` turns each sequence into a fixed
length vector, so any scikit-learn model can follow it. Fitted on labels, the
vector is what the classifier's head reads from the network: the final
hidden state, and the mean and max of the states over the steps. What the
classifier adds beside the network, its linear term on character n-grams
(``wide``), is not in it: on names the classifier scores higher than a
model on the embeddings. Both estimators are ordinary scikit-learn
estimators: they clone, pickle and search like any other.
"""

# %%
import matplotlib.pyplot as plt
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.utils import resample

from sklearn_rnn import RNNEmbeddingTransformer, RNNSequenceClassifier
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
X, y = resample(X, y, n_samples=1500, replace=False, stratify=y, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
# sphinx_gallery_start_ignore
if FAST:
    X_train, y_train = X_train[:300], y_train[:300]
# sphinx_gallery_end_ignore

# %%
# Embeddings + random forest. The networks of this page train for a few
# epochs (``max_iter``) to keep it quick; the default trains until held-out
# names stop improving.
pipe = Pipeline(
    [
        ("rnn", RNNEmbeddingTransformer(max_iter=10, random_state=0)),
        ("rf", RandomForestClassifier(n_estimators=200, random_state=0)),
    ]
)
# sphinx_gallery_start_ignore
if FAST:
    pipe.set_params(rnn__max_iter=1)
# sphinx_gallery_end_ignore
pipe.fit(X_train, y_train)
print(f"RNN embeddings + random forest: {pipe.score(X_test, y_test):.3f}")

# %%
# A grid search over the network's size and fit mode (two processes).
# ``"minibatch"`` and ``"vectorized"`` compute the same updates in exact
# arithmetic, but they sum in different orders, and over five epochs those
# last-bit differences grow: their scores differ by up to about 0.01, as two
# seeds do. ``"vectorized"`` computes each batch as matrices and fits many
# times faster (``mean_fit_time``). A search over them measures speed, not
# quality.
grid = GridSearchCV(
    RNNSequenceClassifier(max_iter=5, random_state=0),
    {"hidden_size": [32, 64], "fit_mode": ["minibatch", "vectorized"]},
    cv=3,
    n_jobs=2,
)
# sphinx_gallery_start_ignore
if FAST:
    grid.set_params(estimator__max_iter=1)
# sphinx_gallery_end_ignore
grid.fit(X_train, y_train)
table = pd.DataFrame(grid.cv_results_)[
    ["param_hidden_size", "param_fit_mode", "mean_test_score", "mean_fit_time"]
]
print(table.sort_values("mean_test_score", ascending=False).to_string(index=False))
print(f"best {grid.best_params_}: test accuracy {grid.score(X_test, y_test):.3f}")

# %%
# The search's own record of time and score: the two fit modes score within
# about 0.01 of each other, the vectorized one in a fraction of the time.
fig, ax = plt.subplots(figsize=(7, 3.5))
labels = [
    f"{mode}, {size} units"
    for mode, size in zip(table["param_fit_mode"], table["param_hidden_size"])
]
bars = ax.barh(labels, table["mean_fit_time"])
ax.bar_label(
    bars, labels=[f"accuracy {v:.3f}" for v in table["mean_test_score"]], padding=4
)
ax.set(xlabel="mean fit time per fold (s)", title="GridSearchCV over the fit mode")
ax.set_xlim(0, 1.35 * table["mean_fit_time"].max())
fig.tight_layout()
plt.show()
