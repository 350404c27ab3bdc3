"""Pooling a record's steps: the max pooling's own backward pass."""

import numpy as np
import pytest
import torch

from sklearn_rnn._pooling import pool_steps


def _torch_max(flat, record, n_records):
    width = flat.shape[1]
    return flat.new_zeros((n_records, width)).scatter_reduce(
        0, record[:, None].expand(-1, width), flat, reduce="amax", include_self=False
    )


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("tie", [0.5, 0.0])
@pytest.mark.parametrize("seed", range(5))
def test_max_pooling_gradient_is_torch_scatter_reduce_bitwise(dtype, tie, seed):
    """Check values and gradients against torch's ``scatter_reduce`` (amax)
    to the bit, with ties (equal steps share a maximum's gradient), maxima
    of exactly 0 and records without steps."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, 6, size=9)
    record = torch.as_tensor(np.repeat(np.arange(9), lengths))
    gen = torch.Generator().manual_seed(seed)
    flat = torch.randn(len(record), 5, dtype=dtype, generator=gen)
    if tie == 0:  # records whose steps are all <= 0
        flat = -flat.abs()
    flat[torch.rand(flat.shape, generator=gen) < 0.4] = tie
    grad = torch.randn(9, 5, dtype=dtype, generator=gen)

    ours = flat.clone().requires_grad_()
    pooled = pool_steps("max", ours, record, lengths, 9)
    pooled.backward(grad)
    theirs = flat.clone().requires_grad_()
    expected = _torch_max(theirs, record, 9)
    expected.backward(grad)

    assert torch.equal(pooled, expected)
    assert torch.equal(ours.grad, theirs.grad)
    assert (ours.grad[flat == tie] != 0).any()  # the ties got their share


def test_max_pooling_gradient_at_a_zero_maximum_is_torch_s():
    """Check the one place torch's backward departs from an even split: a
    maximum of exactly 0 also counts the zeros its output starts from as a
    tie. Kept, so that fits are what they were to the bit."""
    flat = torch.tensor([[0.0], [-1.0], [0.0], [2.0]], requires_grad=True)
    record = torch.tensor([0, 0, 0, 1])
    grad = torch.tensor([[1.0], [1.0]])
    pool_steps("max", flat, record, np.array([3, 1]), 2).backward(grad)
    theirs = flat.detach().clone().requires_grad_()
    _torch_max(theirs, record, 2).backward(grad)
    assert torch.equal(flat.grad, theirs.grad)
    assert flat.grad.ravel().tolist() == pytest.approx([1 / 3, 0.0, 1 / 3, 1.0])


def test_max_pooling_without_gradient_matches():
    flat = torch.randn(7, 3, generator=torch.Generator().manual_seed(0))
    record = torch.tensor([0, 0, 1, 1, 1, 2, 2])
    with torch.no_grad():
        pooled = pool_steps("max", flat, record, np.array([2, 3, 2]), 3)
    assert torch.equal(pooled, _torch_max(flat, record, 3))
