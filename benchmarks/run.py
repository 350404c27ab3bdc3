"""Speed suite: sklearn-rnn against hand-written PyTorch, measured side by side.

    python benchmarks/run.py            # full suite (~10 min on 2 CPU cores)
    python benchmarks/run.py --quick    # smaller n, fewer repeats
    python benchmarks/run.py --device cuda

Prints markdown tables of medians over repeats. Threads are pinned (--threads,
default 1) and stated in the header. No timing is asserted anywhere in tests.
"""

import argparse
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning

sys.path.insert(0, str(Path(__file__).resolve().parent))
from data import make_surname_like  # noqa: E402
from machine import cpu_name  # noqa: E402
from reference_packed import (  # noqa: E402
    PackedRNNClassifier,
    encode,
    predict_proba,
    train_epoch,
    vocabulary,
)
from versions import V01_DEFAULTS  # noqa: E402

from sklearn_rnn import RNNEmbeddingTransformer, RNNSequenceClassifier  # noqa: E402
from sklearn_rnn._fitting import SequenceDataset, SequenceLoader  # noqa: E402
from sklearn_rnn._module import MatrixRNN  # noqa: E402
from sklearn_rnn._tasks import Targets  # noqa: E402

warnings.filterwarnings("ignore", category=ConvergenceWarning)
H = 128
# The speed rows compare like with like against the reference (Parr's RNN, one
# symbol a step, no dropout, no held-out data, no weight averaging), whatever
# the current defaults.
PARR = dict(
    cell="rnn",
    ngram_range=(1, 1),
    dropout=0.0,
    early_stopping=False,
    ema_decay=None,
    max_iter=1,
)
# The classifier's head without its bag-of-symbols term: the reference's head.
PARR_CLASSIFIER = {**PARR, "wide": False}


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        _sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _sync():
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def epoch_time_ours(X, y, mode, batch_size, device, repeats):
    """Median epoch duration as skorch records it ('dur'), over ``repeats`` epochs.

    Per-epoch time excludes the one-off encoding and set-up of ``fit`` (the raw
    loop and the reference exclude theirs too).
    """
    clf = RNNSequenceClassifier(
        **{**PARR_CLASSIFIER, "max_iter": repeats},
        hidden_size=H,
        fit_mode=mode,
        batch_size=batch_size,
        device=device,
        random_state=0,
    ).fit(X, y)
    return statistics.median(clf.net_.history[:, "dur"])


def default_fit_time(X, y, device, params):
    """Wall time of a whole ``fit`` with the given defaults, and its epochs."""
    start = time.perf_counter()
    clf = RNNSequenceClassifier(device=device, random_state=0, **params).fit(X, y)
    _sync()
    return time.perf_counter() - start, clf.n_iter_


def epoch_time_reference(X, y, batch_size, device, repeats):
    seqs, vocab = encode(X)
    seqs = [s.to(device) for s in seqs]
    y_t = np.asarray(y)
    model = PackedRNNClassifier(vocab, H, int(y_t.max()) + 1).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=0.005)
    rng = np.random.default_rng(0)

    def run():
        train_epoch(
            model, opt, seqs, torch.as_tensor(y_t, device=device), batch_size, rng
        )

    return median_time(run, repeats)


def epoch_time_raw_loop(X, y, batch_size, device, repeats):
    """Our vectorized maths and batches in a plain torch loop, without skorch."""
    est = RNNSequenceClassifier(
        **PARR_CLASSIFIER,
        hidden_size=H,
        batch_size=batch_size,
        device=device,
        random_state=0,
    ).fit(X[:64], y[:64])
    records = est.encoder_.transform(X, "text")
    dataset = SequenceDataset(records, Targets(np.asarray(y)), np.ones(len(X)))
    module = MatrixRNN(
        est.encoder_.n_inputs_,
        int(np.max(y)) + 1,
        H,
        symbolic=True,
        generator=torch.Generator().manual_seed(0),
    ).to(device)
    # The optimizer sklearn-rnn uses, so the ratio measures the wrapper alone.
    opt = torch.optim.AdamW(
        module.parameters(), lr=0.005, weight_decay=1e-4, fused=True
    )
    loss_fn = torch.nn.CrossEntropyLoss(reduction="none")
    rng = np.random.default_rng(0)

    def run():
        module.train()
        for batch, target in SequenceLoader(
            dataset, batch_size, shuffle=True, rng=rng, device=device
        ):
            losses = loss_fn(module(batch.X, batch.lengths), target)
            w = batch.weight
            loss = (losses * w).sum() / w.sum().clamp_min(1e-12)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(module.parameters(), 1.0)
            opt.step()
            loss.item()  # skorch records every batch loss; do the same sync

    return median_time(run, repeats)


def transform_rate(X, y, device, repeats, n_transform, inference_dtype="auto"):
    rnn = RNNEmbeddingTransformer(
        **PARR,
        hidden_size=H,
        device=device,
        inference_dtype=inference_dtype,
        random_state=0,
    ).fit(X[:2000], y[:2000])
    X_big = (X * (n_transform // len(X) + 1))[:n_transform]
    return n_transform / median_time(lambda: rnn.transform(X_big), repeats)


def proba_rates(X, y, device, repeats, n_predict):
    """predict_proba throughput of the default inference and of the seed
    recipe's hand-written torch inference of the same kind of model (one-hot,
    sorted, packed nn.RNN, float32), on the same strings."""
    clf = RNNSequenceClassifier(
        **PARR_CLASSIFIER, hidden_size=H, device=device, random_state=0
    ).fit(X[:2000], y[:2000])
    vocab = vocabulary(X)
    reference = PackedRNNClassifier(len(vocab) + 1, H, int(np.max(y)) + 1).to(device)
    X_big = (X * (n_predict // len(X) + 1))[:n_predict]
    ours = n_predict / median_time(lambda: clf.predict_proba(X_big), repeats)
    theirs = n_predict / median_time(
        lambda: predict_proba(reference, X_big, vocab), repeats
    )
    return ours, theirs


def peak_memory_mb(code):
    """Peak resident memory (VmHWM) of a fresh interpreter running ``code`` (Linux)."""
    script = (
        "import torch, warnings; torch.set_num_threads(1);"
        "warnings.simplefilter('ignore');"
        + code
        + ";print([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent,
    )
    return int(out.stdout.split()[-2]) / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    quick, dev, rep = args.quick, args.device, args.repeats
    n = 5_000 if quick else 20_000
    X, y = make_surname_like(n)
    gpu = torch.cuda.get_device_name() if dev.startswith("cuda") else "none"
    print(
        f"# sklearn-rnn benchmarks\n\nn={n} strings (lengths 2-20, 18 classes), H={H}, "
        f"device={dev} ({gpu}), torch threads={args.threads}, torch {torch.__version__}, "
        f"{cpu_name()}; medians of {rep} repeats.\n"
    )

    print(
        "## Seconds per epoch of fit\n\n| what | batch 32 | batch 256 |\n|---|---|---|"
    )
    rows = {}
    sgd_n = 500
    sgd = epoch_time_ours(X[:sgd_n], y[:sgd_n], "sgd", 1, dev, 2) * n / sgd_n
    rows["sgd"] = (sgd, sgd)
    for mode in ("minibatch", "vectorized", "packed"):
        sub = n if mode != "minibatch" else 2000
        scale = n / sub
        rows[mode] = tuple(
            epoch_time_ours(
                X[:sub], y[:sub], mode, b, dev, 2 if mode == "minibatch" else rep
            )
            * scale
            for b in (32, 256)
        )
    rows["reference (nn.RNN + pack_padded, no skorch)"] = tuple(
        epoch_time_reference(X, y, b, dev, rep) for b in (32, 256)
    )
    rows["raw torch loop of our vectorized maths"] = tuple(
        epoch_time_raw_loop(X, y, b, dev, rep) for b in (32, 256)
    )
    for name, (a, b) in rows.items():
        note = (
            " (from 500 records)"
            if name == "sgd"
            else (" (from 2,000 records)" if name == "minibatch" else "")
        )
        print(f"| {name}{note} | {a:.3f} | {b:.3f} |")
    print(
        "\n(sgd updates after every record whatever batch_size: its two columns "
        "are one measurement.)"
    )

    ref = rows["reference (nn.RNN + pack_padded, no skorch)"]
    vec, raw = rows["vectorized"], rows["raw torch loop of our vectorized maths"]
    print("\n## Ratios\n\n| ratio | value |\n|---|---|")
    print(f"| sgd / vectorized per epoch, batch 32 | {rows['sgd'][0] / vec[0]:.1f} |")
    print(f"| vectorized / reference, batch 256 | {vec[1] / ref[1]:.2f} |")
    print(f"| vectorized / reference, batch 32 | {vec[0] / ref[0]:.2f} |")
    print(f"| skorch-driven / raw torch loop, batch 32 | {vec[0] / raw[0]:.2f} |")
    print(f"| skorch-driven / raw torch loop, batch 256 | {vec[1] / raw[1]:.2f} |")
    print(f"| packed / vectorized, batch 256 | {rows['packed'][1] / vec[1]:.2f} |")

    print(
        f"\n## A whole default fit on {n:,} strings (hidden_size 64, defaults "
        "as a user gets them)\n\n| defaults | seconds | epochs |\n|---|---|---|"
    )
    fits = {
        "version 0.1 (rnn, 20 epochs, batch 32)": V01_DEFAULTS,
        "now (gru, bigram bags, wide term, dropout, early stopping, averaging)": {},
    }
    times = {}
    for name, params in fits.items():
        times[name], epochs = default_fit_time(X, y, dev, params)
        print(f"| {name} | {times[name]:.1f} | {epochs} |")
    before, now = times.values()
    print(f"\nRatio now / version 0.1: {now / before:.2f}.")

    n_tr = 100_000 if quick else 300_000
    print(
        f"\n## transform throughput ({n_tr:,} strings)\n\n"
        "| inference_dtype | sequences/s |\n|---|---|"
    )
    for dtype in ("auto", "float32", "float64"):
        rate = transform_rate(X, y, dev, rep, n_tr, inference_dtype=dtype)
        print(f"| {dtype} | {rate:,.0f} |")
    print(
        "\n('auto' is float32; on the CPU every product runs in blocks of one "
        "fixed shape, so a record's result is bitwise independent of its batch.)\n"
    )
    ours, theirs = proba_rates(X, y, dev, rep, n_tr)
    print(
        f"## predict_proba throughput ({n_tr:,} strings)\n\n"
        "| inference | sequences/s |\n|---|---|\n"
        f"| sklearn-rnn, defaults (float32, batch-invariant) | {ours:,.0f} |\n"
        "| seed recipe in torch (one-hot, sort, pack_padded_sequence, nn.RNN, "
        f"softmax, float32, no_grad, batches of 8,192) | {theirs:,.0f} |\n\n"
        f"Ratio sklearn-rnn / seed recipe: {ours / theirs:.2f}.\n"
    )

    print(
        "## Scaling of vectorized fit (s/epoch, batch 256)\n\n| n | s/epoch |\n|---|---|"
    )
    for size in [1000, 5000, 20000] if quick else [1000, 10_000, 100_000]:
        Xs, ys = make_surname_like(size, random_state=1)
        print(
            f"| {size:,} | {epoch_time_ours(Xs, ys, 'vectorized', 256, dev, 2):.3f} |"
        )
    print("\n| sequence length | s/epoch (1,000 records, batch 256) |\n|---|---|")
    rng = np.random.default_rng(0)
    for length in [10, 100, 1000]:
        Xs = ["".join(rng.choice(list("abcdefgh"), size=length)) for _ in range(1000)]
        ys = rng.integers(2, size=1000)
        print(
            f"| {length} | {epoch_time_ours(Xs, ys, 'vectorized', 256, dev, 2):.3f} |"
        )

    n_mem = 200_000 if quick else 1_000_000
    fit_code = (
        "from data import make_surname_like; from sklearn_rnn import "
        "RNNEmbeddingTransformer as R; X, y = make_surname_like(20000);"
        f"r = R(hidden_size={H}, max_iter=1, early_stopping=False, device='{dev}', "
        "random_state=0).fit(X, y)"
    )
    base = peak_memory_mb("import sklearn_rnn")
    fit_mem = peak_memory_mb(fit_code)
    tr_mem = peak_memory_mb(
        fit_code + f"; Xb = (X * {n_mem // 20000}); r.transform(Xb)"
    )
    tr_small = peak_memory_mb(
        fit_code + f"; Xb = (X * {n_mem // 200000}); r.transform(Xb)"
    )
    print(
        f"\n## Peak memory (RSS, MB)\n\n| what | MB |\n|---|---|\n"
        f"| import only | {base:.0f} |\n| fit, 20k strings | {fit_mem:.0f} |\n"
        f"| fit + transform {n_mem // 10:,} strings | {tr_small:.0f} |\n"
        f"| fit + transform {n_mem:,} strings | {tr_mem:.0f} |"
    )
    print(
        "\n(The input list and the (n, H) float output grow with n; the network's "
        "working memory does not: inference runs in batches of at most 8,192 "
        "records and 2^20 padded cells.)"
    )


if __name__ == "__main__":
    main()
