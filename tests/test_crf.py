"""The CRF output layer: its sums against brute-force enumeration of every
tag sequence, its gradients, and the tagger with ``use_crf=True``."""

import itertools
import pickle
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_rnn import RNNSequenceTagger
from sklearn_rnn import _crf as crf
from sklearn_rnn._tasks import _CRFLoss
from sklearn_rnn.metrics import invalid_bio_count

LENGTHS = [3, 1, 4, 2]


@pytest.fixture
def scores():
    """Random emissions of four padded records and random transition scores,
    float64, three tags."""
    g = torch.Generator().manual_seed(0)
    n, T, K = len(LENGTHS), max(LENGTHS), 3
    emissions = torch.randn(n, T, K, generator=g, dtype=torch.float64)
    mask = torch.as_tensor(np.arange(T)[None] < np.array(LENGTHS)[:, None])
    start, end = (torch.randn(K, generator=g, dtype=torch.float64) for _ in "se")
    transitions = torch.randn(K, K, generator=g, dtype=torch.float64)
    return emissions, mask, start, transitions, end


def brute_force(emissions, length, start, transitions, end):
    """Every tag sequence of one record with its score s(y)."""
    K = emissions.shape[-1]
    paths = list(itertools.product(range(K), repeat=length))
    scores = torch.stack(
        [
            start[y[0]]
            + sum(emissions[t, y[t]] for t in range(length))
            + sum(transitions[y[t - 1], y[t]] for t in range(1, length))
            + end[y[-1]]
            for y in paths
        ]
    )
    return paths, scores


def test_partition_marginals_and_viterbi_match_enumeration(scores):
    emissions, mask, start, transitions, end = scores
    log_z = crf.log_partition(emissions, mask, start, transitions, end)
    marginals = crf.marginals(emissions, mask, start, transitions, end)
    best = crf.viterbi(emissions, mask, start, transitions, end)
    for i, length in enumerate(LENGTHS):
        paths, path_scores = brute_force(emissions[i], length, start, transitions, end)
        assert_allclose(log_z[i], torch.logsumexp(path_scores, 0), rtol=1e-12)
        expected = torch.zeros(length, emissions.shape[-1], dtype=torch.float64)
        for path, p in zip(paths, torch.softmax(path_scores, 0)):
            expected[range(length), list(path)] += p
        assert_allclose(marginals[i, :length], expected, atol=1e-12)
        assert best[i, :length].tolist() == list(paths[int(path_scores.argmax())])


def test_negative_log_likelihood_is_minus_log_probability(scores):
    emissions, mask, start, transitions, end = scores
    rng = np.random.default_rng(1)
    tags = torch.as_tensor(rng.integers(0, 3, size=mask.shape))
    nll = crf.negative_log_likelihood(emissions, tags, mask, start, transitions, end)
    for i, length in enumerate(LENGTHS):
        paths, path_scores = brute_force(emissions[i], length, start, transitions, end)
        probability = torch.softmax(path_scores, 0)[
            paths.index(tuple(tags[i, :length].tolist()))
        ]
        assert_allclose(nll[i], -torch.log(probability), rtol=1e-10)


def test_pad_steps_change_nothing(scores):
    """A record's results alone equal its results padded in a batch."""
    emissions, mask, start, transitions, end = scores
    batch = crf.marginals(emissions, mask, start, transitions, end)
    for i, length in enumerate(LENGTHS):
        alone = emissions[i : i + 1, :length]
        one = torch.ones(1, length, dtype=torch.bool)
        assert_allclose(
            crf.marginals(alone, one, start, transitions, end)[0],
            batch[i, :length],
            rtol=1e-13,
        )
        assert_array_equal(
            crf.viterbi(alone, one, start, transitions, end)[0],
            crf.viterbi(emissions, mask, start, transitions, end)[i, :length],
        )


def test_gradients_pass_gradcheck(scores):
    emissions, mask, start, transitions, end = scores
    tags = torch.as_tensor(np.random.default_rng(2).integers(0, 3, size=mask.shape))
    inputs = [
        t.clone().requires_grad_(True) for t in (emissions, start, transitions, end)
    ]

    def nll(e, s, tr, en):
        return crf.negative_log_likelihood(e, tags, mask, s, tr, en)

    assert torch.autograd.gradcheck(nll, inputs)

    def marginal(e, s, tr, en):
        return crf.marginals(e, mask, s, tr, en)[mask]

    assert torch.autograd.gradcheck(marginal, inputs)


def test_loss_rows_sum_to_each_records_likelihood(scores):
    """The loss the training loop weighs per step: each record's steps carry
    its NLL / length, so weighting rows by the record's weight weighs whole
    records; empty records have no rows."""
    emissions, mask, start, transitions, end = scores
    lengths = np.array([3, 0, 1, 4, 2])
    flat = crf.flat_steps(emissions, mask)
    tags = torch.as_tensor(np.random.default_rng(3).integers(0, 3, size=len(flat)))
    # The loss reads the scores through MatrixRNN.crf_scores().
    module = SimpleNamespace(crf_scores=lambda: (start, transitions, end))
    rows = _CRFLoss()(flat, tags, lengths, module)
    padded_tags, _ = crf.padded_steps(tags[:, None], LENGTHS)
    expected = crf.negative_log_likelihood(
        emissions, padded_tags[..., 0], mask, start, transitions, end
    )
    per_record = torch.stack([r.sum() for r in torch.split(rows, LENGTHS)])
    assert_allclose(per_record, expected, rtol=1e-12)


# ------------------------------------------------------------------ tagger
TAGGER = dict(hidden_size=8, max_iter=40, learning_rate_init=0.05, random_state=0)


def name_corpus(n=60, seed=0):
    """Sentences with names of one or two words in BIO (B-N, I-N, O). A
    softmax per step may put I-N after O; the CRF learns that it never is."""
    rng = np.random.default_rng(seed)
    first, last = ["John", "Mary", "Ann"], ["Smith", "Lee", "Brown"]
    words = ["the", "dog", "saw", "ran", "home", "today"]
    X, y = [], []
    for _ in range(n):
        sentence, tags = [], []
        for _ in range(rng.integers(1, 4)):
            if rng.random() < 0.4:
                sentence.append(str(rng.choice(first)))
                tags.append("B-N")
                if rng.random() < 0.5:
                    sentence.append(str(rng.choice(last)))
                    tags.append("I-N")
            sentence.append(str(rng.choice(words)))
            tags.append("O")
        X.append(sentence)
        y.append(tags)
    return X, y


@pytest.fixture(scope="module")
def crf_tagger():
    X, y = name_corpus()
    return RNNSequenceTagger(use_crf=True, **TAGGER).fit(X, y), X, y


@pytest.mark.parametrize("mode", ["sgd", "minibatch", "vectorized", "packed"])
def test_every_fit_mode_learns_valid_spans(mode):
    X, y = name_corpus(n=40)
    params = dict(TAGGER, max_iter=15 if mode == "sgd" else 40)
    tagger = RNNSequenceTagger(use_crf=True, fit_mode=mode, **params).fit(X, y)
    assert tagger.score(X, y) == 1.0
    X_new, _ = name_corpus(n=40, seed=1)
    assert invalid_bio_count(tagger.predict(X_new)) == 0
    # The transition scores say so too: I-N after O scores below O after O.
    weights = tagger.transition_features_
    assert weights[("O", "I-N")] < weights[("O", "O")]


def test_marginals_are_probabilities_and_viterbi_is_consistent(crf_tagger):
    tagger, X, _ = crf_tagger
    probas = tagger.predict_proba(X[:10] + [[]])
    assert probas[-1].shape == (0, 3)
    for proba in probas[:-1]:
        assert_allclose(proba.sum(1), 1.0, rtol=1e-12)
    # Marginal decoding and Viterbi agree wherever the marginals are sure.
    for proba, tags in zip(probas, tagger.predict(X[:10])):
        sure = proba.max(1) > 0.9
        assert_array_equal(
            tagger.classes_[proba.argmax(1)][sure], np.asarray(tags)[sure]
        )


def test_a_records_tags_do_not_depend_on_its_batch(crf_tagger):
    tagger, X, _ = crf_tagger
    X_new, _ = name_corpus(n=50, seed=2)
    batch, batch_proba = tagger.predict(X_new), tagger.predict_proba(X_new)
    for i in (0, 7, 33):
        assert tagger.predict_single(X_new[i]) == batch[i]
        assert_array_equal(tagger.predict_proba([X_new[i]])[0], batch_proba[i])


def test_crfsuite_api(crf_tagger):
    tagger, X, _ = crf_tagger
    marginals = tagger.predict_marginals_single(X[0])
    assert len(marginals) == len(X[0])
    assert set(marginals[0]) == {"B-N", "I-N", "O"}
    assert tagger.predict_single(X[0]) == tagger.predict([X[0]])[0]
    features = tagger.transition_features_
    assert set(features) == set(itertools.product(tagger.classes_.tolist(), repeat=2))
    softmax = RNNSequenceTagger(**dict(TAGGER, max_iter=2)).fit(X, crf_tagger[2])
    with pytest.raises(AttributeError, match="use_crf=True"):
        _ = softmax.transition_features_


def test_sample_weight_zero_removes_a_record():
    """A record of weight 0 with contradicting tags changes nothing."""
    X, y = name_corpus(n=30)
    wrong = [["John", "Smith", "ran"]], [["O", "O", "B-N"]]
    base = RNNSequenceTagger(use_crf=True, shuffle=False, **TAGGER)
    plain = base.fit(X, y).predict_proba(X)
    weighted = (
        RNNSequenceTagger(use_crf=True, shuffle=False, **TAGGER)
        .fit(X + wrong[0], y + wrong[1], sample_weight=[1.0] * len(X) + [0.0])
        .predict_proba(X)
    )
    # float32 sums in another order (a batch one record larger) drift apart
    # over 40 epochs at a large learning rate: ~1e-4 here, against > 0.1 for
    # a record that counts.
    for a, b in zip(plain, weighted):
        assert_allclose(a, b, atol=2e-3)
    counted = (
        RNNSequenceTagger(use_crf=True, shuffle=False, **TAGGER)
        .fit(X + wrong[0] * 3, y + wrong[1] * 3)
        .predict_proba(wrong[0])[0]
    )
    assert np.abs(counted - base.predict_proba(wrong[0])[0]).max() > 0.1


def test_saved_crf_tagger_predicts_the_same(crf_tagger, tmp_path):
    from sklearn_rnn.export import save_network
    from sklearn_rnn.standalone import load

    tagger, X, _ = crf_tagger
    sentences = X[:5] + [["Unseen", "Words"], []]
    loaded = pickle.loads(pickle.dumps(tagger))
    assert loaded.predict(sentences).tolist() == tagger.predict(sentences).tolist()
    assert loaded.transition_features_ == tagger.transition_features_
    path = tmp_path / "crf.pt"
    save_network(tagger, path)
    model = load(path)
    in_float64 = pickle.loads(pickle.dumps(tagger)).set_params(
        inference_dtype="float64"
    )
    assert model.predict(sentences) == in_float64.predict(sentences).tolist()
    for a, b in zip(
        model.predict_proba(sentences), in_float64.predict_proba(sentences)
    ):
        assert_allclose(a, b, atol=1e-10)


def test_skops_round_trip(crf_tagger, tmp_path):
    sio = pytest.importorskip("skops.io")
    tagger, X, _ = crf_tagger
    path = tmp_path / "crf.skops"
    sio.dump(tagger, path)
    loaded = sio.load(path, trusted=sio.get_untrusted_types(file=path))
    assert loaded.predict(X).tolist() == tagger.predict(X).tolist()


def test_settings_the_crf_cannot_use_are_refused():
    X, y = name_corpus(n=10)
    with pytest.raises(ValueError, match="class_weight has no meaning"):
        RNNSequenceTagger(use_crf=True, class_weight="balanced").fit(X, y)
    with pytest.raises(ValueError, match="label_smoothing has no meaning"):
        RNNSequenceTagger(use_crf=True, label_smoothing=0.1).fit(X, y)
    tagger = RNNSequenceTagger(**dict(TAGGER, max_iter=2)).fit(X, y)
    with pytest.raises(ValueError, match=r"\['use_crf'\] changed"):
        tagger.set_params(use_crf=True, warm_start=True).fit(X, y)


def test_transition_scores_learn_a_hundred_times_faster():
    """One Adam update moves a parameter by about the learning rate; the
    transition scores take a hundred times that (they must end far apart
    within a tagger's few hundred updates)."""
    X, y = name_corpus(n=20)
    tagger = RNNSequenceTagger(
        use_crf=True,
        max_iter=1,
        batch_size=64,
        ema_decay=None,
        learning_rate_init=0.001,
        random_state=0,
    ).fit(X, y)
    moved = np.abs(tagger.module_.transitions.detach().numpy())
    assert moved.max() == pytest.approx(0.1, rel=1e-3)
    assert np.abs(tagger.module_.c.detach().numpy()).max() == pytest.approx(
        0.001, rel=1e-3
    )
