"""Recurrent networks behind the scikit-learn API.

Classify variable-length sequences (strings, token lists, numeric series), tag
each of their steps, and turn them into fixed-length embeddings that any
scikit-learn model can use.
"""

import importlib

from sklearn_rnn._version import __version__

# The public names and the modules that define them, imported on first use
# (PEP 562): ``import sklearn_rnn`` alone, which the command line does, then
# costs no torch or scikit-learn import, and ``sklearn-rnn --version`` answers
# at once.
_LAZY = {
    "MatrixRNN": "sklearn_rnn._module",
    "RNNEmbeddingTransformer": "sklearn_rnn._transformer",
    "RNNSequenceClassifier": "sklearn_rnn._classifier",
    "RNNSequenceRegressor": "sklearn_rnn._regressor",
    "RNNSequenceTagger": "sklearn_rnn._tagger",
    "SequenceEncoder": "sklearn_rnn._encoding",
    "WordLexicon": "sklearn_rnn._lexicons",
}

__all__ = [*sorted(_LAZY), "__version__"]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module 'sklearn_rnn' has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *_LAZY})
