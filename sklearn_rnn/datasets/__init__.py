"""Datasets: bundled, synthetic and downloadable sequence data."""

from sklearn_rnn.datasets._bundled import load_digit_sequences, load_surnames
from sklearn_rnn.datasets._synthetic import make_sequence_classification

__all__ = ["load_digit_sequences", "load_surnames", "make_sequence_classification"]
