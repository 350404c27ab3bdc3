"""Index bookkeeping for one batch of the vectorized recurrence.

Computed on the CPU from the lengths alone (no device sync): the sort order,
how many records have started at each step of the left-padded batch, and where
each real token sits, for both reading directions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sklearn_rnn._encoding import record_starts


@dataclass
class Plan:
    """Index bookkeeping for one batch, computed on the CPU from the lengths."""

    order: np.ndarray  # batch rows sorted by decreasing length
    inverse: np.ndarray  # position of each original row in ``order``
    active: list  # number of started records at each step
    gather: dict  # direction -> (rows, cols) into the padded X, in step order
    record: np.ndarray  # sorted record index of each flat (step-ordered) token
    record_major: (
        np.ndarray
    )  # flat (step-ordered) index of each token, record by record
    # Bidirectional models only (None otherwise):
    to_forward: np.ndarray | None  # reverse-direction flat order -> forward order
    to_reverse: np.ndarray | None  # forward flat order -> reverse-direction order
    truncate_at: int | None


def make_plan(
    lengths: np.ndarray, n_cols: int, bptt_steps: int | None, *, bidirectional: bool
) -> Plan:
    lengths = np.asarray(lengths, dtype=np.int64)
    order = np.argsort(-lengths, kind="stable")
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    sorted_len = lengths[order]
    n_steps = int(sorted_len[0]) if len(sorted_len) else 0
    starts = n_steps - sorted_len  # step at which each sorted record starts
    active = np.searchsorted(starts, np.arange(n_steps), side="right")
    step_starts = record_starts(active)
    # Flat token list in step order: at step s, sorted records 0..active[s]-1.
    step_of = np.repeat(np.arange(n_steps), active)
    record = np.arange(active.sum()) - np.repeat(step_starts, active)
    position = step_of - starts[record]  # index of the token inside its record
    rec_len = sorted_len[record]
    rows = order[record]
    gather = {False: (rows, n_cols - rec_len + position)}
    # Per-step outputs go back to the caller record by record, in input order.
    record_major = np.empty_like(record)
    record_major[record_starts(lengths)[rows] + position] = np.arange(len(record))
    to_forward = to_reverse = None
    if bidirectional:  # per-batch work the default, one-way model never needs
        gather[True] = (rows, n_cols - 1 - position)  # token len-1-position
        # The reverse direction visits token p of a record at the step where the
        # forward direction visits token len-1-p; map between the two flat orders.
        to_reverse = step_starts[starts[record] + (rec_len - 1 - position)] + record
        to_forward = np.empty_like(to_reverse)
        to_forward[to_reverse] = np.arange(len(to_reverse))
    truncate_at = n_steps - bptt_steps if bptt_steps and bptt_steps < n_steps else None
    return Plan(
        order,
        inverse,
        active.tolist(),
        gather,
        record,
        record_major,
        to_forward,
        to_reverse,
        truncate_at,
    )
