"""Word lexicons: outside knowledge of words as tagger features."""

import copy
import gzip
import json
import pickle
import sys

import numpy as np
import pytest
from sklearn.base import clone

from sklearn_rnn import RNNSequenceTagger, WordLexicon
from sklearn_rnn.datasets import load_english_lexicons

# Two word classes that only the lexicon tells apart: no shared spelling.
NOUNS = ["apple", "bread", "chair", "delta", "ember", "flute"]
VERBS = ["gulps", "hikes", "irks", "jolts", "kneels", "lurks"]
UNSEEN = {"opal": "N", "quay": "N", "vexes": "V", "yawns": "V"}
CLUSTERS = WordLexicon(
    {
        **{w: "0010" for w in NOUNS},
        **{w: "1101" for w in VERBS},
        **{w: "0010" if t == "N" else "1101" for w, t in UNSEEN.items()},
    },
    name="cluster",
)
TAGGER = dict(word_features=False, hidden_size=8, max_iter=60, random_state=0)


def _training_set():
    X = [["the", w] for w in NOUNS] + [["it", w] for w in VERBS]
    y = [["D", "N"]] * len(NOUNS) + [["P", "V"]] * len(VERBS)
    # The context word gives the class away in training; at test it is
    # the same for both classes, so only the word itself can tell.
    return X * 3, y * 3


def _test_set():
    return [["so", w] for w in UNSEEN], [t for t in UNSEEN.values()]


def _accuracy_on_unseen(tagger):
    X, tags = _test_set()
    return np.mean([p[1] == t for p, t in zip(tagger.predict(X), tags)])


@pytest.fixture(scope="module")
def fitted():
    X, y = _training_set()
    return RNNSequenceTagger(word_lexicons=CLUSTERS, **TAGGER).fit(X, y)


def test_symbols_look_up_as_written_then_in_lowercase():
    lexicon = WordLexicon(
        {"Apple": "0110", "apple": "01", "run": ["n", "v"]}, name="c", prefixes=[1, 2]
    )
    assert lexicon.symbols("Apple") == [("c", "0110"), ("c:1", "0"), ("c:2", "01")]
    assert lexicon.symbols("APPLE") == [("c", "01"), ("c:1", "0")]
    assert lexicon.symbols("Run") == [("c", "n"), ("c", "v")]
    assert lexicon.symbols("pear") == [("c", "")]
    assert len(lexicon) == lexicon.n_words == 3
    assert "run" in lexicon and "Run" not in lexicon
    assert repr(lexicon) == "WordLexicon(<3 words>, name='c', prefixes=[1, 2])"


def test_words_without_values_are_not_entries():
    lexicon = WordLexicon({"a": "", "b": [], "c": ["", "x"]})
    assert len(lexicon) == 1 and lexicon.values("c") == ("x",)


@pytest.mark.parametrize(
    "args, error, match",
    [
        ((["a", "b"],), TypeError, "entries must be a mapping"),
        (({"a": 3},), TypeError, "The value of 'a' is 3"),
        (({1: "x"},), TypeError, "words must be str"),
        (({"a": "x\x1ey"},), ValueError, "control character"),
    ],
)
def test_bad_entries_are_named(args, error, match):
    with pytest.raises(error, match=match):
        WordLexicon(*args)


def test_bad_name_and_prefixes_are_named():
    with pytest.raises(ValueError, match="name must be a non-empty str"):
        WordLexicon({}, name="")
    with pytest.raises(ValueError, match="prefixes must be positive integers"):
        WordLexicon({}, prefixes=[0])


def test_brown_clusters_file(tmp_path):
    path = tmp_path / "paths"
    path.write_text("0010\tdog\t12\n0011\tcat\t7\n\n110\truns\t3\n", encoding="utf-8")
    lexicon = WordLexicon.from_brown_clusters(path, prefixes=[2])
    assert lexicon.name == "cluster"
    assert lexicon.symbols("dog") == [("cluster", "0010"), ("cluster:2", "00")]
    assert lexicon.values("runs") == ("110",)
    path.write_text("0010\tdog\t12\nnot bits\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"Line 2 of .*\(Liang's paths format\)"):
        WordLexicon.from_brown_clusters(path)


def test_copies_share_the_lexicon_and_pickles_come_back_equal():
    assert copy.deepcopy(CLUSTERS) is CLUSTERS
    tagger = RNNSequenceTagger(word_lexicons=[CLUSTERS])
    assert clone(tagger).word_lexicons[0] is CLUSTERS
    loaded = pickle.loads(pickle.dumps(CLUSTERS))
    assert loaded == CLUSTERS and loaded is not CLUSTERS
    assert loaded.symbols("Opal") == CLUSTERS.symbols("Opal")
    empty = pickle.loads(pickle.dumps(WordLexicon({}, name="e")))
    assert len(empty) == 0 and empty.symbols("x") == [("e", "")]


def test_unseen_words_are_tagged_by_their_lexicon_values(fitted):
    X, y = _training_set()
    without = RNNSequenceTagger(**TAGGER).fit(X, y)
    # Without the lexicon an unseen word is unknown: one tag for all four.
    assert _accuracy_on_unseen(without) == 0.5
    assert _accuracy_on_unseen(fitted) == 1.0


def test_a_single_lexicon_or_a_list_encode_alike(fitted):
    X, y = _training_set()
    as_list = RNNSequenceTagger(word_lexicons=[CLUSTERS], **TAGGER).fit(X, y)
    sentences = _test_set()[0] + X[:3]
    assert as_list.predict(sentences).tolist() == fitted.predict(sentences).tolist()


def test_bad_word_lexicons_are_named():
    X, y = _training_set()
    with pytest.raises(TypeError, match="a WordLexicon or a list of them"):
        RNNSequenceTagger(word_lexicons=[{"a": "b"}], **TAGGER).fit(X, y)
    twice = [CLUSTERS, WordLexicon({"a": "b"}, name="cluster")]
    with pytest.raises(ValueError, match="give each its own name"):
        RNNSequenceTagger(word_lexicons=twice, **TAGGER).fit(X, y)
    with pytest.raises(ValueError, match="word_lexicons"):
        RNNSequenceTagger(word_lexicons="clusters", **TAGGER).fit(X, y)


def test_warm_start_refuses_another_lexicon(fitted):
    X, y = _training_set()
    tagger = clone(fitted).set_params(warm_start=True).fit(X, y)
    other = WordLexicon({"apple": "1"}, name="cluster")
    with pytest.raises(ValueError, match="word_lexicons"):
        tagger.set_params(word_lexicons=other).fit(X, y)


def test_saved_models_read_the_lexicon(fitted, tmp_path):
    from sklearn_rnn.export import save_network
    from sklearn_rnn.standalone import load

    sentences = _test_set()[0] + [["The", "Opal"], []]
    expected = fitted.predict(sentences).tolist()
    assert pickle.loads(pickle.dumps(fitted)).predict(sentences).tolist() == expected
    path = tmp_path / "tagger.pt"
    save_network(fitted, path)
    assert load(path).predict(sentences) == expected
    skops_io = pytest.importorskip("skops.io")
    saved = tmp_path / "tagger.skops"
    skops_io.dump(fitted, saved)
    untrusted = skops_io.get_untrusted_types(file=saved)
    assert all(t.startswith("sklearn_rnn.") for t in untrusted), untrusted
    loaded = skops_io.load(saved, trusted=untrusted)
    assert loaded.predict(sentences).tolist() == expected


# ----------------------------------------------------- load_english_lexicons
def _write_tables(folder, tables):
    for name, table in tables.items():
        with gzip.open(folder / f"en_{name}.json.gz", "wt", encoding="utf-8") as f:
            json.dump(table, f)


TABLES = {
    # spaCy stores a cluster's bits as a number; 0 is "no cluster".
    "lexeme_cluster": {"Dog": 6, "dog": 6, "the": 0, "runs": 0, "Boxes": 5},
    "lemma_index": {"noun": ["dog", "box"], "verb": ["run"], "adj": [], "adv": []},
    "lemma_exc": {"verb": {"ran": ["run"]}},
    "lemma_rules": {"noun": [["s", ""], ["xes", "x"]], "verb": [["s", ""]]},
}


def test_english_lexicons_from_spacy_tables(tmp_path):
    _write_tables(tmp_path, TABLES)
    clusters, classes = load_english_lexicons(data_dir=tmp_path)
    assert (clusters.name, classes.name) == ("cluster", "wordnet")
    assert clusters.symbols("dog") == [("cluster", "110"), ("cluster:2", "11")]
    assert clusters.values("the") == ()
    assert classes.values("runs") == ("verb",)  # run + s
    assert classes.values("ran") == ("verb",)  # an irregular form
    assert classes.values("Boxes") == ("noun",)  # box + xes -> x, lowercased
    assert classes.values("the") == ()


def test_english_lexicons_name_what_is_missing(tmp_path, monkeypatch):
    _write_tables(tmp_path, {"lexeme_cluster": {}})
    with pytest.raises(FileNotFoundError, match="en_lemma_index"):
        load_english_lexicons(data_dir=tmp_path)
    monkeypatch.setitem(sys.modules, "spacy_lookups_data", None)
    with pytest.raises(ImportError, match=r"pip install spacy-lookups-data"):
        load_english_lexicons()
