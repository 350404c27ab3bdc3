"""Vocabularies saved as one string.

A vocabulary maps each symbol (a str, or a tuple of str for word n-grams) to
an id from 1 in order of first appearance. Pickled as a dict it costs ~60
bytes a symbol and skops writes a node for each; packed, its symbols are one
string in id order, which both store as one value of about the symbols'
own length.
"""

from __future__ import annotations

_SEPARATOR = "\x1e"  # between symbols
_PART = "\x1f"  # between the parts of a tuple
_TAG = "sklearn_rnn.packed_vocabulary"


def _packed_symbol(symbol) -> str | None:
    """``"s" + symbol`` or ``"t<n>:" + parts``; None where it cannot be packed."""
    if isinstance(symbol, str):
        return None if _SEPARATOR in symbol else "s" + symbol
    if isinstance(symbol, tuple) and all(isinstance(p, str) for p in symbol):
        if any(_SEPARATOR in p or _PART in p for p in symbol):
            return None
        return f"t{len(symbol)}:" + _PART.join(symbol)
    return None


def pack_vocabulary(vocabulary: dict):
    """``(tag, symbols, count)`` for a vocabulary whose ids run 1, 2, ... in
    order and whose symbols are str or tuples of str; any other is returned
    as it is (a user's analyzer may yield other hashable tokens)."""
    if list(vocabulary.values()) != list(range(1, len(vocabulary) + 1)):
        return vocabulary
    packed = [_packed_symbol(symbol) for symbol in vocabulary]
    if None in packed:
        return vocabulary
    return (_TAG, _SEPARATOR.join(packed), len(packed))


def _symbol(text: str):
    if text[0] == "s":
        return text[1:]
    size, _, parts = text[1:].partition(":")
    return tuple(parts.split(_PART)) if int(size) else ()


def unpack_vocabulary(saved):
    """The vocabulary ``pack_vocabulary`` saved (or the dict it kept)."""
    if not (isinstance(saved, tuple) and saved and saved[0] == _TAG):
        return saved
    _, symbols, count = saved
    texts = symbols.split(_SEPARATOR) if count else []
    return {_symbol(text): i for i, text in enumerate(texts, start=1)}


class PackedVocabularyState:
    """Pickle (and skops) state of an object whose ``vocabulary_`` is saved
    packed: the encoder's and the wide term's."""

    def __getstate__(self):
        state = self.__dict__.copy()
        if "vocabulary_" in state:
            state["vocabulary_"] = pack_vocabulary(state["vocabulary_"])
        return state

    def __setstate__(self, state):
        if "vocabulary_" in state:
            state["vocabulary_"] = unpack_vocabulary(state["vocabulary_"])
        self.__dict__.update(state)
