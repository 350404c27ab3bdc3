"""Updates of the symbol lookup tables that touch only the rows a batch reads.

A tagger's step lookup ``U`` holds one column per symbol: words, their
prefixes, suffixes and shapes, 200,000 columns for a corpus of 70,000 word
types. A batch of 32 sentences reads a few hundred of them. Autograd's
gradient of a lookup is nevertheless dense (a zero table with those rows
filled in), and AdamW, the gradient clipping and the weight average then
pass over every column at every update: the update costs as much as the
table is large, not as the batch, and allocating and freeing a table-sized
buffer per update costs page faults besides.

Here the lookup's backward hands its rows to a :class:`RowGradients` sink
instead (``U.grad`` stays None, so the dense optimizer skips ``U``);
:class:`RowAdamW` updates the touched columns with Adam's rule, moments kept
for every column but read and written only where touched ("lazy Adam", as
TensorFlow Addons' ``LazyAdam`` and torch's ``SparseAdam``), with AdamW's
decoupled weight decay on those columns; :class:`RowAverage` keeps the
weight average of untouched columns exact by catching a column up only when
it changes (its raw value was constant meanwhile). A column no batch reads
keeps its value, where dense AdamW would keep moving it on momentum and
decay: a different optimizer, not a faster computation of the same one.

Plain torch; knows nothing of scikit-learn. ``U`` is stored as
``(gates, symbols)`` with the symbols' columns contiguous, so ``U.t()`` is a
row-major table: every operation here works on its rows.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch.optim.adamw import adamw


class RowGradients:
    """Gradients of lookup tables as ``(ids, rows)`` pairs, per parameter,
    gathered over one update's backward passes (the per-record fit modes run
    several) and merged on first read."""

    def __init__(self):
        self._parts: dict[torch.nn.Parameter, list] = {}
        self._merged: dict[torch.nn.Parameter, tuple] | None = None

    def add(self, param: torch.nn.Parameter, ids, rows) -> None:
        self._parts.setdefault(param, []).append((ids, rows))
        self._merged = None

    def merged(self) -> dict:
        """``{param: (ids, rows)}``: each touched id once (sorted), with the
        sum of its rows."""
        if self._merged is None:
            self._merged = {}
            for param, parts in self._parts.items():
                ids = torch.cat([i for i, _ in parts])
                rows = torch.cat([r for _, r in parts])
                unique, inverse = torch.unique(ids, return_inverse=True)
                summed = rows.new_zeros((len(unique), rows.shape[1]))
                self._merged[param] = (unique, summed.index_add_(0, inverse, rows))
        return self._merged

    def __bool__(self) -> bool:
        return bool(self._parts)

    def clear(self) -> None:
        self._parts, self._merged = {}, None


class _RowLookup(torch.autograd.Function):
    """``sum_j w_j U[:, ids_j]`` per row, whose gradient for ``U`` goes to a
    :class:`RowGradients` sink as rows instead of a dense ``U.grad``."""

    @staticmethod
    def forward(ctx, U, bags, weights, sink):
        ctx.save_for_backward(bags, weights)
        ctx.U, ctx.sink = U, sink
        return F.embedding_bag(
            bags, U.detach().t(), mode="sum", padding_idx=0, per_sample_weights=weights
        )

    @staticmethod
    def backward(ctx, grad):
        bags, weights = ctx.saved_tensors
        rows = grad[:, None, :].expand(-1, bags.shape[1], -1)
        if weights is not None:
            rows = rows * weights[..., None]
        ids, rows = bags.reshape(-1), rows.reshape(-1, grad.shape[1])
        real = ids != 0  # id 0, the unknown symbol, stays zero
        ctx.sink.add(ctx.U, ids[real], rows[real])
        return None, None, None, None


def lookup_rows(U, ids, weights, sink: RowGradients) -> torch.Tensor:
    """:func:`sklearn_rnn._module.lookup_columns` while training with row
    updates: the same sums, the gradient of ``U`` delivered to ``sink``."""
    bags = ids[:, None] if ids.dim() == 1 else ids
    return _RowLookup.apply(U, bags, weights, sink)


def clip_grad_norm(parameters, sink: RowGradients, max_norm: float) -> None:
    """``torch.nn.utils.clip_grad_norm_`` over the dense gradients and the
    sink's rows together (the norm of the gradient they make up)."""
    grads = [p.grad for p in parameters if p.grad is not None]
    grads += [rows for _, rows in sink.merged().values()]
    if not grads:
        return
    norms = torch.stack([torch.linalg.vector_norm(g, 2.0) for g in grads])
    total = torch.linalg.vector_norm(norms, 2.0)
    scale = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    for g in grads:
        g.mul_(scale.to(g.dtype))


class RowAdamW(torch.optim.AdamW):
    """AdamW for the dense gradients; lazy Adam with decoupled weight decay
    for the lookup tables whose gradients arrive in ``rows``.

    A table's state holds Adam's two moments for every column; each update
    reads and writes only the touched columns, with the bias corrections of
    the table's own update count (as ``torch.optim.SparseAdam``).
    """

    def __init__(self, params, *, rows: RowGradients, **kwargs):
        super().__init__(params, **kwargs)
        self.rows = rows

    def zero_grad(self, set_to_none: bool = True) -> None:
        super().zero_grad(set_to_none)
        self.rows.clear()

    @torch.no_grad()
    def _step_rows(self) -> None:
        groups = {p: group for group in self.param_groups for p in group["params"]}
        for param, (ids, grad) in self.rows.merged().items():
            group = groups[param]
            fused = bool(group.get("fused"))
            state = self.state[param]
            if not state:
                # As AdamW keeps it: a float32 count, on the device when fused.
                state["step"] = torch.zeros(
                    (), dtype=torch.float32, device=param.device if fused else "cpu"
                )
                # zeros_like keeps U's layout: the moments' .t() are row-major too.
                state["exp_avg"] = torch.zeros_like(param)
                state["exp_avg_sq"] = torch.zeros_like(param)
            table, m, v = param.t(), state["exp_avg"].t(), state["exp_avg_sq"].t()
            rows, m_rows, v_rows = (t.index_select(0, ids) for t in (table, m, v))
            # AdamW's own arithmetic on the touched rows (one fused kernel
            # where the optimizer is fused); it counts the step itself.
            adamw(
                [rows],
                [grad.to(rows.dtype)],
                [m_rows],
                [v_rows],
                [],
                [state["step"]],
                fused=fused or None,
                amsgrad=False,
                beta1=group["betas"][0],
                beta2=group["betas"][1],
                lr=group["lr"],
                weight_decay=group["weight_decay"],
                eps=group["eps"],
                maximize=False,
            )
            table.index_copy_(0, ids, rows)
            m.index_copy_(0, ids, m_rows)
            v.index_copy_(0, ids, v_rows)

    def step(self, closure=None):
        loss = super().step(closure)  # the closure's backward fills the rows
        if self.rows:
            self._step_rows()
        self.rows.clear()
        return loss


class RowAverage:
    """The exponential average of a lookup table, exact though only touched
    columns are read at each update.

    A column's raw value changes only when a batch touches it, so between
    two touches the average moves towards a constant: ``k`` updates of
    decays ``d_j`` leave ``a * P + w * (1 - P)``, ``P`` the product of the
    ``d_j``. :meth:`caught_up` applies that to the columns about to change
    (before the optimizer's step), :meth:`catch_up` to all of them (before
    the average is read); :meth:`update` then moves the touched columns as
    every other weight moves.
    """

    def __init__(self, param: torch.nn.Parameter, average: torch.Tensor):
        self.param, self.average = param, average
        # The update count at which each column's average was last current.
        self.current_at = torch.zeros(param.shape[1], dtype=torch.long)
        # log_products[n]: the sum of log d_j over updates 1..n with d_j > 0
        # (grown by doubling: it is read as a tensor at every update).
        self.log_products = torch.zeros(1024, dtype=torch.float64)
        self.n_updates = 0
        self.last_zero = 0  # the last update whose decay was 0 (a copy)

    def record(self, decay: float) -> None:
        """One more update, of decay ``decay``."""
        n = self.n_updates = self.n_updates + 1
        if n == len(self.log_products):
            self.log_products = torch.cat([self.log_products, self.log_products])
        if decay <= 0.0:
            self.last_zero = n
            self.log_products[n] = self.log_products[n - 1]
        else:
            self.log_products[n] = self.log_products[n - 1] + math.log(decay)

    def _products(self, cols: torch.Tensor, through: int) -> torch.Tensor:
        """Per column of ``cols``, the product of the decays since it was
        current up to update ``through``."""
        since = self.current_at[cols]
        log_p = self.log_products
        product = torch.exp(log_p[through] - log_p[since])
        # A decay of 0 in (since, through] copied the raw value (callers never
        # ask past the last recorded update, so last_zero <= through).
        product[since < self.last_zero] = 0.0
        product[since >= through] = 1.0
        return product.to(device=self.average.device, dtype=self.average.dtype)

    @torch.no_grad()
    def caught_up(self, ids: torch.Tensor, *, through: int) -> torch.Tensor:
        """The average's columns ``ids`` as of update ``through``, their raw
        values having been constant since they were current (not written:
        :meth:`update` moves them on and writes them)."""
        product = self._products(ids.cpu(), through)[:, None]
        avg, raw = self.average.t(), self.param.t()
        rows = avg.index_select(0, ids).mul_(product)
        return rows.add_(raw.index_select(0, ids).mul_(1 - product))

    @torch.no_grad()
    def catch_up(self, *, through: int) -> None:
        """Bring every column up to update ``through`` (before the average
        is read)."""
        cols = torch.arange(len(self.current_at))
        product = self._products(cols, through)[:, None]
        avg = self.average.t()
        avg.mul_(product).add_(self.param.t() * (1 - product))
        self.current_at[:] = through

    @torch.no_grad()
    def update(self, ids: torch.Tensor, rows: torch.Tensor, decay: float, *, at: int):
        """The touched columns after the step of update ``at``: ``rows``,
        their average caught up to the update before, moved towards the new
        raw values by ``1 - decay``."""
        rows.lerp_(self.param.t().index_select(0, ids), 1.0 - decay)
        self.average.t().index_copy_(0, ids, rows)
        self.current_at[ids.cpu()] = at
