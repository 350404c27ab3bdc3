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
    return flat.new_zeros((n_records, width)).scatter_reduce(
        0, record[:, None].expand(-1, width), flat, reduce="amax", include_self=False
    )
