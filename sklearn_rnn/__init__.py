"""Recurrent networks behind the scikit-learn API.

Classify variable-length sequences (strings, token lists, numeric series), tag
each of their steps, and turn them into fixed-length embeddings that any
scikit-learn model can use.
"""

from sklearn_rnn._classifier import RNNSequenceClassifier
from sklearn_rnn._encoding import SequenceEncoder
from sklearn_rnn._module import MatrixRNN
from sklearn_rnn._regressor import RNNSequenceRegressor
from sklearn_rnn._tagger import RNNSequenceTagger
from sklearn_rnn._transformer import RNNEmbeddingTransformer
from sklearn_rnn._version import __version__

__all__ = [
    "MatrixRNN",
    "RNNEmbeddingTransformer",
    "RNNSequenceClassifier",
    "RNNSequenceRegressor",
    "RNNSequenceTagger",
    "SequenceEncoder",
    "__version__",
]
