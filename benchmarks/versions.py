"""Defaults of earlier releases, as parameters of today's estimators, for the
benchmarks that compare them with today's defaults (run.py: fit time;
quality.py: what each learns)."""

# Version 0.1: Parr's matrix RNN reading one symbol a step, with no wide term,
# dropout, held-out data, scaling of numeric input or weight averaging.
V01_DEFAULTS = dict(
    wide=False,
    cell="rnn",
    ngram_range=(1, 1),
    dropout=0.0,
    early_stopping=False,
    standardize=False,
    max_iter=20,
    batch_size=32,
    learning_rate_init=0.005,
    ema_decay=None,
    patch_size=1,  # read every step of numeric series
    pooling="last",  # the final state h_T
)
