"""The estimator methods the scale-out helpers (dask, Spark) apply to data,
and the check of a requested one, shared so both refuse alike."""

from __future__ import annotations

SCORING_METHODS = ("predict", "predict_proba", "predict_log_proba", "transform")


def check_scoring_method(estimator, method: str) -> None:
    """Raise ``ValueError`` for a method outside :data:`SCORING_METHODS` and
    ``AttributeError`` where the estimator lacks it (a regressor's
    ``predict_proba``)."""
    if method not in SCORING_METHODS:
        raise ValueError(f"method must be one of {SCORING_METHODS}, got {method!r}.")
    if not hasattr(estimator, method):
        raise AttributeError(f"{type(estimator).__name__} has no method {method!r}.")
