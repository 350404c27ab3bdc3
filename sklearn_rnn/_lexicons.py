"""Word features from resources outside the training data.

A tagger trained on a small treebank meets many words it never saw (18% of
the English Web Treebank's test words, training on its dev set); their
spelling (affixes, shape) is all it has to go on. A lexicon built from far
more text, such as hierarchical word clusters (Brown et al. 1992, as used for
tagging by Owoputi et al. 2013) or the parts of speech a dictionary lists for
a word, tells it more. :class:`WordLexicon` holds one such resource as a
mapping from words to string values; each step of a token sequence then also
carries its word's values as symbols, beside the word and its subword
symbols.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# Pickle and skops state: the entries as three strings rather than a dict of
# a million keys (a node each in skops, ~100 bytes each in pickle).
_WORDS, _VALUES = "\x1e", "\x1f"


class WordLexicon:
    """Values of words from an outside resource, read as tagger features.

    Pass it (or a list of them) as ``word_lexicons`` of
    :class:`~sklearn_rnn.RNNSequenceTagger`: every token then also carries the
    symbols ``(name, value)`` of its word's values, looked up as written and
    else in lowercase; a word the lexicon lacks carries ``(name, "")``, which
    is evidence too (rare or misspelt words). The symbols become part of the
    vocabulary learned in ``fit``, so a word never seen in training still
    reads the values it shares with words that were.

    A lexicon is immutable: copies (``copy.deepcopy``, hence
    :func:`sklearn.base.clone` and grid searches) share it rather than copy
    a million entries.

    Parameters
    ----------
    entries : mapping of str to str or iterable of str
        Each word's value (a cluster's bit string, a part-of-speech class) or
        values.
    name : str, default="lexicon"
        Prefix of the symbols, so that two lexicons' values never collide.
    prefixes : iterable of int, default=()
        Hierarchical values (Brown clusters' bit strings, whose prefixes are
        the clusters above them): each value also yields its first ``n``
        characters for every ``n`` in ``prefixes`` shorter than it.

    Attributes
    ----------
    n_words : int
        Words with at least one value.

    See Also
    --------
    WordLexicon.from_brown_clusters : Read Percy Liang's ``paths`` file.
    sklearn_rnn.datasets.load_english_lexicons : Brown clusters and WordNet
        word classes for English, from the ``spacy-lookups-data`` package.

    Examples
    --------
    >>> from sklearn_rnn import WordLexicon
    >>> clusters = WordLexicon({"dog": "0110", "cat": "0111"}, name="cluster",
    ...                        prefixes=[2])
    >>> clusters.symbols("Cat")
    [('cluster', '0111'), ('cluster:2', '01')]
    >>> clusters.symbols("zebra")
    [('cluster', '')]
    """

    def __init__(
        self,
        entries: Mapping,
        *,
        name: str = "lexicon",
        prefixes: Iterable[int] = (),
    ):
        if not isinstance(entries, Mapping):
            raise TypeError(
                "entries must be a mapping of words to values (str or a list "
                f"of str), got {type(entries).__name__}."
            )
        if not isinstance(name, str) or not name:
            raise ValueError(f"name must be a non-empty str, got {name!r}.")
        prefixes = tuple(prefixes)
        if not all(
            isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in prefixes
        ):
            raise ValueError(
                f"prefixes must be positive integers, got {list(prefixes)!r}."
            )
        self.name = name
        self.prefixes = tuple(sorted(set(prefixes)))
        self._entries = {}
        for word, value in entries.items():
            values = self._checked(word, value)
            if values:  # a word without values reads as missing
                self._entries[word] = values

    @staticmethod
    def _checked(word, value) -> tuple:
        if not isinstance(word, str):
            raise TypeError(f"Lexicon words must be str, got {word!r}.")
        if isinstance(value, str):
            values = (value,)
        elif isinstance(value, Iterable) and not isinstance(value, bytes | Mapping):
            values = tuple(value)
        else:
            values = (value,)  # refused below, by name
        for v in values:
            if not isinstance(v, str):
                raise TypeError(
                    f"The value of {word!r} is {v!r}; lexicon values must be "
                    "str (or a list of str)."
                )
            if _WORDS in v or _VALUES in v:
                raise ValueError(
                    f"The value of {word!r} holds a control character "
                    "(\\x1e or \\x1f), which the saved lexicon uses."
                )
        return tuple(v for v in values if v)

    @classmethod
    def from_brown_clusters(
        cls, path, *, name="cluster", prefixes=(2, 4, 6, 8, 10, 12, 14, 16)
    ):
        """Read Brown clusters in the format of Percy Liang's ``wcluster``
        (its ``paths`` file: ``bits<TAB>word<TAB>count`` a line).

        Parameters
        ----------
        path : str or path-like
        name : str, default="cluster"
        prefixes : iterable of int, default=(2, 4, 6, 8, 10, 12, 14, 16)
            Prefix lengths of the bit strings also read (the clusters above
            a word's own, coarser as they get shorter).

        Returns
        -------
        lexicon : WordLexicon
        """
        entries = {}
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                parts = line.rstrip("\n").split("\t")
                if len(parts) < 2 or not set(parts[0]) <= {"0", "1"} or not parts[0]:
                    raise ValueError(
                        f"Line {number} of {path} is not 'bits<TAB>word<TAB>count' "
                        f"(Liang's paths format): {line.strip()[:80]!r}."
                    )
                entries[parts[1]] = parts[0]
        return cls(entries, name=name, prefixes=prefixes)

    @property
    def n_words(self) -> int:
        return len(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, word) -> bool:
        return word in self._entries

    def values(self, word) -> tuple:
        """The word's values, as written or else in lowercase; () if none."""
        found = self._entries.get(word)
        if found is None and isinstance(word, str):
            found = self._entries.get(word.lower())
        return found or ()

    def symbols(self, word) -> list:
        """The symbols a token of ``word`` carries: ``(name, value)`` per
        value and ``(name:n, value[:n])`` per prefix length ``n`` shorter than
        the value; ``[(name, "")]`` for a word the lexicon lacks."""
        values = self.values(word)
        if not values:
            return [(self.name, "")]
        out = []
        for value in values:
            out.append((self.name, value))
            out.extend(
                (f"{self.name}:{n}", value[:n]) for n in self.prefixes if n < len(value)
            )
        return out

    def to_dict(self) -> dict:
        """``{word: [values]}``: the entries as built-in types (for export)."""
        return {word: list(values) for word, values in self._entries.items()}

    def __repr__(self) -> str:
        extra = f", prefixes={list(self.prefixes)}" if self.prefixes else ""
        return f"WordLexicon(<{len(self):,} words>, name={self.name!r}{extra})"

    def __eq__(self, other) -> bool:
        return isinstance(other, WordLexicon) and (
            self is other
            or (
                (self.name, self.prefixes) == (other.name, other.prefixes)
                and self._entries == other._entries
            )
        )

    __hash__ = object.__hash__

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self  # immutable: clones share it

    def __getstate__(self):
        words = _WORDS.join(self._entries)
        values = _WORDS.join(_VALUES.join(v) for v in self._entries.values())
        return {
            "name": self.name,
            "prefixes": list(self.prefixes),
            "words": words,
            "values": values,
            "count": len(self._entries),
        }

    def __setstate__(self, state):
        self.name = state["name"]
        self.prefixes = tuple(state["prefixes"])
        if state["count"]:
            words = state["words"].split(_WORDS)
            values = [tuple(v.split(_VALUES)) for v in state["values"].split(_WORDS)]
        else:
            words, values = [], []
        self._entries = dict(zip(words, values))


def lexicon_symbols(lexicons, word) -> list:
    """Every lexicon's symbols for ``word`` (none for a token that is not a
    str: numbers and other hashables a user's tokens may be)."""
    if not isinstance(word, str):
        return []
    return [symbol for lexicon in lexicons for symbol in lexicon.symbols(word)]


def as_lexicon_list(word_lexicons) -> list:
    """``word_lexicons`` as a list (None: none; one lexicon: a list of it),
    checked."""
    if word_lexicons is None:
        return []
    if isinstance(word_lexicons, WordLexicon):
        return [word_lexicons]
    lexicons = list(word_lexicons)
    for lexicon in lexicons:
        if not isinstance(lexicon, WordLexicon):
            raise TypeError(
                "word_lexicons must be a WordLexicon or a list of them, got an "
                f"element of type {type(lexicon).__name__}."
            )
    names = [lexicon.name for lexicon in lexicons]
    if len(set(names)) < len(names):
        raise ValueError(
            f"word_lexicons have the names {names}; give each its own name "
            "(WordLexicon(..., name=...)) so that their values never collide."
        )
    return lexicons
