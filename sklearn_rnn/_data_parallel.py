"""Data-parallel training of one network on several worker processes.

Each worker holds a replica of the module and the whole training set, walks
the same batches in the same order as a one-process fit (the same seeded
generator), and computes the loss of its share of every batch: a contiguous
slice, sizes differing by at most one record, some shares empty when a batch
has fewer records than there are workers. Each share's loss is divided by
the weight of the *whole* batch, so that the sum of the workers' gradients,
taken by all-reduce before anything reads them (clipping, the weight
average, the optimizer), is the gradient of the one-process loss. Every
replica then takes the same step and stays equal to the others, and every
decision that reads the weights or the losses (the weight average, early
stopping on the held-out records, which each worker scores in full, the
epoch budget) comes out the same on every worker without further messages.

Workers are started through joblib, whose active backend (``loky`` by
default: processes of this machine; ``dask``; ``ray``) is the engine, and
meet through a ``torch.distributed`` store that the calling process hosts;
or by Ray Train (a ``ray.train.ScalingConfig`` in place of the count),
whose ``TorchTrainer`` places the workers and joins their process group.
Either way the first worker's trained network comes back. Plain torch,
joblib and Ray; knows nothing of scikit-learn.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import torch
import torch.distributed as dist
from skorch.callbacks import Callback

from sklearn_rnn._threads import torch_threads

# joblib backends whose tasks run in other processes (threads of this one
# cannot each hold a process group).
PROCESS_BACKENDS = {
    "LokyBackend": "loky",
    "MultiprocessingBackend": "multiprocessing",
    "DaskDistributedBackend": "dask",
    "RayBackend": "ray",
}
# Those whose workers are processes of this machine.
LOCAL_ENGINES = ("loky", "multiprocessing")
# How long a worker waits for the others to join, and for a collective.
RENDEZVOUS_TIMEOUT = timedelta(minutes=5)


def is_ray_scaling(workers) -> bool:
    """Whether ``workers`` is Ray Train's ``ScalingConfig`` (checked by name:
    Ray need not be installed to train without it)."""
    cls = type(workers)
    return cls.__name__ == "ScalingConfig" and cls.__module__.startswith("ray.")


def world_size(workers) -> int:
    """How many workers ``n_workers`` asks for: the count, or the
    ``ScalingConfig``'s ``num_workers``."""
    return int(workers.num_workers if is_ray_scaling(workers) else workers)


@dataclass(frozen=True)
class Shard:
    """Which share of every batch a worker computes."""

    rank: int
    world: int

    def of(self, batch: np.ndarray) -> np.ndarray:
        return np.array_split(batch, self.world)[self.rank]


def active_engine(n_workers: int) -> str:
    """The name of joblib's active backend, if its tasks run in processes
    and it runs ``n_workers`` of them at once (the workers wait for each
    other: fewer would wait forever); a ValueError naming it otherwise."""
    from joblib.parallel import get_active_backend

    backend, _ = get_active_backend()
    name = PROCESS_BACKENDS.get(type(backend).__name__)
    if name is None:
        raise ValueError(
            f"n_workers={n_workers} trains in worker processes, but joblib's "
            f"active backend ({type(backend).__name__}) runs tasks in this "
            "process. Use the default backend (loky: processes of this "
            "machine), joblib.parallel_config(backend='dask' or 'ray'), or a "
            "ray.train.ScalingConfig as n_workers (Ray Train)."
        )
    slots = backend.effective_n_jobs(n_workers)
    if slots < n_workers:
        raise ValueError(
            f"n_workers={n_workers} trains on that many worker processes at "
            f"once, but joblib's {name} backend runs {slots} task(s) at once "
            "(its workers' threads or CPUs). Lower n_workers or add workers."
        )
    return name


def check_ray_scaling(scaling) -> None:
    """Refuse, at once, a ``ScalingConfig`` that asks for GPUs (CPU
    training only) or for more CPUs than the Ray cluster has: Ray Train
    would wait for them forever."""
    import ray

    if scaling.use_gpu:
        raise ValueError(
            "n_workers=ScalingConfig(use_gpu=True): data-parallel training runs "
            "on CPU workers (torch.distributed's gloo backend); GPUs are not "
            "supported with several workers yet."
        )
    per_worker = (scaling.resources_per_worker or {}).get("CPU", 1)
    needed = scaling.num_workers * per_worker
    if ray.is_initialized():
        have, where = ray.cluster_resources().get("CPU", 0), "the Ray cluster has"
    else:
        have, where = os.cpu_count() or 1, "a local Ray instance would have"
    if needed > have:
        raise ValueError(
            f"n_workers=ScalingConfig(num_workers={scaling.num_workers}) needs "
            f"{needed:g} CPUs at once and {where} {have:g}: its workers would "
            "wait forever. Lower num_workers or add nodes."
        )


def train_ray(train_fn, scaling, args: tuple, threads):
    """Run ``train_fn(*args, shard=...)`` on the workers of a Ray Train
    ``TorchTrainer`` with ``scaling`` (a ``ScalingConfig``), which joins
    their gloo process group; return what rank 0 returns, sent back
    through a small actor (no shared storage needed)."""
    import tempfile

    import ray
    from ray.train import RunConfig
    from ray.train.torch import TorchConfig, TorchTrainer

    @ray.remote(num_cpus=0)
    class Mailbox:
        def __init__(self):
            self.item = None

        def put(self, item):
            self.item = item

        def get(self):
            return self.item

    mailbox = Mailbox.remote()

    def loop(config):
        context = ray.train.get_context()
        rank, world = context.get_world_rank(), context.get_world_size()
        with torch_threads(threads):
            result = train_fn(*args, shard=Shard(rank, world))
        if rank == 0:
            ray.get(config["mailbox"].put.remote(result))

    with tempfile.TemporaryDirectory() as storage:
        TorchTrainer(
            loop,
            train_loop_config={"mailbox": mailbox},
            scaling_config=scaling,
            torch_config=TorchConfig(backend="gloo"),
            run_config=RunConfig(storage_path=storage, name="sklearn_rnn"),
        ).fit()
    result = ray.get(mailbox.get.remote())
    ray.kill(mailbox)
    return result


def _store_host(engine: str) -> str:
    """Where workers reach the calling process: this machine's loopback for
    local processes, else ``MASTER_ADDR`` (torch's name for it) or the
    address this host's name resolves to."""
    if engine in LOCAL_ENGINES:
        return "127.0.0.1"
    return os.environ.get("MASTER_ADDR") or socket.gethostbyname(socket.gethostname())


def train_data_parallel(train_fn, n_workers: int, args: tuple, threads):
    """Run ``train_fn(*args, shard=Shard(rank, n_workers))`` in ``n_workers``
    processes joined in one process group; return what rank 0 returns.
    ``threads``: torch threads per worker (None: the worker's default)."""
    from joblib import Parallel, delayed

    engine = active_engine(n_workers)
    host = _store_host(engine)
    # The calling process hosts the store, so no worker has to be reachable
    # by the others before they meet; port 0: any free one.
    store = dist.TCPStore(
        host,
        0,
        is_master=True,
        wait_for_workers=False,
        timeout=RENDEZVOUS_TIMEOUT,
    )
    results = Parallel(n_jobs=n_workers)(
        delayed(_worker)(
            train_fn, args, rank, n_workers, host, store.port, threads, engine
        )
        for rank in range(n_workers)
    )
    return results[0]


def _worker(train_fn, args, rank, world, host, port, threads, engine):
    store = dist.TCPStore(host, port, is_master=False, timeout=RENDEZVOUS_TIMEOUT)
    # Gloo's sockets reach the other local workers over the loopback
    # device, whatever interface this host's name resolves to.
    if engine in LOCAL_ENGINES:
        os.environ.setdefault("GLOO_SOCKET_IFNAME", _loopback_interface())
    dist.init_process_group(
        "gloo", store=store, rank=rank, world_size=world, timeout=RENDEZVOUS_TIMEOUT
    )
    try:
        with torch_threads(threads):
            result = train_fn(*args, shard=Shard(rank, world))
    finally:
        dist.destroy_process_group()
    return result if rank == 0 else None


def _loopback_interface() -> str:
    names = [name for _, name in socket.if_nameindex()]
    return "lo" if "lo" in names else names[0]


class AllReduceGradients(Callback):
    """Sum the workers' gradients, and their shares of the batch's loss,
    before any other callback or the optimizer reads them: one all-reduce
    of one flat buffer per update (a collective's latency, not its size,
    is what a small network's update pays for; gloo on this machine: 1.4
    ms for 1,000 values, 2.6 ms for 700,000). A table updated by rows
    (``_row_updates``) sends its rows instead. Listed first among the
    callbacks."""

    def on_grad_computed(self, net, named_parameters=None, **kwargs):
        module = net.module_
        params = [p for p in module.parameters() if p.requires_grad]
        rows = module.row_gradients
        by_rows = set(map(id, module.lookup_tables())) if rows is not None else set()
        if rows is not None:
            _all_gather_rows(rows, [p for p in params if id(p) in by_rows])
        params = [p for p in params if id(p) not in by_rows]
        # Which parameters this share reached: one no worker reached keeps
        # no gradient, which the optimizer skips as in a one-process fit.
        reached = [float(p.grad is not None) for p in params]
        flat = torch.cat(
            [
                net.loss_slot_.reshape(1).to(torch.float32),
                torch.tensor(reached, dtype=torch.float32),
                *(
                    (p.grad if p.grad is not None else torch.zeros_like(p))
                    .reshape(-1)
                    .to(torch.float32)
                    for p in params
                ),
            ]
        )
        dist.all_reduce(flat)
        net.loss_slot_.copy_(flat[0])
        offset = 1 + len(params)
        for p, n_reached in zip(params, flat[1 : 1 + len(params)].tolist()):
            n = p.numel()
            if n_reached:
                if p.grad is None:
                    # In the parameter's own layout (U is stored column-major):
                    # the fused optimizer reads gradient and parameter alike.
                    p.grad = torch.empty_like(p)
                p.grad.copy_(flat[offset : offset + n].view(p.shape))
            offset += n


def _all_gather_rows(rows, tables) -> None:
    """Every worker's ``(ids, rows)`` of each table, concatenated: the
    sink merges them (summing the rows of an id) on first read."""
    merged = rows.merged()
    mine = [tuple(t.cpu() for t in merged[p]) if p in merged else None for p in tables]
    gathered = [None] * dist.get_world_size()
    dist.all_gather_object(gathered, mine)
    rows.clear()
    for i, p in enumerate(tables):
        for parts in gathered:
            if parts[i] is not None:
                ids, values = parts[i]
                rows.add(p, ids.to(p.device), values.to(p.device))
