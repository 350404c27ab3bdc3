"""
The fit modes compared
======================

``fit_mode`` selects how the same network is trained: ``"sgd"`` (one update per
record), ``"minibatch"`` (a Python loop over the records of a batch),
``"vectorized"`` (the batch advanced one time step at a time as one matrix,
Parr's section 2.2) and ``"packed"`` (torch's fused kernels). They compute the
same function; they differ in speed and in how many updates an epoch makes.
"""

# %%
import time

import matplotlib.pyplot as plt
from sklearn.model_selection import train_test_split
from sklearn.utils import resample

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
X, y = resample(X, y, n_samples=1000, replace=False, stratify=y, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
# sphinx_gallery_start_ignore
if FAST:
    X_train, y_train = X_train[:200], y_train[:200]
# sphinx_gallery_end_ignore

# %%
# Train each mode for the same number of epochs and time it. sgd makes one
# update per record (hundreds an epoch, against a dozen batches of 64 for the
# other modes): its training loss falls fastest, to about zero, as it
# memorises the training names, but its test accuracy is no better, and each
# of its epochs costs tens of times what a vectorized epoch costs.
results = {}
for mode in ["sgd", "minibatch", "vectorized", "packed"]:
    clf = RNNSequenceClassifier(fit_mode=mode, max_iter=6, random_state=0)
    # sphinx_gallery_start_ignore
    if FAST:
        clf.set_params(max_iter=1)
    # sphinx_gallery_end_ignore
    start = time.perf_counter()
    clf.fit(X_train, y_train)
    seconds = (time.perf_counter() - start) / clf.n_iter_
    results[mode] = (seconds, clf.score(X_test, y_test), clf.loss_curve_)
    print(
        f"{mode:<11} {seconds:6.3f} s/epoch   test accuracy {results[mode][1]:.3f}"
        f"   training loss {clf.loss_curve_[0]:.2f} -> {clf.loss_curve_[-1]:.2f}"
    )

# %%
# minibatch, vectorized and packed make the same updates, so their loss curves
# lie on top of each other (drawn with different markers to show all three):
# the vectorized batch is the per-record loop computed as matrices, and packed
# hands the same matrices to torch's fused kernels. Their test accuracies can
# still differ in the third decimal: the fused kernels add in another order,
# the last bits of the float32 sums differ, and six epochs of updates carry
# that into slightly different weights (a difference far inside the spread
# between two seeds).
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
styles = {"sgd": "o-", "minibatch": "s-", "vectorized": "x--", "packed": "+:"}
for mode, (_, _, curve) in results.items():
    ax1.plot(range(1, len(curve) + 1), curve, styles[mode], label=mode, markersize=9)
ax1.set(
    xlabel="epoch",
    ylabel="training loss",
    title="Loss per epoch (three modes on one curve)",
)
ax1.legend()
modes = list(results)
ax2.bar(modes, [results[m][0] for m in modes])
ax2.set(ylabel="seconds per epoch (log)", yscale="log", title="Speed")
fig.tight_layout()
