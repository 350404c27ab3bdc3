"""GPU: every fit mode and cell on CUDA, CPU-loadable pickles. Skipped without CUDA."""

import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

from sklearn_rnn import RNNEmbeddingTransformer, RNNSequenceClassifier

from .conftest import requires_cuda

pytestmark = [pytest.mark.cuda, requires_cuda]


@pytest.mark.parametrize("fit_mode", ["sgd", "minibatch", "vectorized", "packed"])
@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_fit_and_predict_on_cuda(fit_mode, cell, language_words):
    """Check that every mode and cell trains on the GPU and matches the CPU maths."""
    X, y = language_words
    clf = RNNSequenceClassifier(
        hidden_size=16,
        cell=cell,
        fit_mode=fit_mode,
        max_iter=2,
        device="cuda",
        random_state=0,
    ).fit(X, y)
    assert clf.module_.V.device.type == "cuda"
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    proba_gpu = clf.predict_proba(X)
    cpu_twin = pickle.loads(pickle.dumps(clf))  # saved state is CPU-only
    assert cpu_twin.module_.V.device.type == "cpu"
    # cuDNN / cuBLAS may use TF32 and other summation orders: float tolerance.
    np.testing.assert_allclose(cpu_twin.predict_proba(X), proba_gpu, atol=2e-3)


def test_auto_device_picks_cuda(cat_words):
    """Check that device='auto' uses the GPU when there is one."""
    X, y = cat_words
    rnn = RNNEmbeddingTransformer(
        hidden_size=4, max_iter=1, device="auto", random_state=0
    ).fit(X, y)
    assert rnn.module_.V.device.type == "cuda"
    assert rnn.transform(X).shape == (4, 4)


def test_gpu_pickle_loads_on_cpu_only_machine_without_warning(language_words, tmp_path):
    """Check that a GPU-fitted model loads and predicts where CUDA is hidden."""
    X, y = language_words
    clf = RNNSequenceClassifier(
        hidden_size=8, max_iter=2, device="cuda", early_stopping=True, random_state=0
    ).fit(X, y)
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(clf))
    np.save(tmp_path / "expected.npy", clf.predict_proba(X))
    code = textwrap.dedent(f"""
        import pickle, warnings, numpy as np, torch
        import sklearn_rnn  # import-time warnings of other libraries are not ours
        assert not torch.cuda.is_available()
        X = {X!r}
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # loading and predicting: no warning
            clf = pickle.loads(open({str(path)!r}, "rb").read())
            proba = clf.predict_proba(X)
        np.testing.assert_allclose(proba, np.load({str(tmp_path / "expected.npy")!r}),
                                   atol=2e-3)
        print("ok")
    """)
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_global_cuda_rng_untouched(cat_words):
    """Check that fitting with dropout on CUDA leaves the CUDA RNG state alone."""
    X, y = cat_words
    state = torch.cuda.get_rng_state()
    RNNSequenceClassifier(
        hidden_size=4,
        num_layers=2,
        dropout=0.5,
        max_iter=1,
        device="cuda",
        random_state=0,
    ).fit(X, y)
    assert torch.equal(torch.cuda.get_rng_state(), state)


@pytest.mark.parametrize("fit_mode", ["vectorized", "packed"])
def test_tagger_and_regressor_on_cuda(fit_mode):
    """Check the per-step head and the regression head on the GPU, and that
    their CPU twins (from a pickle) predict the same."""
    from sklearn_rnn import RNNSequenceRegressor, RNNSequenceTagger

    X = [["the", "dog", "runs"], ["a", "cat"], []] * 10
    y = [["DET", "NOUN", "VERB"], ["DET", "NOUN"], []] * 10
    tagger = RNNSequenceTagger(
        hidden_size=8, max_iter=3, fit_mode=fit_mode, device="cuda", random_state=0
    ).fit(X, y)
    assert tagger.module_.V.device.type == "cuda"
    twin = pickle.loads(pickle.dumps(tagger))
    for a, b in zip(twin.predict_proba(X), tagger.predict_proba(X)):
        np.testing.assert_allclose(a, b, atol=2e-3)
    series = [np.sin(np.arange(n) / 3.0) for n in range(5, 35)]
    reg = RNNSequenceRegressor(
        hidden_size=8, max_iter=3, fit_mode=fit_mode, device="cuda", random_state=0
    ).fit(series, np.arange(30.0))
    twin = pickle.loads(pickle.dumps(reg))
    np.testing.assert_allclose(
        twin.predict(series), reg.predict(series), rtol=1e-3, atol=1e-2
    )
