"""Row updates of the symbol lookups: the rows are autograd's gradient, the
lazy AdamW is AdamW wherever every column is touched and leaves the others
alone, the lazy average is the dense average, and a tagger's fit never
builds a table-sized gradient."""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose
from skorch.callbacks import Callback

from sklearn_rnn import RNNSequenceTagger
from sklearn_rnn._module import lookup_columns
from sklearn_rnn._row_updates import (
    RowAdamW,
    RowAverage,
    RowGradients,
    clip_grad_norm,
    lookup_rows,
)

GATES, SYMBOLS = 6, 9


def table(seed=0):
    """A lookup ``U`` stored as the module stores it: ``(gates, symbols)``
    with each symbol's column contiguous."""
    g = torch.Generator().manual_seed(seed)
    values = torch.randn(SYMBOLS, GATES, generator=g, dtype=torch.float64)
    values[0] = 0.0  # the unknown symbol
    return torch.nn.Parameter(values.t())


@pytest.mark.parametrize("form", ["ids", "bags", "weighted bags"])
def test_rows_are_the_gradient_of_the_lookup(form):
    g = torch.Generator().manual_seed(1)
    if form == "ids":
        ids, weights = torch.tensor([3, 0, 3, 5, 8, 1]), None
    else:
        ids = torch.randint(0, SYMBOLS, (7, 3), generator=g)
        weights = None
        if form == "weighted bags":
            weights = torch.rand(7, 3, generator=g, dtype=torch.float64)
    upstream = torch.randn(len(ids), GATES, generator=g, dtype=torch.float64)
    dense = table()
    (lookup_columns(dense, ids, weights) * upstream).sum().backward()
    U, sink = table(), RowGradients()
    out = lookup_rows(U, ids, weights, sink)
    assert_allclose(out.detach(), lookup_columns(dense, ids, weights).detach())
    (out * upstream).sum().backward()
    assert U.grad is None  # nothing table-sized
    touched, rows = sink.merged()[U]
    expected = dense.grad.t()
    assert set(touched.tolist()) == set(ids[ids != 0].tolist())
    assert_allclose(rows, expected[touched], rtol=1e-12)
    untouched = np.setdiff1d(np.arange(SYMBOLS), touched.numpy())
    assert (expected[untouched] == 0).all()


def adamw_pair(lr=0.01, weight_decay=0.1):
    """The same table under torch's AdamW and under RowAdamW."""
    dense, lazy = table(), table()
    sink = RowGradients()
    options = dict(lr=lr, weight_decay=weight_decay)
    return (
        dense,
        torch.optim.AdamW([dense], **options),
        lazy,
        RowAdamW([lazy], rows=sink, **options),
        sink,
    )


def test_row_adamw_is_adamw_where_every_column_is_touched():
    dense, adamw, lazy, row_adamw, sink = adamw_pair()
    g = torch.Generator().manual_seed(2)
    every = torch.arange(SYMBOLS)
    for _ in range(5):
        grad = torch.randn(SYMBOLS, GATES, generator=g, dtype=torch.float64)
        adamw.zero_grad()
        dense.grad = grad.t().clone()
        adamw.step()
        row_adamw.zero_grad()
        sink.add(lazy, every, grad.clone())
        row_adamw.step()
        assert not sink  # each step consumes its rows
    assert_allclose(lazy.detach(), dense.detach(), rtol=1e-10)


def test_row_adamw_leaves_untouched_columns_alone():
    _, _, lazy, row_adamw, sink = adamw_pair()
    before = lazy.detach().clone()
    touched = torch.tensor([2, 5])
    for _ in range(3):
        sink.add(lazy, touched, torch.ones(2, GATES, dtype=torch.float64))
        row_adamw.step()
    moved = (lazy.detach() != before).any(dim=0)
    assert moved.tolist() == [i in (2, 5) for i in range(SYMBOLS)]
    # Adam moves a column by about the learning rate per update, less decay.
    assert_allclose(
        (before - lazy.detach())[:, 2], 0.03 + 0.003 * before[:, 2], atol=2e-4
    )


def test_clipping_counts_rows_and_dense_gradients_together():
    dense = torch.nn.Parameter(torch.zeros(2))
    dense.grad = torch.tensor([3.0, 0.0], dtype=torch.float32)
    U, sink = table(), RowGradients()
    sink.add(U, torch.tensor([1]), torch.tensor([[4.0] + [0.0] * (GATES - 1)]))
    clip_grad_norm([dense, U], sink, max_norm=1.0)  # the whole norm is 5
    assert_allclose(dense.grad, [0.6, 0.0], rtol=1e-5)
    assert_allclose(sink.merged()[U][1][0, 0], 0.8, rtol=1e-5)


def test_lazy_average_is_the_dense_average():
    """Columns change only when touched; the average that reads only the
    touched columns (and catches all of them up before it is read) equals
    the average of every column at every update, decays of 0 included."""
    g = torch.Generator().manual_seed(3)
    U = table()
    dense_average = U.detach().clone()
    lazy = RowAverage(U, U.detach().clone())
    decays = [0.0, 0.5, 0.6, 0.9, 0.0, 0.95, 0.95, 0.9, 0.99, 0.99]
    for n, decay in enumerate(decays, start=1):
        ids = torch.randperm(SYMBOLS - 1, generator=g)[:3] + 1
        rows = lazy.caught_up(ids, through=n - 1)
        with torch.no_grad():
            U.t()[ids] += torch.randn(3, GATES, generator=g, dtype=torch.float64)
            dense_average.lerp_(U, 1.0 - decay)
        lazy.record(decay)
        lazy.update(ids, rows, decay, at=n)
        if n in (4, 10):
            lazy.catch_up(through=n)
            assert_allclose(lazy.average, dense_average, rtol=1e-12, atol=1e-15)


class _NoTableGradient(Callback):
    """Records, at every update, whether the lookups got a dense gradient
    and how many of their columns the update touched."""

    def on_train_begin(self, net, **kwargs):
        self.dense_, self.touched_ = [], []

    def on_grad_computed(self, net, **kwargs):
        tables = net.module_.lookup_tables()
        self.dense_.append(any(U.grad is not None for U in tables))
        rows = net.module_.row_gradients.merged()
        self.touched_.append(sum(len(rows[U][0]) for U in tables if U in rows))


@pytest.mark.parametrize("mode", ["sgd", "minibatch", "vectorized", "packed"])
def test_a_tagger_fit_touches_only_the_rows_it_reads(mode):
    # Twelve sentences of their own words: a batch of two reads a sixth.
    X = [[f"the{i}", f"dog{i}", f"barks{i}"] for i in range(12)]
    y = [["DET", "NOUN", "VERB"]] * 12
    probe = _NoTableGradient()
    tagger = RNNSequenceTagger(
        hidden_size=4,
        max_iter=8,
        batch_size=2,
        fit_mode=mode,
        callbacks=[probe],
        random_state=0,
    ).fit(X, y)
    assert probe.dense_ and not any(probe.dense_)
    tables = len(tagger.module_.lookup_tables())
    assert 0 < max(probe.touched_) < tables * tagger.module_.n_inputs / 3
    assert tagger.module_.row_gradients is None  # not part of the fitted model
    assert tagger.score(X, y) == 1.0
