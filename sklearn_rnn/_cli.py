"""The ``sklearn-rnn`` command line: ``sklearn-rnn demo`` trains on bundled data."""

from __future__ import annotations

import argparse
import sys
import time
import warnings

ALL_MODES = ("sgd", "minibatch", "vectorized", "packed")
PARTS = ("modes", "wins", "surnames")
# Parts that need more than the bundled data (run only when asked for).
EXTRA_PARTS = ("tagging",)

DESCRIPTION = """\
Train recurrent networks on data that ships with sklearn-rnn (18 s on one
thread of a 2-core Intel Xeon in December 2026; the demo prints its own
time), and print what they learn next to simple baselines:

  modes     the four fit modes on 500 surnames: one function, four speeds
  wins      tasks a bag of n-grams cannot solve: symbol order, and numeric
            series of unscaled channels
  surnames  13-language surnames: the RNN, a char n-gram model, and the two
            combined

  tagging   (only when asked: --part tagging) part-of-speech tags of the
            English Web Treebank, downloaded once by fetch_ud_treebank or read
            from --ud-dir: the tagger against the most frequent tag per word
            (and sklearn-crfsuite when installed), per tag

A figure (loss curves, embedding map, accuracy bars) is written to --output."""


class _Sizes:
    """How much data each part uses (``--quick`` shrinks it for tests)."""

    def __init__(self, quick: bool):
        self.modes_records, self.modes_epochs = (200, 1) if quick else (500, 2)
        self.order_records = 200 if quick else 1000
        self.wave_records = 120 if quick else 300
        self.surname_records = 800 if quick else None  # None: all 5,303
        self.max_iter = 3 if quick else 100
        self.tagging_sentences = 150 if quick else None  # None: all 2,001


def _rnn(args, **params):
    from sklearn_rnn import RNNSequenceClassifier

    return RNNSequenceClassifier(
        random_state=args.random_state, device=args.device, **params
    )


def _ngram_model():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), lowercase=False),
        LogisticRegression(C=10, max_iter=3000),
    )


def _timed_score(model, X_tr, X_te, y_tr, y_te):
    """Fit on the training part, score on the test part (train_test_split order)."""
    start = time.perf_counter()
    model.fit(X_tr, y_tr)
    return model.score(X_te, y_te), time.perf_counter() - start


def _split(X, y, test_size, seed=0):
    from sklearn.model_selection import train_test_split

    return train_test_split(X, y, test_size=test_size, stratify=y, random_state=seed)


def part_modes(args, sizes, say, results):
    """Every fit mode for the same epochs on the same records."""
    from sklearn_rnn.datasets import load_surnames

    X, y = load_surnames(return_X_y=True)
    X_tr, X_te, y_tr, y_te = _split(X, y, 0.25)
    n = sizes.modes_records
    say(
        f"1. Fit modes: {n} surnames, {sizes.modes_epochs} epochs each, same seed.\n"
        "   All four compute the same function of the same weights; minibatch,\n"
        "   vectorized and packed make the same updates (their loss curves\n"
        "   coincide; dropout is off here, as its masks are drawn per mode),\n"
        "   sgd updates after every record. Only the speed differs.\n"
    )
    say(f"   {'fit_mode':<11} {'s/epoch':>8} {'vs sgd':>7} {'test acc':>9}")
    rows = []
    for mode in args.fit_mode:
        clf = _rnn(
            args,
            fit_mode=mode,
            max_iter=sizes.modes_epochs,
            early_stopping=False,
            dropout=0.0,
        )
        acc, secs = _timed_score(clf, X_tr[:n], X_te, y_tr[:n], y_te)
        rows.append((mode, secs / clf.n_iter_, acc))
        results["curves"][mode] = clf.loss_curve_
    sgd_time = dict((m, t) for m, t, _ in rows).get("sgd")
    for mode, per_epoch, acc in rows:
        ratio = f"{sgd_time / per_epoch:>6.1f}x" if sgd_time else f"{'':>7}"
        say(f"   {mode:<11} {per_epoch:>8.3f} {ratio} {acc:>9.3f}")
    say("")


def _summary_stats(X):
    """Per-channel mean, std, min, max and mean |step| of each series, and its length."""
    import numpy as np

    rows = []
    for x in X:
        x = np.asarray(x, dtype=float).reshape(len(x), -1)
        diff = np.abs(np.diff(x, axis=0)) if len(x) > 1 else np.zeros_like(x)
        parts = [x.mean(0), x.std(0), x.min(0), x.max(0), diff.mean(0), [len(x)]]
        rows.append(np.concatenate(parts))
    return np.array(rows)


def _summary_stats_model():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    return make_pipeline(
        FunctionTransformer(_summary_stats),
        StandardScaler(),
        LogisticRegression(max_iter=3000),
    )


def part_wins(args, sizes, say, results):
    """Order and unscaled numeric series: where the RNN is needed."""
    from sklearn_rnn.datasets import (
        make_sequence_classification,
        make_wave_classification,
    )

    say(
        "2. Where the RNN wins (defaults, no tuning, no manual scaling):\n"
        f"   {'task':<44} {'RNN':>6} {'baseline':>9}  baseline model"
    )
    tasks = [
        (
            "marker order",
            "order of 3 markers in strings (6 classes)",
            make_sequence_classification(
                sizes.order_records,
                n_markers=3,
                min_length=10,
                max_length=30,
                random_state=0,
            ),
            _ngram_model(),
            "char n-gram tf-idf + LR",
        ),
        (
            "wave shape",
            "wave shapes, 3 channels, scales 1e-2..1e2",
            make_wave_classification(
                sizes.wave_records, max_length=120, random_state=0
            ),
            _summary_stats_model(),
            "summary statistics + LR",
        ),
    ]
    for short, title, (X, y), baseline, baseline_name in tasks:
        split = _split(X, y, 0.3)
        rnn, _ = _timed_score(_rnn(args, max_iter=sizes.max_iter), *split)
        base, _ = _timed_score(baseline, *split)
        say(f"   {title:<44} {rnn:>6.3f} {base:>9.3f}  {baseline_name}")
        results["bars"].append((short, rnn, base, None))
    say("")


def part_surnames(args, sizes, say, results):
    import numpy as np

    from sklearn_rnn.datasets import load_surnames

    X, y = load_surnames(return_X_y=True)
    if sizes.surname_records:
        keep = np.random.default_rng(0).permutation(len(X))[: sizes.surname_records]
        X, y = X[keep], y[keep]
    X_tr, X_te, y_tr, y_te = _split(X, y, 0.25)
    say(
        f"3. Surnames: {len(X_tr)} train / {len(X_te)} test names, "
        f"{len(np.unique(y))} languages."
    )
    rnn = _rnn(args, max_iter=sizes.max_iter)
    acc_rnn, t_rnn = _timed_score(rnn, X_tr, X_te, y_tr, y_te)
    ngram = _ngram_model()
    acc_ngram, t_ngram = _timed_score(ngram, X_tr, X_te, y_tr, y_te)
    # The average of the two models' probabilities, which is what
    # VotingClassifier(voting="soft") computes: neither model is trained on the
    # other's outputs, so no training label leaks into the combination.
    proba = (rnn.predict_proba(X_te) + ngram.predict_proba(X_te)) / 2
    acc_both = float(np.mean(rnn.classes_[proba.argmax(1)] == y_te))
    say(f"   {'RNN, defaults':<44} {acc_rnn:>6.3f}  ({t_rnn:.1f} s)")
    say(
        f"   {'char 1-4-gram tf-idf + LogisticRegression':<44} {acc_ngram:>6.3f}  "
        f"({t_ngram:.1f} s)"
    )
    say(f"   {'both: averaged probabilities (soft voting)':<44} {acc_both:>6.3f}")
    say(
        "   (Out-of-fold stacking, StackingClassifier with cv=5, learns how much\n"
        "   to trust each model; it trains the RNN 6 times: benchmarks/quality.py.)"
    )
    results["bars"].append(("surnames", acc_rnn, acc_ngram, acc_both))
    results["embedding"] = (_embed(rnn, X_te), y_te)
    say("")


def _load_ewt(args):
    """EWT dev (train) and test, from --ud-dir (checked) or fetch_ud_treebank."""
    from pathlib import Path

    from sklearn_rnn.datasets import fetch_ud_treebank
    from sklearn_rnn.datasets._ud import read_pinned_file

    splits = ("dev", "test")
    if not args.ud_dir:
        return [fetch_ud_treebank("en_ewt", split=s) for s in splits]
    folder = Path(args.ud_dir)
    return [
        read_pinned_file(folder / f"en_ewt-ud-{s}.conllu", "en_ewt", s) for s in splits
    ]


def part_tagging(args, sizes, say, results):
    import numpy as np

    from sklearn_rnn import RNNSequenceTagger
    from sklearn_rnn._tagging_baselines import crf_features, most_frequent_tag
    from sklearn_rnn.metrics import flat_accuracy_score

    train, test = _load_ewt(args)
    X_tr, y_tr = train.data, train.target
    if sizes.tagging_sentences:
        X_tr, y_tr = X_tr[: sizes.tagging_sentences], y_tr[: sizes.tagging_sentences]
    say(
        f"4. Part-of-speech tagging (English Web Treebank, UPOS, CC BY-SA 4.0): "
        f"{len(X_tr)} training sentences (dev), {len(test.data)} test sentences."
    )
    start = time.perf_counter()
    tagger = RNNSequenceTagger(
        random_state=args.random_state, device=args.device, max_iter=sizes.max_iter
    ).fit(X_tr, y_tr)
    fit_s = time.perf_counter() - start
    pred = tagger.predict(test.data)
    baseline = most_frequent_tag(X_tr, y_tr, test.data)
    rows = [
        (
            "RNNSequenceTagger(), defaults",
            flat_accuracy_score(test.target, pred),
            fit_s,
        ),
        (
            "most frequent tag of each word",
            flat_accuracy_score(test.target, baseline),
            0,
        ),
    ]
    try:
        import sklearn_crfsuite
    except ImportError:
        crf_pred = None
    else:
        start = time.perf_counter()
        crf = sklearn_crfsuite.CRF(c1=0.1, c2=0.1, max_iterations=100)
        crf.fit([crf_features(s) for s in X_tr], y_tr)
        crf_pred = crf.predict([crf_features(s) for s in test.data])
        rows.append(
            (
                "sklearn-crfsuite CRF, word/affix/shape features",
                flat_accuracy_score(test.target, crf_pred),
                time.perf_counter() - start,
            )
        )
    for name, acc, secs in rows:
        say(f"   {name:<48} {acc:>6.3f}" + (f"  ({secs:.0f} s)" if secs else ""))
    say("   Per tag (share of the test tokens with that tag that get it right):")
    gold = np.array([t for s in test.target for t in s])
    ours = np.array([t for s in pred for t in s])
    base = np.array([t for s in baseline for t in s])
    say(f"   {'tag':<7}{'tokens':>7}{'tagger':>8}{'baseline':>10}")
    for tag in sorted(set(gold)):
        mask = gold == tag
        say(
            f"   {tag:<7}{mask.sum():>7}{(ours[mask] == tag).mean():>8.3f}"
            f"{(base[mask] == tag).mean():>10.3f}"
        )
    say("")


def _embed(clf, X):
    """The embeddings the classifier's head reads (its pooled states)."""
    records, _ = clf._records_for_inference(X)
    return clf._run_module(records, "embed")


def _figure(path, results, say) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        say(
            "No figure: matplotlib is missing. Install it with "
            "`pip install -e '.[plot]'` (in the clone) to get the loss curves, the "
            "embedding map and the accuracy bars."
        )
        return
    fig, axes = plt.subplots(1, 3, figsize=(17, 5))
    _plot_curves(axes[0], results["curves"], MaxNLocator)
    _plot_embedding(fig, axes[1], results.get("embedding"))
    _plot_bars(axes[2], results["bars"])
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    say(f"Figure written to {path}")


def _plot_curves(ax, curves, MaxNLocator):
    styles = {
        "sgd": dict(color="tab:red", lw=2),
        "minibatch": dict(color="tab:blue", lw=5, alpha=0.35),
        "vectorized": dict(color="tab:blue", lw=2, ls="--"),
        "packed": dict(color="black", lw=1, ls=":"),
    }
    for mode, curve in curves.items():
        ax.plot(
            range(1, len(curve) + 1),
            curve,
            marker="o",
            ms=4,
            label=mode,
            **styles.get(mode, {}),
        )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(xlabel="epoch", ylabel="training loss", title="Training loss per fit mode")
    if curves:
        ax.legend(
            title="minibatch, vectorized and packed\nmake the same updates: one line",
            fontsize=8,
            title_fontsize=8,
        )


def _plot_embedding(fig, ax, embedding):
    import numpy as np

    if embedding is None:
        ax.set_axis_off()
        return
    from sklearn.decomposition import PCA

    points, labels = embedding
    points = PCA(n_components=2, random_state=0).fit_transform(points)
    names, counts = np.unique(labels, return_counts=True)
    shown = names[np.argsort(-counts)][:6]  # six languages stay readable
    palette = [
        "tab:blue",
        "tab:orange",
        "tab:green",
        "tab:red",
        "tab:purple",
        "tab:brown",
    ]
    other = ~np.isin(labels, shown)
    ax.scatter(points[other, 0], points[other, 1], s=4, color="0.85", label="others")
    for name, color in zip(shown, palette):
        mask = labels == name
        ax.scatter(points[mask, 0], points[mask, 1], s=8, color=color, label=name)
    ax.set(title="RNN embeddings of test surnames (PCA)", xlabel="PC 1", ylabel="PC 2")
    ax.legend(fontsize=8, markerscale=2, loc="upper left", bbox_to_anchor=(1, 1))


def _plot_bars(ax, bars):
    import numpy as np

    if not bars:
        ax.set_axis_off()
        return
    x = np.arange(len(bars))
    series = [
        ("RNN (defaults)", [b[1] for b in bars], -0.27),
        ("baseline", [b[2] for b in bars], 0.0),
        ("RNN + n-grams (soft voting)", [b[3] for b in bars], 0.27),
    ]
    for label, values, shift in series:
        shown = [(i, v) for i, v in enumerate(values) if v is not None]
        xs = [x[i] + shift for i, _ in shown]
        heights = [v for _, v in shown]
        rects = ax.bar(xs, heights, 0.27, label=label)
        ax.bar_label(rects, fmt="%.2f", fontsize=7, padding=1)
    ax.set_xticks(x, [b[0] for b in bars])
    ax.set(ylim=(0, 1.22), ylabel="test accuracy", title="Held-out accuracy")
    ax.legend(fontsize=8, loc="upper center", ncol=3, frameon=False)


def run_demo(args) -> int:
    import torch
    from sklearn.exceptions import ConvergenceWarning

    from sklearn_rnn._devices import resolve_device

    resolve_device(args.device)  # an unavailable device fails before training
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, flush=True))
    sizes = _Sizes(args.quick)
    results = {"curves": {}, "bars": []}
    started = time.perf_counter()
    try:
        for part in args.part:
            {
                "modes": part_modes,
                "wins": part_wins,
                "surnames": part_surnames,
                "tagging": part_tagging,
            }[part](args, sizes, say, results)
    finally:
        torch.set_num_threads(previous_threads)
    say(f"Done in {time.perf_counter() - started:.0f} s on {args.threads} thread(s).")
    if args.output:
        _figure(args.output, results, say)
    return 0


def build_parser() -> argparse.ArgumentParser:
    from sklearn_rnn import __version__

    parser = argparse.ArgumentParser(
        prog="sklearn-rnn",
        description="Recurrent networks behind the scikit-learn API.",
    )
    parser.add_argument(
        "--version", action="version", version=f"sklearn-rnn {__version__}"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = sub.add_parser(
        "demo",
        help="train on bundled data and compare with baselines",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    shown = argparse.ArgumentDefaultsHelpFormatter
    demo.formatter_class = type(
        "DemoFormatter", (argparse.RawDescriptionHelpFormatter, shown), {}
    )
    demo.add_argument(
        "--part",
        nargs="+",
        choices=PARTS + EXTRA_PARTS,
        default=list(PARTS),
        help="which parts to run",
    )
    demo.add_argument(
        "--ud-dir",
        help="tagging: a folder holding en_ewt-ud-dev.conllu and "
        "en_ewt-ud-test.conllu (checked against release r2.16) instead of a "
        "download",
    )
    demo.add_argument(
        "--fit-mode",
        nargs="+",
        choices=ALL_MODES,
        default=list(ALL_MODES),
        help="fit modes compared in the 'modes' part",
    )
    demo.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N, mps or auto")
    demo.add_argument(
        "--threads",
        type=int,
        default=1,
        help="most torch CPU threads a fit or prediction may use (the estimators' "
        "n_threads='auto' never exceeds it); 1 keeps the timings independent of load",
    )
    demo.add_argument(
        "--random-state", type=int, default=0, help="seed of every network"
    )
    demo.add_argument(
        "--output",
        default="sklearn_rnn_demo.png",
        help="where to write the figure; '' for no figure",
    )
    demo.add_argument(
        "--quick", action="store_true", help="tiny sizes (a smoke test, seconds)"
    )
    demo.add_argument(
        "--quiet",
        action="store_true",
        help="print nothing (the figure is still written unless --output '')",
    )
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.threads < 1:
        build_parser().error("--threads must be at least 1")
    try:
        return run_demo(args)
    except (ValueError, OSError) as exc:  # an unavailable --device, no data
        print(f"sklearn-rnn: error: {exc}", file=sys.stderr)
        return 2
