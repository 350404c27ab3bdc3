"""Saving models: pickles, versions, and export for use without the library."""

import pickle
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import torch

import sklearn_rnn._persistence as persistence
from sklearn_rnn import RNNEmbeddingTransformer, RNNSequenceClassifier, __version__
from sklearn_rnn.exceptions import InconsistentVersionWarning
from sklearn_rnn.export import export_network, save_network


@pytest.mark.parametrize("fit_mode", ["sgd", "minibatch", "vectorized", "packed"])
@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_pickle_round_trip_every_mode_and_cell(fit_mode, cell, cat_words):
    """Check that every mode and cell predicts identically after pickling."""
    X, y = cat_words
    clf = RNNSequenceClassifier(
        hidden_size=4, cell=cell, fit_mode=fit_mode, max_iter=2, random_state=0
    ).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


def test_saved_state_is_arrays_and_the_version(cat_words):
    """Check the pickled state: the network as its config and numpy arrays,
    no training machinery, the library version recorded."""
    X, y = cat_words
    clf = RNNSequenceClassifier(hidden_size=4, max_iter=1, random_state=0).fit(X, y)
    state = clf.__getstate__()
    assert state["_sklearn_rnn_version"] == __version__
    assert "_sklearn_rnn_version" not in vars(clf)  # the live object is untouched
    assert "net_" not in state and hasattr(clf, "net_")
    network = state["module_"]
    assert network["network"] == clf.module_.config()
    assert set(network["parameters"]) == set(clf.module_.state_dict())
    assert all(isinstance(a, np.ndarray) for a in network["parameters"].values())


def test_loading_under_another_version_warns(cat_words, monkeypatch):
    """Check that a version mismatch at load time warns clearly."""
    X, y = cat_words
    blob = pickle.dumps(
        RNNSequenceClassifier(hidden_size=4, max_iter=1, random_state=0).fit(X, y)
    )
    monkeypatch.setattr(persistence, "__version__", "99.0")
    with pytest.warns(
        InconsistentVersionWarning,
        match=f"version {__version__} when using version 99.0",
    ):
        restored = pickle.loads(blob)
    assert restored.predict(X).shape == (4,)


@pytest.mark.parametrize(
    "params,X,y",
    [
        ({}, ["cat", "chat", "katze", "", "kät"], ["en", "fr", "de", "en", "de"]),
        (
            {"cell": "gru", "bidirectional": True, "num_layers": 2, "pooling": "mean"},
            ["cat", "chat", "katze", "kat"],
            [0, 1, 2, 1],
        ),
        (
            {"cell": "lstm", "pooling": "max", "bidirectional": True},
            [np.arange(n * 2.0).reshape(n, 2) / 10 for n in (1, 3, 5, 2)],
            [0, 1, 0, 1],
        ),
        (
            {"cell": "rnn", "pooling": "concat", "bidirectional": True},
            ["cat", "chat", "katze", "", "kät"],
            ["en", "fr", "de", "en", "de"],
        ),
        ({"analyzer": "word"}, ["big dog", "small cat", "big cat"], ["a", "b", "a"]),
        (  # n-gram bags of characters
            {"ngram_range": (1, 3), "bidirectional": True},
            ["cat", "chat", "katze", "", "kät"],
            ["en", "fr", "de", "en", "de"],
        ),
        (  # n-gram bags of tokens
            {"ngram_range": (2, 3)},
            [["big", "dog"], ["small", "cat", "x"], ["big", "cat"]],
            ["a", "b", "a"],
        ),
        (  # standardised numeric input of a large scale
            {},
            [1000 + 300 * np.arange(n * 2.0).reshape(n, 2) for n in (1, 3, 5, 2)],
            [0, 1, 0, 1],
        ),
    ],
)
def test_exported_network_reproduces_predictions_without_the_library(
    params, X, y, tmp_path
):
    """Check that standalone.py, with sklearn_rnn unimportable, predicts the same."""
    clf = RNNSequenceClassifier(
        hidden_size=5, max_iter=3, random_state=0, **params
    ).fit(X, y)
    path = tmp_path / "model.pt"
    save_network(clf, path)
    artefact = torch.load(path, weights_only=True)  # plain types and tensors only
    assert set(artefact["state_dict"]) >= {"W", "U", "b", "V", "c"}
    np.save(tmp_path / "expected.npy", clf.predict_proba(X))
    standalone = __import__("sklearn_rnn.standalone", fromlist=["x"]).__file__
    code = textwrap.dedent(f"""
        import sys, pickle, numpy as np
        sys.modules["sklearn_rnn"] = None  # any import of the library would fail
        sys.path.insert(0, {str(tmp_path)!r})
        import importlib.util
        spec = importlib.util.spec_from_file_location("standalone", {standalone!r})
        mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
        model = mod.load({str(path)!r})
        X = pickle.loads({pickle.dumps(X)!r})
        np.testing.assert_allclose(model.predict_proba(X),
                                   np.load({str(tmp_path / "expected.npy")!r}), atol=1e-5)
        print(model.predict(X))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(clf.predict(X).tolist())


def test_export_of_transformer_embeds_the_same(cat_words):
    """Check export_network on the transformer: embeddings match transform."""
    from sklearn_rnn.standalone import StandaloneRNN

    X, y = cat_words
    rnn = RNNEmbeddingTransformer(hidden_size=4, max_iter=2, random_state=0).fit(X, y)
    model = StandaloneRNN(export_network(rnn))
    np.testing.assert_allclose(
        model.embed(X + ["zzz"]), rnn.transform(X + ["zzz"]), atol=1e-5
    )


def test_standalone_handles_an_empty_vocabulary_and_empty_input():
    """Check a model fitted on empty strings only, and an empty batch."""
    from sklearn_rnn.standalone import StandaloneRNN

    clf = RNNSequenceClassifier(hidden_size=3, max_iter=1, random_state=0).fit(
        ["", ""], ["a", "b"]
    )
    model = StandaloneRNN(export_network(clf))
    np.testing.assert_allclose(
        model.predict_proba(["", "new"]), clf.predict_proba(["", "new"]), atol=1e-6
    )
    assert model.embed([]).shape == (0, 3)
