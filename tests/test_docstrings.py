"""The parameter documentation states the defaults each estimator really has."""

import inspect
import re

import pytest

from sklearn_rnn import (
    RNNEmbeddingTransformer,
    RNNSequenceClassifier,
    RNNSequenceRegressor,
    RNNSequenceTagger,
)

ESTIMATORS = [
    RNNSequenceClassifier,
    RNNSequenceRegressor,
    RNNSequenceTagger,
    RNNEmbeddingTransformer,
]


def _same(documented: str, actual) -> bool:
    if documented == repr(actual).replace("'", '"'):
        return True
    try:  # 1e-4 and 0.0001 are the same default
        return float(documented) == float(actual)
    except (TypeError, ValueError):
        return False


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda e: e.__name__)
def test_every_parameter_is_documented_with_its_default(Estimator):
    """Check each __init__ parameter against its 'name : type, default=...' line."""
    doc = Estimator.__doc__
    for name, param in inspect.signature(Estimator.__init__).parameters.items():
        if name == "self":
            continue
        match = re.search(rf"^{name} : .*default=(.+)$", doc, re.M)
        assert match, f"{Estimator.__name__}: {name} is not documented"
        assert _same(match.group(1).strip(), param.default), (
            f"{Estimator.__name__}.{name}: documented default={match.group(1)}, "
            f"actual {param.default!r}"
        )
