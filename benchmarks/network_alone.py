"""The recurrent network alone (``wide=False``) against the bars issue #50
sets it: the better of 1-NN and summary statistics + forest on every
classification set, and the published deep networks' accuracy on the UCR
sets where they exist. Reads result files only (fits nothing):

    python benchmarks/network_alone.py \\
        --runs docs/_static/suite_runs/probabilities.json \\
            docs/_static/suite_runs/probabilities_kernel_shares.json \\
        --before docs/_static/suite_runs/probabilities.json \\
        --baselines docs/_static/suite_runs/baselines.json \\
            docs/_static/suite_runs/check_sets.json \\
            docs/_static/suite_runs/generated_sets.json \\
        --published docs/_static/published_inceptiontime.csv \\
        --rst docs/_static/network_alone.rst

``--runs``: ``probabilities.py --json`` files (their ``wide=False`` and
``defaults`` rows; a later file's run replaces an earlier's); ``--before``:
such files from before the network read the kernels' running shares (their
``wide=False`` rows); ``--baselines``: ``suite.py --json`` files (1-NN and
stats+RF); ``--published``: a CSV of ``set,accuracy`` (lines starting with
``#`` say where the numbers come from); ``--front-end``: ``suite.py --json``
files with runs of other settings (``--front-end-model``), a column each.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys

import numpy as np
from probabilities import latest_runs


def _published(path):
    with open(path) as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return {r["set"]: float(r["accuracy"]) for r in rows}


def _cell(values) -> str:
    return f"{np.mean(values):.3f} ±{np.std(values):.3f}".replace("±0.", "±.")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", nargs="+", required=True)
    parser.add_argument("--baselines", nargs="+", required=True)
    parser.add_argument("--published", required=True)
    parser.add_argument(
        "--front-end",
        nargs="+",
        metavar="JSON",
        help="suite.py --json files with runs of the network alone with other "
        "settings (their models named by --front-end-model): a column each",
    )
    parser.add_argument(
        "--front-end-model", nargs="+", default=["wide=False, conv_filters=32"]
    )
    parser.add_argument(
        "--before",
        nargs="+",
        metavar="JSON",
        help="probabilities.py --json files of the network alone before "
        "kernel_shares (its wide=False rows): a column kernel_shares=0",
    )
    parser.add_argument("--rst")
    args = parser.parse_args(argv)
    runs = latest_runs(args.runs)
    before = [r for p in args.before or [] for r in json.load(open(p))]
    suite = [r for p in args.baselines for r in json.load(open(p))]
    front = [r for p in args.front_end or [] for r in json.load(open(p))]
    published = _published(args.published)

    def ours(name, model, source=runs):
        return [
            r["accuracy"] for r in source if r["set"] == name and r["model"] == model
        ]

    def theirs(name, model, source=suite):
        return [r[3] for r in source if r[0] == name and r[1] == model]

    sets = list(dict.fromkeys(r["set"] for r in runs))
    # Each further column: its label -> its runs of a set.
    labels = {}
    if before:
        labels["kernel_shares=0"] = lambda name: ours(name, "wide=False", before)
    for m in args.front_end_model if front else []:
        labels[m.replace("wide=False, ", "")] = lambda name, m=m: theirs(name, m, front)
    header = ["set", "wide=False", *labels]
    header += ["defaults", "1-NN", "stats + RF", "InceptionTime"]
    rows = []
    below = {key: [] for key in ["wide=False", *labels]}
    mean_on_published = {key: [] for key in ["wide=False", *labels]}
    deep = []
    for name in sets:
        columns = {"wide=False": ours(name, "wide=False")}
        for label, values in labels.items():
            columns[label] = values(name)
        bar = max(np.mean(theirs(name, "1-NN")), np.mean(theirs(name, "stats+RF")))
        for key, values in columns.items():
            if np.mean(values) < bar:
                below[key].append(name)
            if name in published:
                mean_on_published[key].append(np.mean(values))
        if name in published:
            deep.append(published[name])
        rows.append(
            [
                name,
                *(_cell(v) for v in columns.values()),
                f"{np.mean(ours(name, 'defaults')):.3f}",
                f"{np.mean(theirs(name, '1-NN')):.3f}",
                f"{np.mean(theirs(name, 'stats+RF')):.3f}",
                f"{published[name]:.3f}" if name in published else "",
            ]
        )
    seeds = sorted({r["seed"] for r in runs})
    caption = (
        f"Test accuracy, mean (± std) over seeds {seeds}; InceptionTime: "
        "published, one run of its five-network ensemble."
    )
    if before:
        before_seeds = sorted({r["seed"] for r in before})
        caption += (
            f" kernel_shares=0: the network alone before it read the kernels' "
            f"running shares, seeds {before_seeds}."
        )
    for m in args.front_end_model if front else []:
        front_seeds = sorted({r[2] for r in front if r[1] == m})
        caption += (
            f" {m.replace('wide=False, ', '')}: the network alone with it, "
            f"seeds {front_seeds}."
        )
    widths = "22 14 " + "14 " * len(labels) + "12 10 12 14"
    lines = [
        caption,
        "",
        ".. list-table:: The network alone against the baselines",
        "   :header-rows: 1",
        f"   :widths: {widths}",
        "",
    ]
    for row in [header, *rows]:
        lines.append(f"   * - {row[0]}")
        lines += [f"     - {c}" for c in row[1:]]
    lines.append("")
    for key in ["wide=False", *labels]:
        who = "The network alone" if key == "wide=False" else f"With {key}, it"
        lines.append(
            f"{who} is below the better of 1-NN and stats + RF on "
            f"{len(below[key])} of {len(sets)} sets"
            + (f" ({', '.join(below[key])})" if below[key] else "")
            + f". On the {len(deep)} UCR sets with a published InceptionTime "
            f"accuracy: {'the network alone' if key == 'wide=False' else 'with ' + key + ','} "
            f"{np.mean(mean_on_published[key]):.3f}, InceptionTime "
            f"{np.mean(deep):.3f} (gap "
            f"{np.mean(mean_on_published[key]) - np.mean(deep):+.3f}).",
        )
        lines.append("")
    text = "\n".join(lines).rstrip() + "\n"
    print(text)
    if args.rst:
        with open(args.rst, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
