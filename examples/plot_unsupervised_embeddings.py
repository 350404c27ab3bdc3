"""
Embeddings learned without labels
=================================

``RNNEmbeddingTransformer().fit(X)`` needs no labels: with ``y=None`` the
network learns to predict the next character of each name (a character-level
language model, as in Parr's and Karpathy's articles), and its state after
reading a name becomes the name's embedding. Names of one language share
letter patterns the model must learn to predict well, so they end up close
together, although the model never saw a language label. A 2-D map of the
test names coloured by language (the colours are for us, not for the model),
and the nearest neighbours of a few names.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split
from sklearn.neighbors import NearestNeighbors

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
keep = np.isin(y, ["Italian", "Finnish", "Irish", "Dutch", "Croatian"])
X_train, X_test, _, y_test = train_test_split(
    X[keep], y[keep], stratify=y[keep], random_state=0
)
rnn = RNNEmbeddingTransformer(max_iter=60, random_state=0)
# sphinx_gallery_start_ignore
if FAST:
    rnn.set_params(max_iter=2)
# sphinx_gallery_end_ignore
rnn.fit(X_train)  # no labels
print(rnn.objective_, "objective,", rnn.n_iter_, "epochs")
embedding = rnn.transform(X_test)

# %%
# The map: PCA of the 64-d embeddings.
points = PCA(2).fit_transform(embedding)
fig, ax = plt.subplots(figsize=(7, 5.5))
for lang in np.unique(y_test):
    mask = y_test == lang
    ax.scatter(*points[mask].T, s=10, alpha=0.7, label=lang)
ax.set_title("Surnames embedded without labels (PCA of 64-d states)")
ax.legend(markerscale=2)
fig.tight_layout()
plt.show()

# %%
# Nearest neighbours in the embedding space.
neighbours = NearestNeighbors(n_neighbors=4).fit(embedding)
for name in X_test[:6]:
    idx = neighbours.kneighbors(rnn.transform([name]), return_distance=False)[0]
    print(f"{name:>12}: " + ", ".join(str(X_test[i]) for i in idx if X_test[i] != name))
