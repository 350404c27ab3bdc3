"""Index bookkeeping for one batch of the vectorized recurrence.

Computed on the CPU from the lengths alone (no device sync): the sort order,
how many records have started at each step of the left-padded batch, and where
each real token sits, for both reading directions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Plan:
    """Index bookkeeping for one batch, computed on the CPU from the lengths."""

    order: np.ndarray  # batch rows sorted by decreasing length
    inverse: np.ndarray  # position of each original row in ``order``
    active: list  # number of started records at each step
    gather: dict  # direction -> (rows, cols) into the padded X, in step order
    record: np.ndarray  # sorted record index of each flat (step-ordered) token
    to_forward: np.ndarray  # reverse-direction flat order -> forward flat order
    to_reverse: np.ndarray  # forward flat order -> reverse-direction flat order
    truncate_at: int | None


def make_plan(lengths: np.ndarray, n_cols: int, bptt_steps: int | None) -> Plan:
    lengths = np.asarray(lengths, dtype=np.int64)
    order = np.argsort(-lengths, kind="stable")
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    sorted_len = lengths[order]
    n_steps = int(sorted_len[0]) if len(sorted_len) else 0
    starts = n_steps - sorted_len  # step at which each sorted record starts
    active = np.searchsorted(starts, np.arange(n_steps), side="right").tolist()
    # Flat token list in step order: at step s, sorted records 0..active[s]-1.
    step_of = np.repeat(np.arange(n_steps), active)
    record = (
        np.concatenate([np.arange(k) for k in active]) if active else np.zeros(0, int)
    )
    position = step_of - starts[record]  # index of the token inside its record
    rec_len = sorted_len[record]
    rows = order[record]
    forward_cols = n_cols - rec_len + position
    reverse_cols = n_cols - 1 - position  # token len-1-position, left padded
    # The reverse direction visits token p of a record at the step where the
    # forward direction visits token len-1-p; map between the two flat orders.
    offsets = (
        np.concatenate([[0], np.cumsum(active)[:-1]]) if active else np.zeros(0, int)
    )
    forward_index = offsets[starts[record] + (rec_len - 1 - position)] + record
    to_forward = np.empty_like(forward_index)
    to_forward[forward_index] = np.arange(len(forward_index))
    truncate_at = n_steps - bptt_steps if bptt_steps and bptt_steps < n_steps else None
    return Plan(
        order,
        inverse,
        active,
        {False: (rows, forward_cols), True: (rows, reverse_cols)},
        record,
        to_forward,
        forward_index,
        truncate_at,
    )
