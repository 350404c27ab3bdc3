"""``sklearn-rnn demo``: watch the estimators learn on bundled data."""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import numpy as np
from skorch.callbacks import Callback

# sgd updates after every record: on the full data it would take minutes, so the
# demo trains it on a subset and says so in the table.
SGD_SUBSET, SGD_EPOCHS = 1000, 5
ALL_MODES = ("sgd", "minibatch", "vectorized", "packed")


class EpochProgress(Callback):
    """One status line per epoch (epoch, loss, time) on an interactive terminal."""

    def __init__(self, label: str, stream=sys.stderr):
        self.label, self.stream = label, stream

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        self.stream.write(
            f"\r  {self.label:<12} epoch {row['epoch']:>3}  loss {row['train_loss']:.4f}"
            f"  {row['dur']:.2f}s/epoch"
        )
        self.stream.flush()

    def on_train_end(self, net, **kwargs):
        self.stream.write("\n")


def _load(dataset: str):
    from sklearn.model_selection import train_test_split

    from sklearn_rnn.datasets import load_digit_sequences, load_surnames

    if dataset == "surnames":
        X, y = load_surnames(return_X_y=True)
    else:
        X, y = load_digit_sequences(return_X_y=True)
        X = X / 16.0  # pixel values 0..16 would saturate tanh
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)


def _baseline(dataset, X_tr, y_tr, X_te, y_te):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    if dataset == "surnames":
        model = make_pipeline(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), lowercase=False),
            LogisticRegression(max_iter=2000),
        )
        name = "char 1-3-gram tf-idf + LogisticRegression"
    else:
        model = LogisticRegression(max_iter=2000)
        name = "pixels + LogisticRegression"
        X_tr, X_te = X_tr.reshape(len(X_tr), -1), X_te.reshape(len(X_te), -1)
    return name, model.fit(X_tr, y_tr).score(X_te, y_te)


def run_demo(args) -> int:
    import torch
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.pipeline import Pipeline

    from sklearn_rnn import RNNEmbeddingTransformer, RNNSequenceClassifier

    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    torch.set_num_threads(args.threads)
    show_progress = not args.quiet and sys.stderr.isatty()
    X_tr, X_te, y_tr, y_te = _load(args.dataset)
    say = (lambda *a: None) if args.quiet else print
    say(
        f"sklearn-rnn demo: {args.dataset}, {len(X_tr)} train / {len(X_te)} test records, "
        f"{len(np.unique(y_tr))} classes, device={args.device}\n"
    )

    params = dict(random_state=args.random_state, device=args.device)
    rows, curves = [], {}
    for mode in args.fit_mode:
        X_fit, y_fit, max_iter, note = X_tr, y_tr, args.max_iter, ""
        if mode == "sgd" and not args.full_sgd:
            X_fit, y_fit = X_tr[:SGD_SUBSET], y_tr[:SGD_SUBSET]
            max_iter = min(args.max_iter, SGD_EPOCHS)
            note = f"subset of {len(X_fit)}, {max_iter} epochs"
        callbacks = [EpochProgress(mode)] if show_progress else []
        clf = RNNSequenceClassifier(
            fit_mode=mode, max_iter=max_iter, callbacks=callbacks, **params
        )
        start = time.perf_counter()
        clf.fit(X_fit, y_fit)
        per_epoch = (time.perf_counter() - start) / clf.n_iter_
        rows.append((mode, per_epoch, clf.score(X_te, y_te), note))
        curves[mode] = clf.loss_curve_

    say(f"{'fit_mode':<12} {'s/epoch':>8} {'test acc':>9}  note")
    for mode, per_epoch, acc, note in rows:
        say(f"{mode:<12} {per_epoch:>8.3f} {acc:>9.3f}  {note}")

    rnn = RNNEmbeddingTransformer(max_iter=args.max_iter, **params)
    pipe = Pipeline([("rnn", rnn), ("rf", RandomForestClassifier(random_state=0))])
    pipe.fit(X_tr, y_tr)
    say(
        f"\nPipeline(RNNEmbeddingTransformer, RandomForestClassifier): "
        f"test acc {pipe.score(X_te, y_te):.3f}"
    )
    name, acc = _baseline(args.dataset, X_tr, y_tr, X_te, y_te)
    say(f"Baseline, {name}: test acc {acc:.3f}")

    _figure(args, curves, rnn.transform(X_te), y_te, say)
    return 0


def _figure(args, curves, embedding, labels, say) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        say(
            "\nNo figure: matplotlib is missing. Install it with "
            "`pip install 'sklearn-rnn[plot]'` and rerun to get the loss curves and "
            "embedding plot."
        )
        return
    from sklearn.decomposition import PCA

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 5))
    for mode, curve in curves.items():
        ax1.plot(range(1, len(curve) + 1), curve, marker="o", ms=3, label=mode)
    ax1.set(xlabel="epoch", ylabel="training loss", title="Loss per fit mode")
    ax1.legend()
    points = PCA(n_components=2, random_state=0).fit_transform(embedding)
    colors = plt.get_cmap("tab20")
    for i, label in enumerate(np.unique(labels)):
        mask = labels == label
        ax2.scatter(
            points[mask, 0],
            points[mask, 1],
            s=6,
            label=str(label),
            alpha=0.7,
            color=colors(i % 20),
        )
    ax2.set(title="RNN embeddings of the test set (PCA)", xlabel="PC 1", ylabel="PC 2")
    ax2.legend(fontsize=7, markerscale=2, ncol=2)
    fig.tight_layout()
    fig.savefig(args.output, dpi=110)
    say(f"\nFigure written to {args.output}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sklearn-rnn", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="train every fit mode on bundled data")
    demo.add_argument("--dataset", choices=["surnames", "digits"], default="surnames")
    demo.add_argument(
        "--fit-mode", nargs="+", choices=ALL_MODES, default=list(ALL_MODES)
    )
    demo.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N, mps or auto")
    demo.add_argument("--max-iter", type=int, default=20, help="epochs (default 20)")
    demo.add_argument("--random-state", type=int, default=0)
    demo.add_argument("--output", default="sklearn_rnn_demo.png", help="figure path")
    demo.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    demo.add_argument(
        "--full-sgd",
        action="store_true",
        help=f"train sgd on all records (default: {SGD_SUBSET})",
    )
    demo.add_argument("--quiet", action="store_true", help="print nothing")
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.max_iter < 1:
        build_parser().error("--max-iter must be at least 1")
    try:
        return run_demo(args)
    except ValueError as exc:  # e.g. an unavailable --device
        print(f"sklearn-rnn: error: {exc}", file=sys.stderr)
        return 2
