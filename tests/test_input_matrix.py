"""The input matrix: each bad case raises a clear error naming the problem, and
each odd-but-legitimate case (at the end) gets a correct result."""

import inspect
import re
import warnings
from functools import partial

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError
from sklearn.utils import get_tags

from sklearn_rnn import (
    RNNEmbeddingTransformer,
    RNNSequenceClassifier,
    RNNSequenceRegressor,
    RNNSequenceTagger,
)

TINY = dict(hidden_size=4, max_iter=1, random_state=0)
WORDS, LABELS = ["cat", "chat", "katze", "kat"], ["en", "fr", "en", "fr"]
NUM = np.random.default_rng(0).normal(size=(6, 5))
NUM_Y = np.array([0, 1] * 3)

# (case, X, y, exception, message pattern): errors raised by fit.
FIT_ERRORS = [
    ("nan", np.where(NUM > 1, np.nan, NUM), NUM_Y, ValueError, "Input X contains NaN"),
    (
        "inf",
        np.where(NUM > 1, np.inf, NUM),
        NUM_Y,
        ValueError,
        "Input X contains infinity",
    ),
    ("complex", NUM + 1j, NUM_Y, ValueError, "Complex data not supported"),
    (
        "nan in ragged",
        [np.array([1.0, np.nan]), np.array([2.0])],
        [0, 1],
        ValueError,
        "Input X contains NaN",
    ),
    ("overflows float32", NUM * 1e300, NUM_Y, ValueError, "too large for float32"),
    ("empty X", [], [], ValueError, "0 sample"),
    ("empty array", np.empty((0, 5)), [], ValueError, "0 sample"),
    (
        "X/y length mismatch",
        WORDS,
        LABELS[:3],
        ValueError,
        "inconsistent numbers of samples",
    ),
    (
        "y longer than X",
        NUM,
        np.r_[NUM_Y, 0],
        ValueError,
        "inconsistent numbers of samples",
    ),
    (
        "single class",
        WORDS,
        ["en"] * 4,
        ValueError,
        r"^RNN\w+ needs samples of at least 2 classes in the data, but the "
        r"data contains only one class: 'en'\.$",
    ),
    (
        "y is None",
        WORDS,
        None,
        ValueError,
        r"^RNN\w+ requires y to be passed, but the target y is None\.$",
    ),
    ("y with NaN", WORDS, [0.0, 1.0, np.nan, 1.0], ValueError, "Input y contains NaN"),
    ("continuous y", NUM, np.linspace(0, 1, 6), ValueError, "Unknown label type"),
    (
        "mixed str and numbers",
        ["cat", 3, "dog", 4],
        [0, 1, 0, 1],
        TypeError,
        "mixes str sequences with other values",
    ),
    ("None in X", ["cat", None, "dog", "a"], [0, 1, 0, 1], TypeError, "contains None"),
    ("bytes", [b"cat", b"dog"], [0, 1], TypeError, "decode"),
    ("bytes array", np.array([b"cat", b"dog"]), [0, 1], TypeError, "decode"),
    ("single str", "cat", [0], TypeError, "got a single str"),
    ("not a sequence", [object(), object()], [0, 1], TypeError, "not a sequence"),
    ("dict", {"a": 1}, [0], TypeError, "array-like of sequences"),
    (
        "scalar elements of mixed kinds",
        [[1, 2], 3],
        [0, 1],
        TypeError,
        "not a sequence",
    ),
    (
        "uneven nesting",
        [[1.0, 2.0], [[1.0, 2.0], [3.0, 4.0]]],
        [0, 1],
        ValueError,
        "different numbers of features",
    ),
    (
        "deep nesting",
        [[[[1.0]]], [[[2.0]]], [[[3.0]]]],
        [0, 1, 0],
        ValueError,
        r"^Found array with dim 4\. RNN\w+ expected <= 3: "
        r"\(n_samples, n_steps\) or \(n_samples, n_steps, n_features\)\.$",
    ),
    (
        "ragged feature counts",
        [np.ones((3, 2)), np.ones((4, 3))],
        [0, 1],
        ValueError,
        "different numbers of features",
    ),
    (
        "unhashable tokens",
        [["a", {"b"}], ["c"]],
        [0, 1],
        TypeError,
        "hashable|not a sequence|real numbers",
    ),
    ("1-D numeric", np.arange(6.0), NUM_Y, ValueError, "Expected 2D array"),
    ("sample_weight all zero", WORDS, LABELS, ValueError, "non-zero|positive"),
]


@pytest.mark.parametrize(
    "case,X,y,exc,match", FIT_ERRORS, ids=[c[0] for c in FIT_ERRORS]
)
@pytest.mark.parametrize(
    "Estimator",
    # The transformer with labels validates y as the classifier does (without
    # labels, and with numbers, it learns other objectives: test_transformer.py).
    [
        RNNSequenceClassifier,
        partial(RNNEmbeddingTransformer, objective="classification"),
    ],
    ids=["RNNSequenceClassifier", "RNNEmbeddingTransformer"],
)
def test_fit_rejects_bad_input(Estimator, case, X, y, exc, match):
    """Check that bad training input raises a clear error naming the problem."""
    sw = np.zeros(len(X)) if case == "sample_weight all zero" else None
    with pytest.raises(exc, match=match):
        Estimator(**TINY).fit(X, y, sample_weight=sw)


def _fitted(X, y):
    return RNNSequenceClassifier(**TINY).fit(X, y)


# (case, fit X, fit y, predict X, exception, pattern): errors raised at predict.
PREDICT_ERRORS = [
    ("other n_steps", NUM, NUM_Y, NUM[:, :4], ValueError, "X has 4 features, but"),
    (
        "3-D after 2-D",
        NUM,
        NUM_Y,
        NUM[:, :, None].repeat(2, 2),
        ValueError,
        "features per time step",
    ),
    (
        "2-D after 3-D",
        NUM[:, :, None].repeat(2, 2),
        NUM_Y,
        NUM,
        ValueError,
        "features per time step",
    ),
    (
        "strings after numeric",
        NUM,
        NUM_Y,
        ["abc"],
        ValueError,
        r"^RNN\w+ was fitted on a numeric array with 5 steps; "
        r"X must be such an array too\.$",
    ),
    (
        "numeric after strings",
        WORDS,
        LABELS,
        [[1.0, 2.0]],
        ValueError,
        "fitted on symbol sequences",
    ),
    ("nan at predict", NUM, NUM_Y, np.full((1, 5), np.nan), ValueError, "contains NaN"),
]


@pytest.mark.parametrize(
    "case,X,y,X_new,exc,match", PREDICT_ERRORS, ids=[c[0] for c in PREDICT_ERRORS]
)
def test_predict_rejects_bad_input(case, X, y, X_new, exc, match):
    """Check that predict-time input that cannot match the fit is refused."""
    clf = _fitted(X, y)
    with pytest.raises(exc, match=match):
        clf.predict(X_new)


def test_predict_before_fit():
    """Check NotFittedError for predict, predict_proba and transform."""
    with pytest.raises(NotFittedError):
        RNNSequenceClassifier().predict(WORDS)
    with pytest.raises(NotFittedError):
        RNNSequenceClassifier().predict_proba(WORDS)
    with pytest.raises(NotFittedError):
        RNNEmbeddingTransformer().transform(WORDS)


# (parameter, bad value, pattern): every parameter's invalid values.
BAD_PARAMS = [
    ("hidden_size", 0, "hidden_size"),
    ("hidden_size", -3, "hidden_size"),
    ("hidden_size", 2.5, "hidden_size"),
    ("cell", "rnnn", "cell"),
    ("nonlinearity", "sigmoid", "nonlinearity"),
    ("num_layers", 0, "num_layers"),
    ("bidirectional", "yes", "bidirectional"),
    ("dropout", 1.0, "dropout"),
    ("dropout", -0.1, "dropout"),
    ("pooling", "sum", "pooling"),
    ("fit_mode", "batch", "fit_mode"),
    ("batch_size", 0, "batch_size"),
    ("max_iter", 0, "max_iter"),
    ("learning_rate_init", 0.0, "learning_rate_init"),
    ("alpha", -1.0, "alpha"),
    ("clip_grad_norm", 0.0, "clip_grad_norm"),
    ("bptt_steps", 0, "bptt_steps"),
    ("shuffle", 1.5, "shuffle"),
    ("length_bucketing", "no", "length_bucketing"),
    ("early_stopping", None, "early_stopping"),
    ("validation_fraction", 1.0, "validation_fraction"),
    ("n_iter_no_change", 0, "n_iter_no_change"),
    ("tol", -1.0, "tol"),
    ("class_weight", "auto", "class_weight"),
    ("analyzer", "byte", "analyzer"),
    ("warm_start", "no", "warm_start"),
    ("device", 3, "device"),
    ("device", "gpu", "not a valid device|not supported"),
    ("device", "tpu", "not a valid device|not supported"),
    ("callbacks", "cb", "callbacks"),
    ("verbose", "loud", "verbose"),
    ("random_state", "seed", "random_state"),
    ("inference_dtype", "float16", "inference_dtype"),
]


@pytest.mark.parametrize(
    "param,value,match", BAD_PARAMS, ids=[f"{p}={v!r}" for p, v, _ in BAD_PARAMS]
)
def test_invalid_parameters(param, value, match):
    """Check that an invalid value of any parameter is a ValueError naming it."""
    with pytest.raises((ValueError, TypeError), match=match):
        RNNSequenceClassifier(**{**TINY, param: value}).fit(WORDS, LABELS)


@pytest.mark.parametrize(
    "params,match",
    [
        (
            {"cell": "gru", "nonlinearity": "relu"},
            "nonlinearity='relu' applies to cell='rnn' only; cell='gru' has "
            "fixed gate nonlinearities.",
        ),
        *(
            (
                {"fit_mode": "packed", name: value},
                f"{name} needs a step-by-step fit_mode ('sgd', 'minibatch' or "
                "'vectorized'); torch's packed kernels run every step of every "
                "record inside one call.",
            )
            for name, value in (("bptt_steps", 5), ("recurrent_dropout", 0.1))
        ),
        (
            {"ngram_range": (2, 1)},
            "ngram_range must be a tuple (min_n, max_n) of integers with "
            "1 <= min_n <= max_n, got (2, 1).",
        ),
    ],
)
def test_inconsistent_parameters(params, match):
    """Check the rules that involve two parameters (and the n-gram range's
    order, which the constraints cannot express), message and all."""
    with pytest.raises(ValueError, match=f"^{re.escape(match)}$"):
        RNNSequenceClassifier(**{**TINY, **params}).fit(WORDS, LABELS)


def test_unavailable_cuda_is_a_clear_error(monkeypatch):
    """Check that asking for a missing GPU fails at fit, before any torch error."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="CUDA is not available"):
        RNNSequenceClassifier(**{**TINY, "device": "cuda:0"}).fit(WORDS, LABELS)


def test_divergence_is_detected_and_leaves_no_nan_model():
    """Check that a diverging fit stops with an error and predicts nothing."""
    X = np.random.default_rng(0).normal(size=(40, 6)) * 1e30
    y = np.arange(40) % 2
    clf = RNNSequenceClassifier(
        hidden_size=8,
        cell="rnn",
        nonlinearity="relu",
        clip_grad_norm=None,
        learning_rate_init=1e30,
        max_iter=5,
        random_state=0,
    )
    with pytest.raises(
        ValueError,
        match=r"Training diverged: the loss became \S+ in epoch \d+\. Lower "
        r"learning_rate_init, keep clip_grad_norm on, or rescale X\.",
    ):
        clf.fit(X, y)
    with pytest.raises(NotFittedError):
        clf.predict(X)


def test_a_diverged_refit_forgets_the_fit_and_keeps_the_parameters():
    """Check that a new fit (not a warm start) that diverges leaves an unfitted
    estimator: no fitted attribute of the previous fit, every parameter kept."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 6)), np.arange(40) % 2
    clf = RNNSequenceClassifier(
        hidden_size=8, cell="rnn", max_iter=2, early_stopping=False, random_state=0
    ).fit(X, y)
    assert hasattr(clf, "module_") and hasattr(clf, "n_features_in_")
    diverging = dict(nonlinearity="relu", clip_grad_norm=None, learning_rate_init=1e30)
    clf.set_params(**diverging)
    params = clf.get_params()
    with pytest.raises(ValueError, match="Training diverged"):
        clf.fit(X * 1e30, y)
    assert [a for a in vars(clf) if a.endswith("_")] == []
    assert clf.get_params() == params
    with pytest.raises(NotFittedError):
        clf.predict(X)


def test_a_diverged_warm_start_keeps_the_previous_fit():
    """Check that a warm start that diverges leaves the fitted network as it
    was (it trains a copy): same weights, same predictions, same counts."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 6)), np.arange(40) % 2
    clf = RNNSequenceClassifier(
        hidden_size=8,
        cell="rnn",
        nonlinearity="relu",
        max_iter=2,
        early_stopping=False,
        warm_start=True,
        random_state=0,
    ).fit(X, y)
    proba, n_iter = clf.predict_proba(X), clf.n_iter_
    clf.set_params(clip_grad_norm=None, learning_rate_init=1e30)
    with pytest.raises(ValueError, match="Training diverged"):
        clf.fit(X * 1e30, y)
    assert all(torch.isfinite(p).all() for p in clf.module_.parameters())
    np.testing.assert_array_equal(clf.predict_proba(X), proba)
    assert clf.n_iter_ == n_iter


@pytest.mark.parametrize(
    "Estimator",
    [
        RNNSequenceClassifier,
        RNNSequenceRegressor,
        RNNSequenceTagger,
        RNNEmbeddingTransformer,
    ],
)
def test_init_stores_every_argument_as_given(Estimator):
    """Check sklearn's contract for __init__: each argument stored, unchanged
    and unvalidated, under its own name (get_params, clone and set_params
    rely on it)."""
    names = [n for n in inspect.signature(Estimator.__init__).parameters if n != "self"]
    given = {name: object() for name in names}
    params = Estimator(**given).get_params()
    assert sorted(params) == sorted(names)
    assert [n for n in names if params[n] is not given[n]] == []


@pytest.mark.parametrize(
    "estimator, needs_y",
    [
        (RNNSequenceClassifier(), True),
        (RNNSequenceRegressor(), True),
        (RNNSequenceTagger(), True),  # no ClassifierMixin: BaseRNN says so
        (RNNEmbeddingTransformer(), False),  # y=None learns without labels
    ],
)
def test_tags_declare_three_d_input_and_whether_fit_needs_y(estimator, needs_y):
    """Check the tags sklearn's checks and meta-estimators read: (n, steps,
    features) arrays are valid input; the supervised estimators need y."""
    tags = get_tags(estimator)
    assert tags.input_tags.three_d_array is True
    assert tags.target_tags.required is needs_y


# --------------------------------------------------------------------------
# Legitimate inputs that look odd: each must give a correct result.


def test_unknown_tokens_at_predict_act_as_missing_input(cat_words):
    """Check that unseen symbols are skipped by U (only W h + b acts)."""
    X, y = cat_words
    rnn = RNNEmbeddingTransformer(**TINY).fit(X, y)
    Xt = rnn.transform(["€€€", "xyq", "c"])
    assert np.isfinite(Xt).all()
    np.testing.assert_allclose(Xt[0], Xt[1], atol=1e-7)  # both: three unknown steps


@pytest.mark.parametrize(
    "X",
    [
        ["", "   ", "a b", "\t\n"],  # empty and whitespace-only strings
        ["café", "cafe\u0301", "naïve", "Ærø"],  # accents, a combining mark
        ["😀🐍", "👍🏽", "ok😀", "🐍"],  # emoji, skin-tone modifier
        ["שלום", "مرحبا", "hello", "עולם"],  # right-to-left scripts
    ],
)
def test_unusual_strings_fit_and_predict(X):
    """Check that empty, whitespace, unicode, emoji and RTL strings are handled."""
    y = [0, 1, 0, 1]
    clf = RNNSequenceClassifier(**TINY).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (4, 2) and np.isfinite(proba).all()
    symbols = {s for s in clf.encoder_.vocabulary_ if len(s) == 1}
    assert symbols == set("".join(X))  # plus the bigrams of the default bags


def test_empty_strings_embed_as_h0(cat_words):
    """Check that an empty sequence's embedding is h_0 = 0."""
    X, y = cat_words
    rnn = RNNEmbeddingTransformer(**TINY).fit(X, y)
    assert np.all(rnn.transform([""]) == 0)


def test_ten_thousand_step_sequence():
    """Check that a 10,000-step sequence fits and transforms (no recursion/OOM)."""
    rng = np.random.default_rng(0)
    X = [rng.normal(size=10_000).astype(np.float32) * 0.1, rng.normal(size=50) * 0.1]
    rnn = RNNEmbeddingTransformer(
        hidden_size=8, max_iter=1, bptt_steps=100, random_state=0
    ).fit(X, [0, 1])
    Xt = rnn.transform(X)
    assert Xt.shape == (2, 3 * 8) and np.isfinite(Xt).all()  # concat pooling


def test_hundred_thousand_token_vocabulary():
    """Check a 100k-token vocabulary: U is hidden x vocab, nothing vocab x vocab."""
    X = [
        [f"tok{i}", f"tok{i + 1}", f"tok{(i * 7) % 100_000}"]
        for i in range(0, 100_000, 2)
    ]
    y = np.arange(len(X)) % 2
    clf = RNNSequenceClassifier(
        hidden_size=8,
        cell="rnn",
        ngram_range=(1, 1),
        max_iter=1,
        batch_size=4096,
        random_state=0,
    ).fit(X, y)
    n_vocab = len(clf.encoder_.vocabulary_)
    assert n_vocab == 100_000
    sizes = [p.numel() for p in clf.module_.parameters()]
    assert max(sizes) == 8 * (n_vocab + 1)  # U; no parameter grows with vocab^2
    assert clf.predict(X[:5]).shape == (5,)


def test_token_lists_of_any_hashable():
    """Check token sequences of mixed hashable types (str, int, tuples)."""
    X = [["a", 1, ("x", 2)], [1, 1], ["a"], []]
    clf = RNNSequenceClassifier(**TINY).fit(X, [0, 1, 0, 1])
    assert clf.predict([["a", ("x", 2)], ["never"]]).shape == (2,)


def test_numeric_input_dtypes_reach_the_outputs():
    """Check the dtype contract: the transformer returns float32 for float32
    input and float64 otherwise; probabilities are always float64."""
    X = np.random.default_rng(0).normal(size=(30, 6))
    y = np.arange(30) % 2
    for dtype in (np.float32, np.float64):
        Xd = X.astype(dtype)
        emb = RNNEmbeddingTransformer(**TINY).fit(Xd, y).transform(Xd)
        assert emb.dtype == dtype
        proba = RNNSequenceClassifier(**TINY).fit(Xd, y).predict_proba(Xd)
        assert proba.dtype == np.float64


def test_dataframe_input_keeps_feature_names():
    """Check a DataFrame of steps: names recorded, mismatches warned as in sklearn."""
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(
        np.random.default_rng(0).normal(size=(20, 3)), columns=["t0", "t1", "t2"]
    )
    clf = RNNSequenceClassifier(**TINY).fit(X, np.arange(20) % 2)
    assert list(clf.feature_names_in_) == ["t0", "t1", "t2"]
    with pytest.warns(UserWarning, match="feature names"):
        clf.predict(X.to_numpy())


def test_object_array_of_equal_shape_records_reads_as_a_numeric_array():
    """Check records held one per element of an object array (what pandas and
    dask hand over): the same model as the stacked array."""
    rng = np.random.default_rng(0)
    stacked = rng.normal(size=(12, 4, 2))
    held = np.empty(12, dtype=object)
    held[:] = list(stacked)
    y = np.arange(12) % 2
    from_stacked = RNNSequenceClassifier(**TINY).fit(stacked, y)
    from_held = RNNSequenceClassifier(**TINY).fit(held, y)
    np.testing.assert_array_equal(
        from_held.predict_proba(held), from_stacked.predict_proba(stacked)
    )


@pytest.mark.parametrize("Estimator", [RNNSequenceClassifier, RNNSequenceRegressor])
def test_a_fit_on_a_3d_array_predicts_records_of_any_length(Estimator):
    """Check that a 3-D array's steps are not features: a model fitted on
    records of one length scores other lengths, as a 3-D array or a list,
    each record as it would be scored alone; a 2-D fit keeps its columns."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(16, 6, 2)), np.arange(16) % 2
    model = Estimator(**TINY).fit(X, y)
    assert not hasattr(model, "n_features_in_")
    longer, shorter = rng.normal(size=(3, 9, 2)), rng.normal(size=(3, 4, 2))
    ragged = [*longer, *shorter]
    whole = model.predict(ragged)
    np.testing.assert_array_equal(model.predict(longer), whole[:3])
    np.testing.assert_array_equal(model.predict(list(shorter)), whole[3:])
    np.testing.assert_array_equal(model.predict([ragged[4]]), whole[4:5])
    with pytest.raises(ValueError, match="3 features per time step, but"):
        model.predict(rng.normal(size=(2, 6, 3)))
    # A later fit on a 2-D table fixes its columns again.
    model.fit(X[:, :, 0], y)
    assert model.n_features_in_ == 6


@pytest.mark.parametrize(
    "Estimator", [RNNSequenceClassifier, RNNSequenceRegressor, RNNEmbeddingTransformer]
)
def test_aeon_layout_of_one_channel_warns_with_the_transpose(Estimator):
    """Check that a 3-D array of one step per record, aeon's and sktime's
    (n_cases, 1, n_timepoints), warns at fit with the transpose to pass, and
    that the same series as (n_samples, n_steps, 1) fit without it."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 1, 20)), np.arange(12) % 2
    with pytest.warns(UserWarning, match=r"X\.transpose\(0, 2, 1\)") as record:
        model = Estimator(**TINY).fit(X, y)
    (layout,) = [w for w in record if "X.transpose" in str(w.message)]
    assert layout.filename == __file__  # points at the caller's line
    assert "one step of 20 values per record" in str(layout.message)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="X has one step")
        # Once at fit, not again on every call that reads such an X.
        model.transform(X) if hasattr(model, "transform") else model.predict(X)
        model.fit(X.transpose(0, 2, 1), y)
        model.fit(rng.normal(size=(12, 3, 5)), y)  # more values than steps: legal


def test_aeon_layout_of_unequal_lengths_is_refused_with_the_transpose():
    """Check that a list of (n_channels, n_timepoints) records of different
    lengths, aeon's unequal-length collection, is refused with the
    per-record transpose to pass."""
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(2, n)) for n in (9, 11, 14, 9)]
    with pytest.raises(ValueError, match=r"has 2 step\(s\).*\[x\.T for x in X\]"):
        RNNSequenceClassifier(**TINY).fit(X, [0, 1, 0, 1])
    # Records of different lengths as well as widths get no such hint.
    with pytest.raises(ValueError, match=r"same number of features\.$"):
        RNNSequenceClassifier(**TINY).fit([np.ones((3, 2)), np.ones((4, 3))], [0, 1])


def test_sktime_nested_frames_read_as_the_records_they_hold():
    """Check that a DataFrame whose cells hold series (sktime's nested format:
    a row per record, a column per channel) fits and predicts as the same
    records passed as an array or a list, and that a row whose channels
    differ in length is refused by row."""
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 7, 2)), np.arange(12) % 2
    frame = pd.DataFrame(
        {f"dim_{c}": [pd.Series(x[:, c]) for x in X] for c in range(2)}
    )
    expected = RNNSequenceClassifier(**TINY).fit(X, y).predict_proba(X)
    got = RNNSequenceClassifier(**TINY).fit(frame, y).predict_proba(frame)
    np.testing.assert_array_equal(got, expected)
    ragged = [rng.normal(size=n) for n in (5, 9, 6, 8)]
    column = pd.DataFrame({"dim_0": [pd.Series(r) for r in ragged]})
    model = RNNSequenceRegressor(**TINY).fit(ragged, [0.0, 1.0, 2.0, 3.0])
    np.testing.assert_array_equal(
        model.predict(column), model.predict([r[:, None] for r in ragged])
    )
    uneven = pd.DataFrame({"a": [np.ones(3), np.ones(4)], "b": [np.ones(3)] * 2})
    with pytest.raises(ValueError, match=r"^Row 1 of X holds channels of different"):
        RNNSequenceClassifier(**TINY).fit(uneven, [0, 1])
    # A column of token lists is still token lists, not channels.
    tokens = pd.DataFrame({"words": [["a", "b"], ["c"], ["a"], ["b", "c"]]})
    model = RNNSequenceClassifier(**TINY).fit(tokens, [0, 1, 0, 1])
    assert model.predict(tokens).shape == (4,)


@pytest.mark.parametrize("ndim", [2, 3])
def test_nan_padding_of_unequal_lengths_is_refused_with_the_list_to_pass(ndim):
    """Check that NaN at the end of records (how the UCR archive's files pad
    unequal lengths) gets scikit-learn's refusal plus how to pass the records
    without it, and NaN inside a record gets scikit-learn's alone."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4, 9))
    X[1, 6:], X[3, 4:] = np.nan, np.nan
    X = X if ndim == 2 else X[:, :, None]
    hint = r"end the records they are in.*\[x\[~np\.isnan\(x\)"
    with pytest.raises(ValueError, match=r"(?s)contains NaN.*" + hint):
        RNNSequenceClassifier(**TINY).fit(X, [0, 1, 0, 1])
    X[0, 2] = np.nan  # inside a record: missing, not padding
    with pytest.raises(ValueError, match="contains NaN") as refused:
        RNNSequenceClassifier(**TINY).fit(X, [0, 1, 0, 1])
    assert "end the records" not in str(refused.value)


def test_other_lengths_after_a_2d_fit_are_refused_with_what_to_do():
    """Check that a 2-D fit refuses other numbers of steps with
    scikit-learn's wording and says how to fit a model that takes any."""
    rng = np.random.default_rng(0)
    model = RNNSequenceClassifier(**TINY).fit(
        rng.normal(size=(12, 6)), np.arange(12) % 2
    )
    hint = r"fit on a 3-D array \(n_samples, n_steps, 1\) or on a list"
    with pytest.raises(ValueError, match=r"^X has 4 features, but .*" + hint):
        model.predict(rng.normal(size=(2, 4)))
    with pytest.raises(
        ValueError, match=r"fitted on a numeric array with 6 steps.*" + hint
    ):
        model.predict([rng.normal(size=4), rng.normal(size=7)])


def test_refit_on_symbols_forgets_the_numeric_shape():
    """Check that a refit on strings drops the n_features_in_ and
    feature_names_in_ of an earlier fit on a numeric DataFrame."""
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(np.random.default_rng(0).normal(size=(8, 3)), columns=list("abc"))
    clf = RNNSequenceClassifier(**TINY).fit(X, np.arange(8) % 2)
    clf.fit(WORDS, LABELS)
    assert not hasattr(clf, "n_features_in_")
    assert not hasattr(clf, "feature_names_in_")
    assert clf.predict(["abc"]).shape == (1,)
