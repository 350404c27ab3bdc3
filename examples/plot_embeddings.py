"""
Embeddings visualised
=====================

The transformer's vectors are learned for the labels they were fitted on: names
of one language gather together. Here the 192-dimensional embeddings of test
names (the final state, mean and max of 64 hidden units) are projected to
2-D with PCA, next to the bag-of-characters counts that know nothing about
order.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import PCA
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.model_selection import train_test_split

from sklearn_rnn import RNNEmbeddingTransformer
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
keep = np.isin(y, ["Finnish", "Italian", "Dutch", "Croatian", "Irish"])
X_train, X_test, y_train, y_test = train_test_split(
    X[keep], y[keep], stratify=y[keep], random_state=0
)
rnn = RNNEmbeddingTransformer(max_iter=25, random_state=0)
# sphinx_gallery_start_ignore
if FAST:
    rnn.set_params(max_iter=2)
# sphinx_gallery_end_ignore
rnn.fit(X_train, y_train)

views = {
    "RNN embedding (PCA)": PCA(2).fit_transform(rnn.transform(X_test)),
    "bag of characters (PCA)": PCA(2).fit_transform(
        CountVectorizer(analyzer="char").fit_transform(X_test).toarray()
    ),
}
fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
for ax, (title, points) in zip(axes, views.items()):
    for lang in np.unique(y_test):
        mask = y_test == lang
        ax.scatter(*points[mask].T, s=8, alpha=0.7, label=lang)
    ax.set_title(title)
axes[0].legend(markerscale=2)
fig.tight_layout()
