"""sklearn_rnn.spark on a local[2] Spark session: the same results as one
process, bit for bit, for every input form and method."""

import shutil
import sys

import numpy as np
import pytest

pytest.importorskip("pyspark")
pytest.importorskip("pyarrow")
if shutil.which("java") is None:
    pytest.skip(
        "Spark needs Java (apt-get install openjdk-17-jre-headless)",
        allow_module_level=True,
    )

from sklearn_rnn import (  # noqa: E402
    RNNEmbeddingTransformer,
    RNNSequenceClassifier,
    RNNSequenceRegressor,
    RNNSequenceTagger,
)
from sklearn_rnn.datasets import load_surnames  # noqa: E402
from sklearn_rnn.spark import apply_column  # noqa: E402

TINY = {"hidden_size": 6, "max_iter": 2, "random_state": 0}
pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    # pyspark 4.x warns about pandas 3 on every pandas conversion.
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas"),
]


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    # Spark's Python workers start the first ``python3`` on PATH unless
    # PYSPARK_PYTHON says otherwise: without an activated virtual environment
    # that is a Python without this project's packages (pandas, the library).
    # They must run the interpreter that runs the tests.
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PYSPARK_PYTHON", sys.executable)
        session = (
            SparkSession.builder.master("local[2]")
            .appName("sklearn-rnn-tests")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")
        yield session
        session.stop()


@pytest.fixture(scope="module")
def names():
    X, y = load_surnames(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(X))
    return [X[i] for i in order], np.asarray(y)[order]


def collect(df, column):
    """The column in id order (Spark keeps no row order across partitions)."""
    rows = df.orderBy("id").select(column).collect()
    return [r[0] for r in rows]


def test_strings_every_method_as_one_process(spark, names):
    X, y = names
    clf = RNNSequenceClassifier(**TINY).fit(X[:300], y[:300])
    X_new = X[300:1300] + [""]
    df = spark.createDataFrame(
        [(i, s, i % 7) for i, s in enumerate(X_new)], ["id", "name", "other"]
    ).repartition(4)
    out = apply_column(df, clf, "name")
    assert out.columns == ["id", "name", "other", "predict"]
    assert collect(out, "predict") == clf.predict(X_new).tolist()
    assert collect(out, "other") == [i % 7 for i in range(len(X_new))]
    for method in ("predict_proba", "predict_log_proba"):
        got = np.array(collect(apply_column(df, clf, "name", method), method))
        np.testing.assert_array_equal(got, getattr(clf, method)(X_new))
    # Called again after a refit: the new model's results, not the old.
    clf.fit(X[300:600], y[300:600])
    assert (
        collect(apply_column(df, clf, "name"), "predict") == clf.predict(X_new).tolist()
    )


def test_token_arrays_and_a_tagger(spark, names):
    X, _ = names
    tokens = [list(s) for s in X[:200]]
    tags = [["U" if c.isupper() else "L" for c in s] for s in X[:200]]
    tagger = RNNSequenceTagger(**TINY).fit(tokens, tags)
    df = spark.createDataFrame(list(enumerate(tokens)), ["id", "tokens"])
    assert [
        list(t) for t in collect(apply_column(df, tagger, "tokens"), "predict")
    ] == (tagger.predict(tokens).tolist())
    proba = collect(
        apply_column(df, tagger, "tokens", "predict_proba"), "predict_proba"
    )
    for got, expected in zip(proba, tagger.predict_proba(tokens)):
        np.testing.assert_array_equal(np.array(got).reshape(expected.shape), expected)


def test_numeric_series_one_and_several_channels(spark):
    rng = np.random.default_rng(0)
    series = [rng.normal(size=(rng.integers(1, 30), 2)) for _ in range(200)]
    target = np.array([s[:, 0].mean() for s in series])
    reg = RNNSequenceRegressor(**TINY).fit(series, target)
    df = spark.createDataFrame(
        [(i, s.tolist()) for i, s in enumerate(series)], ["id", "x"]
    ).repartition(3)
    np.testing.assert_array_equal(
        collect(apply_column(df, reg, "x"), "predict"), reg.predict(series)
    )
    one = [s[:, 0] for s in series]
    embedder = RNNEmbeddingTransformer(**TINY).fit(one, target)
    df1 = spark.createDataFrame(
        [(i, s.tolist()) for i, s in enumerate(one)], ["id", "x"]
    )
    got = np.array(collect(apply_column(df1, embedder, "x", "transform"), "transform"))
    np.testing.assert_array_equal(got, embedder.transform(one))


def test_clear_errors(spark, names):
    X, y = names
    clf = RNNSequenceClassifier(**TINY).fit(X[:100], y[:100])
    df = spark.createDataFrame([(0, "Katz", 1.5)], ["id", "name", "score"])
    with pytest.raises(ValueError, match="'nom' is not in the DataFrame"):
        apply_column(df, clf, "nom")
    with pytest.raises(TypeError, match="'score' is double"):
        apply_column(df, clf, "score")
    with pytest.raises(ValueError, match="already in the DataFrame"):
        apply_column(df, clf, "name", output_col="score")
    with pytest.raises(ValueError, match="method must be one of"):
        apply_column(df, clf, "name", "fit")
    with pytest.raises(AttributeError, match="no method 'transform'"):
        apply_column(df, clf, "name", "transform")
