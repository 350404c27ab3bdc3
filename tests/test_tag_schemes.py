"""Tag schemes (BIO, BIOES): the masks of allowed tag pairs, the CRF's sums
under them, and taggers that cannot output a forbidden sequence whatever
their weights."""

import itertools
import pickle

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_rnn import RNNSequenceTagger
from sklearn_rnn import _crf as crf
from sklearn_rnn._tag_schemes import allowed_transitions, detect_scheme, first_invalid
from sklearn_rnn.metrics import invalid_bio_count

BIO = ["B-LOC", "B-PER", "I-LOC", "I-PER", "O"]
BIOES = ["B-X", "E-X", "I-X", "O", "S-X"]
TAGGER = dict(hidden_size=8, max_iter=3, random_state=0)


def test_bio_masks():
    start, transitions, end = allowed_transitions(BIO, "BIO")
    assert_array_equal(start, [True, True, False, False, True])
    assert end.all()
    allowed = {(BIO[i], BIO[j]) for i, j in zip(*np.nonzero(transitions))}
    inside = {("B-LOC", "I-LOC"), ("I-LOC", "I-LOC"), ("B-PER", "I-PER")}
    inside |= {("I-PER", "I-PER")}
    opening = set(itertools.product(BIO, ["B-LOC", "B-PER", "O"]))
    assert allowed == inside | opening


def test_bioes_masks():
    start, transitions, end = allowed_transitions(BIOES, "BIOES")
    assert_array_equal(start, [True, False, False, True, True])  # B, O, S
    assert_array_equal(end, [False, True, False, True, True])  # E, O, S
    allowed = {(BIOES[i], BIOES[j]) for i, j in zip(*np.nonzero(transitions))}
    inside = set(itertools.product(["B-X", "I-X"], ["I-X", "E-X"]))
    opening = set(itertools.product(["E-X", "O", "S-X"], ["B-X", "O", "S-X"]))
    assert allowed == inside | opening


@pytest.mark.parametrize(
    "tags, scheme",
    [
        (BIO, "BIO"),
        (["O", "B-X"], "BIO"),
        (BIOES, "BIOES"),
        (["B-X", "L-X", "U-X", "O"], "BILOU"),
        (["NOUN", "VERB"], None),
        (["B-X", "E-X", "L-X"], None),  # two schemes' prefixes
        ([0, 1], None),
        (["O", "B-"], None),
    ],
)
def test_detect_scheme(tags, scheme):
    assert detect_scheme(tags) == scheme


def test_first_invalid_names_the_sequence():
    masks = allowed_transitions(BIO, "BIO")
    index = {t: i for i, t in enumerate(BIO)}
    sequences = [[index[t] for t in s] for s in (["O", "B-LOC", "I-LOC"], [], ["O"])]
    assert first_invalid(sequences, masks) is None
    sequences.append([index["B-PER"], index["I-LOC"]])
    assert first_invalid(sequences, masks) == 3


def enumerate_allowed(emissions, length, scores, masks):
    """Score of every tag sequence of one record that the masks allow."""
    start, transitions, end = scores
    allowed_start, allowed_pairs, allowed_end = masks
    K = emissions.shape[-1]
    paths, values = [], []
    for y in itertools.product(range(K), repeat=length):
        if not (
            allowed_start[y[0]]
            and allowed_end[y[-1]]
            and all(allowed_pairs[a, b] for a, b in zip(y, y[1:]))
        ):
            continue
        paths.append(y)
        values.append(
            start[y[0]]
            + sum(emissions[t, y[t]] for t in range(length))
            + sum(transitions[y[t - 1], y[t]] for t in range(1, length))
            + end[y[-1]]
        )
    return paths, torch.stack(values)


def test_constrained_sums_and_viterbi_cover_allowed_paths_only():
    """Under BIOES masks (E-X after itself forbidden, so pads of tag 0 would
    meet -inf), the partition, marginals and best path are those of the
    allowed paths alone, and the loss and its gradients are finite."""
    g = torch.Generator().manual_seed(0)
    lengths = [4, 1, 3, 2]
    n, T, K = len(lengths), max(lengths), len(BIOES)
    emissions = torch.randn(n, T, K, generator=g, dtype=torch.float64)
    mask = torch.as_tensor(np.arange(T)[None] < np.array(lengths)[:, None])
    learned = [
        torch.randn(shape, generator=g, dtype=torch.float64, requires_grad=True)
        for shape in ((K,), (K, K), (K,))
    ]
    masks = allowed_transitions(BIOES, "BIOES")
    scores = crf.constrain(learned, masks)
    log_z = crf.log_partition(emissions, mask, *scores)
    marginals = crf.marginals(emissions, mask, *scores)
    best = crf.viterbi(emissions, mask, *scores)
    for i, length in enumerate(lengths):
        paths, values = enumerate_allowed(emissions[i], length, learned, masks)
        assert_allclose(log_z[i].item(), torch.logsumexp(values, 0).item())
        expected = np.zeros((length, K))
        for path, p in zip(paths, torch.softmax(values, 0).detach()):
            expected[range(length), list(path)] += p.item()
        assert_allclose(marginals[i, :length].detach(), expected, atol=1e-12)
        assert tuple(best[i, :length].tolist()) == paths[int(values.argmax())]
    # Gold paths that pad with tag 0 (B-X): forbidden pairs inside the pads.
    tags = torch.tensor([[0, 2, 2, 1], [4, 0, 0, 0], [3, 0, 1, 0], [0, 1, 0, 0]])
    nll = crf.negative_log_likelihood(emissions, tags, mask, *scores)
    assert torch.isfinite(nll).all()
    nll.sum().backward()
    for param, allowed in zip(learned, masks):
        assert torch.isfinite(param.grad).all()
        # Forbidden pairs learn nothing: no path through them has weight.
        assert (param.grad[~torch.as_tensor(allowed)] == 0).all()


def span_corpus(n=40, seed=0, scheme="BIO"):
    """Sentences of names (one to three words) and places among other
    words, labelled in ``scheme``."""
    rng = np.random.default_rng(seed)
    names = {"PER": ["John", "Mary", "Smith"], "LOC": ["Paris", "York", "New"]}
    words = ["the", "dog", "saw", "in", "home"]
    X, y = [], []
    for _ in range(n):
        sentence, tags = [], []
        for _ in range(rng.integers(1, 4)):
            kind = str(rng.choice(["PER", "LOC", "O"]))
            if kind == "O":
                sentence.append(str(rng.choice(words)))
                tags.append("O")
                continue
            span = [str(rng.choice(names[kind])) for _ in range(rng.integers(1, 4))]
            sentence += span
            if scheme == "BIO":
                tags += [f"B-{kind}"] + [f"I-{kind}"] * (len(span) - 1)
            elif len(span) == 1:
                tags.append(f"S-{kind}")
            else:
                tags += [f"B-{kind}", *[f"I-{kind}"] * (len(span) - 2), f"E-{kind}"]
        X.append(sentence)
        y.append(tags)
    return X, y


def adversarial(tagger):
    """Weights that favour forbidden pairs as much as floats allow: every
    step's scores put an inside tag first, and (with a CRF) the forbidden
    transitions score far above the allowed ones."""
    classes = tagger.classes_.tolist()
    inside = [i for i, t in enumerate(classes) if t[0] in "IE"]
    with torch.no_grad():
        tagger.module_.V.zero_()
        tagger.module_.c.fill_(-1e4)
        tagger.module_.c[inside] = 1e4
        if tagger.use_crf:
            for param, allowed in zip(
                tagger.module_.crf_scores(), tagger.task_.allowed_
            ):
                param.copy_(torch.where(torch.as_tensor(allowed), -1e6, 1e6))


@pytest.mark.parametrize("scheme", ["BIO", "BIOES"])
@pytest.mark.parametrize("use_crf", [False, True])
def test_no_forbidden_sequence_whatever_the_weights(scheme, use_crf):
    X, y = span_corpus(scheme=scheme)
    tagger = RNNSequenceTagger(use_crf=use_crf, **TAGGER).fit(X, y)
    assert tagger.tag_scheme_ == scheme
    assert np.isfinite(tagger.loss_curve_).all()
    masks = tagger.task_.allowed_
    index = {t: i for i, t in enumerate(tagger.classes_)}
    X_new, _ = span_corpus(n=60, seed=1, scheme=scheme)
    adversarial(tagger)
    predicted = tagger.predict(X_new)
    assert first_invalid([[index[t] for t in s] for s in predicted], masks) is None
    # Without a scheme, the same weights do produce them.
    free = pickle.loads(pickle.dumps(tagger))
    free.task_.allowed_ = None
    bad = [[index[t] for t in s] for s in free.predict(X_new)]
    assert first_invalid(bad, masks) is not None


def test_softmax_tagger_decodes_the_most_probable_allowed_sequence():
    """Without a CRF, a scheme changes predict only where the per-step
    argmax is forbidden: the result is the allowed sequence of highest
    product of per-step probabilities."""
    X, y = span_corpus()
    tagger = RNNSequenceTagger(**TAGGER).fit(X, y)
    free = RNNSequenceTagger(tag_scheme=None, **TAGGER).fit(X, y)
    X_new, _ = span_corpus(n=60, seed=1)
    assert_array_equal(
        np.concatenate(free.predict_proba(X_new)),
        np.concatenate(tagger.predict_proba(X_new)),
    )
    argmax = [free.classes_[p.argmax(1)].tolist() for p in free.predict_proba(X_new)]
    assert free.predict(X_new).tolist() == argmax
    assert invalid_bio_count(argmax) > 0  # three epochs: some are invalid
    masks = tagger.task_.allowed_
    for sentence, tags, proba in zip(
        X_new, tagger.predict(X_new), tagger.predict_proba(X_new)
    ):
        if invalid_bio_count([tagger.classes_[proba.argmax(1)]]) == 0:
            assert tags == tagger.classes_[proba.argmax(1)].tolist()
        elif len(sentence) <= 5:
            log_p = torch.log(torch.as_tensor(proba))
            zero = [torch.zeros(np.shape(m), dtype=torch.float64) for m in masks]
            paths, values = enumerate_allowed(log_p, len(sentence), zero, masks)
            best = paths[int(values.argmax())]
            assert tags == tagger.classes_[list(best)].tolist()
    assert invalid_bio_count(tagger.predict(X_new)) == 0


def test_labels_that_break_the_scheme():
    X, y = span_corpus(n=20)
    y_iob1 = [[t.replace("B-", "I-") for t in tags] for tags in y]  # IOB1-like
    assert RNNSequenceTagger(**TAGGER).fit(X, y_iob1).tag_scheme_ is None
    with pytest.raises(ValueError, match=r"y\[0\] is not a valid BIO sequence"):
        RNNSequenceTagger(tag_scheme="BIO", **TAGGER).fit(X, y_iob1)
    with pytest.raises(ValueError, match="does not belong to the BIOES scheme"):
        RNNSequenceTagger(tag_scheme="BIOES", **TAGGER).fit([["a", "b"]], [["X", "O"]])
    with pytest.raises(ValueError, match="tag_scheme"):
        RNNSequenceTagger(tag_scheme="IOB9", **TAGGER).fit(X, y)
    tagger = RNNSequenceTagger(tag_scheme=None, **TAGGER).fit(X, y)
    assert tagger.tag_scheme_ is None


def test_partial_fit_keeps_the_first_calls_scheme():
    X, y = span_corpus(n=20)
    classes = sorted({t for tags in y for t in tags})
    tagger = RNNSequenceTagger(use_crf=True, **TAGGER)
    tagger.partial_fit(X[:10], y[:10], classes=classes)
    assert tagger.tag_scheme_ == "BIO"
    tagger.partial_fit(X[10:], y[10:])
    assert tagger.tag_scheme_ == "BIO"
    with pytest.raises(ValueError, match="not a valid BIO sequence"):
        tagger.partial_fit([["in", "York"]], [["O", "I-LOC"]])


def test_saved_tagger_follows_its_scheme(tmp_path):
    from sklearn_rnn.export import save_network
    from sklearn_rnn.standalone import load

    X, y = span_corpus()
    X_new, _ = span_corpus(n=30, seed=1)
    for use_crf in (False, True):
        tagger = RNNSequenceTagger(
            use_crf=use_crf, inference_dtype="float64", **TAGGER
        ).fit(X, y)
        adversarial(tagger)
        save_network(tagger, tmp_path / "tagger.pt")
        model = load(tmp_path / "tagger.pt")
        assert model.predict(X_new) == tagger.predict(X_new).tolist()
        assert invalid_bio_count(model.predict(X_new)) == 0
