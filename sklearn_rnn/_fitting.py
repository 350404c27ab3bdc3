"""Training: the fit modes, batching, and the skorch net that drives the loop.

Nothing here knows about scikit-learn's estimator API; ``_base.py`` validates and
encodes, then calls :func:`train`.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping, ProgressBar
from skorch.dataset import Dataset
from skorch.helper import predefined_split
from torch import nn

from sklearn_rnn._data_parallel import AllReduceGradients, Shard
from sklearn_rnn._encoding import Records
from sklearn_rnn._module import MatrixRNN
from sklearn_rnn._row_updates import RowAdamW, RowAverage, RowGradients, clip_grad_norm
from sklearn_rnn._tasks import Targets


@dataclass(frozen=True)
class FitMode:
    """How a fit mode batches records and runs the forward pass."""

    forward_mode: str  # MatrixRNN.forward_mode during training
    per_record_updates: bool  # one optimizer step per record (batch of one)

    def inference_mode(self, device: torch.device) -> str:
        """Forward mode for predict/transform: the same function, computed fast.

        "loop" is "vectorized", only slower. torch's CPU kernels round a record
        differently depending on its batch, so on the CPU packed models predict
        through the (batch-independent) vectorized path; on GPUs cuDNN is used.
        """
        if self.forward_mode == "packed" and device.type != "cpu":
            return "packed"
        return "vectorized"


_FIT_MODES = {
    "sgd": FitMode("loop", per_record_updates=True),  # Parr 1.5
    "minibatch": FitMode("loop", per_record_updates=False),  # Parr 2.1
    "vectorized": FitMode("vectorized", per_record_updates=False),  # Parr 2.2
    "packed": FitMode("packed", per_record_updates=False),  # torch's fused kernels
}

# Length-sorted groups are formed inside shuffled chunks of this many batches:
# batches hold records of similar length (few pad steps) yet stay random.
_BUCKET_CHUNK_BATCHES = 50


# The names of the library's own callbacks in ``net_.callbacks_`` (documented
# with the ``callbacks`` parameter); a user callback may not take one.
LIBRARY_CALLBACKS = (
    "all_reduce",
    "divergence",
    "averaging",
    "clip",
    "stopping",
    "progress",
    "progress_bar",
)


# The learning rate of a CRF's transition scores relative to the others'.
# On EWT (train dev, test test, seed 0) x1 / x10 / x30 / x100 gave NAME-span
# F1 0.714 / 0.733 / 0.733 / 0.747 (x1 left 9 test sentences with invalid BIO,
# the others none) and UPOS 0.924 / 0.923 / 0.922 / 0.921; over seeds 0-2,
# x10 / x100: spans 0.725 / 0.741, UPOS 0.9225 / 0.9214 (softmax: 0.9213).
CRF_LR_FACTOR = 100


class TrainingDiverged(RuntimeError):
    """The training loss became NaN or infinite."""


class SequenceDataset(Dataset):
    """Encoded records with their targets and sample weights."""

    def __init__(self, records: Records, targets: Targets, sample_weight: np.ndarray):
        self.records = records
        self.targets = targets
        self.sample_weight = np.asarray(sample_weight)  # float32 per batch

    def subset(self, idx) -> SequenceDataset:
        """Records ``idx`` with their targets (per-step targets follow them)."""
        return SequenceDataset(
            self.records.subset(idx),
            self.targets.subset(self.records, idx),
            self.sample_weight[idx],
        )

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, i):  # part of the Dataset protocol; batches use indices
        return i, i


@dataclass
class SequenceBatch:
    """One left-padded batch as the module and the weighted loss need it."""

    X: torch.Tensor
    lengths: np.ndarray  # stays on the CPU: the step plan is built from it
    weight: torch.Tensor  # of each output row (a record, or a step) in the loss
    features: torch.Tensor | None = None  # per record, for the wide term
    # A worker's share of a batch (``_data_parallel``): the whole batch's
    # records and weight, by which its loss is counted and divided.
    whole_size: int | None = None
    whole_weight: torch.Tensor | None = None

    def __len__(self) -> int:  # skorch records batch sizes with len()
        return len(self.lengths) if self.whole_size is None else self.whole_size


def batch_indices(lengths, batch_size, *, shuffle, bucket, rng) -> list[np.ndarray]:
    """Split record indices into batches, optionally grouping similar lengths."""
    n = len(lengths)
    order = rng.permutation(n) if shuffle else np.arange(n)
    if not bucket:
        return [order[i : i + batch_size] for i in range(0, n, batch_size)]
    batches = []
    chunk = batch_size * _BUCKET_CHUNK_BATCHES
    for start in range(0, n, chunk):
        part = order[start : start + chunk]
        part = part[np.argsort(lengths[part], kind="stable")]
        batches.extend(
            part[i : i + batch_size] for i in range(0, len(part), batch_size)
        )
    if shuffle:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches


class SequenceLoader:
    """Iterable of ``(SequenceBatch, y)``, built by skorch once per epoch.

    Replaces torch's DataLoader: a batch is one fancy-indexing call on the flat
    records (no per-item ``__getitem__``/collate), and the shuffling generator is
    the estimator's, so epochs differ yet refits reproduce.
    """

    def __init__(
        self,
        dataset: SequenceDataset,
        batch_size: int,
        *,
        shuffle=False,
        bucket=True,
        rng=None,
        device="cpu",
        shard: Shard | None = None,
    ):
        self.dataset, self.batch_size = dataset, batch_size
        self.shuffle, self.bucket, self.device = shuffle, bucket, device
        self.rng = rng  # read only to shuffle: skorch's validation loader does not
        self.shard = shard  # data-parallel training: this worker's share

    def __len__(self) -> int:
        return -(-len(self.dataset) // self.batch_size)

    def __iter__(self):
        ds = self.dataset
        for idx in batch_indices(
            ds.records.lengths,
            self.batch_size,
            shuffle=self.shuffle,
            bucket=self.bucket,
            rng=self.rng,
        ):
            whole = {}
            if self.shard is not None:
                _, weight = ds.targets.rows(ds.records, idx, ds.sample_weight)
                # Summed as the one-process loss sums it (float32).
                whole_weight = torch.as_tensor(weight, dtype=torch.float32).sum()
                whole_weight = whole_weight.to(self.device)
                whole = {"whole_size": len(idx), "whole_weight": whole_weight}
                idx = self.shard.of(idx)
            X, lengths = ds.records.left_padded(idx)
            y, weight = ds.targets.rows(ds.records, idx, ds.sample_weight)
            features = ds.records.features
            batch = SequenceBatch(
                torch.as_tensor(X).to(self.device),
                lengths,
                torch.as_tensor(weight, dtype=torch.float32).to(self.device),
                None
                if features is None
                else torch.as_tensor(features[idx]).to(self.device),
                **whole,
            )
            yield batch, torch.as_tensor(y).to(self.device)


class _SequenceNet(NeuralNet):
    """skorch's training loop, fed with :class:`SequenceBatch` objects."""

    def infer(self, x, **fit_params):
        return self.module_(x.X, x.lengths, features=x.features)

    def get_loss(self, y_pred, y_true, X, **kwargs):  # training or not: one loss
        if getattr(self.criterion_, "reads_records", False):
            # A loss over whole label sequences (the CRF) needs to know which
            # rows make a record, and the module's transition scores.
            per_row = self.criterion_(y_pred, y_true, X.lengths, self.module_)
        else:
            per_row = self.criterion_(y_pred, y_true)  # class weights applied here
        weight = X.weight
        total = weight.sum() if X.whole_weight is None else X.whole_weight
        # A batch whose rows all weigh 0 contributes nothing (not 0/0).
        return (per_row * weight).sum() / total.clamp_min(1e-12)


class _ShardedSequenceNet(_SequenceNet):
    """One worker of a data-parallel fit (``_data_parallel``): the loss of
    its share of each batch, its gradients summed with the other workers'
    by :class:`AllReduceGradients`, the whole batch's loss in the history."""

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        Xi, yi = batch
        if len(Xi.lengths):
            step = super().train_step_single(batch, **fit_params)
        else:  # an empty share: no rows, no gradient (the sum adds zeros)
            step = {"loss": torch.zeros((), device=Xi.weight.device), "y_pred": None}
        # The share's loss, which AllReduceGradients turns into the whole
        # batch's in place with the gradients (the history records it).
        self.loss_slot_ = step["loss"].detach().clone()
        return {"loss": self.loss_slot_, "y_pred": step["y_pred"]}


class _ClipGradNorm(Callback):
    """Gradient-norm clipping on the module's parameters.

    skorch's GradientNormClipping walks a tee'd generator of named parameters on
    every batch; clipping the module's parameter list directly is the same
    operation at a fraction of the per-batch cost.
    """

    def __init__(self, max_norm: float):
        self.max_norm = max_norm

    def on_grad_computed(self, net, **kwargs):
        rows = net.module_.row_gradients
        if rows:  # the lookups' gradients are rows beside the dense ones
            clip_grad_norm(net.module_.parameters(), rows, self.max_norm)
        else:
            torch.nn.utils.clip_grad_norm_(net.module_.parameters(), self.max_norm)


class _WeightAveraging(Callback):
    """An exponential moving average of the weights (Polyak averaging).

    Training updates the raw weights as usual; after every update the average
    moves towards them by ``1 - decay``. Between epochs the module holds the
    average, so the validation loss, early stopping (and the best weights it
    keeps) and the fitted model all see the average, while the next epoch
    resumes from the raw weights. Averaging the last few dozen updates smooths
    out the noise of the final minibatches, which is what a model stopped
    after a handful of epochs on a small data set suffers from most.

    Until it reaches ``decay``, the decay after update ``n`` is
    ``1 - (eta + 1) / (n + eta)``: polynomial-decay averaging (Shamir & Zhang,
    2013), which weighs update ``k`` of the first ``n`` about as ``k**eta``.
    The random initialisation thus never lingers, and a short fit (tens of
    updates) is averaged over its last updates rather than all of them.
    """

    ETA = 3

    def __init__(self, decay: float):
        self.decay = decay

    def on_train_begin(self, net, **kwargs):
        # Each parameter beside the weights the module does not hold: the
        # average while training runs, the raw weights while the module holds
        # the average (validation, the end of an epoch). Pairs, not parallel
        # lists, so a parameter can never meet another's copy. Lookup tables
        # updated by rows keep theirs in a RowAverage, which reads only the
        # columns an update touches.
        module = net.module_
        tables = module.lookup_tables() if module.row_gradients is not None else []
        self.tables_ = [RowAverage(p, p.detach().clone()) for p in tables]
        self.slots_ = [
            (p, p.detach().clone())
            for p in module.parameters()
            if not any(p is t for t in tables)
        ]
        self.touched_ = []
        self.module_holds_ = "raw"
        self.n_updates_ = 0

    def on_grad_computed(self, net, **kwargs):
        if not self.tables_:
            return
        # Before the step changes them, the columns this update touches
        # catch up with the updates that left them alone.
        rows = net.module_.row_gradients.merged()
        self.touched_ = []
        for table in self.tables_:
            if table.param in rows:
                ids = rows[table.param][0]
                caught_up = table.caught_up(ids, through=self.n_updates_)
                self.touched_.append((table, ids, caught_up))

    def on_epoch_begin(self, net, **kwargs):
        if self.module_holds_ == "average":  # training resumes from the raw weights
            self._swap()

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        if not training and self.module_holds_ == "raw":  # validation sees the average
            self._swap()

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        if not training:
            return
        self.n_updates_ += 1
        n, eta = self.n_updates_, self.ETA
        decay = min(self.decay, 1.0 - (eta + 1) / (n + eta))
        with torch.no_grad():
            for param, average in self.slots_:
                average.lerp_(param, 1.0 - decay)
        for table in self.tables_:
            table.record(decay)
        for table, ids, caught_up in self.touched_:
            table.update(ids, caught_up, decay, at=n)
        self.touched_ = []

    def on_epoch_end(self, net, **kwargs):
        # Without a validation set no batch has swapped yet. This callback
        # runs before early stopping, which then keeps the average as best.
        if self.module_holds_ == "raw":
            self._swap()

    def on_train_end(self, net, **kwargs):
        # The module keeps the average (or the best average, restored by
        # early stopping); the copies are not part of the fitted model.
        self.slots_ = self.tables_ = None

    def _swap(self) -> None:
        """Exchange the module's weights with those set aside."""
        if self.module_holds_ == "raw":  # the average is read: all of it current
            for table in self.tables_:
                table.catch_up(through=self.n_updates_)
        pairs = self.slots_ + [(t.param, t.average) for t in self.tables_]
        for param, aside in pairs:
            # Exchange the storages (same shapes and layouts): no copy of a
            # lookup table of hundreds of thousands of columns, twice an epoch.
            param.data, aside.data = aside.data, param.data
        self.module_holds_ = "average" if self.module_holds_ == "raw" else "raw"


def _in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (its output is no terminal, but
    shows a progress bar)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return type(shell).__name__ == "ZMQInteractiveShell"


def _duration(seconds: float) -> str:
    """``"45s"``, ``"3m05s"``, ``"2h07m"``: a time as a progress line shows it."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class _Progress(Callback):
    """How far a fit is through its budget and how long it may still take.

    Each epoch's row of the printed table gains ``budget`` (epochs done of
    the budget, ``max_iter``) and ``left``: the epochs still allowed times
    the mean epoch so far, an upper bound, since early stopping may end the
    fit sooner. The fit ends with a line that says why it stopped. Where
    the output is a terminal, skorch's progress bar also runs through each
    epoch's batches; in a log, lines only.
    """

    def __init__(self, max_epochs: int, sink):
        self.max_epochs, self.sink = max_epochs, sink

    def on_train_begin(self, net, **kwargs):
        self.started_ = time.perf_counter()
        self.first_epoch_ = len(net.history)  # a warm start continues its history

    def on_epoch_end(self, net, **kwargs):
        done = len(net.history) - self.first_epoch_
        elapsed = time.perf_counter() - self.started_
        net.history.record("budget", f"{done}/{self.max_epochs}")
        net.history.record("left", _duration(elapsed / done * (self.max_epochs - done)))

    def on_train_end(self, net, **kwargs):
        done = len(net.history) - self.first_epoch_
        elapsed = _duration(time.perf_counter() - self.started_)
        if done >= self.max_epochs:
            reason = f"the budget of {self.max_epochs} epochs (max_iter) was spent"
        else:
            stopping = dict(net.callbacks_)["stopping"]
            reason = (
                f"early stopping: {stopping.monitor} did not improve by tol for "
                f"{stopping.patience} epoch{'s' * (stopping.patience != 1)} "
                "(n_iter_no_change)"
            )
            best = getattr(stopping, "best_epoch_", None)
            if stopping.load_best and best is not None:
                reason += f"; the weights of epoch {best} are kept"
        self.sink(f"Stopped after {done} epochs in {elapsed}: {reason}.")


class _StopOnDivergence(Callback):
    """Abort as soon as a batch loss is not finite, before NaN reaches weights."""

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        if not training:
            return
        # skorch has just recorded the batch loss as a float: no tensor op here.
        loss = net.history[-1, "batches", -1, "train_loss"]
        if not math.isfinite(loss):
            raise TrainingDiverged(
                f"Training diverged: the loss became {loss} in epoch "
                f"{len(net.history)}. Lower learning_rate_init, keep clip_grad_norm "
                "on, or rescale X."
            )


@dataclass
class TrainingConfig:
    """Everything :func:`train` needs, already validated by the estimator."""

    fit_mode: str
    batch_size: int
    max_iter: int
    learning_rate_init: float
    alpha: float
    ema_decay: float | None
    clip_grad_norm: float | None
    shuffle: bool
    length_bucketing: bool
    n_iter_no_change: int
    tol: float
    criterion: nn.Module  # per-row loss (reduction="none"), from the task
    callbacks: list
    verbose: int
    device: torch.device
    seed: int
    optimizer_state: dict | None = None  # a warm start continues AdamW's moments
    # Update the symbol lookups by the rows a batch reads (``_row_updates``).
    row_updates: bool = False


def train(
    module: MatrixRNN,
    train_set: SequenceDataset,
    valid_set: SequenceDataset | None,
    config: TrainingConfig,
    shard: Shard | None = None,
) -> NeuralNet:
    """Train ``module`` in place with skorch and return the fitted net.

    ``shard``: this process is one worker of a data-parallel fit
    (``_data_parallel``), computing that share of every batch."""
    mode = _FIT_MODES[config.fit_mode]
    module.forward_mode = mode.forward_mode
    batch_size = 1 if mode.per_record_updates else config.batch_size
    rng = np.random.default_rng(config.seed)
    verbose = config.verbose if shard is None or shard.rank == 0 else 0
    callbacks = [("divergence", _StopOnDivergence())]
    if shard is not None:
        # First: every later reader of the gradients sees the whole batch's.
        callbacks.insert(0, ("all_reduce", AllReduceGradients()))
    if config.ema_decay is not None:
        # Listed before early stopping and user callbacks, so that at the end
        # of an epoch they all find the average in the module.
        callbacks.append(("averaging", _WeightAveraging(config.ema_decay)))
    if config.clip_grad_norm is not None:
        callbacks.append(("clip", _ClipGradNorm(config.clip_grad_norm)))
    monitor = "valid_loss" if valid_set is not None else "train_loss"
    # skorch's own output (the epoch table, early stopping's messages) goes to
    # a module-level sink: it pickles with the fitted net by name, and stays
    # quiet at verbose=0 however builtins.print is replaced (Ray replaces it
    # with functions that do not pickle, and skorch's default sink, the print
    # of its import time, then printed on every fit).
    sink = _print if verbose else _silent
    callbacks.append(
        (
            "stopping",
            EarlyStopping(
                monitor=monitor,
                patience=config.n_iter_no_change,
                threshold=config.tol,
                threshold_mode="abs",
                load_best=valid_set is not None,
                sink=sink,
            ),
        )
    )
    if verbose:
        callbacks.append(("progress", _Progress(config.max_iter, sink)))
        if sys.stdout.isatty() or _in_notebook():  # a bar through each epoch
            callbacks.append(("progress_bar", ProgressBar()))
    callbacks.extend(
        (f"user_{i}", cb) if not isinstance(cb, tuple) else cb
        for i, cb in enumerate(config.callbacks)
    )
    rows = RowGradients() if config.row_updates and module.lookup_tables() else None
    net = (_SequenceNet if shard is None else _ShardedSequenceNet)(
        module,
        criterion=config.criterion,
        # Decoupled weight decay (AdamW): the decay does not pass through Adam's
        # per-parameter scaling, so it regularises rare symbols' columns too.
        optimizer=torch.optim.AdamW if rows is None else RowAdamW,
        **({} if rows is None else {"optimizer__rows": rows}),
        optimizer__weight_decay=config.alpha,
        # One fused kernel per parameter instead of a dozen elementwise passes:
        # U is vocabulary x gates and every update touches all of it (7x
        # faster on a 6,000-word U on one CPU thread).
        optimizer__fused=torch.device(config.device).type in ("cpu", "cuda"),
        # A CRF's transition scores start at 0 and must end far apart (a tag
        # pair never seen in training far below the others) within the few
        # hundred updates of a tagger's budget: Adam moves a parameter by
        # about the learning rate per update, so theirs is larger.
        optimizer__param_groups=(
            [("*transitions", {"lr": config.learning_rate_init * CRF_LR_FACTOR})]
            if getattr(module, "crf", False)
            else []
        ),
        lr=config.learning_rate_init,
        max_epochs=config.max_iter,
        batch_size=batch_size,
        iterator_train=SequenceLoader,
        iterator_train__shuffle=config.shuffle,
        iterator_train__bucket=config.length_bucketing,
        iterator_train__rng=rng,
        iterator_train__device=config.device,
        iterator_train__shard=shard,
        iterator_valid=SequenceLoader,
        iterator_valid__device=config.device,
        iterator_valid__batch_size=max(batch_size, 256),
        train_split=predefined_split(valid_set) if valid_set is not None else None,
        callbacks=callbacks,
        device=config.device,
        verbose=verbose,
        callbacks__print_log__sink=sink,
    )
    # Dropout masks come from a generator of the module's own, seeded here:
    # torch's global RNGs (CPU and CUDA) are never read or reseeded.
    module.dropout_generator = torch.Generator(device=config.device).manual_seed(
        config.seed
    )
    module.row_gradients = rows
    try:
        if config.optimizer_state is not None:
            net.initialize()
            # AdamW's moments continue; its settings (learning_rate_init,
            # alpha) are this fit's: a whole state dict would bring back the
            # previous fit's, and a changed learning rate would go unheard.
            net.optimizer_.load_state_dict(
                {
                    "state": config.optimizer_state["state"],
                    "param_groups": net.optimizer_.state_dict()["param_groups"],
                }
            )
            net.partial_fit(train_set)  # max_epochs more epochs
        else:
            net.fit(train_set)  # the targets are in the data set
    finally:
        module.dropout_generator = None  # not part of the fitted model
        module.row_gradients = None
        net.__dict__.pop("loss_slot_", None)  # a worker's last loss share
        # The validation records must not travel with the fitted model.
        net.train_split = None
    # The last update may have produced non-finite weights after a finite loss.
    if not all(torch.isfinite(p).all() for p in module.parameters()):
        raise TrainingDiverged(
            "Training diverged: the weights became non-finite in the last update. "
            "Lower learning_rate_init, keep clip_grad_norm on, or rescale X."
        )
    return net


def outputs_in_record_order(net: NeuralNet, dataset: SequenceDataset) -> torch.Tensor:
    """The trained network's outputs for every record of ``dataset``, in the
    dataset's order (as the model's predictions would give them).

    skorch's ``net.forward`` reads the validation loader, which groups
    records of similar length into batches: its rows come in that grouped
    order, not the records'."""
    loader = SequenceLoader(
        dataset, net.iterator_valid__batch_size, bucket=False, device=net.device
    )
    net.module_.eval()
    with torch.no_grad():
        return torch.cat([net.infer(batch).cpu() for batch, _ in loader])


def _print(text: str) -> None:
    print(text)  # whichever print is current when skorch writes


def _silent(*args, **kwargs) -> None:
    pass  # also the sink of models pickled by 0.1, which refer to it by name


def stopped_early(net: NeuralNet) -> bool:
    return len(net.history) < net.max_epochs
