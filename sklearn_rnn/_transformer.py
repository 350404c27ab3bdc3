"""RNNEmbeddingTransformer: sequences -> fixed-length embedding vectors."""

from __future__ import annotations

from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context

from sklearn_rnn._base import BaseRNN
from sklearn_rnn._docstrings import SHARED_ATTRIBUTES, SHARED_PARAMETERS
from sklearn_rnn._tasks import ClassificationTask


class RNNEmbeddingTransformer(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseRNN
):
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network to predict ``y``; its states become the features.

        Parameters
        ----------
        X : list of str, list of token lists, array-like of shape \
(n_samples, n_steps) or (n_samples, n_steps, n_features), or list of arrays
            The sequences.
        y : array-like of shape (n_samples,)
            Class labels that shape the embedding.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the records in the loss.

        Returns
        -------
        self : RNNEmbeddingTransformer
        """
        self._fit(X, y, sample_weight)
        self.classes_ = self.task_.classes_
        self._n_features_out = self.module_.embedding_size
        return self

    def _make_task(self, y):
        return ClassificationTask(self.class_weight, self.label_smoothing)

    def transform(self, X):
        """Embed each sequence.

        Returns
        -------
        X_new : ndarray of shape (n_samples, hidden_size * (1 + bidirectional))
            The pooled hidden states (``h_T`` by default); float32 for float32
            numeric input, float64 otherwise.
        """
        records, dtype = self._records_for_inference(X)
        out_dtype = dtype if dtype.kind == "f" and dtype.itemsize == 4 else "float64"
        return self._run_module(records, "embed", dtype=out_dtype)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


RNNEmbeddingTransformer.__doc__ = f"""Turn variable-length sequences into fixed-length vectors.

Fits the same network as :class:`RNNSequenceClassifier` on the labels, then
``transform`` returns each sequence's embedding (the final hidden state ``h_T``
by default), ready for any scikit-learn model, e.g. in
``Pipeline([("rnn", RNNEmbeddingTransformer()), ("rf", RandomForestClassifier())])``.

Parameters
----------
{SHARED_PARAMETERS}

Attributes
----------
{SHARED_ATTRIBUTES}

See Also
--------
RNNSequenceClassifier : The same network as a classifier.

Examples
--------
>>> from sklearn_rnn import RNNEmbeddingTransformer
>>> rnn = RNNEmbeddingTransformer(hidden_size=8, max_iter=2, random_state=0)
>>> rnn.fit_transform(["cat", "chat", "katze", "kat"], ["en", "fr", "de", "af"]).shape
(4, 8)
"""
