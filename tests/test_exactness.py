"""Every forward mode against an independent per-record reference, with biases.

The reference below is written from the cells' equations (torch's documented
gate layout), one record at a time in float64 numpy, reading only real steps.
Every bias is random and non-zero: a pad step that were computed would move
``h`` away from ``h_0``, and the last test shows that naive left padding
(computing the pad steps) indeed fails this comparison.
"""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose

from sklearn_rnn import MatrixRNN
from sklearn_rnn._encoding import Records

LENGTHS = [3, 0, 5, 1, 5, 2, 7]
HIDDEN, N_FEATURES, VOCAB = 5, 3, 12


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _records(symbolic, bag, lengths=LENGTHS, seed=0):
    rng = np.random.default_rng(seed)
    if symbolic:
        shape = (lambda n: (n, 3)) if bag else (lambda n: (n,))
        recs = [rng.integers(0, VOCAB, size=shape(n)) for n in lengths]
        empty = np.zeros(shape(0), np.int64)
    else:
        recs = [rng.normal(size=(n, N_FEATURES)).astype(np.float32) for n in lengths]
        empty = np.zeros((0, N_FEATURES), np.float32)
    return recs, Records.from_list(recs, empty)


def _module(symbolic, **kwargs):
    module = MatrixRNN(
        VOCAB if symbolic else N_FEATURES,
        4,
        HIDDEN,
        symbolic=symbolic,
        generator=torch.Generator().manual_seed(1),
        **kwargs,
    ).eval()
    gen = torch.Generator().manual_seed(2)
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.startswith(("b", "c")):  # every bias random and non-zero
                p.copy_(torch.rand(p.shape, generator=gen) + 0.25)
    return module


def _step(cell, P, suffix, x_term, h, c):
    """One step of one direction, from the cell's equations."""
    W = P["W" + suffix]
    if cell == "rnn":
        return np.tanh(W @ h + x_term), c
    if cell == "lstm":
        i, f, g, o = np.split(W @ h + x_term, 4)
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        return _sigmoid(o) * np.tanh(c), c
    x_r, x_z, x_n = np.split(x_term, 3)
    h_r, h_z, h_n = np.split(W @ h + P["b_h" + suffix], 3)
    r, z = _sigmoid(x_r + h_r), _sigmoid(x_z + h_z)
    n = np.tanh(x_n + r * h_n)
    return (1 - z) * n + z * h, c


def reference_embedding(module, record, symbolic):
    """Embedding of one record: real steps only, float64, no batching."""
    inputs, finals = reference_states(module, record, symbolic)
    n_dir = 2 if module.bidirectional else 1
    kinds = ["last", "mean", "max"] if module.pooling == "concat" else [module.pooling]
    if not inputs:
        return np.zeros(HIDDEN * n_dir * len(kinds))
    stacked = np.array(inputs)
    pooled = {
        "last": np.concatenate(finals),
        "mean": stacked.mean(0),
        "max": stacked.max(0),
    }
    return np.concatenate([pooled[kind] for kind in kinds])


def reference_states(module, record, symbolic):
    """The last layer's state at each step of one record, and each direction's
    final state: real steps only, float64, no batching."""
    P = {k: v.detach().double().numpy() for k, v in module.state_dict().items()}
    n_dir = 2 if module.bidirectional else 1
    inputs = list(record)
    finals = []
    for layer in range(module.num_layers):
        outputs = []
        finals = []
        for reverse in range(n_dir):
            suffix = (f"_l{layer}" if layer else "") + ("_reverse" if reverse else "")
            U, b = P["U" + suffix], P["b" + suffix]
            h, c = np.zeros(HIDDEN), np.zeros(HIDDEN)
            steps = [None] * len(inputs)
            order = range(len(inputs) - 1, -1, -1) if reverse else range(len(inputs))
            for t in order:
                x = inputs[t]
                if layer == 0 and symbolic:
                    x_term = U[:, np.atleast_1d(x)].sum(axis=1) + b
                else:
                    x_term = U @ np.asarray(x, dtype=float) + b
                h, c = _step(module.cell, P, suffix, x_term, h, c)
                steps[t] = h
            outputs.append(steps)
            finals.append(h)
        inputs = [np.concatenate([o[t] for o in outputs]) for t in range(len(inputs))]
    return inputs, finals


CONFIGS = [
    (cell, pooling, layers, bidirectional)
    for cell in ("rnn", "gru", "lstm")
    for pooling in ("last", "mean", "max", "concat")
    for layers, bidirectional in ((1, False), (1, True), (2, False), (2, True))
]


PER_STEP_CONFIGS = [
    (cell, layers, bidirectional)
    for cell in ("rnn", "gru", "lstm")
    for layers, bidirectional in ((1, False), (1, True), (2, True))
]


@pytest.mark.parametrize("cell,pooling,layers,bidirectional", CONFIGS)
@pytest.mark.parametrize("symbolic,bag", [(True, False), (True, True), (False, False)])
def test_every_mode_matches_per_record_reference(
    cell, pooling, layers, bidirectional, symbolic, bag
):
    """Check loop, vectorized and packed against the per-record reference."""
    module = _module(
        symbolic,
        cell=cell,
        pooling=pooling,
        num_layers=layers,
        bidirectional=bidirectional,
    )
    recs, records = _records(symbolic, bag)
    expected = np.array([reference_embedding(module, r, symbolic) for r in recs])
    X, lengths = records.left_padded(np.arange(len(recs)))
    for mode in ("loop", "vectorized", "packed"):
        module.forward_mode = mode
        with torch.no_grad():
            got = module.embed(torch.as_tensor(X), lengths).double().numpy()
        assert_allclose(got, expected, rtol=2e-5, atol=2e-6, err_msg=mode)


@pytest.mark.parametrize("cell,layers,bidirectional", PER_STEP_CONFIGS)
@pytest.mark.parametrize("symbolic,bag", [(True, True), (False, False)])
def test_per_step_states_match_reference_in_every_mode(
    cell, layers, bidirectional, symbolic, bag
):
    """Check the per-step states (what a tagging head reads) record by record,
    and that the content of pad cells changes nothing."""
    module = _module(
        symbolic, cell=cell, num_layers=layers, bidirectional=bidirectional
    )
    recs, records = _records(symbolic, bag)
    width = HIDDEN * (1 + bidirectional)
    expected = np.concatenate(
        [
            np.reshape(reference_states(module, r, symbolic)[0], (-1, width))
            for r in recs
        ]
    )
    X, lengths = records.left_padded(np.arange(len(recs)))
    garbage = X.copy()
    pads = np.arange(X.shape[1])[None, :] < (X.shape[1] - lengths)[:, None]
    garbage[pads] = 7 if symbolic else 1e3
    for mode in ("loop", "vectorized", "packed"):
        module.forward_mode = mode
        for batch in (X, garbage):
            with torch.no_grad():
                got = module.embed_steps(torch.as_tensor(batch), lengths)
            assert got.shape == (sum(LENGTHS), width)
            assert_allclose(
                got.double().numpy(), expected, rtol=2e-5, atol=2e-6, err_msg=mode
            )


def naive_left_padded_last_state(module, X, symbolic):
    """Parr's left-padded batch with the pad steps computed (what we avoid)."""
    P = {k: v.detach().double().numpy() for k, v in module.state_dict().items()}
    out = []
    for row in X:
        h, c = np.zeros(HIDDEN), np.zeros(HIDDEN)
        for x in row:  # every column, pads included
            x_term = (
                P["U"][:, np.atleast_1d(x)].sum(1) if symbolic else P["U"] @ x
            ) + P["b"]
            h, c = _step(module.cell, P, "", x_term, h, c)
        out.append(h)
    return np.array(out)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_naive_left_padding_fails_the_reference_with_a_bias(cell):
    """Check that the comparison above would catch computed pad steps.

    With zero biases, a pad step (zero input) keeps ``h_0 = 0`` for the rnn
    cell, so only a non-zero bias exposes it; with the biases above the naive
    batch differs from the reference for every padded record.
    """
    module = _module(True, cell=cell)
    recs, records = _records(True, bag=False)
    X, lengths = records.left_padded(np.arange(len(recs)))
    expected = np.array([reference_embedding(module, r, True) for r in recs])
    naive = naive_left_padded_last_state(module, X, True)
    padded = lengths < lengths.max()
    assert not np.allclose(naive[padded], expected[padded], atol=1e-3)
    # ... while records without pad steps agree: the reference is the same maths.
    assert_allclose(naive[~padded], expected[~padded], rtol=1e-5, atol=1e-6)
