"""
RNN embeddings in a pipeline, tuned with GridSearchCV
=====================================================

:class:`~sklearn_rnn.RNNEmbeddingTransformer` turns each sequence into a fixed
length vector (its final hidden state), so any scikit-learn model can follow
it. Both estimators are ordinary scikit-learn estimators: they clone, pickle
and search like any other.
"""

# %%
import os
import warnings

import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.utils import resample

from sklearn_rnn import RNNEmbeddingTransformer, RNNSequenceClassifier
from sklearn_rnn.datasets import load_surnames

warnings.filterwarnings("ignore", category=ConvergenceWarning)
FAST = os.environ.get("SKLEARN_RNN_EXAMPLES_FAST") == "1"
EPOCHS = 1 if FAST else 10

X, y = load_surnames(return_X_y=True)
X, y = resample(
    X, y, n_samples=300 if FAST else 1500, replace=False, stratify=y, random_state=0
)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

# %%
# Embeddings + random forest.
pipe = Pipeline(
    [
        ("rnn", RNNEmbeddingTransformer(max_iter=EPOCHS, random_state=0)),
        ("rf", RandomForestClassifier(n_estimators=200, random_state=0)),
    ]
)
pipe.fit(X_train, y_train)
print(f"RNN embeddings + random forest: {pipe.score(X_test, y_test):.3f}")

# %%
# A grid search over the network's size and fit mode (two processes).
# ``"minibatch"`` and ``"vectorized"`` train the same function with the same
# updates, so their scores tie up to float rounding; ``"vectorized"`` computes
# each batch as matrices and fits many times faster (``mean_fit_time``). A
# search over them measures speed, not quality.
grid = GridSearchCV(
    RNNSequenceClassifier(max_iter=1 if FAST else 5, random_state=0),
    {"hidden_size": [32, 64], "fit_mode": ["minibatch", "vectorized"]},
    cv=3,
    n_jobs=2,
)
grid.fit(X_train, y_train)
table = pd.DataFrame(grid.cv_results_)[
    ["param_hidden_size", "param_fit_mode", "mean_test_score", "mean_fit_time"]
]
print(table.sort_values("mean_test_score", ascending=False).to_string(index=False))
print(f"best {grid.best_params_}: test accuracy {grid.score(X_test, y_test):.3f}")
