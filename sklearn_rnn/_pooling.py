"""A record's embedding from the states of its steps."""

from __future__ import annotations

import numpy as np
import torch

# The poolings each one puts side by side in the embedding: "concat" is
# ULMFiT's concat pooling (Howard & Ruder 2018), the final state with the
# mean and max over the steps.
POOLED_PARTS = {
    "last": ("last",),
    "mean": ("mean",),
    "max": ("max",),
    "concat": ("last", "mean", "max"),
}


def pool_steps(kind, flat, record, lengths, n_records):
    """Mean or max (``kind``) of each record's outputs over its real steps:
    ``flat`` holds the steps of every record, ``record`` says whose each is,
    ``lengths`` how many each record has. Records without steps (empty
    sequences) keep h_0 = 0."""
    width = flat.shape[1]
    if kind == "mean":
        total = flat.new_zeros((n_records, width)).index_add(0, record, flat)
        counts = torch.as_tensor(
            np.maximum(lengths, 1), dtype=flat.dtype, device=flat.device
        )
        return total / counts[:, None]
    if flat.requires_grad:
        return _SegmentMax.apply(flat, record, n_records)
    return _segment_max(flat, record, n_records)


def _segment_max(flat, record, n_records):
    width = flat.shape[1]
    return flat.new_zeros((n_records, width)).scatter_reduce(
        0, record[:, None].expand(-1, width), flat, reduce="amax", include_self=False
    )


class _SegmentMax(torch.autograd.Function):
    """Max pooling whose backward moves whole rows (``index_select``,
    ``index_add``) instead of torch's ``scatter_reduce`` backward, which
    gathers and scatters through an index as large as ``flat``: that took
    a quarter of a text fit's time with concat pooling (surnames, hidden
    128, batches of 256). The gradient is torch's to the bit: each
    maximum's gradient split evenly among the steps that reach it."""

    @staticmethod
    def forward(ctx, flat, record, n_records):
        pooled = _segment_max(flat, record, n_records)
        ctx.save_for_backward(flat, record, pooled)
        return pooled

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad):
        flat, record, pooled = ctx.saved_tensors
        reached = (flat == pooled.index_select(0, record)).to(grad.dtype)
        # torch counts the zeros its output starts from as one more tie of
        # a maximum of exactly 0 (include_self=False or not); counted here
        # too, so that fits stay what they were to the bit.
        ties = (pooled == 0).to(grad.dtype).index_add_(0, record, reached)
        return (grad / ties).index_select(0, record).mul_(reached), None, None
