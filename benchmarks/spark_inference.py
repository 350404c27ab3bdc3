"""A Spark DataFrame column scored by sklearn_rnn.spark against one process.

    pip install -e ".[spark]"      # and Java: apt-get install openjdk-17-jre-headless
    python benchmarks/spark_inference.py            # 100,000 strings, ~2 min
    python benchmarks/spark_inference.py --n 20000

A default classifier fitted on 1,500 of the bundled surnames scores ``--n``
held-out names (repeated up to n) twice: ``predict_proba`` in this process
(one torch thread) and ``apply_column`` on a ``local[2]`` Spark session with
the table in 8 partitions (each Python worker one torch thread). Prints
whether the two agree bit for bit, and the wall times side by side: Spark's
includes its job start and the model's broadcast, not the session's start.
"""

import argparse
import os
import sys
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")
# Spark's Python workers run this interpreter, not the first python3 on PATH
# (which, outside an activated virtual environment, lacks the library).
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

import numpy as np  # noqa: E402
import torch  # noqa: E402

from sklearn_rnn import RNNSequenceClassifier  # noqa: E402
from sklearn_rnn.datasets import load_surnames  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--partitions", type=int, default=8)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    torch.set_num_threads(1)
    from pyspark.sql import SparkSession

    from sklearn_rnn.spark import apply_column

    names, langs = load_surnames(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(names))
    X = [names[i] for i in order]
    y = np.asarray(langs)[order]
    clf = RNNSequenceClassifier(random_state=0).fit(X[:1500], y[:1500])
    X_new = [X[1500 + i % (len(X) - 1500)] for i in range(args.n)]

    start = time.perf_counter()
    expected = clf.predict_proba(X_new)
    local = time.perf_counter() - start

    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    df = spark.createDataFrame(list(enumerate(X_new)), ["id", "name"])
    df = df.repartition(args.partitions).cache()
    df.count()  # the table is in Spark before the clock starts
    start = time.perf_counter()
    rows = (
        apply_column(df, clf, "name", "predict_proba")
        .select("id", "predict_proba")
        .collect()
    )
    distributed = time.perf_counter() - start
    got = np.empty_like(expected)
    for row in rows:
        got[row[0]] = row[1]
    spark.stop()
    same = np.array_equal(got, expected)
    print(f"{args.n:,} strings, predict_proba of a default classifier")
    print(f"one process, one thread        {local:6.1f} s")
    print(f"Spark local[2], {args.partitions} partitions  {distributed:6.1f} s")
    print(f"ratio (one process / Spark)     {local / distributed:5.2f}x")
    print(f"bitwise equal to one process    {same}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
