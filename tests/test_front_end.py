"""The convolutional front end (``conv_filters``): learned filters over the
series that the recurrence reads beside its patches."""

import pickle

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose

from sklearn_rnn import (
    RNNEmbeddingTransformer,
    RNNSequenceClassifier,
    RNNSequenceRegressor,
)
from sklearn_rnn._module import MatrixRNN, conv_dilations_for
from sklearn_rnn.export import export_network
from sklearn_rnn.standalone import StandaloneRNN

TINY = dict(hidden_size=8, max_iter=3, batch_size=16, random_state=0)


def _series(n=40, length=48, seed=0):
    """Two classes told apart by a bump's width, at a random place."""
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 0.3, (n, length))
    y = np.arange(n) % 2
    for i in range(n):
        width = 3 if y[i] else 9
        start = rng.integers(0, length - width)
        X[i, start : start + width] += 2.0
    return X, y


def _module(**kw):
    params = dict(
        n_inputs=2 * 4,
        n_outputs=3,
        hidden_size=6,
        symbolic=False,
        cell="gru",
        pooling="concat",
        conv_filters=5,
        conv_dilations=conv_dilations_for(40),
        patch_size=4,
        generator=torch.Generator().manual_seed(0),
    )
    params.update(kw)
    return MatrixRNN(**params)


def _left_padded(lengths, steps, width, seed=0):
    X = torch.randn(
        len(lengths), steps, width, generator=torch.Generator().manual_seed(seed)
    )
    for i, n in enumerate(lengths):
        X[i, : steps - n] = 0.0
    return X


def test_dilations_spread_to_the_length():
    assert conv_dilations_for(9) == (1,)
    assert conv_dilations_for(24) == (1, 2)
    dilations = conv_dilations_for(2000)
    assert dilations[0] == 1 and len(dilations) == 6
    # The widest filter spans about the length, not more.
    assert 8 * dilations[-1] <= 2000 < 8 * 2 * dilations[-1]


def test_each_step_gains_the_mean_and_max_of_every_filter():
    module = _module()
    assert module.front_width == 2 * 5 * len(module.conv_dilations)
    X = _left_padded([10, 7, 3], 10, 8)
    read = module._read_front_end(X)
    assert read.shape == (3, 10, 8 + module.front_width)
    torch.testing.assert_close(read[..., :8], X)
    # ReLU outputs: means and maxes are never negative, a max never below the mean.
    mean, top = read[..., 8 : 8 + 5], read[..., 8 + 5 : 8 + 10]
    assert (mean >= 0).all() and (top >= mean - 1e-6).all()


def test_a_record_scores_as_it_does_alone_in_every_forward_mode():
    module = _module().eval()
    lengths = np.array([10, 7, 3, 10, 1])
    X = _left_padded(lengths, 10, 8)
    with torch.no_grad():
        batch = module(X, lengths)
        alone = torch.cat(
            [
                module(X[i : i + 1, 10 - n :], lengths[i : i + 1])
                for i, n in enumerate(lengths)
            ]
        )
        # Bitwise: the filters' products are row by row, as the recurrence's.
        assert torch.equal(batch, alone)
        for mode in ("loop", "packed"):
            module.forward_mode = mode
            torch.testing.assert_close(module(X, lengths), batch, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("kw", [dict(symbolic=True), dict(per_step=True)])
def test_no_filters_where_they_would_read_symbols_or_the_future(kw):
    module = _module(**kw)
    assert module.conv_filters == 0 and module.front_width == 0
    assert not [n for n, _ in module.named_parameters() if n.startswith("front_")]


def test_the_filters_learn_and_the_model_predicts():
    X, y = _series()
    clf = RNNSequenceClassifier(conv_filters=4, **TINY).fit(X, y)
    module = clf.module_
    assert module.conv_filters == 4 and module.patch_size == clf.encoder_.patch_size_
    assert module.conv_dilations == conv_dilations_for(48)
    # Gradients reach the filters: another pass moves them.
    before = module.front_weight_0.detach().clone()
    clf.partial_fit(X, y)
    assert not torch.equal(clf.module_.front_weight_0, before)
    assert clf.predict(X).shape == (len(X),)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-5)
    # A saved model predicts the same.
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), proba)


def test_regressor_and_transformer_read_through_filters_too():
    X, y = _series()
    reg = RNNSequenceRegressor(conv_filters=3, **TINY).fit(X, y.astype(float))
    assert reg.module_.conv_filters == 3 and reg.predict(X).shape == (len(X),)
    emb = RNNEmbeddingTransformer(conv_filters=3, **TINY).fit(X, y)
    assert emb.module_.conv_filters == 3
    assert emb.transform(X).shape[0] == len(X)
    # Without labels the transformer predicts the next step: no filters.
    lm = RNNEmbeddingTransformer(conv_filters=3, **TINY).fit(X)
    assert lm.module_.conv_filters == 0


def test_text_ignores_the_filters():
    clf = RNNSequenceClassifier(conv_filters=4, **TINY).fit(
        ["ab", "ba", "aab", "bba"], [0, 1, 0, 1]
    )
    assert clf.module_.conv_filters == 0


def test_warm_start_refuses_other_filters():
    X, y = _series()
    clf = RNNSequenceClassifier(conv_filters=4, warm_start=True, **TINY).fit(X, y)
    clf.set_params(conv_filters=2)
    with pytest.raises(ValueError, match="conv_filters"):
        clf.fit(X, y)


@pytest.mark.parametrize("patch_size", [1, 5, 16])
def test_the_standalone_network_reads_the_front_end_as_the_library(patch_size):
    # Records of several lengths (one empty, one shorter than a patch) and
    # two channels, with the record view: what the front end reads beside
    # the patches is the same written out in standalone.py.
    rng = np.random.default_rng(3)
    X = [rng.normal(size=(n, 2)) for n in (3, 40, 41, 0, 77, 50)] * 3
    y = np.arange(len(X)) % 3
    clf = RNNSequenceClassifier(
        conv_filters=3, wide=False, patch_size=patch_size, **TINY
    ).fit(X, y)
    artefact = export_network(clf)
    assert artefact["config"]["conv_filters"] == 3
    assert artefact["config"]["conv_dilations"] == list(clf.module_.conv_dilations)
    assert_allclose(
        StandaloneRNN(artefact).predict_proba(X), clf.predict_proba(X), atol=1e-5
    )


def test_the_standalone_regressor_and_embeddings_read_the_front_end():
    X, y = _series()
    reg = RNNSequenceRegressor(conv_filters=2, **TINY).fit(X, y.astype(float))
    assert_allclose(
        StandaloneRNN(export_network(reg)).predict(X), reg.predict(X), atol=1e-4
    )
    emb = RNNEmbeddingTransformer(conv_filters=2, **TINY).fit(X, y)
    assert_allclose(
        StandaloneRNN(export_network(emb)).embed(X), emb.transform(X), atol=1e-5
    )


@pytest.mark.parametrize("bad", [-1, 1.5, "auto"])
def test_bad_filter_counts_are_refused(bad):
    X, y = _series()
    with pytest.raises(ValueError, match="conv_filters"):
        RNNSequenceClassifier(conv_filters=bad, **TINY).fit(X, y)


def test_the_exact_fit_modes_train_the_same_filters():
    X, y = _series(n=24)
    params = dict(TINY, conv_filters=3, wide=False, dropout=0.0, shuffle=False)
    fits = [
        RNNSequenceClassifier(fit_mode=mode, **params).fit(X, y)
        for mode in ("minibatch", "vectorized", "packed")
    ]
    reference = fits[1]
    for other in (fits[0], fits[2]):
        torch.testing.assert_close(
            other.module_.front_weight_0,
            reference.module_.front_weight_0,
            atol=1e-5,
            rtol=1e-4,
        )
        np.testing.assert_allclose(
            other.predict_proba(X), reference.predict_proba(X), atol=1e-5
        )


def test_strides_follow_the_dilation_and_keep_eight_reads_a_patch():
    from sklearn_rnn._module import front_stride

    assert front_stride(1, 63) == 1
    assert front_stride(3, 63) == 3
    assert front_stride(82, 63) == 63 // 8
    assert front_stride(27, 14) == 1  # a patch of 14 steps: read every step


@pytest.mark.parametrize("patch", [4, 40])
def test_the_patch_reading_is_the_convolution_at_its_strided_steps(patch):
    """Against torch's own dilated convolution over every step, sampled where
    the front end reads it."""
    import torch.nn.functional as F

    from sklearn_rnn._module import front_stride

    module = _module(n_inputs=2 * patch, patch_size=patch, conv_dilations=(1, 6, 20))
    steps = 5
    X = _left_padded([5, 3], steps, 2 * patch)
    read = module._read_front_end(X)
    series = X.reshape(2, steps * patch, 2).transpose(1, 2)
    filters = module.conv_filters
    for i, d in enumerate(module.conv_dilations):
        full = F.relu(
            F.conv1d(
                series,
                getattr(module, f"front_weight_{i}"),
                getattr(module, f"front_bias_{i}"),
                padding=4 * d,
                dilation=d,
            )
        ).reshape(2, filters, steps, patch)[..., :: front_stride(d, patch)]
        start = 2 * patch + 2 * filters * i
        torch.testing.assert_close(
            read[..., start : start + filters], full.mean(3).transpose(1, 2)
        )
        torch.testing.assert_close(
            read[..., start + filters : start + 2 * filters],
            full.amax(3).transpose(1, 2),
        )
