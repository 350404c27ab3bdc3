"""make_plan, the index bookkeeping of the vectorized recurrence, on cases
that trained models cannot tell apart (found by mutation testing)."""

import numpy as np
from numpy.testing import assert_array_equal

from sklearn_rnn._plan import make_plan


def test_records_of_equal_length_keep_their_input_order():
    """Check the sort is stable: ties stay in input order, whatever numpy's
    default sort does, so a batch's row order (and with it the order in which
    a training step sums its gradients) depends on the data alone."""
    lengths = np.array([3, 5, 3, 5, 3, 5, 3, 5, 3, 5, 3, 5, 3, 5, 3, 5, 3] * 3)
    plan = make_plan(lengths, 5, None, bidirectional=False)
    expected = np.concatenate(
        [np.flatnonzero(lengths == 5), np.flatnonzero(lengths == 3)]
    )
    assert_array_equal(plan.order, expected)
    assert_array_equal(plan.order[plan.inverse], np.arange(len(lengths)))


def test_an_empty_batch_has_no_steps():
    plan = make_plan(np.array([], dtype=np.int64), 0, None, bidirectional=False)
    assert plan.active == [] and len(plan.record) == 0 and len(plan.order) == 0


def test_a_one_way_plan_has_no_direction_maps():
    plan = make_plan(np.array([2, 1]), 2, None, bidirectional=False)
    assert plan.to_forward is None and plan.to_reverse is None
    assert set(plan.gather) == {False}
    two_way = make_plan(np.array([2, 1]), 2, None, bidirectional=True)
    assert_array_equal(two_way.to_forward[two_way.to_reverse], np.arange(3))


def test_truncation_point_counts_back_from_the_last_step():
    lengths = np.array([6, 4])
    assert make_plan(lengths, 6, 2, bidirectional=False).truncate_at == 4
    assert make_plan(lengths, 6, None, bidirectional=False).truncate_at is None
    assert make_plan(lengths, 6, 10, bidirectional=False).truncate_at is None
