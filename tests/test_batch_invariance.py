"""A record's prediction is bitwise the same alone, in a batch and in a
shuffled batch, in the default float32 and in float64.

Each product of the inference path has one fixed shape whatever the batch
(``ROW_BLOCK`` rows), so BLAS never changes its kernel or summation order with
the batch; these tests would catch any operation that does.
"""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_rnn import RNNEmbeddingTransformer, RNNSequenceClassifier
from sklearn_rnn._module import ROW_BLOCK, rowwise_matmul


def _records(kind, n=70, seed=0):
    """Ragged records (lengths 0-15) with two classes; more records than one
    row block, so a batch spans several blocks."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, 16, size=n)
    if kind == "text":
        X = ["".join(rng.choice(list("abcdefgh"), size=k)) for k in lengths]
    else:
        X = [rng.normal(size=(k, 3)) for k in lengths]
    y = np.array(["p", "q"])[rng.integers(0, 2, size=n)]
    return X, y


def _assert_batch_invariant(model, method, X, seed=1):
    together = getattr(model, method)(X)
    alone = np.vstack([getattr(model, method)(X[i : i + 1]) for i in range(len(X))])
    perm = np.random.default_rng(seed).permutation(len(X))
    shuffled = getattr(model, method)([X[i] for i in perm])
    # Repeated, a record sits at other rows of other blocks.
    doubled = getattr(model, method)(list(X) + list(X[::-1]))
    assert_array_equal(alone, together)
    assert_array_equal(shuffled, together[perm])
    assert_array_equal(doubled[: len(X)], together)


@pytest.mark.parametrize("kind", ["text", "numeric"])
@pytest.mark.parametrize("pooling", ["last", "mean", "max", "concat"])
@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_records_predict_bitwise_alike_in_any_batch(cell, pooling, kind):
    """Check every cell and pooling, on symbols and numbers; hidden size 5
    leaves odd tails in every elementwise operation."""
    X, y = _records(kind)
    clf = RNNSequenceClassifier(
        hidden_size=5, cell=cell, pooling=pooling, max_iter=3, random_state=0
    ).fit(X, y)
    _assert_batch_invariant(clf, "predict_proba", X)


@pytest.mark.parametrize("inference_dtype", ["auto", "float32", "float64"])
def test_deep_bidirectional_embeddings_are_batch_invariant(inference_dtype):
    """Check a stacked bidirectional GRU's embeddings in every precision."""
    X, y = _records("text", n=100, seed=2)
    rnn = RNNEmbeddingTransformer(
        hidden_size=7,
        num_layers=2,
        bidirectional=True,
        pooling="mean",
        max_iter=2,
        inference_dtype=inference_dtype,
        random_state=0,
    ).fit(X, y)
    _assert_batch_invariant(rnn, "transform", X)


@pytest.mark.parametrize("fit_mode", ["sgd", "minibatch", "packed"])
def test_every_fit_mode_predicts_through_the_invariant_path_on_the_cpu(fit_mode):
    """Check models trained by the loop or packed kernels predict on the CPU
    through the blocked vectorized path (torch's packed CPU kernels round a
    record differently depending on its batch)."""
    X, y = _records("text", n=40)
    clf = RNNSequenceClassifier(
        hidden_size=5, max_iter=1, fit_mode=fit_mode, random_state=0
    ).fit(X, y)
    assert clf.module_.forward_mode == "vectorized"
    _assert_batch_invariant(clf, "predict_proba", X)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("add", [None, "bias", "per_row"])
@pytest.mark.parametrize("training", [False, True])
def test_rowwise_matmul_is_the_product_and_each_row_its_own(dtype, add, training):
    """Check ``a @ W.T + add`` (no add, a bias, a term per row) for row counts
    below, at and above one block and a summed width that needs padding; at
    inference each row is bitwise the same alone as in the batch."""
    gen = torch.Generator().manual_seed(0)
    W = torch.randn(7, 13, generator=gen, dtype=dtype)
    for n in (1, 5, ROW_BLOCK, ROW_BLOCK + 6):
        a = torch.randn(n, 13, generator=gen, dtype=dtype)
        term = {
            None: None,
            "bias": torch.randn(7, generator=gen, dtype=dtype),
            "per_row": torch.randn(n, 7, generator=gen, dtype=dtype),
        }[add]
        with torch.set_grad_enabled(training):
            out = rowwise_matmul(a, W, term)
            rows = [
                rowwise_matmul(
                    a[i : i + 1], W, term[i : i + 1] if add == "per_row" else term
                )
                for i in range(n)
            ]
        expected = a.double() @ W.double().t() + (0 if term is None else term.double())
        assert out.shape == (n, 7) and out.dtype == dtype
        assert_allclose(out.double().numpy(), expected.numpy(), rtol=1e-5, atol=1e-5)
        if not training:
            assert_array_equal(torch.cat(rows).numpy(), out.numpy())
