"""The torch core: Parr's equations, exact padding, mode equivalence."""

import re

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose

from sklearn_rnn import MatrixRNN
from sklearn_rnn._encoding import Records

LENGTHS = [3, 0, 5, 1, 5, 2, 7]


def _batch(symbolic, lengths=LENGTHS, seed=0, n_features=3, vocab=10):
    rng = np.random.default_rng(seed)
    if symbolic:
        recs = [rng.integers(0, vocab, size=n) for n in lengths]
        empty = np.zeros(0, np.int64)
    else:
        recs = [rng.normal(size=(n, n_features)).astype(np.float32) for n in lengths]
        empty = np.zeros((0, n_features), np.float32)
    records = Records.from_list(recs, empty)
    X, L = records.left_padded(np.arange(len(lengths)))
    return torch.as_tensor(X), L, recs


def _module(symbolic, seed=1, **kwargs):
    n_inputs = 10 if symbolic else 3
    return MatrixRNN(
        n_inputs,
        4,
        6,
        symbolic=symbolic,
        generator=torch.Generator().manual_seed(seed),
        **kwargs,
    ).eval()


@pytest.mark.parametrize(
    "name, options",
    [
        ("cell", "('rnn', 'gru', 'lstm')"),
        ("nonlinearity", "('tanh', 'relu')"),
        ("pooling", "('last', 'mean', 'max', 'concat')"),
        ("forward_mode", "('loop', 'vectorized', 'packed')"),
    ],
)
def test_module_refuses_unknown_choices_by_name(name, options):
    """Check the torch core's own validation (it is usable without the
    estimators): a misspelt choice is named, not run as another one."""
    message = f"{name} must be one of {options}, got 'Max'."
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        MatrixRNN(3, 2, 4, symbolic=False, **{name: "Max"})


def test_a_cell_changed_after_construction_is_refused_at_the_step():
    """Check the guard of the step function: a cell set on a built module
    (the estimators set attributes such as forward_mode after building)."""
    module = _module(False)
    module.cell = "Max"
    X, L, _ = _batch(False)
    with pytest.raises(ValueError, match=r"^Unknown cell 'Max'\.$"):
        module(X, L)


def test_module_parameters_use_parr_names():
    """Check that the single-layer RNN exposes exactly W, U, b, V, c."""
    module = _module(True)
    shapes = {name: tuple(p.shape) for name, p in module.named_parameters()}
    assert shapes == {"W": (6, 6), "U": (6, 10), "b": (6,), "V": (4, 6), "c": (4,)}


@pytest.mark.parametrize("symbolic", [True, False])
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_vectorized_matches_parr_recurrence_with_bias(symbolic, nonlinearity):
    """Check the batch against h_t = f(W h + U x_t + b), logits = V h_T + c, per record.

    The bias is non-zero, so a pad step that were computed would change h.
    """
    module = _module(symbolic, nonlinearity=nonlinearity)
    with torch.no_grad():
        module.b.uniform_(0.5, 1.0)
        module.c.uniform_(-1, 1)
    X, L, recs = _batch(symbolic)
    P = {k: v.detach().double().numpy() for k, v in module.state_dict().items()}
    f = np.tanh if nonlinearity == "tanh" else (lambda z: np.maximum(z, 0))
    expected = []
    for rec in recs:
        h = np.zeros(6)
        for x in rec:
            ux = P["U"][:, x] if symbolic else P["U"] @ x
            h = f(P["W"] @ h + ux + P["b"])
        expected.append(P["V"] @ h + P["c"])
    with torch.no_grad():
        got = module(X, L).double().numpy()
    assert_allclose(got, np.array(expected), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("symbolic", [True, False])
@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("pooling", ["last", "mean", "max", "concat"])
@pytest.mark.parametrize("layers,bidirectional", [(1, False), (2, True)])
def test_forward_modes_agree(symbolic, cell, pooling, layers, bidirectional):
    """Check that loop, vectorized and packed compute the same embeddings."""
    module = _module(
        symbolic,
        cell=cell,
        pooling=pooling,
        num_layers=layers,
        bidirectional=bidirectional,
    )
    X, L, _ = _batch(symbolic)
    out = {}
    with torch.no_grad():
        for mode in ("loop", "vectorized", "packed"):
            module.forward_mode = mode
            out[mode] = module.embed(X, L).numpy()
    parts = 3 if pooling == "concat" else 1  # last, mean and max side by side
    assert out["vectorized"].shape == (len(L), 6 * (1 + bidirectional) * parts)
    assert_allclose(out["loop"], out["vectorized"], rtol=1e-5, atol=1e-6)
    assert_allclose(out["packed"], out["vectorized"], rtol=1e-5, atol=1e-6)
    # Empty records embed as h_0 = 0 in every mode.
    assert np.all(out["vectorized"][np.asarray(L) == 0] == 0)


@pytest.mark.parametrize("method", ["embed", "embed_steps"])
def test_each_forward_mode_runs_its_own_implementation(method, monkeypatch):
    """Check that forward_mode picks the code that runs: the modes compute the
    same function, so the agreement tests above would compare one
    implementation with itself if the dispatch were wrong."""
    import sklearn_rnn._module as core

    calls = []

    def spy(name, function):
        def spied(*args, **kwargs):
            calls.append(name)
            return function(*args, **kwargs)

        return spied

    monkeypatch.setattr(core, "embed_packed", spy("packed", core.embed_packed))
    for name, attr in (("loop", "_one_record_at_a_time"), ("layers", "_run_layers")):
        monkeypatch.setattr(MatrixRNN, attr, spy(name, getattr(MatrixRNN, attr)))
    module = _module(True)
    X, L, _ = _batch(True)
    expected = {
        "loop": ["loop"] + ["layers"] * len(L),  # the vectorized path per record
        "vectorized": ["layers"],
        "packed": ["packed"],
    }
    for mode, path in expected.items():
        module.forward_mode = mode
        calls.clear()
        with torch.no_grad():
            getattr(module, method)(X, L)
        assert calls == path, mode


def _record_masks(module):
    """The (shape, p) of every dropout mask ``module`` draws from now on
    (from a seeded local generator)."""
    module.dropout_generator = torch.Generator().manual_seed(0)
    masks, draw = [], module.dropout_mask
    module.dropout_mask = lambda shape, p, like: (
        masks.append((tuple(shape), p)) or draw(shape, p, like)
    )
    return masks


@pytest.mark.parametrize("mode", ["loop", "vectorized"])
def test_dropout_reaches_every_layers_input_and_the_head(mode):
    """Check where dropout acts, as documented: the input term U x_t of every
    layer and direction, and the embedding the head reads; at this rate, and
    nowhere at predict time."""
    module = _module(True, cell="rnn", num_layers=2, bidirectional=True, dropout=0.4)
    module.forward_mode = mode
    masks = _record_masks(module)
    X, L, _ = _batch(True, lengths=[3, 5, 1])
    module.train()(X, L)
    # 2 layers x 2 directions of (tokens, hidden) input terms, per record in
    # Parr's loop; then one (records, 2 x hidden) mask before the head.
    inputs = [(n, 6) for n in (3, 5, 1)] if mode == "loop" else [(9, 6)]
    expected = [(shape, 0.4) for shape in inputs * 4] + [((3, 12), 0.4)]
    assert sorted(masks) == sorted(expected)
    masks.clear()
    module.eval()(X, L)
    assert masks == []


def test_recurrent_dropout_draws_one_mask_row_per_record():
    """Check variational dropout's mask: one row per record, the records that
    enter at the last step included, and none for an empty batch."""
    module = _module(False, recurrent_dropout=0.3)
    masks = _record_masks(module)
    for lengths in ([3, 5, 1], [4]):
        masks.clear()
        X, L, _ = _batch(False, lengths=lengths)
        module.train()(X, L)
        assert masks == [((len(lengths), 6), 0.3)]


def test_a_module_built_with_defaults_drops_nothing():
    """Check MatrixRNN's defaults: no dropout of any kind, so training mode
    computes what predict computes."""
    module = _module(True)
    X, L, _ = _batch(True)
    with torch.no_grad():
        assert_allclose(module.train()(X, L), module.eval()(X, L), rtol=1e-6)


def test_a_module_used_on_its_own_drops_out_like_torch():
    """Check that a MatrixRNN trained outside the estimators (no dropout
    generator set) draws its masks from torch's default generator, as
    nn.Dropout does: seeded there, the same masks; and predicts without any."""
    module = _module(False, dropout=0.5, recurrent_dropout=0.5)
    assert module.dropout_generator is None
    X, L, _ = _batch(False)
    outputs = []
    for _ in range(2):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            outputs.append(module.train()(X, L).detach())
    assert torch.equal(outputs[0], outputs[1])
    with torch.no_grad():
        assert not torch.allclose(outputs[0], module.eval()(X, L))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("method", ["embed", "embed_steps"])
def test_loop_mode_of_an_empty_batch(method, dtype):
    """Check Parr's per-record loop on no records: an empty float array of the
    embedding's width in the module's dtype, as the other modes give."""
    module = _module(True, bidirectional=True).to(dtype)
    X, L, _ = _batch(True, lengths=[])
    for mode in ("loop", "vectorized"):
        module.forward_mode = mode
        with torch.no_grad():
            out = getattr(module, method)(X, L)
        assert out.shape == (0, 12) and out.dtype == dtype, mode


@pytest.mark.parametrize("symbolic", [True, False])
def test_embedding_independent_of_batch_composition(symbolic):
    """Check that a record's embedding does not depend on its batch mates.

    Equal up to float32 rounding: torch's SIMD kernels for tanh/sigmoid may round
    the last bit differently depending on where an element sits in memory.
    """
    module = _module(symbolic, cell="gru")
    X, L, _ = _batch(symbolic, lengths=[4, 9, 1, 6, 6, 0, 3, 8], seed=3)
    with torch.no_grad():
        full = module.embed(X, L).numpy()
        for i in range(len(L)):
            n_cols = X.shape[1]
            alone = module.embed(X[i : i + 1, n_cols - L[i] :], L[i : i + 1]).numpy()
            assert_allclose(alone[0], full[i], rtol=1e-6, atol=2e-7)
        perm = np.random.default_rng(0).permutation(len(L))
        shuffled = module.embed(X[perm], L[perm]).numpy()
    assert_allclose(shuffled, full[perm], rtol=1e-6, atol=2e-7)


def test_gradients_match_finite_differences():
    """Check autograd through the step loop against finite differences (float64)."""
    module = _module(False, cell="rnn").double().train()
    X, L, _ = _batch(False, lengths=[3, 1, 2])
    X = X.double()

    def loss_of(W):
        with torch.no_grad():
            module.W.copy_(W)
        return module(X, L).square().sum()

    W0 = module.W.detach().clone()
    module.zero_grad()
    module(X, L).square().sum().backward()
    grad = module.W.grad.clone()
    eps = 1e-6
    for i, j in [(0, 0), (2, 3), (5, 1)]:
        Wp, Wm = W0.clone(), W0.clone()
        Wp[i, j] += eps
        Wm[i, j] -= eps
        numeric = (loss_of(Wp) - loss_of(Wm)).item() / (2 * eps)
        assert numeric == pytest.approx(grad[i, j].item(), rel=1e-5, abs=1e-8)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("bptt_steps", [1, 2])
def test_truncated_bptt_cuts_gradient_to_early_steps(cell, bptt_steps):
    """Check that bptt_steps keeps h (and an LSTM's c) exact but stops
    gradients into early inputs."""
    module = _module(False, cell=cell, bptt_steps=bptt_steps).train()
    X, L, _ = _batch(False, lengths=[6])
    X = X.clone().requires_grad_(True)
    full = _module(False, cell=cell).train()
    with torch.no_grad():
        assert_allclose(module(X, L).numpy(), full(X, L).numpy(), rtol=1e-6)
    module(X, L).sum().backward()
    grad_per_step = X.grad.abs().sum(dim=2)[0]
    assert torch.all(grad_per_step[:-bptt_steps] == 0)
    assert torch.all(grad_per_step[-bptt_steps:] > 0)


def test_unknown_symbol_column_is_zero():
    """Check that symbol id 0 (unknown) adds nothing to W h + b."""
    module = _module(True)
    assert torch.all(module.U[:, 0] == 0)
