"""English word lexicons for tagging, from spaCy's lookup tables."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from sklearn_rnn._lexicons import WordLexicon

WORD_CLASSES = ("adj", "adv", "noun", "verb")


def _spacy_lookups_dir() -> Path:
    try:
        import spacy_lookups_data
    except ImportError as error:
        raise ImportError(
            "load_english_lexicons reads the tables of the spacy-lookups-data "
            "package: pip install spacy-lookups-data (in a clone of "
            "sklearn-rnn: pip install -e '.[lexicons]'), or pass data_dir."
        ) from error
    return Path(spacy_lookups_data.__file__).parent / "data"


def _table(folder: Path, name: str):
    path = folder / f"en_{name}.json.gz"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: no en_{name} table in {folder}.")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return json.load(f)


def _word_classes(word: str, lemmas, exceptions, rules) -> str:
    """The WordNet classes whose lemmas ``word`` may inflect, joined by "+"
    ("noun+verb" for "runs"); "" for none. A lemma is the word itself, an
    irregular form's lemma, or the word with a regular suffix replaced."""
    found = []
    for pos in WORD_CLASSES:
        candidates = {word, *exceptions.get(pos, {}).get(word, ())}
        for old, new in rules.get(pos, ()):
            if old and word.endswith(old):
                candidates.add(word[: len(word) - len(old)] + new)
        if not candidates.isdisjoint(lemmas[pos]):
            found.append(pos)
    return "+".join(found)


def load_english_lexicons(*, data_dir=None) -> list:
    """Brown clusters and WordNet word classes of English words, as lexicons
    for :class:`~sklearn_rnn.RNNSequenceTagger` (``word_lexicons=``).

    Both come from the lookup tables of spaCy (the ``spacy-lookups-data``
    package, MIT license; install with ``pip install spacy-lookups-data``, or
    ``pip install -e ".[lexicons]"`` in a clone of sklearn-rnn):

    - ``cluster``: the Brown cluster (Brown et al. 1992) of 190,000 words, one
      of 1,000 clusters learned from unlabelled web text, as its bit string
      with its prefixes of 2, 4, ..., 16 bits (the clusters above it). spaCy
      stores each string as a number, so leading zeros are lost: clusters
      stay distinct, but a prefix may group clusters from two branches.
    - ``wordnet``: the WordNet 3.0 classes (adj, adv, noun, verb; WordNet's
      license, Princeton University) whose lemmas a word may be a form of,
      through WordNet's irregular forms or spaCy's regular suffix rules
      ("runs": "noun+verb"), for the lowercase forms of the words in the
      cluster table and WordNet's own lemmas.

    On the English Web Treebank, training on its dev set, they take the
    tagger's UPOS accuracy on the test set from 0.921 to 0.938, most of it on
    words never seen in training (``benchmarks/tagging.py --lexicons``).

    Parameters
    ----------
    data_dir : str or path-like, default=None
        The folder of the ``en_*.json.gz`` tables (``en_lexeme_cluster``,
        ``en_lemma_index``, ``en_lemma_exc``, ``en_lemma_rules``); None reads
        them from the installed ``spacy-lookups-data``.

    Returns
    -------
    lexicons : list of WordLexicon
        ``[clusters, word_classes]``, named "cluster" and "wordnet".

    Examples
    --------
    >>> from sklearn_rnn import RNNSequenceTagger
    >>> from sklearn_rnn.datasets import load_english_lexicons
    >>> tagger = RNNSequenceTagger(
    ...     word_lexicons=load_english_lexicons())  # doctest: +SKIP
    """
    folder = Path(data_dir) if data_dir is not None else _spacy_lookups_dir()
    # spaCy's number 0 is "no cluster".
    numbers = _table(folder, "lexeme_cluster")
    clusters = WordLexicon(
        {word: format(n, "b") for word, n in numbers.items() if n},
        name="cluster",
        prefixes=range(2, 17, 2),
    )
    index = _table(folder, "lemma_index")
    lemmas = {pos: set(index.get(pos, ())) for pos in WORD_CLASSES}
    exceptions = _table(folder, "lemma_exc")
    rules = _table(folder, "lemma_rules")
    words = {word.lower() for word in numbers}
    words.update(*lemmas.values())
    for forms in exceptions.values():
        words.update(forms)
    classes = {w: _word_classes(w, lemmas, exceptions, rules) for w in words}
    return [clusters, WordLexicon(classes, name="wordnet")]
