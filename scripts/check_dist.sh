#!/usr/bin/env bash
# Build the wheel and the sdist (python -m build) and install each into a
# fresh virtual environment outside the clone: the bundled data must travel
# with the package, and a fit, a prediction and the CLI must work from it.
# Usage: bash scripts/check_dist.sh  (from the repository root; CI runs it)
set -euo pipefail
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python -m pip install -q build
python -m build --outdir "$work/dist" . >"$work/build.log" 2>&1 || {
    cat "$work/build.log" >&2
    exit 1
}
for artefact in "$work"/dist/*.whl "$work"/dist/*.tar.gz; do
    python3 -m venv "$work/venv"
    "$work/venv/bin/pip" install -q torch==2.13.0
    "$work/venv/bin/pip" install -q "$artefact"
    (
        cd "$work"  # not the clone: the package must come from the artefact
        PYTHONWARNINGS=ignore "$work/venv/bin/python" - <<'PY'
import sklearn_rnn
from sklearn_rnn import RNNSequenceClassifier
from sklearn_rnn.datasets import load_surnames

assert "site-packages" in sklearn_rnn.__file__, sklearn_rnn.__file__
X, y = load_surnames(return_X_y=True)
clf = RNNSequenceClassifier(hidden_size=8, max_iter=2, random_state=0)
clf.fit(X[::20], y[::20])  # every class
assert len(clf.predict(X[:5])) == 5
PY
        "$work/venv/bin/sklearn-rnn" --help >/dev/null
    )
    echo "installs and runs: $(basename "$artefact")"
    rm -rf "$work/venv"
done
