"""onnxruntime against the library's own predict_proba, one thread each.

A default classifier fitted on 1,500 of the bundled surnames (and a default
regressor on numeric series), converted with ``sklearn_rnn.onnx``; both
runtimes then score the same held-out records, timed side by side in this
run (best of ``--repeat``) in batches of 1 to all records, and the ONNX
outputs are checked against the library's before any time is printed.

A service scores a few records per request: there onnxruntime's lower
overhead per call wins. On one batch of thousands the library is faster: it
sorts records by length and runs each length group on its own, while the
graph pads the whole batch to its longest record.

    pip install -e ".[onnx]"
    python benchmarks/onnx_inference.py            # ~1 minute
    python benchmarks/onnx_inference.py --n 20000
"""

import argparse
import os
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
import torch  # noqa: E402
from skl2onnx import to_onnx  # noqa: E402

import sklearn_rnn.onnx as rnn_onnx  # noqa: E402
from sklearn_rnn import RNNSequenceClassifier, RNNSequenceRegressor  # noqa: E402
from sklearn_rnn.datasets import load_surnames  # noqa: E402

BATCHES = (1, 16, 256, None)  # None: all records in one call
CALLS = 300  # at most this many calls per batch size (small batches are slow)


def _rates(library, onnx, n, repeat):
    """Records per second of each runtime, per batch size: each scores
    ``min(n, CALLS * batch)`` records batch after batch, best of ``repeat``."""
    rows = []
    for batch in BATCHES:
        size = n if batch is None else batch
        count = min(n, CALLS * size)
        best = {}
        for name, fn in (("library", library), ("onnx", onnx)):
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                for i in range(0, count, size):
                    fn(slice(i, i + size))
                times.append(time.perf_counter() - start)
            best[name] = count / min(times)
        rows.append((size, best["library"], best["onnx"]))
    return rows


def _session(model):
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    onx = to_onnx(
        model,
        initial_types=rnn_onnx.input_types(model),
        options={id(model): {"zipmap": False}} if hasattr(model, "classes_") else None,
    )
    session = ort.InferenceSession(
        onx.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    return session, len(onx.SerializeToString())


def _strings(n, repeat):
    names, langs = load_surnames(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(names))
    X = np.asarray(names, dtype=object)[order]
    y = np.asarray(langs)[order]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = RNNSequenceClassifier(random_state=0).fit(X[:1500], y[:1500])
    held_out = X[1500:]
    X_test = np.resize(held_out, n)  # held-out names, repeated up to n
    session, size = _session(clf)
    _, proba = session.run(None, {"X": X_test})
    gap = np.abs(proba - clf.predict_proba(X_test)).max()
    rates = _rates(
        lambda rows: clf.predict_proba(X_test[rows]),
        lambda rows: session.run(None, {"X": X_test[rows]}),
        n,
        repeat,
    )
    return "classifier, surnames", gap, rates, size


def _series(n, repeat):
    rng = np.random.default_rng(0)

    def make(count):
        return [rng.normal(size=(rng.integers(20, 200), 3)) for _ in range(count)]

    X = make(500)
    y = np.array([s[:, 0].mean() + s[:, 1].std() for s in X])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg = RNNSequenceRegressor(random_state=0).fit(X, y)
    X_test = make(n)
    T = max(len(s) for s in X_test)
    values = np.zeros((n, T, 3), np.float32)
    for i, s in enumerate(X_test):
        values[i, : len(s)] = s
    lengths = np.array([len(s) for s in X_test], np.int64)
    inputs = {"X": values, "lengths": lengths}
    session, size = _session(reg)
    (pred,) = session.run(None, inputs)
    expected = reg.predict(X_test)
    gap = np.abs(pred[:, 0] - expected).max() / np.abs(expected).max()
    rates = _rates(
        lambda rows: reg.predict(X_test[rows]),
        lambda rows: session.run(None, {"X": values[rows], "lengths": lengths[rows]}),
        n,
        repeat,
    )
    return "regressor, 3-channel series", gap, rates, size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="held-out records scored")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print("records per second, one thread; ratio = onnxruntime / library")
    print(
        f"{'model':<28} {'batch':>6} {'library/s':>10} {'onnxruntime/s':>14} "
        f"{'ratio':>6}"
    )
    for case in (_strings, _series):
        label, gap, rates, size = case(args.n, args.repeat)
        for batch, library, onnx in rates:
            print(
                f"{label:<28} {batch:>6,} {library:>10,.0f} {onnx:>14,.0f} "
                f"{onnx / library:>5.2f}x"
            )
        print(f"{'':<28} largest gap to the library {gap:.1e}; .onnx {size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
