"""``fit_mode="packed"``: the matrix RNN's tensors through torch's fused kernels.

Each layer's input term ``U x_t + b`` is computed by the module itself (the
same lookup, projection and dropout as the other modes) and handed to a
one-layer kernel whose input weight is the identity; ``W`` and the gate biases
go in as they are. The kernels run through ``torch.func.functional_call`` on
modules built once on the meta device, on a ``PackedSequence`` (cuDNN on GPU).
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence

from sklearn_rnn._encoding import record_starts
from sklearn_rnn._pooling import POOLED_PARTS, pool_steps

_KERNELS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


@functools.lru_cache(maxsize=64)
def _kernel(cell, nonlinearity, input_size, hidden_size, bidirectional, training):
    """A one-layer kernel module on the meta device (no memory, no RNG draw).

    Cached per shape and mode: nothing of it is mutated after construction, so
    threads can share it.
    """
    options = {"nonlinearity": nonlinearity} if cell == "rnn" else {}
    kernel = _KERNELS[cell](
        input_size,
        hidden_size,
        bidirectional=bidirectional,
        batch_first=True,
        device="meta",
        **options,
    )
    return kernel.train(training)


def _layer_weights(module, layer: int) -> dict:
    """Identity input weights (one block per direction) and the layer's W, b_h."""
    W0 = getattr(module, "W" + module._suffix(layer, 0))
    gated = W0.shape[0]
    eye = torch.eye(gated, dtype=W0.dtype, device=W0.device)
    zeros = torch.zeros_like(eye)
    weights = {}
    for reverse in range(module.directions):
        suffix = module._suffix(layer, reverse)
        torch_suffix = "_l0" + ("_reverse" if reverse else "")
        blocks = [zeros] * module.directions
        blocks[reverse] = eye
        W = getattr(module, "W" + suffix)
        b_h = getattr(module, "b_h" + suffix, None)
        weights["weight_ih" + torch_suffix] = torch.cat(blocks, dim=1)
        weights["weight_hh" + torch_suffix] = W
        weights["bias_ih" + torch_suffix] = W.new_zeros(gated)
        weights["bias_hh" + torch_suffix] = (
            b_h if b_h is not None else W.new_zeros(gated)
        )
    return weights


def _run_kernel(module, packed: PackedSequence, weights: dict):
    kernel = _kernel(
        module.cell,
        module.nonlinearity,
        packed.data.shape[1],
        module.hidden_size,
        module.bidirectional,
        module.training,
    )
    if packed.data.device.type == "cpu":
        return torch.func.functional_call(kernel, weights, (packed,))
    with warnings.catch_warnings():
        # cuDNN asks for one contiguous weight buffer; ours are separate tensors.
        warnings.filterwarnings("ignore", message=".*contiguous chunk of memory.*")
        return torch.func.functional_call(kernel, weights, (packed,))


def embed_packed(
    module, X: torch.Tensor, lengths: np.ndarray, *, per_step: bool = False
) -> torch.Tensor:
    """Embeddings (or, with ``per_step``, the states at every real step, record
    by record) through torch's fused kernels, from Parr's left-padded batch."""
    n_records, device = len(lengths), module.V.device
    started = np.flatnonzero(lengths > 0)  # torch's kernels refuse empty records
    width = module.step_size if per_step else module.embedding_size
    out = module.V.new_zeros((0 if per_step else n_records, width))
    if len(started) == 0:
        return out
    sub_len = lengths[started]
    n_cols = X.shape[1]
    # Left padded -> flat tokens, then the kernel's packed (time-major) order.
    rows = np.repeat(np.arange(len(started)), sub_len)
    within = np.arange(sub_len.sum()) - np.repeat(record_starts(sub_len), sub_len)
    flat_index = np.zeros((len(started), int(sub_len.max())), dtype=np.int64)
    flat_index[rows, within] = np.arange(len(rows))
    order = pack_padded_sequence(
        torch.as_tensor(flat_index),
        torch.as_tensor(sub_len),
        batch_first=True,
        enforce_sorted=False,
    )
    perm = order.data.numpy()
    src_rows = torch.as_tensor(started[rows[perm]], device=device)
    src_cols = torch.as_tensor(
        n_cols - sub_len[rows[perm]] + within[perm], device=device
    )
    layer_input = X[src_rows, src_cols]
    state = None
    for layer in range(module.num_layers):
        projected = torch.cat(
            [
                module._project_input(layer_input, module._suffix(layer, reverse))
                for reverse in range(module.directions)
            ],
            dim=1,
        )
        packed = PackedSequence(
            projected,
            order.batch_sizes,
            order.sorted_indices.to(device),
            order.unsorted_indices.to(device),
        )
        seq_out, state = _run_kernel(module, packed, _layer_weights(module, layer))
        layer_input = seq_out.data
    if per_step:
        # Token j of the packed order is token perm[j] counted record by record
        # (records without steps hold none).
        return layer_input[torch.as_tensor(np.argsort(perm), device=device)]
    pooled = []
    for part in POOLED_PARTS[module.pooling]:
        if part == "last":
            h_n = state[0] if module.cell == "lstm" else state
            pooled.append(torch.cat(list(h_n), dim=1))
        else:
            pooled.append(
                pool_steps(
                    part,
                    layer_input,
                    torch.as_tensor(rows[perm], device=device),
                    sub_len,
                    len(started),
                )
            )
    pooled = torch.cat(pooled, dim=1) if len(pooled) > 1 else pooled[0]
    return out.index_copy(0, torch.as_tensor(started, device=device), pooled)
