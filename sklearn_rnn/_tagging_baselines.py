"""The reference points a tagger is judged by (the demo and the benchmark):
the most frequent tag of each word, and the usual sklearn-crfsuite features."""

from __future__ import annotations

from collections import Counter


def most_frequent_tag(X_train, y_train, X):
    """Each word's most frequent training tag; unseen words get the most
    frequent tag overall."""
    counts = {}
    for words, tags in zip(X_train, y_train):
        for w, t in zip(words, tags):
            counts.setdefault(w, Counter())[t] += 1
    overall = Counter(t for tags in y_train for t in tags).most_common(1)[0][0]
    return [
        [counts[w].most_common(1)[0][0] if w in counts else overall for w in s]
        for s in X
    ]


def crf_features(sentence):
    """Feature dicts of each word: lowercase form, affixes, case and digit
    flags, and the neighbouring words (sklearn-crfsuite's tutorial set)."""
    feats = []
    for i, w in enumerate(sentence):
        f = {
            "bias": 1.0,
            "lower": w.lower(),
            "suffix3": w[-3:],
            "suffix2": w[-2:],
            "prefix2": w[:2],
            "isupper": w.isupper(),
            "istitle": w.istitle(),
            "isdigit": w.isdigit(),
            "length": float(len(w)),
        }
        f.update({"-1:lower": sentence[i - 1].lower()} if i else {"BOS": True})
        if i + 1 < len(sentence):
            f["+1:lower"] = sentence[i + 1].lower()
        else:
            f["EOS"] = True
        feats.append(f)
    return feats


def proper_noun_spans(upos_sequences, label="NAME"):
    """BIO tags of the runs of proper nouns in UPOS tag sequences: the first
    ``PROPN`` of a run is ``B-NAME``, the others ``I-NAME``, every other tag
    ``O``. A span task derived exactly from a treebank's UPOS column."""
    spans = []
    for tags in upos_sequences:
        out, inside = [], False
        for tag in tags:
            if tag == "PROPN":
                out.append(f"I-{label}" if inside else f"B-{label}")
                inside = True
            else:
                out.append("O")
                inside = False
        spans.append(out)
    return spans
