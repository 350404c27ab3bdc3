"""Datasets: bundled, synthetic and downloadable sequence data."""

from sklearn_rnn.datasets._synthetic import make_sequence_classification

__all__ = ["make_sequence_classification"]
