"""Input encoding: n-gram bags, numeric standardisation, text DataFrames."""

import pickle
import re
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import check_estimator

from sklearn_rnn import RNNEmbeddingTransformer, RNNSequenceClassifier
from sklearn_rnn._encoding import (
    Records,
    SequenceEncoder,
    channel_moments,
    word_feature_symbols,
    word_shape,
)
from sklearn_rnn._input_kinds import FEATURES, NUMERIC_RAGGED
from sklearn_rnn.datasets import make_wave_classification
from sklearn_rnn.preprocessing import SequenceStandardScaler

from .conftest import make_anagram_task

TINY = dict(hidden_size=4, max_iter=2, random_state=0)


# -------------------------------------------------------------- n-gram bags
def test_ngram_bags_hold_the_ngrams_ending_at_each_step():
    """Check the symbols each step carries, and that unseen ones are id 0."""
    enc = SequenceEncoder(ngram_range=(1, 3))
    records = enc.fit_transform(["abc", "ab"], "text")
    ids = {v: k for k, v in enc.vocabulary_.items()}
    steps = [[ids.get(i, None) for i in row] for row in records.values]
    assert steps[:3] == [["a", None, None], ["b", "ab", None], ["c", "bc", "abc"]]
    unseen = enc.transform(["abx"], "text").values
    assert unseen[2].tolist() == [0, 0, 0]  # "x", "bx", "abx" never seen


def test_token_ngrams_are_tuples_and_never_collide_with_tokens():
    enc = SequenceEncoder(ngram_range=(1, 2))
    enc.fit_transform([["new", "york"], [("new", "york")]], "tokens")
    assert ("ngram", "new", "york") in enc.vocabulary_
    assert ("new", "york") in enc.vocabulary_  # the user's own tuple token
    assert enc.vocabulary_[("ngram", "new", "york")] != enc.vocabulary_[("new", "york")]


def test_max_ngrams_keeps_the_most_shared_ngrams_and_every_symbol():
    X = ["abab", "abba", "abcd", "xyzw"]
    enc = SequenceEncoder(ngram_range=(1, 2), max_ngrams=2)
    enc.fit_transform(X, "text")
    ngrams = [s for s in enc.vocabulary_ if len(s) > 1]
    symbols = [s for s in enc.vocabulary_ if len(s) == 1]
    assert set(symbols) == set("abcdxyzw")
    assert len(ngrams) == 2 and "ab" in ngrams  # in 3 records, the most


def test_ngram_bags_change_what_the_network_reads():
    X, y = make_anagram_task(60)
    one = RNNSequenceClassifier(**TINY, ngram_range=(1, 1)).fit(X, y)
    two = RNNSequenceClassifier(**TINY, ngram_range=(1, 2)).fit(X, y)
    assert two.module_.U.shape[1] > one.module_.U.shape[1]
    assert not np.allclose(one.predict_proba(X), two.predict_proba(X))


# ---------------------------------------------------------- standardisation
def _waves():
    return make_wave_classification(60, n_channels=2, max_length=30, random_state=0)


def test_default_standardisation_equals_scaling_by_hand():
    """Check standardize=True on raw values == standardize=False on values
    scaled by SequenceStandardScaler (the same mean and scale)."""
    X, y = _waves()
    auto = RNNSequenceClassifier(**TINY, standardize=True).fit(X, y)
    scaler = SequenceStandardScaler().fit(X)
    manual = RNNSequenceClassifier(**TINY, standardize=False).fit(
        scaler.transform(X), y
    )
    assert_allclose(auto.encoder_.mean_, scaler.mean_)
    assert_allclose(auto.encoder_.scale_, scaler.scale_)
    assert_allclose(
        auto.predict_proba(X), manual.predict_proba(scaler.transform(X)), atol=1e-6
    )


def test_scaler_keeps_each_input_form():
    X3 = np.random.default_rng(0).normal(5, 20, size=(10, 7, 3))
    ragged = [x[: 3 + i % 4] for i, x in enumerate(X3)]
    one_channel = [x[:, 0] for x in ragged]
    for X in (X3, X3[:, :, 0], ragged, one_channel):
        scaler = SequenceStandardScaler().fit(X)
        out = scaler.transform(X)
        if isinstance(X, np.ndarray):
            assert out.shape == X.shape
            flat = out.reshape(-1, 1 if X.ndim == 2 else X.shape[2])
        else:
            assert [o.shape for o in out] == [x.shape for x in X]
            flat = np.concatenate([o.reshape(len(o), -1) for o in out])
        assert_allclose(flat.mean(0), 0, atol=1e-9)
        assert_allclose(flat.std(0), 1, atol=1e-9)
        back = scaler.inverse_transform(out)
        for a, b in zip(back, X):
            assert_allclose(a, b)


def test_scaler_errors_name_the_problem():
    scaler = SequenceStandardScaler().fit(np.ones((3, 4, 2)))
    with pytest.raises(ValueError, match="2 features per time step"):
        scaler.transform([np.ones((3, 5)), np.ones((2, 5))])
    with pytest.raises(TypeError, match="numeric sequences"):
        SequenceStandardScaler().fit(["abc", "de"])


def test_scaler_fitted_on_a_3d_array_scales_other_lengths():
    """Check that a 3-D fit fixes no length (the steps are not features):
    other lengths scale as each step alone would; feature names, which need
    fixed columns, are refused with the reason; a 2-D fit keeps its columns."""
    rng = np.random.default_rng(0)
    X = rng.normal(3, 5, size=(6, 4, 2))
    scaler = SequenceStandardScaler().fit(X)
    longer = rng.normal(3, 5, size=(2, 9, 2))
    assert_allclose(
        scaler.transform(longer), (longer - scaler.mean_) / scaler.scale_, rtol=1e-12
    )
    with pytest.raises(ValueError, match="no fixed columns to name"):
        scaler.get_feature_names_out()
    table = SequenceStandardScaler().fit(X[:, :, 0])
    assert list(table.get_feature_names_out()) == ["x0", "x1", "x2", "x3"]
    with pytest.raises(ValueError, match=r"X has 9 features, .*fit on a 3-D array"):
        table.transform(longer[:, :, 0])


def test_scaler_passes_sklearn_checks():
    check_estimator(SequenceStandardScaler())


def test_standardize_uses_sample_weight():
    X = [np.array([0.0, 0.0]), np.array([10.0, 10.0])]
    enc = SequenceEncoder()
    records = enc.fit_transform(X, "ragged")
    enc.fit_scaling(records, np.array([3.0, 1.0]))
    assert enc.mean_[0] == pytest.approx(2.5)


# ------------------------------------------------------------ text frames
def test_one_text_column_dataframe_is_text():
    pd = pytest.importorskip("pandas")
    X, y = make_anagram_task(40)
    frame = pd.DataFrame({"name": X})
    a = RNNSequenceClassifier(**TINY).fit(frame[["name"]], y)
    b = RNNSequenceClassifier(**TINY).fit(frame["name"], y)
    assert a.encoder_.kind_ == "text"
    assert_array_equal(a.predict_proba(frame[["name"]]), b.predict_proba(X))


@pytest.mark.parametrize("dtype", [object, str])
def test_one_text_column_array_is_text(dtype):
    # What ColumnTransformer (numpy input) and dask-ml's wrappers pass: X[:, [0]].
    X, y = make_anagram_task(40)
    column = np.asarray(X, dtype=dtype)[:, None]
    a = RNNSequenceClassifier(**TINY).fit(column, y)
    assert a.encoder_.kind_ == "text"
    assert_array_equal(a.predict_proba(column), a.predict_proba(X))
    # Wider string arrays stay a batch of equal-length token lists.
    wide = np.array([["a", "b"], ["b", "a"]], dtype=dtype)
    assert RNNSequenceClassifier(**TINY).fit(wide, [0, 1]).encoder_.kind_ == "tokens"


def test_dataframe_with_several_text_columns_is_refused():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": ["x", "y"], "b": ["u", "v"], "n": [1, 2]})
    with pytest.raises(ValueError, match=r"3 columns, of which \['a', 'b'\]"):
        RNNSequenceClassifier(**TINY).fit(frame, [0, 1])


def test_encoder_repr_says_what_was_learned():
    clf = RNNSequenceClassifier(**TINY).fit(["ab", "ba"], [0, 1])
    assert repr(clf.encoder_).startswith("SequenceEncoder(kind='text'")
    assert "vocabulary=" in repr(clf.encoder_)


# ---------------------------------------------------------------- warnings
def test_fit_that_learned_nothing_says_so():
    """Check the warning when labels carry no signal the network can use."""
    rng = np.random.default_rng(0)
    X = ["".join(rng.choice(list("ab"), size=5)) for _ in range(200)]
    y = rng.integers(2, size=200)  # labels independent of X
    clf = RNNSequenceClassifier(
        hidden_size=4,
        max_iter=3,
        learning_rate_init=1e-6,
        pooling="last",
        random_state=0,
    )
    message = (
        r"^The network learned next to nothing: its best training loss "
        r"\(0\.\d{4}\) stayed at the level of a constant prediction \(0\.\d{4}\)\. "
        r"Try more epochs \(max_iter; it ran all 3\), a larger learning_rate_init "
        r"\(now 1e-06\) or pooling='concat' \(now 'last'\), or check that X "
        r"carries the signal\.$"
    )
    with pytest.warns(ConvergenceWarning, match=message) as caught:
        make_pipeline(clf).fit(X, y)  # through sklearn: still the caller's line
    assert {w.filename for w in caught} == {__file__}


def _poor_fit_advice(**params):
    """The advice of a fit on labels that X cannot carry (X all the same)."""
    X, y = ["abab"] * 60, np.random.default_rng(0).integers(2, size=60)
    # Without dropout every record gets the same output: the loss cannot fall
    # below the constant prediction's (dropout's random masks let it, a little).
    clf = RNNSequenceClassifier(hidden_size=4, dropout=0.0, random_state=0, **params)
    with pytest.warns(ConvergenceWarning, match="learned next to nothing") as caught:
        clf.fit(X, y)
    (message,) = [str(w.message) for w in caught if "next to nothing" in str(w.message)]
    return message.split(" Try ")[1], clf


def test_poor_fit_advice_fits_how_training_ended():
    """Check that a fit that stopped as its loss stalled is not told to train
    longer, and that settings already in use are not suggested."""
    advice, clf = _poor_fit_advice(pooling="mean")
    assert clf.n_iter_ < 100  # stalled, not out of budget
    assert advice == (
        "a smaller learning_rate_init (now 0.005; training stopped at epoch "
        f"{clf.n_iter_} as the loss stalled), or check that X carries the signal."
    )
    advice, _ = _poor_fit_advice(max_iter=2, cell="rnn", pooling="last")
    assert advice.startswith("more epochs (max_iter; it ran all 2)")
    assert "cell='gru'" in advice and "pooling='concat' (now 'last')" in advice
    advice, _ = _poor_fit_advice(max_iter=2)  # concat pooling: nothing to add
    assert "pooling" not in advice


def test_default_fit_that_stops_early_does_not_warn():
    """Check that a default fit ended by early stopping raises no warning."""
    X, y = make_anagram_task(600)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = RNNSequenceClassifier(hidden_size=16, random_state=0).fit(X, y)
    assert clf.n_iter_ < 100  # the epochs "auto" gives 540 records


def test_make_wave_classification_shapes_and_scales():
    X, y = make_wave_classification(30, random_state=0)
    assert len(X) == 30 and set(y) <= {0, 1, 2}
    assert all(20 <= len(x) <= 200 and x.shape[1] == 3 for x in X)
    # The same draws without scaling: each channel is an exact affine map.
    X_unit, y_unit = make_wave_classification(30, scale_range=1.0, random_state=0)
    assert_array_equal(y, y_unit)
    flat, unit = np.concatenate(X), np.concatenate(X_unit)
    for ch in range(3):
        slope, offset = np.polyfit(unit[:, ch], flat[:, ch], 1)
        assert 1e-2 <= abs(slope) <= 1e2 and abs(offset) <= 100
        assert_allclose(unit[:, ch] * slope + offset, flat[:, ch], atol=1e-6)
    X1, _ = make_wave_classification(5, n_channels=1, random_state=0)
    assert X1[0].ndim == 1
    with pytest.raises(ValueError, match="n_classes"):
        make_wave_classification(5, n_classes=4)


def test_transformer_embeds_standardised_numeric_input():
    X, y = _waves()
    emb = RNNEmbeddingTransformer(**TINY).fit(X, y).transform(X)
    assert emb.shape == (len(X), 3 * 4) and np.isfinite(emb).all()  # concat


@pytest.mark.parametrize(
    "ngram_range", [(1, 1), (1, 2), (1, 3), (2, 2), (2, 3), (3, 3)]
)
def test_bulk_char_encoding_equals_the_per_character_path(ngram_range):
    """Check that the vectorised character path (``_char_codes``) gives the
    ids of the per-character one: unseen characters and n-grams, n-grams cut
    by max_ngrams, empty strings, strings shorter than n, characters beyond
    the BMP and a lone surrogate."""
    rng = np.random.default_rng(0)
    alphabet = list("abcdeé") + ["\U0001f600", "\u4e2d"]
    train = ["".join(rng.choice(alphabet, size=k)) for k in rng.integers(0, 9, 300)]
    test = train[:50] + ["", "a", "zz", "\ud800ab", "xa\U0001f600b", "abcabcabc"]
    encoder = SequenceEncoder(ngram_range=ngram_range, max_ngrams=20)
    encoder.fit_transform(train, "text")
    bulk = encoder.transform(test, "text")
    assert encoder._reads_chars_in_bulk("text", test)
    per_char = encoder._encode_steps([encoder._steps(s) for s in test])
    assert_array_equal(bulk.values, per_char.values)
    assert_array_equal(bulk.lengths, per_char.lengths)
    assert_array_equal(bulk.offsets, per_char.offsets)
    assert bulk.values.dtype == per_char.values.dtype


@pytest.mark.parametrize("ngram_range", [(1, 4), (2, 3), (1, 1), (3, 5)])
@pytest.mark.parametrize("max_ngrams", [None, 40])
def test_wide_ngrams_of_strings_in_bulk_equal_the_per_step_path(
    ngram_range, max_ngrams
):
    """Check the vectorised look-up of the wide term's n-grams against the
    per-step path: unknown characters, astral code points, spaces, empty and
    one-character strings, and after a pickle round trip (tables rebuilt)."""
    from sklearn_rnn._wide import WideNgrams, step_ngrams

    rng = np.random.default_rng(0)
    alphabet = list("ab cé\u4e2dZ")
    train = ["".join(rng.choice(alphabet, rng.integers(0, 9))) for _ in range(200)]
    test = [
        "".join(rng.choice(alphabet + ["q", "\U0001f600"], rng.integers(0, 9)))
        for _ in range(200)
    ] + ["", "a"]
    wide = WideNgrams(ngram_range, max_ngrams)
    fitted = wide.fit_transform(train)
    assert fitted.shape == (sum(map(len, train)), wide.width)
    for model in (wide, pickle.loads(pickle.dumps(wide))):
        np.testing.assert_array_equal(model.transform(train), fitted)
        per_step = model._encode([step_ngrams(s, ngram_range) for s in test])
        np.testing.assert_array_equal(model.transform(test), per_step)


# ------------------------------------------------ encoder units, in full
# These pin what each step of the encoding produces and the exact words of
# its errors (anchored with ^...$): found missing by mutation testing.
def _raises_exactly(exc, message):
    return pytest.raises(exc, match="^" + re.escape(message) + "$")


def test_word_shape_and_subword_symbols():
    """Check word shapes (case, digit and other classes, repeats collapsed)
    and the subword symbols a word token carries."""
    assert word_shape("McDonald's") == "XxXx'x"
    assert word_shape("B-52s") == "X-dx"
    assert word_shape("ab12CD") == "xdX"
    assert word_shape("") == ""
    assert word_feature_symbols("Dogs") == [
        ("lower", "dogs"),
        ("prefix", "d"),
        ("prefix", "do"),
        ("prefix", "dog"),
        ("prefix", "dogs"),
        ("suffix", "s"),
        ("suffix", "gs"),
        ("suffix", "ogs"),
        ("suffix", "dogs"),
        ("shape", "Xx"),
    ]
    assert word_feature_symbols(3) == []  # only str tokens have a spelling


def test_feature_dicts_encode_ids_then_weights():
    """Check the [ids..., weights...] rows of feature dicts: float32, as wide
    as the widest bag, unseen features id 0 with their weight kept, a step
    whose features all weigh 0 an empty bag, a record without steps no row."""
    enc = SequenceEncoder()
    enc.fit_transform([[{"w": "a", "n": 2}, {"w": "b"}]], FEATURES)
    ids = enc.vocabulary_
    assert ids == {"w=a": 1, "n": 2, "w=b": 3}
    records = enc.transform([[{"w": "b", "new": 0.5}], [], [{"n": 0}]], FEATURES)
    assert records.values.dtype == np.float32
    assert records.values.tolist() == [[3, 0, 1, 0.5], [0, 0, 0, 0]]
    assert records.lengths.tolist() == [1, 0, 1]
    empty_bags = enc.transform([[{"n": 0}], []], FEATURES).values
    assert empty_bags.shape == (1, 2) and not empty_bags.any()
    assert enc.transform([[]], FEATURES).values.shape == (0, 2)


def test_feature_dict_errors_read_in_full():
    enc = SequenceEncoder()
    enc.fit_transform([[{"w": "a"}]], FEATURES)
    with _raises_exactly(
        TypeError,
        "Element 1 of X is a dict; feature input needs every element to be a "
        "list of feature dicts.",
    ):
        enc.transform([[{"w": "a"}], {"w": "a"}], FEATURES)
    with _raises_exactly(
        ValueError, "Feature 'n' of step 1 of element 0 is inf; weights must be finite."
    ):
        enc.transform([[{"w": "a"}, {"n": np.inf}]], FEATURES)
    with _raises_exactly(
        TypeError,
        "Feature 'w' of step 0 of element 0 is a list; feature values must be "
        "str or bytes (categorical) or numbers (weights).",
    ):
        enc.transform([[{"w": ["a"]}]], FEATURES)


def test_callable_analyzer_reads_each_string():
    enc = SequenceEncoder(analyzer=lambda text: text.split("-"))
    records = enc.fit_transform(["ab-c", "c-ab-ab"], "text")
    assert enc.vocabulary_ == {"ab": 1, "c": 2}
    assert records.values.tolist() == [1, 2, 2, 1, 1]
    for returned, name in [("abc", "str"), (b"abc", "bytes"), (3, "int")]:
        enc = SequenceEncoder(analyzer=lambda text, r=returned: r)
        with _raises_exactly(
            TypeError,
            "The analyzer callable must return an iterable of tokens for each "
            f"string, got {name}.",
        ):
            enc.fit_transform(["ab"], "text")


def test_channel_moments_are_weighted_per_channel():
    """Check the weighted mean and standard deviation of every step, scale 1
    for a (numerically) constant channel, and the fallback when the weights
    sum to zero."""
    records = Records.from_list(
        [
            np.array([[0.0, 5.0, 1e8], [2.0, 5.0, 1e8 + 1e-7]]),
            np.array([[4.0, 5.0, 1e8]]),
        ],
        np.zeros((0, 3)),
    )
    mean, scale = channel_moments(records)
    assert_allclose(mean[:2], [2.0, 5.0])
    assert_allclose(scale[0], np.sqrt(8 / 3))
    # 5.0 is constant; 1e8 +- 1e-7 is constant to within ten float64 ulps.
    assert scale[1:].tolist() == [1.0, 1.0]
    # Weights as small as you like: only their ratios count.
    mean, _ = channel_moments(records, np.array([0.1, 0.3]))
    assert mean[0] == pytest.approx((0.1 * 2 + 0.3 * 4) / 0.5)
    # Close to zero, a spread just above ten ulps is a real spread.
    tiny = Records.from_list([np.array([[-3e-15], [3e-15]])], np.zeros((0, 1)))
    assert channel_moments(tiny)[1][0] == pytest.approx(3e-15)
    mean, scale = channel_moments(records, np.zeros(2))
    assert mean.tolist() == [0.0] * 3 and scale.tolist() == [1.0] * 3


@pytest.mark.parametrize(
    "X,kind",
    [(["abc", "ab", "ca"], "text"), ([["a", "b"], ["b"], ["c", "a"]], "tokens")],
)
def test_encoder_state_from_before_word_features_and_wide_ngrams(X, kind):
    """Check that an encoder saved by version 0.1, whose state has no
    word_features, wide_ngram_range or wide_, still encodes as it did."""
    enc = SequenceEncoder(ngram_range=(1, 2))
    enc.fit_transform(X, kind)
    state = pickle.loads(pickle.dumps(enc)).__dict__
    for name in ("word_features", "wide_ngram_range", "max_wide_ngrams", "wide_"):
        state.pop(name, None)
    old = SequenceEncoder.__new__(SequenceEncoder)
    old.__dict__.update(state)
    # Records of one step as well: their bags hold only the unigram, and the
    # width must still be that of ngram_range, not of the longest bag.
    for records_in in (X, [record[:1] for record in X]):
        records = old.transform(records_in, kind)
        expected = enc.transform(records_in, kind)
        assert_array_equal(records.values, expected.values)
        assert_array_equal(records.lengths, expected.lengths)


def test_only_streaming_grows_the_wide_vocabulary():
    """Check that transform (predict) never gives unseen wide n-grams ids,
    even when a streaming fit reserved columns for them; partial_fit does."""
    enc = SequenceEncoder(wide_ngram_range=(1, 2))
    enc.fit_transform(["ab"], "text", streaming=True)
    seen = dict(enc.wide_.vocabulary_)
    enc.transform(["xy"], "text")
    assert enc.wide_.vocabulary_ == seen
    enc.transform(["xy"], "text", streaming=True)
    assert set(enc.wide_.vocabulary_) > set(seen)
    # A plain fit (the default) reserves no columns for n-grams to come.
    plain = SequenceEncoder(wide_ngram_range=(1, 2))
    plain.fit_transform(["ab"], "text")
    assert plain.wide_.n_inputs_ == len(plain.wide_.vocabulary_) + 1 == 6


@pytest.mark.parametrize(
    "X, kind",
    [
        (["ab", "bca"], "text"),
        ([["the", "cat"], ["a", "cat"]], "tokens"),
        ([[{"w": 1.0, "x": 2.0}], [{"w": 1.0}, {"y": 1.0}]], FEATURES),
    ],
)
def test_inputs_are_the_vocabulary_and_the_unknown_symbol(X, kind):
    """Check n_inputs_ (the columns of U): one per symbol, plus id 0."""
    enc = SequenceEncoder()
    enc.fit_transform(X, kind)
    assert enc.n_inputs_ == len(enc.vocabulary_) + 1 == 4
    assert sorted(enc.vocabulary_.values()) == [1, 2, 3]


def test_a_batch_of_no_records_has_no_steps():
    """Check left_padded on no records: T = 0, whatever the record width."""
    none = np.array([], dtype=np.int64)
    symbols = SequenceEncoder().fit_transform(["ab", "c"], "text")
    X, lengths = symbols.left_padded(none)
    assert X.shape == (0, 0) and lengths.shape == (0,)
    numbers = SequenceEncoder().fit_transform([np.ones((2, 3))], NUMERIC_RAGGED)
    assert numbers.left_padded(none)[0].shape == (0, 0, 3)


def test_numeric_records_that_are_all_empty_have_one_feature():
    enc = SequenceEncoder(standardize=False)
    records = enc.fit_transform([np.zeros(0), []], NUMERIC_RAGGED)
    assert enc.n_inputs_ == 1 and records.values.shape == (0, 1)


def test_ragged_numbers_count_features_of_empty_records_by_their_shape():
    """Check that an empty 2-D record declares its feature count while an
    empty 1-D one fits any, and that all-empty records take the fitted
    width."""
    enc = SequenceEncoder(standardize=False)
    records = enc.fit_transform([np.zeros(0), np.ones((2, 3))], NUMERIC_RAGGED)
    assert records.values.shape == (2, 3) and records.lengths.tolist() == [0, 2]
    with pytest.raises(ValueError, match=r"features per time step: \[2, 3\]"):
        enc.transform([np.zeros((0, 2)), np.ones((2, 3))], NUMERIC_RAGGED)
    for X in ([np.zeros(0)], []):
        empty = enc.transform(X, NUMERIC_RAGGED).values
        assert empty.shape == (0, 3) and empty.dtype == np.float32


def test_numeric_errors_read_in_full():
    enc = SequenceEncoder()
    enc.fit_transform([np.ones(2), np.ones(3)], NUMERIC_RAGGED)
    cases = [
        (
            [np.ones(2), np.ones(2) * 1j],
            ValueError,
            "Complex data not supported: sequence 1 is complex.",
        ),
        (
            [np.ones(2), np.array(["a", "b"])],
            TypeError,
            "Sequence 1 of X holds <U1 values; numeric sequences must hold real "
            "numbers (nested lists of uneven depth are not accepted).",
        ),
        (
            [np.ones(2), np.ones((2, 1, 1))],
            ValueError,
            "Sequence 1 of X has 3 dimensions; each numeric sequence must have "
            "shape (len,) or (len, n_features).",
        ),
        (
            [np.ones((2, 2)), np.ones((2, 3))],
            ValueError,
            "The numeric sequences in X have different numbers of features per "
            "time step: [2, 3]. Every sequence must have the same number of "
            "features. Every sequence has 2 step(s): if yours are laid out "
            "(n_channels, n_timepoints), as in aeon and sktime, pass "
            "[x.T for x in X] (sequences are read as (n_steps, n_features)).",
        ),
        (
            [np.ones(2), np.array([1e39, 0.0])],
            ValueError,
            "Input X holds values too large for float32 (|x| > 3.4e38); rescale X.",
        ),
    ]
    for X, exc, message in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # overflow is reported in words only
            with _raises_exactly(exc, message):
                enc.transform(X, NUMERIC_RAGGED)
    with pytest.raises(ValueError, match="^Sequence 1 of X is not a rectangular"):
        enc.transform([np.ones(2), [[1.0, 2.0], [3.0]]], NUMERIC_RAGGED)


def test_encoder_defaults():
    assert vars(SequenceEncoder()) == {
        "analyzer": "char",
        "ngram_range": (1, 1),
        "standardize": True,
        "max_ngrams": 2000,
        "word_features": False,
        "wide_ngram_range": None,
        "max_wide_ngrams": 20_000,
        "patch_size": 1,
        "per_record": False,
        "word_lexicons": None,
        "wide_kernel_features": None,
        "kernel_shares": 0,
    }


def test_refitting_an_encoder_forgets_the_previous_fit():
    """Check that fit_transform starts afresh: no moments, wide n-grams or
    vocabulary carried over from an earlier fit of another kind."""
    enc = SequenceEncoder(wide_ngram_range=(1, 2))
    enc.fit_transform(["ab", "ba"], "text")
    assert enc.wide_ is not None and enc.step_width_ == 1
    enc.fit_scaling(enc.fit_transform([np.ones(2) * 5, np.ones(3)], NUMERIC_RAGGED))
    assert enc.wide_ is None and enc.step_width_ is None and enc.mean_ is not None
    enc.standardize = False
    records = enc.fit_scaling(enc.fit_transform([np.ones(2) * 5], NUMERIC_RAGGED))
    assert enc.mean_ is None and enc.scale_ is None
    assert records.values.ravel().tolist() == [5.0, 5.0]
    assert enc.transform([np.ones(1) * 5], NUMERIC_RAGGED).values.tolist() == [[5.0]]


def test_wide_columns_follow_the_step_symbols():
    """Check each encoded step: its own ids padded to ``step_width_`` columns,
    then the record's wide n-gram ids (the same on every step)."""
    enc = SequenceEncoder(ngram_range=(1, 2), wide_ngram_range=(1, 1))
    records = enc.fit_transform(["ab", "b"], "text")
    assert enc.step_width_ == 2
    wide = enc.wide_.transform(["ab", "b"])
    steps = enc._encode_steps([enc._steps(s) for s in ["ab", "b"]]).values
    assert_array_equal(records.values[:, :2], steps)
    assert_array_equal(records.values[:, 2:], wide)
    assert records.values.shape[1] == 2 + wide.shape[1]
    single = SequenceEncoder(wide_ngram_range=(1, 1))
    values = single.fit_transform(["ab"], "text").values
    assert single.step_width_ == 1 and values[:, 0].tolist() == [1, 2]


def test_symbol_errors_read_in_full():
    text = SequenceEncoder()
    text.fit_transform(["ab"], "text")
    tokens = SequenceEncoder()
    tokens.fit_transform([["a"]], "tokens")
    feats = SequenceEncoder()
    feats.fit_transform([[{"w": "a"}]], FEATURES)
    numbers = SequenceEncoder()
    numbers.fit_transform([np.ones((2, 3))], NUMERIC_RAGGED)
    cases = [
        (
            tokens,
            [["a"], "b"],
            "tokens",
            TypeError,
            "Element 1 of X is a str; token input needs every element to be a "
            "list or tuple of tokens.",
        ),
        (
            tokens,
            [["a"], 5],
            "tokens",
            TypeError,
            "Element 1 of X is a int; token input needs every element to be a "
            "list or tuple of tokens.",
        ),
        (
            tokens,
            [["a", ["b"]]],
            "tokens",
            TypeError,
            "Element 0 of X holds a list token; tokens must be hashable scalars "
            "such as str (nested lists of uneven depth are not sequences of "
            "tokens).",
        ),
        (
            tokens,
            [["a", {"b"}]],
            "tokens",
            TypeError,
            "Element 0 of X holds a set token; tokens must be hashable scalars "
            "such as str (nested lists of uneven depth are not sequences of "
            "tokens).",
        ),
        (
            feats,
            [["a"]],
            "tokens",
            ValueError,
            "The model was fitted on features input but X holds tokens; pass "
            "the same kind of input as in fit.",
        ),
        (
            text,
            [[{"w": "a"}]],
            FEATURES,
            ValueError,
            "The model was fitted on text input but X holds features; pass the "
            "same kind of input as in fit.",
        ),
        (
            text,
            [np.ones(2)],
            NUMERIC_RAGGED,
            ValueError,
            "The model was fitted on symbol sequences but X holds numeric "
            "sequences; pass the same kind of input as in fit.",
        ),
        (
            numbers,
            ["ab"],
            "text",
            ValueError,
            "The model was fitted on numeric sequences but X holds symbol "
            "sequences; pass the same kind of input as in fit.",
        ),
        (
            numbers,
            [np.ones((2, 2))],
            NUMERIC_RAGGED,
            ValueError,
            "X has 2 features per time step, but the model was fitted with 3 "
            "features per time step.",
        ),
    ]
    for enc, X, kind, exc, message in cases:
        with _raises_exactly(exc, message):
            enc.transform(X, kind)


def test_token_input_of_arrays_and_series():
    """Check that token sequences given as arrays, and a pandas Series of
    token lists, encode as the same lists do; bare empty sequences after a
    numeric fit are empty numeric records."""
    enc = SequenceEncoder()
    expected = enc.fit_transform([["a", "b"], ["b"]], "tokens").values.tolist()
    as_arrays = [np.array(["a", "b"]), np.array(["b"])]
    assert enc.transform(as_arrays, "tokens").values.tolist() == expected
    assert enc._symbol_sequences(as_arrays, "tokens") == [["a", "b"], ["b"]]
    assert all(type(s) is list for s in enc._symbol_sequences(as_arrays, "tokens"))
    pd = pytest.importorskip("pandas")
    series = pd.Series([["a", "b"], ["b"]])
    assert enc.transform(series, "tokens").values.tolist() == expected
    numbers = SequenceEncoder()
    numbers.fit_transform([np.ones((2, 3))], NUMERIC_RAGGED)
    empty = numbers.transform([[], []], "tokens")
    assert empty.values.shape == (0, 3) and empty.lengths.tolist() == [0, 0]


def test_vocabulary_caps_ngrams_and_word_features_only():
    """Check max_ngrams exactly: ids from 1 in order of first appearance; the
    n-grams held by most records kept, ties in first-seen order; every single
    symbol kept with min_n 1, none exempt with min_n 2; word features capped
    like n-grams; None keeps everything."""
    X = ["abab", "abba", "bcbc", "cd"]
    enc = SequenceEncoder(ngram_range=(1, 2), max_ngrams=3)
    enc.fit_transform(X, "text")
    # "ab" and "ba" are held by 2 records, then "bb", "bc", "cb", "cd" by
    # one: "bb" is seen first.
    expected = {"a": 1, "b": 2, "ab": 3, "ba": 4, "bb": 5, "c": 6, "d": 7}
    assert enc.vocabulary_ == expected
    enc = SequenceEncoder(ngram_range=(2, 2), max_ngrams=2)
    enc.fit_transform(X, "text")
    assert enc.vocabulary_ == {"ab": 1, "ba": 2}
    enc = SequenceEncoder(ngram_range=(1, 2), max_ngrams=None)
    enc.fit_transform(X, "text")
    assert len(enc.vocabulary_) == 4 + 6
    enc = SequenceEncoder(word_features=True, max_ngrams=1)
    enc.fit_transform([["Dog", "dog"], ["cat"]], "tokens")
    # ("shape", "x") is the one feature both records hold.
    assert list(enc.vocabulary_) == ["Dog", "dog", ("shape", "x"), "cat"]
    enc = SequenceEncoder(max_ngrams=1)
    enc.fit_transform(X, "text")  # one symbol a step: nothing to cap
    assert list(enc.vocabulary_) == list("abcd")
