"""Inference at scale: a dask LocalCluster against one process, side by side.

    python benchmarks/scaling_out.py                     # 1,000,000 strings
    python benchmarks/scaling_out.py --n 200000 --markdown out.md
    python benchmarks/scaling_out.py --method transform  # embeddings

Needs the "dask" extra. Each partition is generated where it is predicted (as
data read from storage would be), by the same seeded function in both runs:
the single process predicts partition after partition on one thread; the
cluster has 2 worker processes of one thread each, and gets the fitted model
through ``sklearn_rnn.dask.apply_blocks``, which scatters it once. Both sides
are warm: the process has just fitted the model, each worker has made one
small prediction before the clock starts.

Printed: seconds and sequences/s of both and their ratio (the speedup), the
model's pickled size against the largest task of the graph (the model is
shipped once per worker, not with every partition), and each worker's peak
memory for a quarter of n and for n (flat means partitions stream through).
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from data import ALPHABET, make_surname_like  # noqa: E402
from machine import cpu_name  # noqa: E402

PARTITION = 50_000
# Worker settings for CPU-bound inference (docs/scaling_out.rst explains them):
# dask starts workers with MALLOC_TRIM_THRESHOLD_=64 KiB, which turns off
# glibc's adaptive thresholds, so batch-sized temporary tensors were mapped or
# trimmed and page-faulted afresh on every call (inference ran ~1.6x slower
# than in a plain process); and each worker's statistical profiler samples the
# running task's stack every 10 ms (~5-10% here).
WORKER_SETTINGS = {
    "distributed.nanny.pre-spawn-environ.MALLOC_MMAP_THRESHOLD_": 2**26,
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": 2**27,
    "distributed.worker.profile.enabled": False,
}


def partition(i: int, size: int = PARTITION) -> np.ndarray:
    """The i-th block of surname-like strings (lengths 2-20, ~60 symbols), the
    same wherever it is made, and made fast: the benchmark measures inference."""
    rng = np.random.default_rng(1000 + i)
    lengths = rng.integers(2, 21, size=size)
    text = "".join(rng.choice(ALPHABET, size=int(lengths.sum())))
    ends = np.cumsum(lengths)
    out = np.empty(size, dtype=object)
    out[:] = [text[e - n : e] for e, n in zip(ends, lengths)]
    return out


def fitted_model(method: str):
    """The default classifier, or for ``transform`` the default embedding
    transformer trained on the same labels (inference costs the same after
    2 epochs as after 20)."""
    from sklearn_rnn import RNNEmbeddingTransformer, RNNSequenceClassifier

    X, y = make_surname_like(5_000, random_state=0)
    est = RNNEmbeddingTransformer if method == "transform" else RNNSequenceClassifier
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est(max_iter=2, random_state=0).fit(X, y)


def single_process(model, n_parts: int, method: str, size: int) -> float:
    import torch

    torch.set_num_threads(1)
    start = time.perf_counter()
    for i in range(n_parts):
        getattr(model, method)(partition(i, size))
    return time.perf_counter() - start


def strings_array(n_parts: int, size: int):
    import dask
    import dask.array as da

    blocks = [
        da.from_delayed(dask.delayed(partition)(i, size), (size,), dtype=object)
        for i in range(n_parts)
    ]
    return da.concatenate(blocks)


def _peak_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _warm_worker(model, method: str) -> None:
    """One torch thread, the imports, and one small prediction (torch's and
    MKL's first-call set-up), done before the clock starts: a long-lived
    worker has them already, as the single process has from its fit."""
    import torch

    torch.set_num_threads(1)
    getattr(model, method)(partition(0)[:5_000])


def on_cluster(
    client, model, n_parts: int, method: str, size: int
) -> tuple[float, list[float]]:
    import dask

    from sklearn_rnn.dask import apply_blocks

    client.restart()  # fresh workers: peak memory counts this run only
    client.run(_warm_worker, model, method)
    start = time.perf_counter()
    # Class counts (or the embeddings' sum) come back, not a million rows:
    # the work stays on the workers.
    with dask.config.set(scheduler="dask.distributed"):
        out = apply_blocks(model, strings_array(n_parts, size), method)
        if method == "transform":
            total = out.sum(axis=0).compute()
            assert np.isfinite(total).all()
        else:
            counts = out.map_blocks(
                lambda b: np.bincount(b.astype(int), minlength=18)[None],
                chunks=(1, 18),
                new_axis=1,
                dtype=int,
            ).sum(axis=0)
            total = counts.compute()
            assert total.sum() == n_parts * size
    seconds = time.perf_counter() - start
    return seconds, sorted(client.run(_peak_rss_mib).values())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="strings (default 1M)")
    parser.add_argument("--markdown", help="also write the table to this file")
    parser.add_argument("--method", choices=["predict", "transform"], default="predict")
    parser.add_argument(
        "--partition", type=int, default=PARTITION, help="strings per block"
    )
    args = parser.parse_args(argv)
    import dask
    from distributed import Client, LocalCluster

    from sklearn_rnn.dask import apply_blocks

    size = args.partition
    n_parts = max(4, args.n // size)
    n = n_parts * size
    model = fitted_model(args.method)
    model_bytes = len(pickle.dumps(model))

    t_single = single_process(model, n_parts, args.method, size)
    with (
        dask.config.set(WORKER_SETTINGS),
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        with dask.config.set(scheduler="dask.distributed"):
            graph = apply_blocks(
                model, strings_array(n_parts, size), args.method
            ).__dask_graph__()
            sizes = sorted(len(pickle.dumps(task)) for task in dict(graph).values())
        t_quarter, mem_quarter = on_cluster(
            client, model, max(2, n_parts // 4), args.method, size
        )
        t_cluster, mem_full = on_cluster(client, model, n_parts, args.method, size)

    lines = [
        f"## Distributed inference: {n:,} strings, {args.method} of the default "
        f"{'embedding transformer' if args.method == 'transform' else 'classifier'} "
        f"(CPU: {cpu_name()})",
        "",
        "| run | seconds | sequences/s |",
        "|---|---|---|",
        f"| one process, 1 thread | {t_single:.1f} | {n / t_single:,.0f} |",
        f"| LocalCluster, 2 workers x 1 thread | {t_cluster:.1f} | {n / t_cluster:,.0f} |",
        "",
        f"Speedup: {t_single / t_cluster:.2f}x. Worker settings: "
        + ", ".join(
            f"{k.split('environ.')[-1].removeprefix('distributed.')}={v}"
            for k, v in WORKER_SETTINGS.items()
        )
        + ".",
        "",
        f"The model pickles to {model_bytes / 1024:.0f} KiB and is scattered to "
        f"both workers before the work starts; the largest of the graph's "
        f"{len(sizes)} tasks is {sizes[-1] / 1024:.1f} KiB.",
        "",
        f"Peak worker memory (MiB): {', '.join(f'{m:.0f}' for m in mem_quarter)} "
        f"for {max(2, n_parts // 4) * size:,} strings, "
        f"{', '.join(f'{m:.0f}' for m in mem_full)} for {n:,} "
        f"({t_quarter:.1f} s for the smaller run).",
    ]
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
