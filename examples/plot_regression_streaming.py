"""
Regression on series: fit, stream, save and serve
=================================================

:class:`~sklearn_rnn.RNNSequenceRegressor` predicts numbers from ragged
numeric series. Here each series is a noisy sine of random length, and the
targets are its frequency and amplitude
(:func:`~sklearn_rnn.datasets.make_sine_regression`): properties of the
whole series that no single step tells. The same model is then trained from
chunks with ``partial_fit``, as a stream would deliver them, and exported
with :func:`~sklearn_rnn.export.save_network` for a service that has torch
but not this library.
"""

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split

from sklearn_rnn import RNNSequenceRegressor
from sklearn_rnn.datasets import make_sine_regression
from sklearn_rnn.export import save_network
from sklearn_rnn.preprocessing import SequenceStandardScaler

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

X, y = make_sine_regression(1000, random_state=0)
# sphinx_gallery_start_ignore
if FAST:
    X, y = X[:120], y[:120]
# sphinx_gallery_end_ignore
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
print(
    f"{len(X_train)} training series of {min(map(len, X))} to "
    f"{max(map(len, X))} steps; targets: frequency, amplitude"
)

# %%
# The regressor scales what it reads and what it predicts by itself: each
# channel by its mean and deviation over the training steps (and each record
# by its own, beside it), and each target column likewise. Its scaling is the
# one :class:`~sklearn_rnn.preprocessing.SequenceStandardScaler` learns, the
# transformer to use when another model needs the series scaled.
scaler = SequenceStandardScaler().fit(X_train)
print("channel mean and scale:", scaler.mean_.round(3), scaler.scale_.round(3))

reg = RNNSequenceRegressor(random_state=0)
# sphinx_gallery_start_ignore
if FAST:
    reg.set_params(max_iter=2)
# sphinx_gallery_end_ignore
reg.fit(X_train, y_train)
predicted = reg.predict(X_test)
for j, target in enumerate(["frequency", "amplitude"]):
    print(f"{target}: R² {r2_score(y_test[:, j], predicted[:, j]):.3f}")

# %%
# Streaming: the same model trained from 10 chunks per pass, one
# ``partial_fit`` call each, for 15 passes. Each call is one epoch over its
# chunk; the held-out R² is read after every pass.
stream = RNNSequenceRegressor(random_state=0)
passes = 15
# sphinx_gallery_start_ignore
if FAST:
    passes = 2
# sphinx_gallery_end_ignore
curve = []
for epoch in range(passes):
    order = np.random.default_rng(epoch).permutation(len(X_train))
    for chunk in np.array_split(order, 10):
        stream.partial_fit([X_train[i] for i in chunk], y_train[chunk])
    curve.append(stream.score(X_test, y_test))
print(
    f"partial_fit after {passes} passes: R² {curve[-1]:.3f} "
    f"(fit: {reg.score(X_test, y_test):.3f})"
)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
ax1.scatter(y_test[:, 0], predicted[:, 0], s=8)
ax1.plot(*[[y[:, 0].min(), y[:, 0].max()]] * 2, color="grey", lw=1)
ax1.set(xlabel="true frequency", ylabel="predicted", title="fit: frequency")
ax2.plot(range(1, passes + 1), curve, marker="o", label="partial_fit")
ax2.axhline(reg.score(X_test, y_test), color="grey", ls="--", label="fit")
ax2.set(
    xlabel="pass over the chunks",
    ylabel="held-out R² (both targets)",
    title="streaming",
)
ax2.legend()
fig.tight_layout()
plt.show()

# %%
# Serving without the library: ``save_network`` writes the weights, the
# architecture and the scalings to one file that ``torch.load(...,
# weights_only=True)`` reads; ``sklearn_rnn/standalone.py`` is a single file
# (torch only) to copy next to it. It computes the same numbers, record by
# record.
from sklearn_rnn.standalone import load

with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "sines.pt"
    save_network(reg, path)
    served = load(path)
    print(
        f"{path.stat().st_size / 1e3:.0f} kB; largest difference to the "
        f"library: {np.abs(served.predict(X_test[:50]) - reg.predict(X_test[:50])).max():.1e}"
    )
