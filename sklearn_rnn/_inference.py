"""Running a fitted module over encoded records: batching, precision, order.

Knows nothing of scikit-learn: the estimators validate and encode X, then call
:func:`run_module`.
"""

from __future__ import annotations

import copy
import weakref

import numpy as np
import torch

from sklearn_rnn._encoding import Records

# Inference batches: many records amortise the per-step Python work; a cap on
# padded cells (records x longest length) keeps memory flat in n_samples and
# bounded for very long sequences.
INFERENCE_MAX_RECORDS = 8192
_INFERENCE_MAX_CELLS = 1 << 20

# Fitted module -> {dtype: converted copy for inference}; entries go with the
# fitted module they were made from.
_CONVERTED_MODULES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def inference_batches(lengths: np.ndarray) -> list[np.ndarray]:
    """Indices sorted by length, cut into batches under both caps."""
    order = np.argsort(lengths, kind="stable")
    sorted_len = np.maximum(lengths[order], 1)  # empty records still take a row
    batches, start = [], 0
    while start < len(order):
        stop = min(start + INFERENCE_MAX_RECORDS, len(order))
        # Sorted ascending, so a batch's last record is its longest: shrink the
        # batch until its padded cells fit the cap.
        while stop - start > 1 and (stop - start) * sorted_len[stop - 1] > (
            _INFERENCE_MAX_CELLS
        ):
            stop = start + max(1, _INFERENCE_MAX_CELLS // int(sorted_len[stop - 1]))
        batches.append(order[start:stop])
        start = stop
    return batches


def run_module(module, records: Records, output: str, dtype=np.float64) -> np.ndarray:
    """Apply ``module`` to all records, in batches, in the input order.

    ``output`` is "embed" (pooled embedding per record), "steps" (state at
    every real step, record by record) or "logits" (the head's outputs, per
    record or per step as the module was built). Batches group records of
    similar length (fewer pad steps); each record's result does not depend on
    its batch (see ``rowwise_matmul``), so results are simply put back in
    place.
    """
    device = module.V.device
    per_step = output == "steps" or (output == "logits" and module.per_step)
    if output == "embed":
        fn, width = module.embed, module.embedding_size
    elif output == "steps":
        fn, width = module.embed_steps, module.step_size
    else:
        fn, width = module, module.n_outputs
    # Written batch by batch straight into the caller's dtype: no second
    # full-size copy of the output.
    rows = int(records.lengths.sum()) if per_step else len(records)
    out = np.empty((rows, width), dtype=dtype)
    with torch.no_grad():
        for idx in inference_batches(records.lengths):
            X, lengths = records.left_padded(idx)
            X = torch.as_tensor(X).to(device)
            if fn is module and records.features is not None:
                features = torch.as_tensor(records.features[idx]).to(device)
                result = fn(X, lengths, features=features)
            else:
                result = fn(X, lengths)
            result = result.cpu().numpy()
            out[records._flat_positions(idx) if per_step else idx] = result
    return out


def module_in_dtype(module, inference_dtype: str):
    """``module`` in the precision predictions are computed in.

    "auto" is float32, the precision of training, on every device. On the
    CPU the products of the inference path have one fixed shape whatever the
    batch (see ``rowwise_matmul``), so a record's result is bitwise
    independent of its batch in float32 too. "float64" remains for those who want the extra
    digits, at about half the speed on the CPU.
    """
    dtype = "float32" if inference_dtype == "auto" else inference_dtype
    wanted = getattr(torch, dtype)
    if module.V.dtype == wanted:
        return module
    # Converted once per fitted module, not per call (a copy of U alone is
    # vocabulary-sized), and kept off the estimator: predict must not
    # change its __dict__, and pickles stay free of the copy. A copy is
    # remade once the module changes (weights loaded or updated in place,
    # settings set): predictions must never come from stale weights.
    # Threads racing here build equal copies.
    copies = _CONVERTED_MODULES.setdefault(module, {})
    stamp = _stamp(module)
    if wanted not in copies or copies[wanted][0] != stamp:
        copies[wanted] = stamp, copy.deepcopy(module).to(wanted)  # module_ unchanged
    return copies[wanted][1]


def _stamp(module) -> tuple:
    """What a converted copy depends on, cheap to read on every call: each
    tensor's storage and in-place version counter (bumped by optimizer steps,
    ``load_state_dict`` and in-place edits under ``no_grad``; not by edits
    through ``.data``, which bypass it), and the module's plain settings."""
    tensors = tuple(
        (name, t.data_ptr(), t._version)
        for name, t in module.state_dict(keep_vars=True).items()
    )
    settings = tuple(
        (k, v)
        for k, v in sorted(vars(module).items())
        if isinstance(v, (bool, int, float, str)) or v is None
    )
    return tensors, settings
