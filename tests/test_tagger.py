"""RNNSequenceTagger: outputs, y validation, masked loss, fit modes, input forms."""

import pickle

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose
from sklearn.model_selection import GridSearchCV, cross_val_score

from sklearn_rnn import RNNSequenceTagger
from sklearn_rnn.metrics import (
    flat_accuracy_score,
    flat_f1_macro_scorer,
    flat_f1_score,
    sequence_accuracy_score,
)

TAGGER = dict(hidden_size=8, max_iter=40, learning_rate_init=0.05, random_state=0)


def tiny_corpus(n=60, seed=0):
    """Sentences of a toy grammar: DET NOUN VERB [ADV], words drawn per tag;
    "run" is a NOUN after a DET and a VERB otherwise, so context matters."""
    rng = np.random.default_rng(seed)
    words = {
        "DET": ["the", "a", "this"],
        "NOUN": ["dog", "cat", "run", "bird"],
        "VERB": ["runs", "sleeps", "run", "sings"],
        "ADV": ["fast", "well"],
    }
    X, y = [], []
    for _ in range(n):
        tags = ["DET", "NOUN", "VERB"] + (["ADV"] if rng.random() < 0.5 else [])
        X.append([str(rng.choice(words[t])) for t in tags])
        y.append(tags)
    return X, y


@pytest.fixture(scope="module")
def fitted():
    X, y = tiny_corpus()
    return RNNSequenceTagger(**TAGGER).fit(X, y), X, y


def test_user_api_shapes_and_types(fitted):
    """Check predict (object array of lists), predict_proba, predict_marginals."""
    tagger, X, y = fitted
    pred = tagger.predict([["the", "dog", "runs"], []])
    assert pred.dtype == object and pred.shape == (2,)
    assert pred[0] == ["DET", "NOUN", "VERB"] and pred[1] == []
    proba = tagger.predict_proba([["the", "dog"], ["a"]])
    assert [p.shape for p in proba] == [(2, 4), (1, 4)]
    assert_allclose([p.sum(1) for p in proba][0], 1.0)
    marginals = tagger.predict_marginals([["the", "dog"]])
    assert list(marginals[0][0]) == ["ADV", "DET", "NOUN", "VERB"]
    assert all(type(k) is str for k in marginals[0][0])
    assert marginals[0][0]["DET"] == pytest.approx(proba[0][0, 1])
    assert tagger.score(X, y) == flat_accuracy_score(y, tagger.predict(X))
    assert tagger.score(X, y) == 1.0


def test_context_decides_an_ambiguous_word(fitted):
    """Check that "run" is a NOUN after a determiner and a VERB after a noun."""
    tagger, _, _ = fitted
    assert tagger.predict(
        [["the", "run", "sleeps"], ["the", "cat", "run"]]
    ).tolist() == [
        ["DET", "NOUN", "VERB"],
        ["DET", "NOUN", "VERB"],
    ]


@pytest.mark.parametrize(
    "y,match",
    [
        ([["A", "B"], ["A"]], r"Record 1 has 2 steps but y\[1\] has 1 labels"),
        (["AB", "AB"], r"y\[0\] is a str"),
        ("AB", "y must be a list of label sequences"),
        ([["A", "B"]], "inconsistent numbers of samples"),
        ([["A", "A"], ["A", "A"]], "at least 2 classes"),
        ([[1.5, 2.5], [1.5, 1.5]], "Unknown label type"),
    ],
)
def test_y_validation(y, match):
    """Check the y-validation matrix: clear errors that name the problem."""
    with pytest.raises(ValueError, match=match):
        RNNSequenceTagger(**TAGGER).fit([["a", "b"], ["c", "d"]], y)


def test_only_seen_tags_are_predicted_and_empty_records_are_valid(fitted):
    """Check that predictions use fitted tags only and empty records give []."""
    tagger, X, y = fitted
    pred = tagger.predict([["unknown", "words", "here"], [], ["the"]])
    assert {t for p in pred for t in p} <= set(tagger.classes_)
    assert [len(p) for p in pred] == [3, 0, 1]
    refit = RNNSequenceTagger(**TAGGER).fit(X + [[]], y + [[]])
    assert refit.predict([[]])[0] == []


@pytest.mark.parametrize("pooling", ["mean", "max", "concat"])
def test_pooling_has_no_effect_on_tagging(pooling):
    """Check the documented promise: the head reads every step's state, so
    any pooling trains and predicts what the default does."""
    X, y = tiny_corpus(20)
    params = dict(TAGGER, max_iter=3)
    expected = RNNSequenceTagger(**params).fit(X, y).predict_proba(X)
    got = RNNSequenceTagger(**params, pooling=pooling).fit(X, y).predict_proba(X)
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)


def test_loss_is_the_mean_over_real_steps_only():
    """Check the masked loss: the training loss equals the per-step cross-entropy
    averaged over real steps, computed record by record without padding."""
    X, y = tiny_corpus(n=12)
    params = dict(
        TAGGER,
        max_iter=1,
        dropout=0.0,
        symbol_dropout=0.0,
        shuffle=False,
        learning_rate_init=1e-12,
    )
    tagger = RNNSequenceTagger(batch_size=12, **params).fit(X, y)
    module = tagger.module_
    module.forward_mode = "loop"
    total, count = 0.0, 0
    for words, tags in zip(X, y):
        logits = tagger._step_logits([words])[0]
        target = np.searchsorted(tagger.classes_, tags)
        log_p = torch.log_softmax(torch.as_tensor(logits), 1).numpy()
        total -= log_p[np.arange(len(tags)), target].sum()
        count += len(tags)
    assert tagger.loss_curve_[0] == pytest.approx(total / count, rel=1e-4)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_fit_modes_make_the_same_updates(cell):
    """Check that minibatch, vectorized and packed give the same losses and the
    same per-step outputs, and sgd equals vectorized with batches of one."""
    X, y = tiny_corpus(n=30)
    # No dropout of any kind: its masks are drawn per mode.
    params = dict(
        TAGGER, max_iter=3, cell=cell, dropout=0.0, symbol_dropout=0.0, num_layers=2
    )
    fits = {
        mode: RNNSequenceTagger(fit_mode=mode, **params).fit(X, y)
        for mode in ("minibatch", "vectorized", "packed")
    }
    ref = fits["vectorized"]
    for mode in ("minibatch", "packed"):
        assert_allclose(fits[mode].loss_curve_, ref.loss_curve_, rtol=1e-4)
        for a, b in zip(fits[mode].predict_proba(X), ref.predict_proba(X)):
            assert_allclose(a, b, atol=1e-4)
    sgd = RNNSequenceTagger(fit_mode="sgd", **params).fit(X, y)
    one = RNNSequenceTagger(fit_mode="vectorized", batch_size=1, **params).fit(X, y)
    assert_allclose(sgd.loss_curve_, one.loss_curve_, rtol=1e-4)


@pytest.mark.parametrize(
    "X",
    [
        ["abc", "ba", "cab"],  # strings: one tag per character
        [
            np.array([[0.0], [1.0], [2.0]]),
            np.array([[1.0], [0.0]]),
            np.array([[2.0]] * 3),
        ],
        np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 2.0], [2.0, 2.0, 0.0]]),
    ],
    ids=["text", "ragged", "array"],
)
def test_other_input_forms_tag_each_step(X):
    """Check that characters and numeric time steps each get a tag."""
    y = [
        [
            "lo" if str(v).strip("[]. ") in ("a", "0", "1", "0.0", "1.0") else "hi"
            for v in seq
        ]
        for seq in X
    ]
    tagger = RNNSequenceTagger(**dict(TAGGER, max_iter=60)).fit(X, y)
    pred = tagger.predict(X)
    assert [len(p) for p in pred] == [len(s) for s in X]
    assert flat_accuracy_score(y, pred) >= 0.8


def crf_features(sentence):
    """A crfsuite user's featurizer: str values, bools and numbers."""
    return [
        {
            "word.lower()": w.lower(),
            "suffix": w[-2:],
            "istitle": w.istitle(),
            "length": len(w) / 5,
            "BOS": i == 0,
        }
        for i, w in enumerate(sentence)
    ]


def test_crfsuite_feature_dicts():
    """Check that sklearn-crfsuite's input form trains and that numeric values
    act as weights (0 drops the feature, 2 doubles it)."""
    X, y = tiny_corpus()
    feats = [crf_features(s) for s in X]
    tagger = RNNSequenceTagger(**TAGGER).fit(feats, y)
    assert tagger.score(feats, y) >= 0.95
    assert "word.lower()=dog" in tagger.encoder_.vocabulary_
    assert "BOS" in tagger.encoder_.vocabulary_  # True counts as weight 1
    base = [{"word.lower()": "dog", "length": 1.0}]
    absent = [{"word.lower()": "dog"}]
    zero = [{"word.lower()": "dog", "length": 0.0}]
    double = [{"word.lower()": "dog", "length": 2.0}]
    p = [tagger.predict_proba([x])[0] for x in (base, absent, zero, double)]
    assert_allclose(p[1], p[2])
    assert not np.allclose(p[0], p[1]) and not np.allclose(p[0], p[3])
    with pytest.raises(TypeError, match="must be str"):
        tagger.predict([[{"word": ["a", "list"]}]])
    with pytest.raises(ValueError, match="fitted on features input"):
        tagger.predict([["the", "dog"]])


def test_word_features_tag_unseen_words_from_their_spelling():
    """Check that suffix and shape symbols carry unseen words: names and "-ly"
    adverbs never seen in fit, on either side of the verb (so position alone
    cannot tell them apart), are tagged from their spelling."""
    rng = np.random.default_rng(0)
    names = ["Anna", "Boris", "Carla", "Dmitri", "Elena", "Farid"]
    adverbs = ["quickly", "slowly", "gladly", "softly", "boldly", "calmly"]
    X, y = [], []
    for _ in range(120):
        name, adverb = str(rng.choice(names[:4])), str(rng.choice(adverbs[:4]))
        if rng.random() < 0.5:
            X.append([name, "sings", adverb])
            y.append(["PROPN", "VERB", "ADV"])
        else:
            X.append([adverb, "sings", name])
            y.append(["ADV", "VERB", "PROPN"])
    unseen = [["Farid", "sings", "calmly"], ["boldly", "sings", "Elena"]]
    expected = [["PROPN", "VERB", "ADV"], ["ADV", "VERB", "PROPN"]]
    with_features = RNNSequenceTagger(**TAGGER).fit(X, y)
    assert with_features.predict(unseen).tolist() == expected
    # Without them an unseen word is the unknown symbol wherever it stands: the
    # first words of the two sentences look alike, so one of them must be wrong.
    without = RNNSequenceTagger(word_features=False, **TAGGER).fit(X, y)
    assert without.predict(unseen).tolist() != expected


def test_sample_weight_per_sequence_and_class_weight_per_tag():
    """Check that a zero-weight sequence is ignored and class_weight raises a tag."""
    X = [["a", "b"], ["a", "b"], ["a", "b"]]
    y = [["X", "Y"], ["X", "Y"], ["Z", "Y"]]
    weighted = RNNSequenceTagger(**TAGGER).fit(X, y, sample_weight=[0, 0, 1])
    assert weighted.predict([["a", "b"]])[0] == ["Z", "Y"]
    balanced = RNNSequenceTagger(class_weight={"X": 1.0, "Y": 1.0, "Z": 50.0}, **TAGGER)
    assert balanced.fit(X, y).predict([["a", "b"]])[0] == ["Z", "Y"]
    assert RNNSequenceTagger(**TAGGER).fit(X, y).predict([["a", "b"]])[0] == ["X", "Y"]


def test_metrics_and_scorers():
    """Check the flat and sequence metrics and that scorers drive model selection."""
    y_true = [["A", "B"], ["A"], []]
    y_pred = [["A", "A"], ["A"], []]
    assert flat_accuracy_score(y_true, y_pred) == pytest.approx(2 / 3)
    assert sequence_accuracy_score(y_true, y_pred) == pytest.approx(2 / 3)
    assert flat_f1_score(y_true, y_pred, average="micro") == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="Sequence 0 has 2 labels in y_true but 1"):
        flat_accuracy_score(y_true, [["A"], ["A"], []])
    X, y = tiny_corpus(n=40)
    scores = cross_val_score(RNNSequenceTagger(**dict(TAGGER, max_iter=10)), X, y, cv=2)
    assert scores.shape == (2,) and np.all(scores > 0.5)
    search = GridSearchCV(
        RNNSequenceTagger(**dict(TAGGER, max_iter=10)),
        {"hidden_size": [4, 8]},
        scoring=flat_f1_macro_scorer,
        cv=2,
        n_jobs=2,
    ).fit(X, y)
    assert search.best_score_ > 0.5


def test_pickle_roundtrip_predicts_the_same(fitted):
    """Check that a pickled tagger predicts exactly as the original."""
    tagger, X, _ = fitted
    clone = pickle.loads(pickle.dumps(tagger))
    for a, b in zip(clone.predict_proba(X), tagger.predict_proba(X)):
        np.testing.assert_array_equal(a, b)


def test_exported_tagger_tags_the_same_without_the_library(fitted, tmp_path):
    """Check save_network + standalone.py on a tagger: the same per-step
    probabilities and tags, word features included."""
    from sklearn_rnn.export import save_network
    from sklearn_rnn.standalone import load

    tagger, X, _ = fitted
    path = tmp_path / "tagger.pt"
    save_network(tagger, path)
    model = load(path)
    sentences = X[:5] + [["Unseen", "words"], []]
    # standalone.py computes in float64: compare with the library's float64.
    in_float64 = pickle.loads(pickle.dumps(tagger)).set_params(
        inference_dtype="float64"
    )
    for a, b in zip(
        model.predict_proba(sentences), in_float64.predict_proba(sentences)
    ):
        assert_allclose(a, b, atol=1e-10)
    assert model.predict(sentences) == in_float64.predict(sentences).tolist()


def test_exported_feature_dict_tagger(tmp_path):
    """Check the standalone file on sklearn-crfsuite's input form."""
    from sklearn_rnn.export import export_network
    from sklearn_rnn.standalone import StandaloneRNN

    X, y = tiny_corpus(n=20)
    feats = [crf_features(s) for s in X]
    tagger = RNNSequenceTagger(
        **dict(TAGGER, max_iter=5), inference_dtype="float64"
    ).fit(feats, y)
    model = StandaloneRNN(export_network(tagger))
    for a, b in zip(model.predict_proba(feats), tagger.predict_proba(feats)):
        assert_allclose(a, b, atol=1e-10)


def test_early_stopping_holds_out_whole_sentences():
    """Check that early stopping splits per-step targets with their records:
    the validation loss is recorded and the tagger still learns."""
    X, y = tiny_corpus(n=60)
    tagger = RNNSequenceTagger(
        early_stopping=True, validation_fraction=0.25, **dict(TAGGER, max_iter=30)
    ).fit(X, y)
    assert len(tagger.validation_loss_curve_) == tagger.n_iter_
    assert min(tagger.validation_loss_curve_) < 0.5 * tagger.validation_loss_curve_[0]
    assert tagger.score(X, y) > 0.9
