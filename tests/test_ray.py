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


def test_a_search_that_loses_a_worker_fails_clearly(local_ray):
    """Ray's joblib backend runs the fits in a pool of actors; when the
    process of one dies mid-fit, the search raises Ray's ActorDiedError
    ("The actor died unexpectedly before finishing this task") and keeps no
    results: never a search that silently scored fewer candidates."""
    import os
    import signal
    import threading
    import time

    import joblib

    psutil = pytest.importorskip("psutil")
    from sklearn_rnn.datasets import load_surnames

    X, y = load_surnames(return_X_y=True)
    X, y = np.asarray(X, dtype=object)[:1500], np.asarray(y)[:1500]
    est = RNNSequenceClassifier(max_iter=15, early_stopping=False, random_state=0)
    search = GridSearchCV(est, {"hidden_size": [8, 16, 24, 32]}, cv=2, n_jobs=2)
    outcome = {}

    def run():
        try:
            with joblib.parallel_backend("ray"):
                search.fit(X, y)
        except Exception as exc:  # what the user sees
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    killed, deadline = None, time.monotonic() + 120
    while killed is None and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.1)
        for process in psutil.process_iter(["name"]):
            if process.info["name"] == "ray::PoolActor.run_batch":
                os.kill(process.pid, signal.SIGKILL)
                killed = process.pid
                break
    thread.join(timeout=600)
    assert killed is not None, "the search ended before a worker was killed"
    error = outcome.get("error")
    assert isinstance(error, ray.exceptions.RayActorError)
    assert "actor died unexpectedly" in str(error)
    assert not hasattr(search, "cv_results_")


def test_ray_workers_train_the_network_one_process_trains(local_ray):
    # n_workers through Ray's joblib backend (tests/test_data_parallel.py
    # has the other engines): parameters to float32 rounding, dropout off.
    import joblib

    rng = np.random.default_rng(6)
    X = rng.normal(size=(90, 30))
    y = (X[:, -5:].mean(1) > 0).astype(int)
    params = dict(dropout=0.0, hidden_size=8, max_iter=3, random_state=0, n_threads=1)
    one = RNNSequenceClassifier(**params).fit(X, y)
    with joblib.parallel_config(backend="ray"):
        many = RNNSequenceClassifier(n_workers=2, **params).fit(X, y)
    for (name, a), (_, b) in zip(
        one.module_.named_parameters(), many.module_.named_parameters()
    ):
        np.testing.assert_allclose(
            b.detach().numpy(), a.detach().numpy(), atol=5e-5, rtol=1e-4, err_msg=name
        )


def test_ray_train_workers_train_the_network_one_process_trains(local_ray):
    """n_workers=ray.train.ScalingConfig(...): Ray Train's TorchTrainer
    places the workers and joins their process group; the fitted model is
    an ordinary one-process estimator that clones and pickles."""
    import pickle

    from ray.train import ScalingConfig
    from sklearn.base import clone

    rng = np.random.default_rng(7)
    X = rng.normal(size=(90, 30))
    y = (X[:, -5:].mean(1) > 0).astype(int)
    params = dict(dropout=0.0, hidden_size=8, max_iter=3, random_state=0, n_threads=1)
    one = RNNSequenceClassifier(**params).fit(X, y)
    scaling = ScalingConfig(num_workers=2, resources_per_worker={"CPU": 1})
    many = RNNSequenceClassifier(n_workers=scaling, **params).fit(X, y)
    for (name, a), (_, b) in zip(
        one.module_.named_parameters(), many.module_.named_parameters()
    ):
        np.testing.assert_allclose(
            b.detach().numpy(), a.detach().numpy(), atol=5e-5, rtol=1e-4, err_msg=name
        )
    np.testing.assert_allclose(many.loss_curve_, one.loss_curve_, rtol=1e-5)
    assert clone(many).get_params()["n_workers"].num_workers == 2
    restored = pickle.loads(pickle.dumps(many))
    np.testing.assert_array_equal(restored.predict_proba(X), many.predict_proba(X))


def test_ray_train_refuses_what_it_cannot_run(local_ray):
    from ray.train import ScalingConfig

    X, y = np.zeros((8, 5)), np.array([0, 1] * 4)
    with pytest.raises(
        ValueError, match="needs 3 CPUs at once and the Ray cluster has 2"
    ):
        RNNSequenceClassifier(n_workers=ScalingConfig(num_workers=3)).fit(X, y)
    with pytest.raises(ValueError, match="use_gpu=True"):
        RNNSequenceClassifier(n_workers=ScalingConfig(num_workers=2, use_gpu=True)).fit(
            X, y
        )
