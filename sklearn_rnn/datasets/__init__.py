"""Datasets: bundled, synthetic and downloadable sequence data."""

from sklearn_rnn.datasets._bundled import load_digit_sequences, load_surnames
from sklearn_rnn.datasets._lexicons import load_english_lexicons
from sklearn_rnn.datasets._names18 import fetch_names_18
from sklearn_rnn.datasets._synthetic import (
    make_sequence_classification,
    make_sine_regression,
    make_wave_classification,
)
from sklearn_rnn.datasets._ud import fetch_ud_treebank

__all__ = [
    "fetch_names_18",
    "fetch_ud_treebank",
    "load_digit_sequences",
    "load_english_lexicons",
    "load_surnames",
    "make_sequence_classification",
    "make_sine_regression",
    "make_wave_classification",
]
