"""Ray's joblib backend runs a search on a local Ray instance (the "ray" extra)."""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from sklearn_rnn import RNNSequenceClassifier

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def local_ray():
    from ray.util.joblib import register_ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    register_ray()
    yield
    ray.shutdown()


def test_grid_search_on_ray_equals_one_process(local_ray):
    import joblib

    X = np.array(["abc", "cba", "aab", "bba", "c", "ba", "acb"] * 9, dtype=object)
    y = np.array([0, 1, 0, 1, 1, 1, 0] * 9)
    grid = {"hidden_size": [3, 5]}
    est = RNNSequenceClassifier(max_iter=3, random_state=0)
    local = GridSearchCV(est, grid, cv=2).fit(X, y)
    with joblib.parallel_backend("ray"):
        remote = GridSearchCV(est, grid, cv=2, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    np.testing.assert_array_equal(
        remote.best_estimator_.predict_proba(X), local.best_estimator_.predict_proba(X)
    )
