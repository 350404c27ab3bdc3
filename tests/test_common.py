"""scikit-learn's estimator checks, for both estimators in every fit mode."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_rnn import RNNEmbeddingTransformer, RNNSequenceClassifier

from .conftest import FAST_PARAMS

FIT_MODES = ["sgd", "minibatch", "vectorized", "packed"]

ESTIMATORS = [
    Estimator(fit_mode=mode, **{**FAST_PARAMS, "max_iter": 3 if mode == "sgd" else 20})
    for Estimator in (RNNSequenceClassifier, RNNEmbeddingTransformer)
    for mode in FIT_MODES
]


def _expected_failed_checks(estimator):
    return {
        "check_sample_weight_equivalence_on_dense_data": (
            "Stochastic minibatch training: repeating a record is not the same "
            "update sequence as doubling its weight (as for sklearn's SGD models)."
        ),
    }


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    """Check that the estimators pass scikit-learn's common checks."""
    check(estimator)
