"""The recurrent network alone (``wide=False``) against the bars issue #50
sets it: the better of 1-NN and summary statistics + forest on every
classification set, and the published deep networks' accuracy on the UCR
sets where they exist. Reads result files only (fits nothing):

    python benchmarks/network_alone.py \\
        --runs docs/_static/suite_runs/probabilities.json \\
        --baselines docs/_static/suite_runs/baselines.json \\
            docs/_static/suite_runs/check_sets.json \\
            docs/_static/suite_runs/generated_sets.json \\
        --published docs/_static/published_inceptiontime.csv \\
        --rst docs/_static/network_alone.rst

``--runs``: ``probabilities.py --json`` files (their ``wide=False`` and
``defaults`` rows); ``--baselines``: ``suite.py --json`` files (1-NN and
stats+RF); ``--published``: a CSV of ``set,accuracy`` (lines starting with
``#`` say where the numbers come from).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys

import numpy as np


def _published(path):
    with open(path) as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return {r["set"]: float(r["accuracy"]) for r in rows}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", nargs="+", required=True)
    parser.add_argument("--baselines", nargs="+", required=True)
    parser.add_argument("--published", required=True)
    parser.add_argument("--rst")
    args = parser.parse_args(argv)
    runs = [r for p in args.runs for r in json.load(open(p))]
    suite = [r for p in args.baselines for r in json.load(open(p))]
    published = _published(args.published)

    def ours(name, model):
        return [r["accuracy"] for r in runs if r["set"] == name and r["model"] == model]

    def theirs(name, model):
        return [r[3] for r in suite if r[0] == name and r[1] == model]

    sets = list(dict.fromkeys(r["set"] for r in runs))
    header = ["set", "wide=False", "defaults", "1-NN", "stats + RF", "InceptionTime"]
    rows, below, alone, deep = [], [], [], []
    for name in sets:
        net = ours(name, "wide=False")
        bar = max(np.mean(theirs(name, "1-NN")), np.mean(theirs(name, "stats+RF")))
        if np.mean(net) < bar:
            below.append(name)
        cell = f"{np.mean(net):.3f} ±{np.std(net):.3f}".replace("±0.", "±.")
        rows.append(
            [
                name,
                cell,
                f"{np.mean(ours(name, 'defaults')):.3f}",
                f"{np.mean(theirs(name, '1-NN')):.3f}",
                f"{np.mean(theirs(name, 'stats+RF')):.3f}",
                f"{published[name]:.3f}" if name in published else "",
            ]
        )
        if name in published:
            alone.append(np.mean(net))
            deep.append(published[name])
    seeds = sorted({r["seed"] for r in runs})
    lines = [
        f"Test accuracy, mean (± std) over seeds {seeds}; InceptionTime: "
        "published, one run of its five-network ensemble.",
        "",
        ".. list-table:: The network alone against the baselines",
        "   :header-rows: 1",
        "   :widths: 22 14 12 10 12 14",
        "",
    ]
    for row in [header, *rows]:
        lines.append(f"   * - {row[0]}")
        lines += [f"     - {c}" for c in row[1:]]
    lines += [
        "",
        f"The network alone is below the better of 1-NN and stats + RF on "
        f"{len(below)} of {len(sets)} sets"
        + (f" ({', '.join(below)})" if below else "")
        + f". On the {len(deep)} UCR sets with a published InceptionTime "
        f"accuracy: the network alone {np.mean(alone):.3f}, InceptionTime "
        f"{np.mean(deep):.3f} (gap {np.mean(alone) - np.mean(deep):+.3f}).",
    ]
    text = "\n".join(lines)
    print(text)
    if args.rst:
        with open(args.rst, "w") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
