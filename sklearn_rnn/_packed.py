"""``fit_mode="packed"``: the matrix RNN's tensors through torch's fused kernels.

The module's ``W``/``U``/``b`` (gates in torch's order) are handed to a kernel
module built on the meta device with ``torch.func.functional_call``, on a
``PackedSequence`` (cuDNN on GPU). Symbol inputs are looked up first (``U x_t +
b``) and passed through an identity input weight.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from sklearn_rnn._encoding import record_starts


def kernel_weights(module) -> dict:
    """The same tensors under the names torch's recurrent kernels expect."""
    weights = {}
    for layer in range(module.num_layers):
        for reverse in range(module.directions):
            suffix = module._suffix(layer, reverse)
            torch_suffix = f"_l{layer}" + ("_reverse" if reverse else "")
            U, W, b = (getattr(module, p + suffix) for p in "UWb")
            if layer == 0 and module.symbolic:
                # The lookup already produced U x_t + b; pass it through unchanged.
                U = torch.eye(U.shape[0], dtype=U.dtype, device=U.device)
                b = torch.zeros_like(b)
            b_h = getattr(module, "b_h" + suffix, None)
            weights["weight_ih" + torch_suffix] = U
            weights["weight_hh" + torch_suffix] = W
            weights["bias_ih" + torch_suffix] = b
            weights["bias_hh" + torch_suffix] = (
                b_h if b_h is not None else torch.zeros_like(b)
            )
    return weights


def _kernel(module, input_size: int) -> nn.Module:
    kind = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[module.cell]
    options = {"nonlinearity": module.nonlinearity} if module.cell == "rnn" else {}
    # Built on the meta device: no memory, and no draw from torch's global RNG.
    kernel = kind(
        input_size,
        module.hidden_size,
        num_layers=module.num_layers,
        bidirectional=module.bidirectional,
        dropout=module.dropout,
        batch_first=True,
        device="meta",
        **options,
    )
    return kernel.train(module.training)


def embed_packed(module, X: torch.Tensor, lengths: np.ndarray) -> torch.Tensor:
    """Embeddings through torch's fused kernels, from Parr's left-padded batch."""
    n_records, device = len(lengths), module.V.device
    started = np.flatnonzero(lengths > 0)  # torch's kernels refuse empty records
    out = module.V.new_zeros((n_records, module.embedding_size))
    if len(started) == 0:
        return out
    sub_len = lengths[started]
    n_cols = X.shape[1]
    # Left padded -> right padded (torch's packing assumes records start at 0).
    rows = np.repeat(np.arange(len(started)), sub_len)
    within = np.arange(sub_len.sum()) - np.repeat(record_starts(sub_len), sub_len)
    src_rows = torch.as_tensor(started[rows], device=device)
    src_cols = torch.as_tensor(n_cols - sub_len[rows] + within, device=device)
    tokens = X[src_rows, src_cols]
    weights = kernel_weights(module)
    if module.symbolic:
        # Each direction's lookup already is U x_t + b; the kernels' input
        # weights select that direction's block of the concatenated lookups.
        lookups = [F.embedding(tokens, module.U.t() + module.b)]
        if module.bidirectional:
            lookups.append(F.embedding(tokens, module.U_reverse.t() + module.b_reverse))
        tokens = torch.cat(lookups, dim=1)
        eye = weights["weight_ih_l0"]
        blocks = [torch.zeros_like(eye)] * len(lookups)
        for reverse, suffix in enumerate(["_l0", "_l0_reverse"][: len(lookups)]):
            weights["weight_ih" + suffix] = torch.cat(
                blocks[:reverse] + [eye] + blocks[reverse + 1 :], dim=1
            )
    else:
        tokens = tokens.to(module.V.dtype)
    padded = tokens.new_zeros((len(started), int(sub_len.max()), tokens.shape[1]))
    padded[
        torch.as_tensor(rows, device=device), torch.as_tensor(within, device=device)
    ] = tokens
    packed = pack_padded_sequence(
        padded, torch.as_tensor(sub_len), batch_first=True, enforce_sorted=False
    )
    kernel = _kernel(module, tokens.shape[1])
    with warnings.catch_warnings():
        # cuDNN asks for one contiguous weight buffer; ours are separate tensors.
        warnings.filterwarnings("ignore", message=".*contiguous chunk of memory.*")
        seq_out, state = torch.func.functional_call(kernel, weights, (packed,))
    if module.pooling == "last":
        h_n = state[0] if module.cell == "lstm" else state
        pooled = torch.cat(list(h_n[-module.directions :]), dim=1)
    else:
        padded_out, out_len = pad_packed_sequence(seq_out, batch_first=True)
        mask = (torch.arange(padded_out.shape[1])[None, :] < out_len[:, None]).to(
            device
        )
        if module.pooling == "mean":
            pooled = (padded_out * mask[..., None]).sum(1) / out_len.to(device)[:, None]
        else:
            pooled = padded_out.masked_fill(~mask[..., None], float("-inf")).amax(1)
    return out.index_copy(0, torch.as_tensor(started, device=device), pooled)
